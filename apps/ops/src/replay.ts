import { randomBytes } from 'node:crypto';
import { GetQueueUrlCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { EventStore, StoredEvent } from '@user-service/event-store';
import { eventIdentity, fifoIdDigest, isFifoSafeId, messageGroupId, toCloudEvent } from '@user-service/integration-events';
import { readJsonFile, writeJsonFileAtomically } from '@user-service/json-file';
import { sendUntilTaken, type BatchRetry } from './batch-send.js';
import { silentProgress, type ProgressReporter, type ProgressTotal } from './progress.js';

export type ReplayErrorCode =
  /** The queue `<consumer>.fifo` does not exist. */
  | 'QUEUE_NOT_FOUND'
  /** An unfinished run with other filters holds the checkpoint file. */
  | 'CHECKPOINT_MISMATCH'
  /** The checkpoint file is not one this tool wrote. */
  | 'INVALID_CHECKPOINT'
  /** SQS refused a message for good, or kept failing it; the page was not checkpointed. */
  | 'SEND_FAILED';

export class ReplayError extends Error {
  override readonly name = 'ReplayError';

  constructor(
    readonly code: ReplayErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Which events a run replays. `null` means no filter; JSON has no `undefined`. */
export interface ReplayFilters {
  readonly user: string | null;
  /** Normalized ISO-8601 instant: events whose `metadata.occurredAt` is at or after it. */
  readonly since: string | null;
}

/** What the checkpoint file holds, rewritten atomically after each page is fully sent. */
export interface ReplayCheckpoint {
  /** Part of every deduplication id, so that a resumed run's resends are dropped by SQS, not a new run's. */
  readonly runId: string;
  readonly consumer: string;
  readonly filters: ReplayFilters;
  /** The `readAll` cursor after the last page sent; with a user filter, the last version sent. */
  readonly cursor: string | null;
  /** Events read from the store so far, sent or filtered out. */
  readonly scanned: number;
  /** Messages SQS accepted so far. */
  readonly sent: number;
  /** The run reached the end: the next run with this file starts afresh. */
  readonly done: boolean;
  readonly updatedAt: string;
}

/**
 * Estimates the whole run's events for the ETA: `done` were read already, the rest follow `after`. It may
 * answer undefined (no ETA) or an estimate.
 */
export type EventTotalEstimator = (after: string | undefined, done: number) => Promise<ProgressTotal | undefined>;

export interface ReplayOptions {
  readonly eventStore: Pick<EventStore, 'readAll' | 'readStream'>;
  /** The caller owns it. */
  readonly sqs: Pick<SQSClient, 'send'>;
  /** The consumer's FIFO queue; see {@link resolveQueueUrl}. */
  readonly queueUrl: string;
  /** The consumer's name, recorded in the checkpoint so that a resume cannot feed another queue. */
  readonly consumer: string;
  /** Replay only this user's stream (read with `readStream`). */
  readonly user?: string | undefined;
  /** Replay only events whose `metadata.occurredAt` is at or after this ISO-8601 instant. */
  readonly since?: string | undefined;
  readonly checkpointFile: string;
  /** Start a new run even if the checkpoint holds an unfinished one. @default false */
  readonly restart?: boolean;
  /** Stops the run after the page in hand has been sent and checkpointed. */
  readonly signal?: AbortSignal;
  /** @default silent */
  readonly progress?: ProgressReporter;
  /** For the ETA. @default no ETA */
  readonly estimateTotal?: EventTotalEstimator;
  /** Events read, sent and checkpointed at a time. @default 100 */
  readonly pageSize?: number;
  /**
   * Resends of entries SQS reports as failed (but not as the sender's fault): the pause starts at
   * `initialMs` and doubles up to `maxMs`; after `maxAttempts` sends the run stops with `SEND_FAILED`.
   * @default { initialMs: 100, maxMs: 10000, maxAttempts: 10 }
   */
  readonly retry?: BatchRetry;
  /** @default 12 random hex digits */
  readonly newRunId?: () => string;
  /** @default Date.now */
  readonly now?: () => number;
}

export interface ReplayResult {
  readonly runId: string;
  /** `stopped`: the signal fired; the checkpoint lets the same command resume. */
  readonly status: 'completed' | 'stopped';
  /** This run carried on from an unfinished run's checkpoint. */
  readonly resumed: boolean;
  /** Totals of the run, including what an earlier, resumed part of it did. */
  readonly scanned: number;
  readonly sent: number;
}

/** SQS's limit for one `SendMessageBatch`. */
const MAX_BATCH = 10;

/**
 * The deduplication id of a replayed event: its identity (`eventIdentity`: stream and version) plus the run
 * id. The live relay deduplicates by the identity alone, so SQS's 5-minute window would otherwise drop a
 * replay of an event just delivered live. An id SQS cannot take (too long, or with characters outside
 * printable ASCII) is replaced by its digest.
 */
export function deduplicationId(identity: string, runId: string): string {
  const plain = `${identity}-r${runId}`;
  return isFifoSafeId(plain) ? plain : `${fifoIdDigest(identity)}-r${runId}`;
}

/** The message group: the live relay's own function, so a user's live and replayed events share an order. */
export { messageGroupId };

/** The URL of the consumer's queue `<consumer>.fifo`; `QUEUE_NOT_FOUND` when there is none. */
export async function resolveQueueUrl(sqs: Pick<SQSClient, 'send'>, consumer: string): Promise<string> {
  const queueName = `${consumer}.fifo`;
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    if (QueueUrl !== undefined) return QueueUrl;
  } catch (error) {
    const name = (error as { name?: unknown }).name;
    if (name !== 'QueueDoesNotExist' && name !== 'AWS.SimpleQueueService.NonExistentQueue') throw error;
  }
  throw new ReplayError('QUEUE_NOT_FOUND', `there is no queue ${queueName}: check --consumer`);
}

/**
 * Re-publishes stored events, each as the CloudEvent the relay would publish but marked `replayed`, straight
 * into one consumer's FIFO queue: the topic is bypassed, so no other subscriber sees them. Live traffic may
 * flow meanwhile; the consumer's version gate makes the outcome exact whatever the interleaving.
 *
 * Without a user filter it pages through `readAll` (the whole history, not the 24-hour stream), from the
 * checkpoint's cursor when resuming; with one it reads that user's stream. After each page has been sent
 * completely, the checkpoint is saved; a stop (the signal) takes effect between pages, and the next run with
 * the same consumer and filters carries on from there, with the same run id: a page that was sent but not
 * checkpointed (a crash) is sent again, and within 5 minutes SQS drops those repeats by their ids.
 *
 * Every event is sent or the run fails: entries SQS reports as failed are resent with backoff, and one it
 * refuses for good stops the run before its page is checkpointed. A resent entry can land after a later
 * event of the same user sent in the same batch; the consumer's gap filling makes that harmless.
 */
export async function replay(options: ReplayOptions): Promise<ReplayResult> {
  const { eventStore, sqs, queueUrl, consumer, checkpointFile, signal } = options;
  const pageSize = options.pageSize ?? 100;
  const progress = options.progress ?? silentProgress;
  const now = options.now ?? Date.now;
  const filters: ReplayFilters = {
    user: options.user ?? null,
    since: options.since === undefined ? null : new Date(options.since).toISOString(),
  };
  const sinceMs = filters.since === null ? undefined : Date.parse(filters.since);

  const saved = options.restart === true ? undefined : await loadCheckpoint(checkpointFile);
  const resumed = saved !== undefined && !saved.done;
  const sameRun =
    saved?.consumer === consumer && saved.filters.user === filters.user && saved.filters.since === filters.since;
  if (resumed && !sameRun) {
    throw new ReplayError(
      'CHECKPOINT_MISMATCH',
      `${checkpointFile} holds an unfinished replay to ${saved.consumer} with other filters ` +
        `(user ${saved.filters.user ?? 'any'}, since ${saved.filters.since ?? 'the start'}): ` +
        'run it again with those, or pass --restart to abandon it',
    );
  }
  const newRunId = options.newRunId ?? (() => randomBytes(6).toString('hex'));
  let checkpoint: ReplayCheckpoint = resumed
    ? saved
    : { runId: newRunId(), consumer, filters, cursor: null, scanned: 0, sent: 0, done: false, updatedAt: '' };
  const save = async (next: Omit<ReplayCheckpoint, 'updatedAt' | 'runId' | 'consumer' | 'filters'>) => {
    checkpoint = { ...checkpoint, ...next, updatedAt: new Date(now()).toISOString() };
    await writeJsonFileAtomically(checkpointFile, checkpoint);
  };
  // Saved before anything is sent, so that even a crash in the first page resumes under this run id.
  if (!resumed) await save(checkpoint);

  const matches = (event: StoredEvent): boolean =>
    sinceMs === undefined || Date.parse(event.metadata.occurredAt) >= sinceMs;
  const sender = createSender(sqs, queueUrl, checkpoint.runId, options.retry);

  /** Sends one page, then checkpoints it. */
  async function page(events: readonly StoredEvent[], cursor: string | null, isEnd: boolean): Promise<void> {
    const selected = events.filter(matches);
    for (let i = 0; i < selected.length; i += MAX_BATCH) await sender(selected.slice(i, i + MAX_BATCH));
    await save({
      cursor,
      scanned: checkpoint.scanned + events.length,
      sent: checkpoint.sent + selected.length,
      done: isEnd,
    });
    progress.add(events.length);
    progress.note(`sent ${checkpoint.sent.toLocaleString('en-US')}`);
  }

  const label = `replay to ${consumer}`;
  const result = (status: ReplayResult['status']): ReplayResult => ({
    runId: checkpoint.runId,
    status,
    resumed,
    scanned: checkpoint.scanned,
    sent: checkpoint.sent,
  });
  try {
    if (filters.user !== null) {
      const fromVersion = checkpoint.cursor === null ? 1 : Number(checkpoint.cursor) + 1;
      const events = await eventStore.readStream(filters.user, { fromVersion });
      progress.begin(label, {
        total: { count: checkpoint.scanned + events.length, estimate: false },
        done: checkpoint.scanned,
      });
      if (events.length === 0) await save({ ...progressOf(checkpoint), done: true });
      for (let start = 0; start < events.length; start += pageSize) {
        if (signal?.aborted === true) return result('stopped');
        const slice = events.slice(start, start + pageSize);
        await page(slice, String(slice.at(-1)?.version), start + pageSize >= events.length);
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

const progressOf = ({ cursor, scanned, sent }: ReplayCheckpoint) => ({ cursor, scanned, sent });

async function loadCheckpoint(filename: string): Promise<ReplayCheckpoint | undefined> {
  const value = (await readJsonFile(filename)) as Partial<ReplayCheckpoint> | undefined;
  if (value === undefined) return undefined;
  const text = (x: unknown) => typeof x === 'string' && x !== '';
  const textOrNull = (x: unknown) => x === null || text(x);
  const counter = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;
  const valid =
    typeof value === 'object' &&
    value !== null &&
    text(value.runId) &&
    text(value.consumer) &&
    typeof value.filters === 'object' &&
    value.filters !== null &&
    textOrNull(value.filters.user) &&
    textOrNull(value.filters.since) &&
    textOrNull(value.cursor) &&
    counter(value.scanned) &&
    counter(value.sent) &&
    typeof value.done === 'boolean';
  if (!valid) {
    throw new ReplayError(
      'INVALID_CHECKPOINT',
      `${filename} is not a replay checkpoint: remove it, or pass --restart to overwrite it`,
    );
  }
  return value as ReplayCheckpoint;
}

/** Sends up to 10 events in one batch, resending whatever SQS did not accept until it has all of them. */
function createSender(
  sqs: Pick<SQSClient, 'send'>,
  queueUrl: string,
  runId: string,
  retry: ReplayOptions['retry'],
): (events: readonly StoredEvent[]) => Promise<void> {
  return (events) =>
    sendUntilTaken(
      events.map((event, i) => ({
        Id: String(i),
        MessageBody: JSON.stringify(toCloudEvent(event, { replayed: true })),
        MessageGroupId: messageGroupId(event.streamId),
        MessageDeduplicationId: deduplicationId(eventIdentity(event), runId),
      })),
      (pending) => sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending })),
      {
        service: 'SQS',
        eventIdOf: (id) => events[Number(id)]?.eventId,
        fail: (message) => new ReplayError('SEND_FAILED', message),
        retry,
      },
    );
}
