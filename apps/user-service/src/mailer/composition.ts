import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { createDynamoDbEventStore } from '@user-service/event-store/dynamodb';
import { createPersonalDataEventStore } from '@user-service/personal-data';
import { openDynamoDbDataKeys } from '@user-service/personal-data/dynamodb';
import type { Logger } from 'pino';
import { RESET_TOKEN_KEY_PURPOSE, createMailComposer } from '../application/mail.js';
import { createMailConsumer } from '../application/mail-consumer.js';
import type { Mailer } from '../application/ports.js';
import { stateAtVersion } from '../application/user-states.js';
import { dynamoDbSentMails } from '../infrastructure/dynamodb-sent-mails.js';
import { createJwtService } from '../infrastructure/jwt.js';
import { createOutboxMailer } from '../infrastructure/outbox-mailer.js';
import { deriveKey } from '../infrastructure/service-secret.js';
import { createMailBatch, type MailBatch } from './batch.js';
import type { MailerConfig } from './config.js';

/** The wired mailer of one process or Lambda execution environment. */
export interface MailerRuntime {
  readonly batch: MailBatch;
  close(): Promise<void>;
}

/** Parts a host or a test may supply: SES with tracing, a mailer with faults, a shared client, a clock. */
export interface MailerOverrides {
  readonly mailer?: Mailer;
  /** The runtime leaves it open; its owner closes it. */
  readonly dynamoDbClient?: DynamoDBClient;
  readonly metrics?: Metrics;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * The mailer consumer's composition root: the event store (read only, for a reset mail's address), the
 * sent-mail ledger, the composer with the service's own keys, and SES or the outbox.
 */
export async function composeMailer(
  config: MailerConfig & { readonly jwtSecret: string },
  log: Logger,
  overrides: MailerOverrides = {},
): Promise<MailerRuntime> {
  const now = overrides.now ?? Date.now;
  const client =
    overrides.dynamoDbClient ?? new DynamoDBClient(config.dynamoDbEndpoint === undefined ? {} : { endpoint: config.dynamoDbEndpoint });
  // The address a reset mail goes to is sealed in the store: it is read through the users' keys, and an
  // erased user's reads as forgotten, which the composer sends no mail to.
  const { keys } = await openDynamoDbDataKeys({
    client,
    tableName: config.eventStoreTable,
    kmsKeyId: config.kmsKeyId,
    keySecret: config.jwtSecret,
  });
  const eventStore = createPersonalDataEventStore(createDynamoDbEventStore({ client, tableName: config.eventStoreTable }), { keys });
  const composer = createMailComposer({
    // Sessions are not the mailer's business: it only issues confirmation tokens, with the service's key.
    tokens: createJwtService({
      secret: config.jwtSecret,
      sessionTtlSeconds: 60,
      emailConfirmationTtlSeconds: config.emailConfirmationTtlSeconds,
    }),
    resetTokenSecret: deriveKey(config.jwtSecret, RESET_TOKEN_KEY_PURPOSE),
    publicUrl: config.publicUrl,
    passwordResetTtlSeconds: config.passwordResetTtlSeconds,
    emailConfirmationTtlSeconds: config.emailConfirmationTtlSeconds,
    stateAt: (userId, version) => stateAtVersion(eventStore, userId, version),
  });
  const mailer =
    overrides.mailer ??
    (config.mailer.kind === 'ses'
      ? (await import('../infrastructure/ses-mailer.js')).createSesMailer(config.mailer)
      : createOutboxMailer(join(config.dataDir, 'outbox', 'mail.jsonl')));
  const consumer = createMailConsumer({
    composer,
    mailer,
    ledger: dynamoDbSentMails({ client, tableName: config.sentMailTable }),
    now,
    leaseMs: config.leaseSeconds * 1000,
  });
  return {
    batch: createMailBatch({ consumer, log, now, ...(overrides.metrics ? { metrics: overrides.metrics } : {}) }),
    async close() {
      await eventStore.close();
      if (overrides.dynamoDbClient === undefined) client.destroy();
    },
  };
}
