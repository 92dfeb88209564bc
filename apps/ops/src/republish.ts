import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PublishBatchCommand, type SNSClient } from '@aws-sdk/client-sns';
import { sendUntilTaken } from './batch-send.js';
import { ConfigError, EnvReader, checks, type Env } from '@user-service/env-config';
import { LIMITS, type StoredEvent } from '@user-service/event-store';
import { eventIdentity, messageGroupId, toCloudEvent } from '@user-service/integration-events';
import { readJsonFile, writeJsonFileAtomically } from '@user-service/json-file';
import type { DynamoDbStorage, SqliteStorage } from './config.js';
import { silentProgress } from './progress.js';
import { deduplicationId, type ReplayOptions, type ReplayResult } from './replay.js';

export type RepublishErrorCode =
  /** An unfinished run with other filters or another topic holds the checkpoint file. */
  | 'CHECKPOINT_MISMATCH'
  /** The checkpoint file is not one this tool wrote. */
  | 'INVALID_CHECKPOINT'
  /** SNS refused an event for good, or kept failing it; its page was not checkpointed. */
  | 'PUBLISH_FAILED';

export class RepublishError extends Error {
  override readonly name = 'RepublishError';

  constructor(
    readonly code: RepublishErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Which events a run re-publishes: those of `user` (or every user) that occurred in [since, until). */
export interface RepublishFilters {
  readonly user: string | null;
  /** Normalized ISO-8601 instant, inclusive. */
  readonly since: string;
  /** Normalized ISO-8601 instant, exclusive; `null` for no end. */
  readonly until: string | null;
}

/** What the checkpoint file holds, rewritten atomically after each page is fully published. */
export interface RepublishCheckpoint {
  /** Part of every deduplication id: a resumed run's repeats are dropped by SNS, a new run's are not. */
  readonly runId: string;
  readonly topicArn: string;
  readonly filters: RepublishFilters;
  /** The `readAll` cursor after the last page published; with a user filter, the last version read. */
  readonly cursor: string | null;
  /** Events read from the store so far, published or filtered out. */
  readonly scanned: number;
  /** Events SNS accepted so far. */
  readonly sent: number;
  /** The run reached the end: the next run with this file starts afresh. */
  readonly done: boolean;
  readonly updatedAt: string;
}

/**
 * The options `pnpm replay` has too (the store, the checkpoint, the stop signal, progress, paging, resend
 * backoff, run ids and the clock), with the topic and the window in place of the consumer and its filters.
 */
export interface RepublishOptions
  extends Pick<
    ReplayOptions,
    'eventStore' | 'checkpointFile' | 'restart' | 'signal' | 'progress' | 'estimateTotal' | 'pageSize' | 'retry' | 'newRunId' | 'now'
  > {
  /** The caller owns it. */
  readonly sns: Pick<SNSClient, 'send'>;
  /** The SNS FIFO topic every consumer queue is subscribed to. */
  readonly topicArn: string;
  readonly filters: RepublishFilters;
}

/** What a run did, as `pnpm replay` reports it; `stopped` means the same command resumes. */
export type RepublishResult = ReplayResult;

/** SNS's limit for one `PublishBatch`. */
const MAX_BATCH = 10;

/**
 * Re-publishes stored events to the topic, each as the CloudEvent the relay publishes but marked `replayed`,
 * so that every consumer queue subscribed to it gets them: the repair for events the stream relay never
 * published (it was down past the stream's 24-hour retention) or a consumer lost. Consumers drop what they
 * already hold by event id and version, so a wide window is safe, only slower.
 *
 * It pages through `readAll` (the whole history, not the stream), or reads one user's stream with a user
 * filter, and publishes the events that occurred in the window. After each page has been published
 * completely the checkpoint is saved; a stop (the signal) takes effect between pages, and the next run with
 * the same topic and filters carries on from there under the same run id, so that SNS drops, within its
 * five-minute window, the repeats of a page published but not checkpointed before a crash.
 *
 * Message groups are the user ids, through the same `messageGroupId` as the live relay, so a user's events
 * keep their order. An entry SNS fails is resent, and may land after a later event of its user sent in the
 * same call; the consumers' version gate and gap filling make that harmless.
 */
export async function republish(options: RepublishOptions): Promise<RepublishResult> {
  const { eventStore, sns, topicArn, filters, checkpointFile, signal } = options;
  const pageSize = options.pageSize ?? 100;
  const progress = options.progress ?? silentProgress;
  const now = options.now ?? Date.now;

  const saved = options.restart === true ? undefined : await loadCheckpoint(checkpointFile);
  const resumed = saved !== undefined && !saved.done;
  if (resumed && !sameRun(saved, topicArn, filters)) {
    throw new RepublishError(
      'CHECKPOINT_MISMATCH',
      `${checkpointFile} holds an unfinished republish to ${saved.topicArn} with other filters ` +
        `(${describe(saved.filters)}): run it again with those, or pass --restart to abandon it`,
    );
  }
  const newRunId = options.newRunId ?? (() => randomBytes(6).toString('hex'));
  let checkpoint: RepublishCheckpoint = resumed
    ? saved
    : { runId: newRunId(), topicArn, filters, cursor: null, scanned: 0, sent: 0, done: false, updatedAt: '' };
  const save = async (next: Pick<RepublishCheckpoint, 'cursor' | 'scanned' | 'sent' | 'done'>): Promise<void> => {
    checkpoint = { ...checkpoint, ...next, updatedAt: new Date(now()).toISOString() };
    await writeJsonFileAtomically(checkpointFile, checkpoint);
  };
  // Saved before anything is published, so that even a crash in the first page resumes under this run id.
  if (!resumed) await save(checkpoint);

  const inWindow = windowOf(filters);
  const publish = createPublisher(sns, topicArn, checkpoint.runId, options.retry);
  const page = async (events: readonly StoredEvent[], cursor: string | null, isEnd: boolean): Promise<void> => {
    const selected = events.filter(inWindow);
    for (let i = 0; i < selected.length; i += MAX_BATCH) await publish(selected.slice(i, i + MAX_BATCH));
    await save({ cursor, scanned: checkpoint.scanned + events.length, sent: checkpoint.sent + selected.length, done: isEnd });
    progress.add(events.length);
    progress.note(`published ${checkpoint.sent.toLocaleString('en-US')}`);
  };
  const result = (status: RepublishResult['status']): RepublishResult => {
    const { runId, scanned, sent } = checkpoint;
    return { runId, status, resumed, scanned, sent };
  };

  const label = `republish to ${topicArn.split(':').at(-1)}`;
  try {
    if (filters.user !== null) {
      const fromVersion = checkpoint.cursor === null ? 1 : Number(checkpoint.cursor) + 1;
      const events = await eventStore.readStream(filters.user, { fromVersion });
      progress.begin(label, { total: { count: checkpoint.scanned + events.length, estimate: false }, done: checkpoint.scanned });
      if (events.length === 0) await save({ ...checkpoint, done: true });
      for (let start = 0; start < events.length; start += pageSize) {
        if (signal?.aborted === true) return result('stopped');
        const slice = events.slice(start, start + pageSize);
        await page(slice, String(slice.at(-1)!.version), start + pageSize >= events.length);
      }
      return result('completed');
    }
    const total = await options.estimateTotal?.(checkpoint.cursor ?? undefined, checkpoint.scanned);
    progress.begin(label, { total, done: checkpoint.scanned });
    for (;;) {
      if (signal?.aborted === true) return result('stopped');
      const read = await eventStore.readAll({ cursor: checkpoint.cursor ?? undefined, limit: pageSize });
      await page(read.events, read.cursor ?? checkpoint.cursor, read.isEnd);
      if (read.isEnd) return result('completed');
    }
  } finally {
    progress.end();
  }
}

const sameRun = (saved: RepublishCheckpoint, topicArn: string, filters: RepublishFilters): boolean =>
  saved.topicArn === topicArn &&
  saved.filters.user === filters.user &&
  saved.filters.since === filters.since &&
  saved.filters.until === filters.until;

const describe = ({ user, since, until }: RepublishFilters): string =>
  `user ${user ?? 'any'}, since ${since}, until ${until ?? 'now'}`;

function windowOf({ since, until }: RepublishFilters): (event: StoredEvent) => boolean {
  const from = Date.parse(since);
  const to = until === null ? Infinity : Date.parse(until);
  return (event) => {
    const at = Date.parse(event.metadata.occurredAt);
    return at >= from && at < to;
  };
}

async function loadCheckpoint(filename: string): Promise<RepublishCheckpoint | undefined> {
  const value = (await readJsonFile(filename)) as Partial<RepublishCheckpoint> | null | undefined;
  if (value === undefined) return undefined;
  const text = (x: unknown): boolean => typeof x === 'string' && x !== '';
  const textOrNull = (x: unknown): boolean => x === null || text(x);
  const counter = (x: unknown): boolean => Number.isSafeInteger(x) && (x as number) >= 0;
  const filters = value?.filters;
  const valid =
    typeof value === 'object' &&
    value !== null &&
    text(value.runId) &&
    text(value.topicArn) &&
    typeof filters === 'object' &&
    filters !== null &&
    textOrNull(filters.user) &&
    text(filters.since) &&
    textOrNull(filters.until) &&
    textOrNull(value.cursor) &&
    counter(value.scanned) &&
    counter(value.sent) &&
    typeof value.done === 'boolean';
  if (!valid) {
    throw new RepublishError(
      'INVALID_CHECKPOINT',
      `${filename} is not a republish checkpoint: remove it, or pass --restart to overwrite it`,
    );
  }
  return value as RepublishCheckpoint;
}

/** Publishes up to 10 events in one call, resending whatever SNS did not accept until it has all of them. */
function createPublisher(
  sns: Pick<SNSClient, 'send'>,
  topicArn: string,
  runId: string,
  retry: RepublishOptions['retry'],
): (events: readonly StoredEvent[]) => Promise<void> {
  return (events) =>
    sendUntilTaken(
      events.map((event, i) => ({
        Id: String(i),
        Message: JSON.stringify(toCloudEvent(event, { replayed: true })),
        MessageGroupId: messageGroupId(event.streamId),
        MessageDeduplicationId: deduplicationId(eventIdentity(event), runId),
      })),
      (pending) => sns.send(new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: pending })),
      {
        service: 'SNS',
        eventIdOf: (id) => events[Number(id)]?.eventId,
        fail: (message) => new RepublishError('PUBLISH_FAILED', message),
        retry,
      },
    );
}

