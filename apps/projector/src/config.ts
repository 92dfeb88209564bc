import { isAbsolute, join, resolve } from 'node:path';
import { LOG_LEVELS, type LogLevel } from './logger.js';

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
  /** `DYNAMODB_ENDPOINT`, for DynamoDB Local; absent on AWS. */
  readonly dynamoDbEndpoint: string | undefined;
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
}

/** Every problem found in the environment, each naming its variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Parses the Lambda handler's configuration once, at cold start; throws a {@link ConfigError}. */
export function loadProjectorConfig(env: Env, cwd: string = process.cwd()): ProjectorConfig {
  const read = new Reader(env);
  const config = readProjectorConfig(read, cwd);
  read.throwIfInvalid();
  return config;
}

/** Parses the worker's configuration once, at start-up; throws a {@link ConfigError}. */
export function loadWorkerConfig(env: Env, cwd: string = process.cwd()): WorkerConfig {
  const read = new Reader(env);
  const config: WorkerConfig = {
    ...readProjectorConfig(read, cwd),
    queueUrl: read.required('QUEUE_URL', queueUrlProblem),
    sqsEndpoint: read.optional('SQS_ENDPOINT', urlProblem),
    waitTimeSeconds: read.integer('WAIT_TIME_SECONDS', 20, 0, 20),
  };
  read.throwIfInvalid();
  return config;
}

const STORE_KINDS = ['sqlite', 'dynamodb'] as const;

function readProjectorConfig(read: Reader, cwd: string): ProjectorConfig {
  const dataDirRaw = read.string('DATA_DIR', './data');
  const dataDir = isAbsolute(dataDirRaw) ? dataDirRaw : resolve(cwd, dataDirRaw);
  const store = (kindVariable: string, tableVariable: string, file: string): StoreLocation => {
    const kind = read.oneOf(kindVariable, STORE_KINDS, 'sqlite');
    if (kind === 'sqlite') return { kind, filename: join(dataDir, file) };
    const tableName = read.required(tableVariable, (value) =>
      /^[A-Za-z0-9_.-]{3,255}$/.test(value) ? undefined : 'must be a DynamoDB table name',
      `when ${kindVariable}=dynamodb`,
    );
    return { kind, tableName };
  };
  return {
    readModel: store('READ_MODEL', 'READ_MODEL_TABLE', 'read-model.db'),
    eventStore: store('EVENT_STORE', 'EVENT_STORE_TABLE', 'events.db'),
    dynamoDbEndpoint: read.optional('DYNAMODB_ENDPOINT', urlProblem),
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
  };
}

// Not the WHATWG parser: local emulators answer queue URLs such as `http://sqs.us-east-1.127.0.0.1:4566/…`,
// which the SDK accepts but `new URL` refuses (a host whose last label is a number must be an IPv4 address).
function queueUrlProblem(value: string): string | undefined {
  return /^https?:\/\/[^\s/]+\/\S+$/.test(value) ? undefined : 'must be an http(s) queue URL';
}

function urlProblem(value: string): string | undefined {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:' ? undefined : 'must be an http(s) URL';
  } catch {
    return 'must be an http(s) URL';
  }
}

/** Typed readers that record a problem, naming the variable, instead of throwing at the first one. */
class Reader {
  private readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  throwIfInvalid(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }

  private raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === '' ? undefined : value;
  }

  private fail(name: string, value: string, why: string): void {
    this.problems.push(`${name}=${JSON.stringify(value)} ${why}`);
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optional(name: string, check: (value: string) => string | undefined): string | undefined {
    const value = this.raw(name);
    const problem = value === undefined ? undefined : check(value);
    if (value !== undefined && problem !== undefined) this.fail(name, value, problem);
    return value;
  }

  required(name: string, check: (value: string) => string | undefined, when = ''): string {
    const value = this.raw(name);
    if (value === undefined) {
      this.problems.push(`${name} is required${when === '' ? '' : ` ${when}`}`);
      return '';
    }
    this.optional(name, check);
    return value;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
      this.fail(name, value, `must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return parsed;
  }

  oneOf<const T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.fail(name, value, `must be one of ${allowed.join(', ')}`);
    return fallback;
  }
}
