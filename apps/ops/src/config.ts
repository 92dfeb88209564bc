import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, EnvReader, checks, type Check, type Env } from '@user-service/env-config';
import { LIMITS } from '@user-service/event-store';
import type { Slot } from '@user-service/user-read-model';

/** The embedded stores: SQLite files in `DATA_DIR`. */
export interface SqliteStorage {
  readonly kind: 'sqlite';
  readonly dataDir: string;
}

/** The event store on DynamoDB (`STORAGE=dynamodb`). */
export interface DynamoDbStorage {
  readonly kind: 'dynamodb';
  readonly eventStoreTable: string;
  /** `DYNAMODB_ENDPOINT`, for DynamoDB Local; absent on AWS. */
  readonly endpoint: string | undefined;
  /** `KMS_KEY_ID`: the KMS key that wraps users' data keys, to read their sealed personal data. */
  readonly kmsKeyId?: string | undefined;
  /** `JWT_SECRET`: without KMS (DynamoDB Local), the service's secret, from which the wrapping key derives. */
  readonly keySecret?: string | undefined;
}

/** The two read-model slot tables on DynamoDB (`STORAGE=dynamodb`). */
export interface DynamoDbReadModelStorage {
  readonly kind: 'dynamodb';
  /** `DYNAMODB_ENDPOINT`, for DynamoDB Local; absent on AWS. */
  readonly endpoint: string | undefined;
  /**
   * `READ_MODEL_TABLE` (blue, which also holds the slot pointer and the rebuild lease) and
   * `READ_MODEL_GREEN_TABLE`, by default `<READ_MODEL_TABLE>-green` as in the service and the projector.
   */
  readonly readModelTables: Readonly<Record<Slot, string>>;
}

/** Both stores on DynamoDB: the event store and the two read-model slot tables. */
export interface DynamoDbSlotStorage extends DynamoDbStorage, DynamoDbReadModelStorage {}

export interface ReplayConfig {
  readonly storage: SqliteStorage | DynamoDbStorage;
  /** `SQS_ENDPOINT`, for a local emulator; absent on AWS. */
  readonly sqsEndpoint: string | undefined;
  /** `--consumer`: the consumer whose queue `<consumer>.fifo` gets the events. */
  readonly consumer: string;
  /**
   * `--queue-url`: the consumer's queue, when its name is not `<consumer>.fifo` — on AWS, the stack output
   * `ConsumerQueueUrl-<consumer>`, since CloudFormation names the queues.
   */
  readonly queueUrl: string | undefined;
  /** `--user`: replay this user's stream only. */
  readonly user: string | undefined;
  /** `--since`: replay only events that occurred at or after this instant (normalized ISO-8601). */
  readonly since: string | undefined;
  /** `--restart`: ignore an unfinished run's checkpoint and start a new run. */
  readonly restart: boolean;
  /** `--page-size`: events read, sent and checkpointed at a time. */
  readonly pageSize: number;
  /** `--checkpoint-file`, by default `DATA_DIR/replay/<consumer>.json`. */
  readonly checkpointFile: string;
}

export interface RebuildConfig {
  readonly storage: SqliteStorage | DynamoDbSlotStorage;
  /** `--restart`: clear the idle slot and start over instead of resuming an unfinished fill. */
  readonly restart: boolean;
  /** `--page-size`: events read and projected at a time. */
  readonly pageSize: number;
  /**
   * `--checkpoint-name`: the live follower's checkpoint (the embedded service follows under `user-views`),
   * which the new slot gets so that the follower carries on there after the switch.
   */
  readonly checkpointName: string;
}

export interface RedriveConfig {
  /** `SQS_ENDPOINT`, for a local emulator; absent on AWS. */
  readonly sqsEndpoint: string | undefined;
  /** `--consumer`: whose DLQ is moved back into its queue. */
  readonly consumer: string;
  /** `--queue-url`: the consumer's queue, when its name is not `<consumer>.fifo`. */
  readonly queueUrl: string | undefined;
  /** `--dry-run`: list what the DLQ holds and move nothing. */
  readonly dryRun: boolean;
}

export interface StatusConfig {
  readonly storage: SqliteStorage | DynamoDbReadModelStorage;
  /** `SQS_ENDPOINT`, for a local emulator (whose inspection endpoint then gives the queue ages). */
  readonly sqsEndpoint: string | undefined;
  /** `--consumer`, repeatable, with `--queue-url` where the queue is not `<consumer>.fifo`. */
  readonly consumers: ReadonlyArray<{ readonly consumer: string; readonly queueUrl: string | undefined }>;
  /** `--json`: one JSON line instead of the text. */
  readonly json: boolean;
}