/** The republish tool's configuration, parsed once from the environment and the flags. */
export interface RepublishConfig {
  readonly storage: SqliteStorage | DynamoDbStorage;
  /** `--topic-arn` or `TOPIC_ARN`: the SNS FIFO topic. */
  readonly topicArn: string;
  /** `SNS_ENDPOINT`, for a local emulator; absent on AWS. */
  readonly snsEndpoint: string | undefined;
  readonly filters: RepublishFilters;
  readonly restart: boolean;
  readonly pageSize: number;
  /** `--checkpoint-file`, by default `DATA_DIR/republish/checkpoint.json`. */
  readonly checkpointFile: string;
}

export const REPUBLISH_USAGE = `Usage: pnpm republish --since <instant> [--until <instant>] [--user <id>] [--topic-arn <arn>]
                       [--restart] [--page-size <n>] [--checkpoint-file <path>]

Re-publishes the stored events that occurred from --since (inclusive) to --until (exclusive; default: no
end), of one user or of all, to the SNS topic, marked as replayed: every consumer queue subscribed to it
gets them, and drops those it already holds. Instants are ISO-8601, e.g. 2026-11-30T08:00:00Z.
Stop it with Ctrl-C: it finishes the page in hand, and the same command resumes from its checkpoint.

Environment:
  TOPIC_ARN               the SNS FIFO topic (or --topic-arn)
  STORAGE                 sqlite (default: DATA_DIR/events.db) or dynamodb
  DATA_DIR                where the embedded stores and the checkpoint live (default ./data)
  EVENT_STORE_TABLE       the event-store table, with STORAGE=dynamodb
  DYNAMODB_ENDPOINT       a DynamoDB endpoint URL, for DynamoDB Local
  SNS_ENDPOINT            an SNS endpoint URL, for a local emulator`;

