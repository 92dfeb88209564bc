import { join } from 'node:path';
import { ConfigError, EnvReader, checks, type Env, type LogLevel } from '@user-service/env-config';

export { ConfigError };

/** Where one store lives: a SQLite file (the embedded default) or a DynamoDB table (production). */
export type StoreLocation =
  | { readonly kind: 'sqlite'; readonly filename: string }
  | { readonly kind: 'dynamodb'; readonly tableName: string };

/**
 * What every host of the projector needs: its two stores and its log level. The Lambda handler needs
 * nothing more, since its event source mapping does the polling.
 */
export interface ProjectorConfig {
  /** `READ_MODEL` (`sqlite` → `DATA_DIR/read-model.db`, `dynamodb` → `READ_MODEL_TABLE`). */
  readonly readModel: StoreLocation;
  /** `EVENT_STORE`, read to fill gaps (`sqlite` → `DATA_DIR/events.db`, `dynamodb` → `EVENT_STORE_TABLE`). */
  readonly eventStore: StoreLocation;
  /**
   * `READ_MODEL_GREEN_TABLE` (the composition's default is `<READ_MODEL_TABLE>-green`): the other slot of a DynamoDB read model,
   * which `pnpm rebuild-read-model` fills while the first serves. SQLite keeps both slots in `DATA_DIR`.
   */
  readonly readModelGreenTable: string | undefined;
  /** `DYNAMODB_ENDPOINT`, for DynamoDB Local; absent on AWS. */
  readonly dynamoDbEndpoint: string | undefined;
  /** `KMS_KEY_ID`: the KMS key that wraps users' data keys, for gaps filled from a DynamoDB event store. */
  readonly kmsKeyId?: string | undefined;
  /** `JWT_SECRET`: without KMS (DynamoDB Local), the service's secret, from which the wrapping key derives. */
  readonly keySecret?: string | undefined;
  readonly logLevel: LogLevel;
}

/** The long-polling worker's configuration: the stores, and the queue it polls. */
export interface WorkerConfig extends ProjectorConfig {
  /** `QUEUE_URL`: the projector's SQS FIFO queue. */
  readonly queueUrl: string;
  /** `SQS_ENDPOINT`, for a local emulator; absent on AWS. */
  readonly sqsEndpoint: string | undefined;
  /** `WAIT_TIME_SECONDS`: how long one receive long-polls, 0 to 20. */
  readonly waitTimeSeconds: number;
  /** `WORKER_CONCURRENCY`: received batches projected at once, 1 to 10, each holding other message groups. */
  readonly concurrency: number;
  /** `WORKER_BATCH_WINDOW_MS`: the pause after a receive of fewer than 10 messages, 0 to 5,000 ms. */
  readonly batchWindowMs: number;
}

/** Parses the Lambda handler's configuration once, at cold start; throws a {@link ConfigError}. */
export function loadProjectorConfig(env: Env, cwd: string = process.cwd()): ProjectorConfig {
  const read = new EnvReader(env);
  const config = readProjectorConfig(read, cwd);
  read.done();
  return config;
}

/** Parses the worker's configuration once, at start-up; throws a {@link ConfigError}. */
export function loadWorkerConfig(env: Env, cwd: string = process.cwd()): WorkerConfig {
  const read = new EnvReader(env);
  const config: WorkerConfig = {
    ...readProjectorConfig(read, cwd),
    queueUrl: read.required('QUEUE_URL', checks.queueUrl),
    sqsEndpoint: read.optional('SQS_ENDPOINT', checks.httpUrl),
    waitTimeSeconds: read.integer('WAIT_TIME_SECONDS', 20, 0, 20),
    concurrency: read.integer('WORKER_CONCURRENCY', 4, 1, 10),
    batchWindowMs: read.integer('WORKER_BATCH_WINDOW_MS', 100, 0, 5000),
  };
  read.done();
  return config;
}

const STORE_KINDS = ['sqlite', 'dynamodb'] as const;

function readProjectorConfig(read: EnvReader, cwd: string): ProjectorConfig {
  const dataDir = read.path('DATA_DIR', './data', cwd);
  const store = (kindVariable: string, tableVariable: string, file: string): StoreLocation => {
    const kind = read.oneOf(kindVariable, STORE_KINDS, 'sqlite');
    if (kind === 'sqlite') return { kind, filename: join(dataDir, file) };
    const tableName = read.required(tableVariable, checks.tableName, { when: `when ${kindVariable}=dynamodb` });
    return { kind, tableName };
  };
  const readModel = store('READ_MODEL', 'READ_MODEL_TABLE', 'read-model.db');
  return {
    readModel,
    readModelGreenTable: read.optional('READ_MODEL_GREEN_TABLE', checks.tableName),
    eventStore: store('EVENT_STORE', 'EVENT_STORE_TABLE', 'events.db'),
    dynamoDbEndpoint: read.optional('DYNAMODB_ENDPOINT', checks.httpUrl),
    ...keyAccess(read),
    logLevel: read.logLevel(),
  };
}

/** How the projector reaches users' keys, present only when configured. */
function keyAccess(read: EnvReader): Pick<ProjectorConfig, 'kmsKeyId' | 'keySecret'> {
  const kmsKeyId = read.optional('KMS_KEY_ID');
  const keySecret = read.optional('JWT_SECRET', checks.minBytes(32), { secret: true });
  return { ...(kmsKeyId === undefined ? {} : { kmsKeyId }), ...(keySecret === undefined ? {} : { keySecret }) };
}
