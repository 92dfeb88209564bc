import { isAbsolute, resolve } from 'node:path';

/** pino's levels; `silent` turns logging off. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The Lambda handler's configuration, parsed once at cold start by {@link loadRelayConfig}. */
export interface RelayConfig {
  /** The SNS FIFO topic the events are published to. */
  readonly topicArn: string;
  readonly logLevel: LogLevel;
}

/** The local runner's configuration: the relay's, plus where the local stand-ins listen. */
export interface LocalRunnerConfig extends RelayConfig {
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

/** Thrown by the loaders with every problem found, each naming its variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

// FIFO is required: the relay sets MessageGroupId, which a standard topic rejects.
const FIFO_TOPIC_ARN = /^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]{1,251}\.fifo$/;

/** Reads `TOPIC_ARN` (required) and `LOG_LEVEL`, reporting every bad variable at once, each by its name. */
export function loadRelayConfig(env: Env): RelayConfig {
  const read = new Reader(env);
  const config = readRelay(read);
  read.done();
  return config;
}

/**
 * Reads the relay's variables plus `DYNAMODB_ENDPOINT`, `SNS_ENDPOINT`, `EVENT_STORE_TABLE` and
 * `CHECKPOINT_FILE` (all required), `AWS_REGION` and `LOCAL_ACCESS_KEY_ID`.
 */
export function loadLocalRunnerConfig(env: Env, cwd: string): LocalRunnerConfig {
  const read = new Reader(env);
  const checkpointFile = read.required('CHECKPOINT_FILE', () => undefined);
  const config: LocalRunnerConfig = {
    ...readRelay(read),
    dynamoDbEndpoint: read.url('DYNAMODB_ENDPOINT'),
    snsEndpoint: read.url('SNS_ENDPOINT'),
    tableName: read.required('EVENT_STORE_TABLE', (value) =>
      /^[\w.-]{3,255}$/.test(value) ? undefined : 'must be a DynamoDB table name',
    ),
    checkpointFile: isAbsolute(checkpointFile) ? checkpointFile : resolve(cwd, checkpointFile),
    region: read.optional('AWS_REGION', 'us-east-1'),
    // The default matches local-aws's client settings, so the runner sees the tables the tooling made.
    accessKeyId: read.optional('LOCAL_ACCESS_KEY_ID', 'local'),
  };
  read.done();
  return config;
}

function readRelay(read: Reader): RelayConfig {
  return {
    topicArn: read.required('TOPIC_ARN', (value) =>
      FIFO_TOPIC_ARN.test(value) ? undefined : 'must be the ARN of an SNS FIFO topic',
    ),
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
  };
}

/** Records a problem per bad variable, naming it, instead of throwing at the first one. */
class Reader {
  private readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  private raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  done(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }

  optional(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  required(name: string, check: (value: string) => string | undefined): string {
    const value = this.raw(name);
    if (value === undefined) {
      this.problems.push(`${name} is required`);
      return '';
    }
    const problem = check(value);
    if (problem !== undefined) this.problems.push(`${name}=${JSON.stringify(value)} ${problem}`);
    return value;
  }

  url(name: string): string {
    return this.required(name, (value) => {
      try {
        const { protocol } = new URL(value);
        return protocol === 'http:' || protocol === 'https:' ? undefined : 'must be an http(s) URL';
      } catch {
        return 'must be an http(s) URL';
      }
    });
  }

  oneOf<const T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${name}=${JSON.stringify(value)} must be one of ${allowed.join(', ')}`);
    return fallback;
  }
}
