import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Mailer, MailMessage } from '../application/ports.js';

/**
 * The embedded mailer: one JSON line per message in an outbox file, which a developer (or a test) reads
 * instead of an inbox. It knows what it sent (each line names its event), so a mail follower that crashed
 * before saving its position sends nothing twice. Appends of one line are atomic enough for one process.
 */
export function createOutboxMailer(file: string): Mailer {
  let sentEvents: Promise<Set<string>> | undefined;
  const load = async () => {
    await mkdir(dirname(file), { recursive: true });
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    // A crash mid-append leaves a torn last line: end it, so that the next mail starts a line of its own.
    if (text !== '' && !text.endsWith('\n')) await appendFile(file, '\n');
    const ids = new Set<string>();
    for (const line of text.split('\n')) {
      // A line torn by a crash is not a sent mail: its mail is sent again.
      if (!line.endsWith('}')) continue;
      try {
        const { eventId } = JSON.parse(line) as { eventId?: unknown };
        if (typeof eventId === 'string') ids.add(eventId);
      } catch {
        continue;
      }
    }
    return ids;
  };
  return {
    async send(message: MailMessage) {
      const sent = await (sentEvents ??= load());
      const { eventId, to, kind, userId, token, subject, text } = message;
      await appendFile(file, `${JSON.stringify({ eventId, to, kind, userId, token, subject, text })}\n`, { mode: 0o600 });
      sent.add(eventId);
    },
    async sent(eventId: string) {
      return (await (sentEvents ??= load())).has(eventId);
    },
  };
}
