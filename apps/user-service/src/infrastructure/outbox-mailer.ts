import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Mailer, MailMessage } from '../application/ports.js';

/**
 * The embedded mailer: one JSON line per message in an outbox file, which a developer (or a test) reads
 * instead of an inbox. Appends of one line are atomic enough for a single process.
 */
export function createOutboxMailer(file: string): Mailer {
  let ready: Promise<unknown> | undefined;
  return {
    async send(message: MailMessage) {
      ready ??= mkdir(dirname(file), { recursive: true });
      await ready;
      const { to, kind, userId, token, subject, text } = message;
      await appendFile(file, `${JSON.stringify({ to, kind, userId, token, subject, text })}\n`, { mode: 0o600 });
    },
  };
}