/** The topic's consumers this app deploys: `pnpm projection-status` shows them when no `--consumer` is given. */
export const DEFAULT_STATUS_CONSUMERS: readonly string[] = ['projector', 'mailer'];

/** Every problem found in the environment and the flags, each naming its variable or flag. */
export { ConfigError };

const ENVIRONMENT = `Environment:
  STORAGE                 sqlite (default: DATA_DIR/events.db) or dynamodb
  DATA_DIR                where the embedded stores and checkpoints live (default ./data)
  EVENT_STORE_TABLE       the event-store table, with STORAGE=dynamodb
  DYNAMODB_ENDPOINT       a DynamoDB endpoint URL, for DynamoDB Local`;

export const REPLAY_USAGE = `Usage: pnpm replay --consumer <name> [--queue-url <url>] [--user <id>] [--since <instant>] [--restart]
                    [--page-size <n>] [--checkpoint-file <path>]

Re-publishes stored events, marked as replayed, straight into the queue <name>.fifo of one consumer.
Stop it with Ctrl-C: it finishes the page in hand, and the same command resumes from its checkpoint.

${ENVIRONMENT}
  SQS_ENDPOINT            an SQS endpoint URL, for a local emulator`;

// Not `pnpm rebuild`: that is pnpm's own command (it silently rebuilds native dependencies instead).
export const REBUILD_USAGE = `Usage: pnpm rebuild-read-model [--restart] [--page-size <n>] [--checkpoint-name <name>]

Fills the idle read-model slot from the event store, then switches queries to it. Stop it with Ctrl-C:
it stops after the page in hand, and the same command resumes filling where it stopped. One rebuild runs
at a time: while another holds the rebuild lease, this one (--restart included) is refused with exit code 75.

${ENVIRONMENT}
  READ_MODEL_TABLE        the blue read-model table (it also holds the slot pointer), with STORAGE=dynamodb
  READ_MODEL_GREEN_TABLE  the green read-model table (default <READ_MODEL_TABLE>-green)`;

const SQS_ENVIRONMENT = `  SQS_ENDPOINT            an SQS endpoint URL, for the local emulator (fauxqs)
  AWS_REGION, AWS_PROFILE and the SDK's other usual variables`;

export const REDRIVE_USAGE = `Usage: pnpm redrive --consumer <name> [--queue-url <url>] [--dry-run]

Moves every message of the consumer's dead-letter queue (the one its queue's redrive policy names) back
into its queue <name>.fifo. Consumers: projector (the read model) and mailer (confirmation and reset mail,
which sends no mail twice for a redriven event, and drops one whose token has expired meanwhile). On AWS this is SQS's own move task (StartMessageMoveTask); where SQS has none
(the local emulator) the messages are received, sent with their group and deduplication ids, and deleted.
--dry-run lists what is there first: the count and a sample of message ids and groups, never bodies.
Stop it with Ctrl-C: what was not moved stays in the DLQ, and the same command moves it later.

Environment:
${SQS_ENVIRONMENT}`;

export const STATUS_USAGE = `Usage: pnpm projection-status [--consumer <name> [--queue-url <url>]]... [--json]

Prints, for each consumer (default: projector and mailer): its queue's and its DLQ's depth and the age of
their oldest message, the last lag from append to the consumer (read model, or mail sent), then the active
read-model slot and any rebuild in progress (from the rebuild lease). On AWS, give each consumer's
--queue-url (the stack outputs ConsumerQueueUrl<name>), since CloudFormation names the queues. Ages and lag come from CloudWatch on AWS, from the emulator locally.

Environment:
  STORAGE                 sqlite (default: the slots in DATA_DIR) or dynamodb
  DATA_DIR                where the embedded read model lives (default ./data)
  READ_MODEL_TABLE        the blue read-model table (slot pointer and lease), with STORAGE=dynamodb
  READ_MODEL_GREEN_TABLE  the green read-model table (default <READ_MODEL_TABLE>-green)
  DYNAMODB_ENDPOINT       a DynamoDB endpoint URL, for DynamoDB Local
${SQS_ENVIRONMENT}`;

