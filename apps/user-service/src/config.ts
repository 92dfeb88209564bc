import { isIP } from 'node:net';
import { ConfigError, EnvReader, checks, type Env, type LogLevel } from '@user-service/env-config';

/**
 * The user service's whole configuration. It is parsed from the environment once, at start-up, by
 * {@link loadConfig}; nothing else in the service reads `process.env`.
 */
export interface Config {
  readonly host: string;
  readonly port: number;
  /** Where the embedded stores, the generated JWT secret and the mail outbox live. */
  readonly dataDir: string;
  readonly logLevel: LogLevel;
  /** When absent, a secret is generated once and kept in `dataDir`. */
  readonly jwtSecret: string | undefined;
  /** On AWS: the Secrets Manager secret holding the JWT key, read once at cold start. */
  readonly jwtSecretArn: string | undefined;
  readonly jwtTtlSeconds: number;
  readonly passwordResetTtlSeconds: number;
  readonly emailConfirmationTtlSeconds: number;
  readonly mailer: { readonly kind: 'outbox' } | { readonly kind: 'ses'; readonly from: string; readonly region?: string };
  /** Requests to the routes anyone may call (and password changes) allowed per client address and window. */
  readonly rateLimit: { readonly max: number; readonly windowMs: number };
  /**
   * Attempts allowed per account and window, whatever the address: failed logins, failed password changes
   * and failed reset confirmations, and reset requests. Rotating addresses buys no more guesses.
   */
  readonly accountRateLimit: { readonly max: number; readonly windowMs: number };
  /**
   * Which proxies in front to believe about the client's address (`X-Forwarded-For`): none (`false`, the
   * default), the nearest N hops, or the proxies at the listed addresses or CIDR ranges. Never every hop:
   * the leftmost entries are whatever the client wrote.
   */
  readonly trustProxy: false | number | readonly string[];
  /** Where clients reach the API; used in the links of outgoing mail. */
  readonly publicUrl: string;
  /**
   * The web origins whose pages may call the API from a browser (CORS). Empty, the default, allows none:
   * servers and apps are unaffected, only browsers on other origins are refused.
   */
  readonly corsOrigins: readonly string[];
  /** Which stores the service writes and reads. */
  readonly storage: StorageConfig;
  /** Users whose current state one process keeps folded in memory, about 2 KB each. */
  readonly stateCacheEntries: number;
  /** Events folded past a user's last snapshot before another is saved in the event store. */
  readonly snapshotEvery: number;
  /**
   * Set where the host freezes once it has answered (the Lambda host sets it when the variable does not):
   * the work of anonymous reset and confirmation requests is then finished before the answer, and those
   * answers come no sooner than this many milliseconds after the request, known address or not.
   */
  readonly anonymousAnswerFloorMs: number | undefined;
  /**
   * For an event store written before personal data was sealed: its claims, kept under plaintext keys, still
   * count for lookups and uniqueness (one more read per claim, release and missed lookup). See docs/privacy.md.
   */
  readonly legacyPlaintextClaims: boolean;
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
      /** The blue read-model table; it also holds the pointer to the slot that queries use. */
      readonly readModelTable: string;
      /** The green read-model table, which a rebuild fills while blue serves (and the other way round). */
      readonly readModelGreenTable: string;
      /**
       * Where rate-limit counters live, so that limits hold across instances (Lambda). Without it each process
       * counts alone, and the service warns at start-up.
       */
      readonly rateLimitTable?: string;
      /** For DynamoDB Local; absent on AWS, where the SDK finds the regional endpoint. */
      readonly endpoint?: string;
      /**
       * The KMS key that wraps users' data keys (kept as items of the event-store table). Absent (DynamoDB
       * Local), they are wrapped under a local key in `DATA_DIR`, and the service warns.
       */
      readonly kmsKeyId?: string;
    };

export { ConfigError };

