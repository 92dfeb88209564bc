import { EnvReader, checks, type Env } from '@user-service/env-config';

/** What `pnpm start:local-aws` runs, parsed once from the environment. */
export interface DevStackConfig {
  /** `HOST`, `PORT`: where the user service listens, as for `pnpm start`. */
  readonly host: string;
  readonly port: number;
  /** `DATA_DIR`: the mail outbox and the relay's checkpoints. */
  readonly dataDir: string;
  /** `DYNAMODB_PORT`, `SNS_SQS_PORT`: the emulators' ports on 127.0.0.1; 0 picks a free one. */
  readonly dynamoDbPort: number;
  readonly snsSqsPort: number;
  readonly eventStoreTable: string;
  /** The blue read-model table; the green one is `<name>-green`. */
  readonly readModelTable: string;
  /** `SENT_MAIL_TABLE`: the mailer's ledger of sent mails. */
  readonly sentMailTable: string;
  readonly topicName: string;
  /** The consuming service, and so its queue `<consumer>.fifo` and DLQ `<consumer>-dlq.fifo`. */
  readonly consumer: string;
  /** `QUEUE_VISIBILITY_TIMEOUT_SECONDS`, `MAX_RECEIVE_COUNT`: how soon a failed message is retried, and how often. */
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
}

export const DEV_STACK_USAGE = `Usage: pnpm start:local-aws

Runs the AWS design on this machine: DynamoDB Local, the SNS/SQS emulator (fauxqs), the tables, the topic
and the consumer's queues, and the user service, the stream relay, the projector and the mailer (mail goes to DATA_DIR/outbox/mail.jsonl
through the topic and the mailer's own queue). Ctrl-C stops it all.

Environment (default):
  HOST                              the user service's address (127.0.0.1)
  PORT                              the user service's port (3000)
  DATA_DIR                          mail outbox and relay checkpoints (./data/local-aws)
  DYNAMODB_PORT                     DynamoDB Local's port, 0 for a free one (8000)
  SNS_SQS_PORT                      the SNS/SQS emulator's port, 0 for a free one (4566)
  EVENT_STORE_TABLE                 (user-events)
  READ_MODEL_TABLE                  the blue read-model table; green is <name>-green (user-read-model)
  SENT_MAIL_TABLE                   the mailer's ledger of sent mails, one item per event (user-sent-mails)
  TOPIC_NAME                        the SNS FIFO topic (user-events.fifo)
  CONSUMER                          the projector's consumer name, so its queue <name>.fifo (projector)
  QUEUE_VISIBILITY_TIMEOUT_SECONDS  before a failed message is received again (30)
  MAX_RECEIVE_COUNT                 receives before a message moves to the DLQ (5); the mailer's queue alike`;

/** Parses the environment once; throws a ConfigError naming every bad variable. */
export function loadDevStackConfig(env: Env, cwd: string): DevStackConfig {
  const read = new EnvReader(env);
  const config: DevStackConfig = {
    host: read.string('HOST', '127.0.0.1'),
    // Not 0: the banner and the health check need the port the service listens on.
    port: read.integer('PORT', 3000, 1, 65_535),
    dataDir: read.path('DATA_DIR', './data/local-aws', cwd),
    dynamoDbPort: read.integer('DYNAMODB_PORT', 8000, 0, 65_535),
    snsSqsPort: read.integer('SNS_SQS_PORT', 4566, 0, 65_535),
    eventStoreTable: read.optional('EVENT_STORE_TABLE', checks.tableName) ?? 'user-events',
    readModelTable: read.optional('READ_MODEL_TABLE', checks.tableName) ?? 'user-read-model',
    sentMailTable: read.optional('SENT_MAIL_TABLE', checks.tableName) ?? 'user-sent-mails',
    topicName: read.string('TOPIC_NAME', 'user-events.fifo'),
    consumer: read.string('CONSUMER', 'projector'),
    visibilityTimeoutSeconds: read.integer('QUEUE_VISIBILITY_TIMEOUT_SECONDS', 30, 0, 43_200),
    maxReceiveCount: read.integer('MAX_RECEIVE_COUNT', 5, 1, 1000),
  };
  // The mailer's queue is always `mailer.fifo`: the projector's may not take its name.
  if (config.consumer === 'mailer') read.problem('CONSUMER="mailer" is the mailer\'s own queue: name the projector\'s another');
  read.done();
  return config;
}