/** True when the flags ask for the usage text. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/** Parses the replay tool's environment and flags once; throws a {@link ConfigError} listing every problem. */
export function loadReplayConfig(env: Env, argv: readonly string[], cwd: string = process.cwd()): ReplayConfig {
  const read = new Reader(env);
  const flags = read.flags(argv, {
    consumer: { type: 'string' },
    user: { type: 'string' },
    since: { type: 'string' },
    restart: { type: 'boolean' },
    'page-size': { type: 'string' },
    'checkpoint-file': { type: 'string' },
    'queue-url': { type: 'string' },
  });
  const dataDir = readDataDir(read, cwd);
  const queueUrlFlag = read.optionalFlag('--queue-url', flags['queue-url'], queueUrl);
  const consumer = read.flag('--consumer', flags['consumer'], consumerName);
  const user = read.optionalFlag('--user', flags['user'], (value) =>
    value.length <= LIMITS.maxIdLength ? undefined : `must be at most ${LIMITS.maxIdLength} characters`,
  );
  const sinceRaw = read.optionalFlag('--since', flags['since'], (value) =>
    /^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value)) ? undefined : 'must be an ISO-8601 instant',
  );
  const checkpointFile = read.optionalFlag('--checkpoint-file', flags['checkpoint-file'], () => undefined);
  const config: ReplayConfig = {
    storage: readEventStore(read, dataDir),
    sqsEndpoint: read.optional('SQS_ENDPOINT', checks.httpUrl),
    consumer,
    queueUrl: queueUrlFlag,
    user,
    since: sinceRaw === undefined || Number.isNaN(Date.parse(sinceRaw)) ? undefined : new Date(sinceRaw).toISOString(),
    restart: flags['restart'] === true,
    pageSize: read.integerFlag('--page-size', flags['page-size'], 100, 1, LIMITS.maxPageSize),
    checkpointFile:
      checkpointFile === undefined ? join(dataDir, 'replay', `${consumer}.json`) : resolve(cwd, checkpointFile),
  };
  read.done();
  return config;
}

/** Parses the rebuild tool's environment and flags once; throws a {@link ConfigError} listing every problem. */
export function loadRebuildConfig(env: Env, argv: readonly string[], cwd: string = process.cwd()): RebuildConfig {
  const read = new Reader(env);
  const flags = read.flags(argv, {
    restart: { type: 'boolean' },
    'page-size': { type: 'string' },
    'checkpoint-name': { type: 'string' },
  });
  const dataDir = readDataDir(read, cwd);
  const eventStore = readEventStore(read, dataDir);
  const storage: SqliteStorage | DynamoDbSlotStorage =
    eventStore.kind === 'sqlite' ? eventStore : { ...eventStore, readModelTables: readSlotTables(read) };
  const config: RebuildConfig = {
    storage,
    restart: flags['restart'] === true,
    pageSize: read.integerFlag('--page-size', flags['page-size'], 500, 1, LIMITS.maxPageSize),
    checkpointName:
      read.optionalFlag('--checkpoint-name', flags['checkpoint-name'], (value) =>
        value.length <= 200 ? undefined : 'must be at most 200 characters',
      ) ?? 'user-views',
  };
  read.done();
  return config;
}

/** Parses the redrive tool's environment and flags once; throws a {@link ConfigError} listing every problem. */
export function loadRedriveConfig(env: Env, argv: readonly string[]): RedriveConfig {
  const read = new Reader(env);
  const flags = read.flags(argv, {
    consumer: { type: 'string' },
    'queue-url': { type: 'string' },
    'dry-run': { type: 'boolean' },
  });
  const config: RedriveConfig = {
    sqsEndpoint: read.optional('SQS_ENDPOINT', checks.httpUrl),
    consumer: read.flag('--consumer', flags['consumer'], consumerName),
    queueUrl: read.optionalFlag('--queue-url', flags['queue-url'], queueUrl),
    dryRun: flags['dry-run'] === true,
  };
  read.done();
  return config;
}