const FIFO_TOPIC_ARN = /^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]{1,251}\.fifo$/;
const instant = (value: string): string | undefined =>
  /^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value)) ? undefined : 'must be an ISO-8601 instant';

/** Parses the environment and the flags once; throws a {@link ConfigError} listing every problem. */
export function loadRepublishConfig(env: Env, argv: readonly string[], cwd: string = process.cwd()): RepublishConfig {
  const read = new EnvReader(env);
  let flags: Record<string, string | boolean | undefined> = {};
  try {
    flags = parseArgs({
      args: [...argv],
      options: {
        since: { type: 'string' },
        until: { type: 'string' },
        user: { type: 'string' },
        'topic-arn': { type: 'string' },
        restart: { type: 'boolean' },
        'page-size': { type: 'string' },
        'checkpoint-file': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    // node:util's messages name the flag at fault, e.g. "Unknown option '--users'".
    read.problem((error as Error).message);
  }
  const flag = (name: string, check: (value: string) => string | undefined): string | undefined => {
    const value = flags[name];
    if (typeof value !== 'string') return undefined;
    const problem = value.trim() === '' ? 'must not be empty' : check(value.trim());
    if (problem !== undefined) read.problem(`--${name}=${JSON.stringify(value)} ${problem}`);
    return problem === undefined ? value.trim() : undefined;
  };
  const since = flag('since', instant);
  if (typeof flags['since'] !== 'string') read.problem('--since is required');
  const until = flag('until', instant);
  if (since !== undefined && until !== undefined && Date.parse(until) <= Date.parse(since)) {
    read.problem('--until must be later than --since');
  }
  const user = flag('user', (value) => (value.length <= LIMITS.maxIdLength ? undefined : `must be at most ${LIMITS.maxIdLength} characters`));
  const pageSize = flag('page-size', (value) =>
    /^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= LIMITS.maxPageSize
      ? undefined
      : `must be an integer from 1 to ${LIMITS.maxPageSize}`,
  );
  const isFifoTopic = (value: string) => (FIFO_TOPIC_ARN.test(value) ? undefined : 'must be the ARN of an SNS FIFO topic');
  const topicArn = flag('topic-arn', isFifoTopic) ?? read.required('TOPIC_ARN', isFifoTopic);
  const checkpointFile = flag('checkpoint-file', () => undefined);
  const dataDir = read.path('DATA_DIR', './data', cwd);
  const kind = read.oneOf('STORAGE', ['sqlite', 'dynamodb'] as const, 'sqlite');
  const storage: SqliteStorage | DynamoDbStorage =
    kind === 'sqlite'
      ? { kind, dataDir }
      : {
          kind,
          eventStoreTable: read.required('EVENT_STORE_TABLE', checks.tableName, { when: 'when STORAGE=dynamodb' }),
          endpoint: read.optional('DYNAMODB_ENDPOINT', checks.httpUrl),
        };
  const config: RepublishConfig = {
    storage,
    topicArn,
    snsEndpoint: read.optional('SNS_ENDPOINT', checks.httpUrl),
    filters: {
      user: user ?? null,
      since: since === undefined ? '' : new Date(since).toISOString(),
      until: until === undefined ? null : new Date(until).toISOString(),
    },
    restart: flags['restart'] === true,
    pageSize: pageSize === undefined ? 100 : Number(pageSize),
    checkpointFile:
      checkpointFile === undefined ? join(dataDir, 'republish', 'checkpoint.json') : resolve(cwd, checkpointFile),
  };
  read.done();
  return config;
}

export { ConfigError };
