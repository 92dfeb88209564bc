import { isAbsolute, resolve } from 'node:path';

/**
 * The user service's whole configuration. It is parsed from the environment once, at start-up, by
 * {@link loadConfig}; nothing else in the service reads `process.env`.
 */
export interface Config {
  readonly host: string;
  readonly port: number;
  /** Where the embedded stores, the generated JWT secret and the mail outbox live. */
  readonly dataDir: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** When absent, a secret is generated once and kept in `dataDir`. */
  readonly jwtSecret: string | undefined;
  /** On AWS: the Secrets Manager secret holding the JWT key, read once at cold start. */
  readonly jwtSecretArn: string | undefined;
  readonly jwtTtlSeconds: number;
  readonly passwordResetTtlSeconds: number;
  readonly emailConfirmationTtlSeconds: number;
  readonly mailer: { readonly kind: 'outbox' } | { readonly kind: 'ses'; readonly from: string; readonly region?: string };
  /** Login and password-reset requests allowed per client address and window. */
  readonly rateLimit: { readonly max: number; readonly windowMs: number };
  /** Trust `X-Forwarded-For` from a proxy in front (API Gateway, a load balancer). */
  readonly trustProxy: boolean;
  /** Where clients reach the API; used in the links of outgoing mail. */
  readonly publicUrl: string;
  /** Which stores the service writes and reads. */
  readonly storage: StorageConfig;
}

/**
 * The embedded default keeps both stores in SQLite files and projects in process. On AWS both live in
 * DynamoDB, and the read model is fed by the projector through the stream relay, SNS and SQS.
 */
export type StorageConfig =
  | { readonly kind: 'sqlite' }
  | {
      readonly kind: 'dynamodb';
      readonly eventStoreTable: string;
      readonly readModelTable: string;
      /** For DynamoDB Local; absent on AWS, where the SDK finds the regional endpoint. */
      readonly endpoint?: string;
    };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Reads and validates every variable, reporting all bad ones at once, each by its name. */
export function loadConfig(env: Env, cwd: string = process.cwd()): Config {
  const problems: string[] = [];
  const read = new Reader(env, problems);

  const host = read.string('HOST', '127.0.0.1');
  const port = read.integer('PORT', 3000, 0, 65_535);
  const dataDirRaw = read.string('DATA_DIR', './data');
  const config: Config = {
    host,
    port,
    dataDir: isAbsolute(dataDirRaw) ? dataDirRaw : resolve(cwd, dataDirRaw),
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    jwtSecret: read.optional('JWT_SECRET', (value) =>
      Buffer.byteLength(value) >= 32 ? undefined : 'must be at least 32 bytes long',
    ),
    jwtSecretArn: read.optional('JWT_SECRET_ARN', (value) =>
      value.startsWith('arn:') ? undefined : 'must be a Secrets Manager ARN',
    ),
    jwtTtlSeconds: read.integer('JWT_TTL_SECONDS', 3600, 60, 86_400),
    passwordResetTtlSeconds: read.integer('PASSWORD_RESET_TTL_SECONDS', 3600, 60, 86_400),
    emailConfirmationTtlSeconds: read.integer('EMAIL_CONFIRMATION_TTL_SECONDS', 7 * 86_400, 60, 30 * 86_400),
    mailer: readMailer(read),
    rateLimit: {
      max: read.integer('RATE_LIMIT_MAX', 10, 1, 1_000_000),
      windowMs: read.integer('RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86_400) * 1000,
    },
    trustProxy: read.boolean('TRUST_PROXY', false),
    publicUrl: read.url('PUBLIC_URL', `http://${host.includes(':') ? `[${host}]` : host}:${port}`),
    storage: readStorage(read),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function readMailer(read: Reader): Config['mailer'] {
  const kind = read.oneOf('MAILER', ['outbox', 'ses'] as const, 'outbox');
  if (kind === 'outbox') return { kind };
  const from = read.required('SES_FROM_ADDRESS', (value) =>
    /^[^\s@]+@[^\s@]+$/.test(value) ? undefined : 'must be an email address',
  );
  const region = read.optional('SES_REGION', () => undefined);
  return region === undefined ? { kind, from } : { kind, from, region };
}

function readStorage(read: Reader): StorageConfig {
  const kind = read.oneOf('STORAGE', ['sqlite', 'dynamodb'] as const, 'sqlite');
  if (kind === 'sqlite') return { kind };
  const tableName = (value: string) =>
    /^[A-Za-z0-9_.-]{3,255}$/.test(value) ? undefined : 'must be a DynamoDB table name';
  const eventStoreTable = read.required('EVENT_STORE_TABLE', tableName);
  const readModelTable = read.required('READ_MODEL_TABLE', tableName);
  const endpoint = read.optional('DYNAMODB_ENDPOINT', (value) =>
    /^https?:\/\/[^\s]+$/.test(value) ? undefined : 'must be an http(s) URL',
  );
  return endpoint === undefined
    ? { kind, eventStoreTable, readModelTable }
    : { kind, eventStoreTable, readModelTable, endpoint };
}

/** Small typed readers that record a problem, naming the variable, instead of throwing at the first one. */
class Reader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  private raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  private fail(name: string, value: string, why: string): void {
    this.problems.push(`${name}=${JSON.stringify(value)} ${why}`);
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optional(name: string, check: (value: string) => string | undefined): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const problem = check(value);
    if (problem !== undefined) {
      // Secrets are never echoed back, not even in an error.
      this.problems.push(`${name} ${problem}`);
      return undefined;
    }
    return value;
  }

  required(name: string, check: (value: string) => string | undefined): string {
    const value = this.raw(name);
    if (value === undefined) {
      this.problems.push(`${name} is required`);
      return '';
    }
    const problem = check(value);
    if (problem !== undefined) this.fail(name, value, problem);
    return value;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!/^-?\d+$/.test(value) || parsed < min || parsed > max) {
      this.fail(name, value, `must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return parsed;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes'].includes(value)) return true;
    if (['false', '0', 'no'].includes(value)) return false;
    this.fail(name, value, 'must be true or false');
    return fallback;
  }

  oneOf<const T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.fail(name, value, `must be one of ${allowed.join(', ')}`);
    return fallback;
  }

  url(name: string, fallback: string): string {
    const value = this.raw(name) ?? fallback;
    try {
      const url = new URL(value);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
      return value.replace(/\/+$/, '');
    } catch {
      this.fail(name, value, 'must be an http(s) URL');
      return fallback;
    }
  }
}
