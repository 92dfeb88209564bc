import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import type { Mailer, MailMessage } from '../application/ports.js';

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
