import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
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

/** Amazon SES v2, for AWS deployments. */
export function createSesMailer(options: { from: string; client?: SESv2Client; region?: string }): Mailer {
  const client = options.client ?? new SESv2Client(options.region ? { region: options.region } : {});
  return {
    async send(message: MailMessage) {
      await client.send(
        new SendEmailCommand({
          FromEmailAddress: options.from,
          Destination: { ToAddresses: [message.to] },
          Content: {
            Simple: {
              Subject: { Data: message.subject, Charset: 'UTF-8' },
              Body: { Text: { Data: message.text, Charset: 'UTF-8' } },
            },
          },
          EmailTags: [{ Name: 'kind', Value: message.kind }],
        }),
      );
    },
  };
}