/** Parses the status tool's environment and flags once; throws a {@link ConfigError} listing every problem. */
export function loadStatusConfig(env: Env, argv: readonly string[], cwd: string = process.cwd()): StatusConfig {
  const read = new Reader(env);
  const flags = read.flags(argv, {
    consumer: { type: 'string', multiple: true },
    'queue-url': { type: 'string', multiple: true },
    json: { type: 'boolean' },
  });
  const names = (flags['consumer'] as string[] | undefined) ?? [...DEFAULT_STATUS_CONSUMERS];
  const urls = (flags['queue-url'] as string[] | undefined) ?? [];
  if (urls.length > 0 && urls.length !== names.length) {
    read.problem('--queue-url must be given once per --consumer, in the same order, or not at all');
  }
  const consumers = names.map((name, i) => ({
    consumer: read.flag('--consumer', name, consumerName),
    queueUrl: read.optionalFlag('--queue-url', urls[i], queueUrl),
  }));
  const config: StatusConfig = {
    storage: readReadModelStorage(read, readDataDir(read, cwd)),
    sqsEndpoint: read.optional('SQS_ENDPOINT', checks.httpUrl),
    consumers,
    json: flags['json'] === true,
  };
  read.done();
  return config;
}

/** SQS queue names: letters, digits, - and _, at most 80 characters with `-dlq.fifo`. */
const consumerName: Check = (value) =>
  /^[A-Za-z0-9_-]{1,71}$/.test(value) ? undefined : 'must be a queue name of letters, digits, - and _';

const queueUrl: Check = (value) => (/^https?:\/\/[^\s/]+\/\S+$/.test(value) ? undefined : 'must be an http(s) queue URL');

function readReadModelStorage(read: Reader, dataDir: string): SqliteStorage | DynamoDbReadModelStorage {
  const kind = read.oneOf('STORAGE', ['sqlite', 'dynamodb'] as const, 'sqlite');
  if (kind === 'sqlite') return { kind, dataDir };
  return { kind, endpoint: read.optional('DYNAMODB_ENDPOINT', checks.httpUrl), readModelTables: readSlotTables(read) };
}

function readSlotTables(read: Reader): Record<Slot, string> {
  const blue = read.required('READ_MODEL_TABLE', checks.tableName, { when: 'when STORAGE=dynamodb' });
  return { blue, green: read.optional('READ_MODEL_GREEN_TABLE', checks.tableName) ?? `${blue}-green` };
}

function readDataDir(read: Reader, cwd: string): string {
  return read.path('DATA_DIR', './data', cwd);
}

function readEventStore(read: Reader, dataDir: string): SqliteStorage | DynamoDbStorage {
  const kind = read.oneOf('STORAGE', ['sqlite', 'dynamodb'] as const, 'sqlite');
  if (kind === 'sqlite') return { kind, dataDir };
  return {
    kind,
    eventStoreTable: read.required('EVENT_STORE_TABLE', checks.tableName, { when: 'when STORAGE=dynamodb' }),
    endpoint: read.optional('DYNAMODB_ENDPOINT', checks.httpUrl),
    kmsKeyId: read.optional('KMS_KEY_ID'),
    keySecret: read.optional('JWT_SECRET', checks.minBytes(32), { secret: true }),
  };
}

type FlagSpec = Record<string, { readonly type: 'string' | 'boolean'; readonly multiple?: boolean }>;
type FlagValues = Record<string, string | boolean | string[] | undefined>;

/** The environment reader, plus the command-line flags of the operator tools, reported the same way. */
class Reader extends EnvReader {
  flags(argv: readonly string[], options: FlagSpec): FlagValues {
    try {
      return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values as FlagValues;
    } catch (error) {
      // node:util's messages name the flag at fault, e.g. "Unknown option '--users'".
      this.problem((error as Error).message);
      return {};
    }
  }

  flag(name: string, value: FlagValues[string], check: Check): string {
    if (typeof value !== 'string') {
      this.problem(`${name} is required`);
      return '';
    }
    return this.optionalFlag(name, value, check) ?? '';
  }

  optionalFlag(name: string, value: FlagValues[string], check: Check): string | undefined {
    if (typeof value !== 'string') return undefined;
    const text = value.trim();
    const problem = text === '' ? 'must not be empty' : check(text);
    if (problem !== undefined) this.fail(name, value, problem);
    return text === '' ? undefined : text;
  }

  integerFlag(name: string, value: FlagValues[string], fallback: number, min: number, max: number): number {
    const inRange = (raw: string) => /^\d+$/.test(raw) && Number(raw) >= min && Number(raw) <= max;
    const text = this.optionalFlag(name, value, (raw) =>
      inRange(raw) ? undefined : `must be an integer from ${min} to ${max}`,
    );
    return text === undefined || !/^\d+$/.test(text) ? fallback : Math.min(max, Math.max(min, Number(text)));
  }
}
