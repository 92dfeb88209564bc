import { ConfigError, EnvReader, LOG_LEVELS, checks, type Env, type LogLevel } from '@user-service/env-config';

export { ConfigError, LOG_LEVELS, type LogLevel };

/** The Lambda handler's configuration, parsed once at cold start by {@link loadRelayConfig}. */
export interface RelayConfig {
  /** The SNS FIFO topic the events are published to. */
  readonly topicArn: string;
  /**
   * `PARKING_QUEUE_URL`: the SQS queue for records that can never be published. Until it is set, such a
   * record is retried like a transient failure instead, holding back its shard (logged at every cold start).
   */
  readonly parkingQueueUrl: string | undefined;
  /**
   * How the relay reads users' data keys to publish their personal data opened: `EVENT_STORE_TABLE` (which
   * holds the key items) and `KMS_KEY_ID`, or locally `JWT_SECRET` in place of KMS. Without the table, events
   * are published as stored, sealed (logged at every cold start).
   */
  readonly keys: { readonly tableName?: string; readonly kmsKeyId?: string; readonly keySecret?: string };
  readonly logLevel: LogLevel;
}

/** The local runner's configuration: the relay's, plus where the local stand-ins listen. */
export interface LocalRunnerConfig extends RelayConfig {
  /** `PARKING_QUEUE_URL`; when absent, the runner makes the queue `relay-parking` on the SQS emulator. */
  readonly parkingQueueUrl: string | undefined;
  /** `SQS_ENDPOINT`, for the parking queue: by default the SNS emulator's, which serves SQS too. */
  readonly sqsEndpoint: string;
  /** DynamoDB Local, which also serves the streams API. */
  readonly dynamoDbEndpoint: string;
  /** The SNS emulator. */
  readonly snsEndpoint: string;
  /** The event-store table whose stream is relayed. */
  readonly tableName: string;
  /** An absolute path: the JSON map of shard id to last acknowledged sequence number. */
  readonly checkpointFile: string;
  /** DynamoDB Local keeps one database per access key and region: these must match the writer's. */
  readonly region: string;
  readonly accessKeyId: string;
}

// FIFO is required: the relay sets MessageGroupId, which a standard topic rejects.
const FIFO_TOPIC_ARN = /^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]{1,251}\.fifo$/;

/**
 * Reads `TOPIC_ARN` (required), `PARKING_QUEUE_URL` and `LOG_LEVEL`, reporting every bad variable at once,
 * each by its name.
 */
export function loadRelayConfig(env: Env): RelayConfig {
  const read = new EnvReader(env);
  const config = {
    ...readRelay(read),
    parkingQueueUrl: read.optional('PARKING_QUEUE_URL', checks.queueUrl),
    keys: readKeys(read, read.optional('EVENT_STORE_TABLE', checks.tableName)),
  };
  read.done();
  return config;
}

/**
 * Reads the relay's variables plus `DYNAMODB_ENDPOINT`, `SNS_ENDPOINT`, `EVENT_STORE_TABLE` and
 * `CHECKPOINT_FILE` (all required), `PARKING_QUEUE_URL`, `SQS_ENDPOINT`, `AWS_REGION` and `LOCAL_ACCESS_KEY_ID`.
 */
export function loadLocalRunnerConfig(env: Env, cwd: string): LocalRunnerConfig {
  const read = new EnvReader(env);
  read.required('CHECKPOINT_FILE');
  const relay = readRelay(read);
  const dynamoDbEndpoint = read.required('DYNAMODB_ENDPOINT', checks.httpUrl);
  const snsEndpoint = read.required('SNS_ENDPOINT', checks.httpUrl);
  const tableName = read.required('EVENT_STORE_TABLE', checks.tableName);
  const config: LocalRunnerConfig = {
    ...relay,
    dynamoDbEndpoint,
    snsEndpoint,
    tableName,
    checkpointFile: read.path('CHECKPOINT_FILE', '', cwd),
    region: read.string('AWS_REGION', 'us-east-1'),
    // The default matches local-aws's client settings, so the runner sees the tables the tooling made.
    accessKeyId: read.string('LOCAL_ACCESS_KEY_ID', 'local'),
    parkingQueueUrl: read.optional('PARKING_QUEUE_URL', checks.queueUrl),
    sqsEndpoint: read.optional('SQS_ENDPOINT', checks.httpUrl) ?? snsEndpoint,
    keys: readKeys(read, tableName),
  };
  read.done();
  return config;
}

/** `KMS_KEY_ID` and `JWT_SECRET`, for the key items of `tableName`; each present only when set. */
function readKeys(read: EnvReader, tableName: string | undefined): RelayConfig['keys'] {
  const kmsKeyId = read.optional('KMS_KEY_ID');
  const keySecret = read.optional('JWT_SECRET', checks.minBytes(32), { secret: true });
  return {
    ...(tableName === undefined ? {} : { tableName }),
    ...(kmsKeyId === undefined ? {} : { kmsKeyId }),
    ...(keySecret === undefined ? {} : { keySecret }),
  };
}

function readRelay(read: EnvReader): Omit<RelayConfig, 'parkingQueueUrl' | 'keys'> {
  return {
    topicArn: read.required('TOPIC_ARN', (value) =>
      FIFO_TOPIC_ARN.test(value) ? undefined : 'must be the ARN of an SNS FIFO topic',
    ),
    logLevel: read.logLevel(),
  };
}
