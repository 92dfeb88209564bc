import { EnvReader, checks, type Env, type LogLevel } from '@user-service/env-config';
import { readJwtSecret, readMailer, readTokenLifetimes, type Config } from '../config.js';

/**
 * The mailer consumer's configuration, parsed once at start-up (Lambda cold start or worker process). Its
 * secret, token lifetimes and public URL must be the user service's: the tokens it mails are the ones the
 * service accepts.
 */
export interface MailerConfig
  extends Pick<Config, 'jwtSecret' | 'jwtSecretArn' | 'passwordResetTtlSeconds' | 'emailConfirmationTtlSeconds' | 'mailer'> {
  readonly logLevel: LogLevel;
  /** `DATA_DIR`: where the outbox (`MAILER=outbox`) is written, as `outbox/mail.jsonl`. */
  readonly dataDir: string;
  /** `PUBLIC_URL`: where clients reach the API, for the mails' text. */
  readonly publicUrl: string;
  /** `EVENT_STORE_TABLE`: read only, for the address a reset mail goes to. */
  readonly eventStoreTable: string;
  /** `SENT_MAIL_TABLE`: the ledger of claimed and sent mails, one item per event. */
  readonly sentMailTable: string;
  /** `DYNAMODB_ENDPOINT`, for DynamoDB Local; absent on AWS. */
  readonly dynamoDbEndpoint: string | undefined;
  /**
   * `KMS_KEY_ID`: the key that wraps users' data keys, to open the sealed address a reset mail goes to.
   * Absent on DynamoDB Local, where the wrapping key derives from the JWT secret, as the service's does.
   */
  readonly kmsKeyId: string | undefined;
  /**
   * `MAIL_LEASE_SECONDS`: how long a delivery's claim holds before a redelivery may take it over. At least
   * the Lambda timeout, at most the queue's visibility timeout.
   */
  readonly leaseSeconds: number;
}

/** The local worker's configuration: the mailer's, and the queue it polls. */
export interface MailerWorkerConfig extends MailerConfig {
  /** `QUEUE_URL`: the mailer's SQS FIFO queue. */
  readonly queueUrl: string;
  /** `SQS_ENDPOINT`, for a local emulator; absent on AWS. */
  readonly sqsEndpoint: string | undefined;
  /** `WAIT_TIME_SECONDS`: how long one receive long-polls, 0 to 20. */
  readonly waitTimeSeconds: number;
  /** `WORKER_CONCURRENCY`: receive loops at once, 1 to 10. */
  readonly concurrency: number;
  /** `WORKER_BATCH_WINDOW_MS`: how long the worker gathers a batch, as the projector's worker does. */
  readonly batchWindowMs: number;
}

/** Parses the Lambda handler's configuration; throws a ConfigError naming every bad variable. */
export function loadMailerConfig(env: Env, cwd: string = process.cwd()): MailerConfig {
  const read = new EnvReader(env);
  const config = readMailerConfig(read, cwd);
  read.done();
  return config;
}

/** Parses the worker's configuration; throws a ConfigError naming every bad variable. */
export function loadMailerWorkerConfig(env: Env, cwd: string = process.cwd()): MailerWorkerConfig {
  const read = new EnvReader(env);
  const config: MailerWorkerConfig = {
    ...readMailerConfig(read, cwd),
    queueUrl: read.required('QUEUE_URL', checks.queueUrl),
    sqsEndpoint: read.optional('SQS_ENDPOINT', checks.httpUrl),
    waitTimeSeconds: read.integer('WAIT_TIME_SECONDS', 20, 0, 20),
    concurrency: read.integer('WORKER_CONCURRENCY', 2, 1, 10),
    batchWindowMs: read.integer('WORKER_BATCH_WINDOW_MS', 100, 0, 5000),
  };
  read.done();
  return config;
}

function readMailerConfig(read: EnvReader, cwd: string): MailerConfig {
  const when = { when: 'for the mailer' };
  return {
    logLevel: read.logLevel(),
    dataDir: read.path('DATA_DIR', './data', cwd),
    ...readJwtSecret(read),
    ...readTokenLifetimes(read),
    mailer: readMailer(read),
    publicUrl: read.required('PUBLIC_URL', checks.httpUrl, when).replace(/\/+$/, ''),
    eventStoreTable: read.required('EVENT_STORE_TABLE', checks.tableName, when),
    sentMailTable: read.required('SENT_MAIL_TABLE', checks.tableName, when),
    dynamoDbEndpoint: read.optional('DYNAMODB_ENDPOINT', checks.httpUrl),
    kmsKeyId: read.optional('KMS_KEY_ID'),
    leaseSeconds: read.integer('MAIL_LEASE_SECONDS', 60, 1, 43_200),
  };
}