/** Reads and validates every variable, reporting all bad ones at once, each by its name. */
export function loadConfig(env: Env, cwd: string = process.cwd()): Config {
  const read = new EnvReader(env);
  const host = read.string('HOST', '127.0.0.1');
  const port = read.integer('PORT', 3000, 0, 65_535);
  const config: Config = {
    host,
    port,
    dataDir: read.path('DATA_DIR', './data', cwd),
    logLevel: read.logLevel(),
    ...readJwtSecret(read),
    jwtTtlSeconds: read.integer('JWT_TTL_SECONDS', 3600, 60, 86_400),
    ...readTokenLifetimes(read),
    mailer: readMailer(read),
    rateLimit: {
      max: read.integer('RATE_LIMIT_MAX', 10, 1, 1_000_000),
      windowMs: read.integer('RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86_400) * 1000,
    },
    accountRateLimit: {
      max: read.integer('RATE_LIMIT_ACCOUNT_MAX', 5, 1, 1_000_000),
      windowMs: read.integer('RATE_LIMIT_ACCOUNT_WINDOW_SECONDS', 900, 1, 86_400) * 1000,
    },
    trustProxy: readTrustProxy(read),
    publicUrl: (
      read.optional('PUBLIC_URL', checks.httpUrl) ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`
    ).replace(/\/+$/, ''),
    corsOrigins: readOrigins(read, 'CORS_ORIGINS'),
    storage: readStorage(read),
    stateCacheEntries: read.integer('STATE_CACHE_ENTRIES', 10_000, 1, 10_000_000),
    snapshotEvery: read.integer('SNAPSHOT_EVERY', 100, 1, 100_000),
    anonymousAnswerFloorMs:
      read.optional('ANONYMOUS_ANSWER_FLOOR_MS') === undefined
        ? undefined
        : read.integer('ANONYMOUS_ANSWER_FLOOR_MS', 0, 1, 10_000),
    legacyPlaintextClaims: read.boolean('LEGACY_PLAINTEXT_CLAIMS', false),
  };
  read.done();
  return config;
}

/** `JWT_SECRET`, or on AWS `JWT_SECRET_ARN`: the service's secret, which the mailer consumer needs too. */
export function readJwtSecret(read: EnvReader): Pick<Config, 'jwtSecret' | 'jwtSecretArn'> {
  return {
    jwtSecret: read.optional('JWT_SECRET', checks.minBytes(32), { secret: true }),
    jwtSecretArn: read.optional('JWT_SECRET_ARN', checks.arn),
  };
}

/**
 * How long reset and confirmation tokens last. The mailer consumer reads the same variables: its tokens
 * must be the ones the service accepts.
 */
export function readTokenLifetimes(read: EnvReader): Pick<Config, 'passwordResetTtlSeconds' | 'emailConfirmationTtlSeconds'> {
  return {
    passwordResetTtlSeconds: read.integer('PASSWORD_RESET_TTL_SECONDS', 3600, 60, 86_400),
    emailConfirmationTtlSeconds: read.integer('EMAIL_CONFIRMATION_TTL_SECONDS', 7 * 86_400, 60, 30 * 86_400),
  };
}

/** `MAILER` (outbox or ses), with `SES_FROM_ADDRESS` and `SES_REGION` for SES: the user service's and the mailer's. */
export function readMailer(read: EnvReader): Config['mailer'] {
  const kind = read.oneOf('MAILER', ['outbox', 'ses'] as const, 'outbox');
  if (kind === 'outbox') return { kind };
  const from = read.required(
    'SES_FROM_ADDRESS',
    (value) => (/^[^\s@]+@[^\s@]+$/.test(value) ? undefined : 'must be an email address'),
    { when: 'when MAILER=ses' },
  );
  const region = read.optional('SES_REGION');
  return region === undefined ? { kind, from } : { kind, from, region };
}

function readTrustProxy(read: EnvReader): Config['trustProxy'] {
  const value = read.optional('TRUST_PROXY', (text) => {
    if (/^(false|0|no)$/i.test(text) || /^[1-9]\d?$/.test(text)) return undefined;
    if (/^(true|yes)$/i.test(text)) {
      return 'must not trust every hop (clients would choose their own address): give a hop count or proxy addresses';
    }
    const bad = text.split(',').map((entry) => entry.trim()).filter((entry) => !isAddressOrRange(entry));
    return bad.length === 0 ? undefined : `must be false, a hop count (1-99) or addresses/CIDRs, not ${bad.join(', ')}`;
  });
  if (value === undefined || /^(false|0|no|true|yes)$/i.test(value)) return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((entry) => entry.trim());
}

function isAddressOrRange(value: string): boolean {
  const [address = '', bits, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

/** A comma-separated list of origins, each exactly `scheme://host[:port]`, as a browser sends it. */
function readOrigins(read: EnvReader, name: string): string[] {
  const value = read.optional(name, (list) => {
    const bad = list.split(',').map((origin) => origin.trim()).filter((origin) => !isOrigin(origin));
    return bad.length === 0 ? undefined : `must list origins such as https://app.example.com, not ${bad.join(', ')}`;
  });
  return value === undefined ? [] : value.split(',').map((origin) => origin.trim());
}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

function readStorage(read: EnvReader): StorageConfig {
  const kind = read.oneOf('STORAGE', ['sqlite', 'dynamodb'] as const, 'sqlite');
  if (kind === 'sqlite') return { kind };
  const when = { when: 'when STORAGE=dynamodb' };
  const eventStoreTable = read.required('EVENT_STORE_TABLE', checks.tableName, when);
  const readModelTable = read.required('READ_MODEL_TABLE', checks.tableName, when);
  const readModelGreenTable =
    read.optional('READ_MODEL_GREEN_TABLE', checks.tableName) ?? `${readModelTable}-green`;
  const rateLimitTable = read.optional('RATE_LIMIT_TABLE', checks.tableName);
  const endpoint = read.optional('DYNAMODB_ENDPOINT', checks.httpUrl);
  const kmsKeyId = read.optional('KMS_KEY_ID');
  return {
    kind,
    eventStoreTable,
    readModelTable,
    readModelGreenTable,
    ...(rateLimitTable === undefined ? {} : { rateLimitTable }),
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(kmsKeyId === undefined ? {} : { kmsKeyId }),
  };
}
