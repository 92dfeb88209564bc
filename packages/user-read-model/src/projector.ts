import type { EventStore } from '@user-service/event-store';
import { ReadModelError, isReadModelError } from './errors.js';
import { createFoldingReadModel } from './folding.js';
import { inParallel } from './parallel.js';
import type { CheckpointWrite, UserReadModel, ViewWrite } from './port.js';
import { applyToView, type ProjectableEvent, type UserView } from './view.js';

/**
 * The subset of a pino logger the projector uses: the merging object first, then the message. Its summary of
 * each batch is a debug line: a host logs its own outcome at its own level (the queue worker a line per
 * batch of messages), and the embedded service projects after every commit, where an info line per batch
 * would double its log.
 */
export interface ProjectorLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ProjectorOptions {
  readonly readModel: Pick<UserReadModel, 'getMany' | 'putMany'>;
  /** Where the versions missing from a delivery are read. */
  readonly eventStore: Pick<EventStore, 'readStream'>;
  /** Never given event data: only stream ids, versions, types, counts and `{ err }`. @default silent */
  readonly logger?: ProjectorLogger;
  /**
   * How many conditional writes one user's events may lose to other projectors before they are reported as
   * failed (`WRITE_CONTENDED`), to be delivered again later. @default 10
   */
  readonly maxAttempts?: number;
}

/** One delivered event the projector could not project, with the error why. */
export interface FailedEvent<E extends ProjectableEvent = ProjectableEvent> {
  readonly streamId: string;
  readonly version: number;
  /** The delivery exactly as it was passed in, so that a host can map it back to its message. */
  readonly event: E;
  readonly error: unknown;
}

export interface BatchOutcome<E extends ProjectableEvent = ProjectableEvent> {
  /** Delivered events written to the read model (one per version: further copies are duplicates). */
  readonly applied: number;
  /**
   * Delivered events the read model already had, or further copies of one applied here: acknowledged, not
   * applied again.
   */
  readonly duplicates: number;
  /** Events read from the event store to fill the gap before a delivered event, and written with it. */
  readonly gapFilled: number;
  /** Delivered events that failed; every other user's events in the batch were still handled. */
  readonly failed: readonly FailedEvent<E>[];
  /**
   * Present only when {@link ApplyBatchOptions.checkpoint} was given: whether it was saved, which it is
   * exactly when no event failed.
   */
  readonly checkpointSaved?: boolean;
}

export interface ApplyBatchOptions {
  /**
   * A follower's cursor to save in the same read-model write as the batch's views
   * ({@link UserReadModel.putMany}), and only if no event of the batch fails.
   */
  readonly checkpoint?: CheckpointWrite;
}

export interface Projector {
  /**
   * Projects a batch of deliveries in any order, with any duplicates. The deliveries are grouped per user:
   * all users' views are read in one {@link UserReadModel.getMany}, each user's gaps filled from the event
   * store in one read, its events folded in version order, and all views written in one
   * {@link UserReadModel.putMany} (more only for writes lost to another projector, which are re-read and
   * retried).
   *
   * When an event of a user cannot be projected, it and every later delivery of that user in the batch are
   * reported failed (the later ones cannot be applied without it), while the user's events before it are
   * still written and count as applied. Other users' events are never held back by it.
   */
  applyBatch<E extends ProjectableEvent>(events: readonly E[], options?: ApplyBatchOptions): Promise<BatchOutcome<E>>;

  /**
   * Starts a {@link ProjectionFold}: deliveries projected over several calls and written once, at the end.
   * Optional: {@link catchUp} drives a projector without it (a wrapper, say) one page at a time.
   */
  fold?(): ProjectionFold;
}

/**
 * Deliveries folded in memory across several calls and written once: how {@link catchUp} projects a batch of
 * many pages, so that a user whose events run through them is read and written once per batch, while the
 * fold holds one view per user it met and none of the events.
 */
export interface ProjectionFold {
  /**
   * Projects deliveries as {@link Projector.applyBatch} does, onto the views folded so far (each user's view
   * read from the read model the first time the fold meets the user). Nothing is written yet.
   */
  add<E extends ProjectableEvent>(events: readonly E[]): Promise<BatchOutcome<E>>;

  /**
   * Writes every view the fold changed, each conditional on the version the read model held when the fold
   * read it, with `checkpoint`, in one {@link UserReadModel.putMany}. A user whose write another writer beat
   * (a live writer during a rebuild, say) gets the events it still lacks read again from the event store and
   * projected onto its view as it is now. Answers whether every view and the checkpoint went in; if not, the
   * fold's deliveries are still to be projected, and a read-model error is logged, not thrown.
   */
  commit(checkpoint?: CheckpointWrite): Promise<boolean>;
}

const silent: ProjectorLogger = { debug() {}, warn() {}, error() {} };

/**
 * How many users' gaps are read from the event store at a time: enough to hide DynamoDB's round trips, few
 * enough not to queue behind the SDK's sockets. SQLite answers synchronously, so it makes no difference there.
 */
const READ_CONCURRENCY = 16;

/** One user's deliveries in a batch, and what the event store gave for its gaps so far. */
interface StreamWork<E extends ProjectableEvent> {
  readonly streamId: string;
  /** Ascending by version; each version's copies in the order given, the first being the one applied. */
  readonly versions: ReadonlyArray<{ readonly version: number; readonly copies: readonly E[] }>;
  /** Kept across attempts: a retry starts from a newer stored version, so it never needs other events. */
  readonly stored: Map<number, ProjectableEvent>;
}

/** What one attempt decided for one user. */
interface Plan<E extends ProjectableEvent> {
  readonly work: StreamWork<E>;
  /** The conditional write, unless nothing is new. */
  readonly write: ViewWrite | undefined;
  /** Every copy of every version `write` covers; the first copy of each is applied, the rest duplicates. */
  readonly written: readonly E[];
  readonly applied: number;
  /** Versions of the event store that `write` covers. */
  readonly filled: readonly number[];
  /** Copies of versions the view already held. */
  readonly duplicates: number;
  readonly failed: readonly FailedEvent<E>[];
}

/**
 * The projector core that every host shares (a queue consumer, a catch-up follower). It is idempotent and
 * order-insensitive: the stored version says which events a view already holds, an event that is ahead of
 * it first gets the missing versions from the event store, and every write is conditional on the version
 * it was computed from. The read model therefore converges on the fold of the event store, whatever
 * duplicates, reordering or concurrent projectors it meets.
 */
export function createProjector(options: ProjectorOptions): Projector {
  const { readModel, eventStore } = options;
  const logger = options.logger ?? silent;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 10);

  /**
   * Reads every pending user's view in one call, then the versions their gaps need from the event store,
   * one call per user, and folds each user's deliveries onto its view.
   */
  async function planAll<E extends ProjectableEvent>(pending: readonly StreamWork<E>[]): Promise<Plan<E>[]> {
    let views: Array<UserView | undefined>;
    try {
      views = await readModel.getMany(pending.map((work) => work.streamId));
    } catch (error) {
      return pending.map((work) => {
        const failed = work.versions.flatMap(({ copies }) => copies.map((event) => failure(event, error)));
        return { work, write: undefined, written: [], applied: 0, filled: [], duplicates: 0, failed };
      });
    }
    const readErrors = new Map<StreamWork<E>, unknown>();
    const gaps = pending.flatMap((work, i) => {
      const range = missingRange(work, views[i]?.version ?? 0);
      return range === undefined ? [] : [{ work, ...range }];
    });
    await inParallel(gaps, READ_CONCURRENCY, async ({ work, fromVersion, toVersion }) => {
      try {
        for (const event of await eventStore.readStream(work.streamId, { fromVersion, toVersion })) {
          if (event.version >= fromVersion && event.version <= toVersion) work.stored.set(event.version, event);
        }
      } catch (error) {
        // Only the deliveries that need these versions fail with it; the ones before them can still be written.
        readErrors.set(work, error);
      }
    });
    return pending.map((work, i) => plan(work, views[i], readErrors.get(work)));
  }

  /** Folds one user's deliveries onto its view, with the versions read from the store between them. */
  function plan<E extends ProjectableEvent>(
    work: StreamWork<E>,
    current: UserView | undefined,
    readError: unknown,
  ): Plan<E> {
    const at = current?.version ?? 0;
    let view = current;
    let version = at;
    let duplicates = 0;
    let applied = 0;
    let blocked: { readonly version: number; readonly error: unknown } | undefined;
    const written: E[] = [];
    const filled: number[] = [];
    const failed: FailedEvent<E>[] = [];
    for (const { version: delivered, copies } of work.versions) {
      if (delivered <= at) {
        duplicates += copies.length;
      } else if (blocked !== undefined) {
        const error = blockedBy(blocked, work.streamId, delivered);
        failed.push(...copies.map((event) => failure(event, error)));
      } else {
        try {
          // The gap and the event go in the same conditional write: all of them, or none if another writer won.
          let next = view;
          const gap: number[] = [];
          for (let missing = version + 1; missing < delivered; missing++) {
            const event = work.stored.get(missing);
            // A store that lags (or a delivery for a stream it does not hold) must not let the view skip versions.
            if (event === undefined) throw readError ?? missingEvents(work.streamId, version + 1, delivered - 1);
            next = applyToView(next, event);
            gap.push(missing);
          }
          view = applyToView(next, copies[0] as E);
          version = delivered;
          for (const missing of gap) filled.push(missing);
          for (const copy of copies) written.push(copy);
          applied++;
        } catch (error) {
          blocked = { version: delivered, error };
          failed.push(...copies.map((event) => failure(event, error)));
        }
      }
    }
    const write = view !== undefined && version > at ? { view, expectedVersion: at } : undefined;
    return { work, write, written, applied, filled, duplicates, failed };
  }

  /**
   * The writes of a fold that another writer beat: each such user's events that the read model lacks and the
   * fold had applied, read from the store and projected onto the view as it is now, with the checkpoint.
   */
  async function catchUpBeaten(beaten: readonly ViewWrite[], checkpoint: CheckpointWrite | undefined): Promise<boolean> {
    const now = await readModel.getMany(beaten.map(({ view }) => view.id));
    const deliveries: ProjectableEvent[] = [];
    await inParallel([...beaten.entries()], READ_CONCURRENCY, async ([i, { view }]) => {
      const stored = now[i]?.version ?? 0;
      if (stored >= view.version) return;
      deliveries.push(...(await eventStore.readStream(view.id, { fromVersion: stored + 1, toVersion: view.version })));
    });
    logger.debug({ users: beaten.length, events: deliveries.length }, 'projected again the users whose folded writes were beaten');
    const outcome = await projector.applyBatch(deliveries, checkpoint === undefined ? {} : { checkpoint });
    return outcome.failed.length === 0;
  }

  const projector: Projector = {
    fold(): ProjectionFold {
      const folding = createFoldingReadModel(readModel);
      const folder = createProjector({ ...options, readModel: folding });
      return {
        async add(events) {
          const applied = await folding.foldInOrder(events);
          if (applied === undefined) return folder.applyBatch(events);
          if (applied > 0) logger.debug({ applied, duplicates: 0, gapFilled: 0, failed: 0 }, 'projected a batch');
          return { applied, duplicates: 0, gapFilled: 0, failed: [] };
        },
        async commit(checkpoint) {
          try {
            const writes = folding.writes();
            const won = await readModel.putMany(writes, checkpoint);
            if (won.every(Boolean)) return true;
            return await catchUpBeaten(writes.filter((_, i) => won[i] !== true), checkpoint);
          } catch (error) {
            logger.error({ err: error }, 'could not write a folded batch');
            return false;
          }
        },
      };
    },

    async applyBatch<E extends ProjectableEvent>(
      events: readonly E[],
      batchOptions: ApplyBatchOptions = {},
    ): Promise<BatchOutcome<E>> {
      const { checkpoint } = batchOptions;
      let applied = 0;
      let duplicates = 0;
      let gapFilled = 0;
      const failed: FailedEvent<E>[] = [];
      let checkpointSaved = false;

      const { streams, malformed } = group(events);
      failed.push(...malformed);
      /** Counts what a user's last attempt decided, apart from its write. */
      const settle = (done: Plan<E>): void => {
        duplicates += done.duplicates;
        failed.push(...done.failed);
      };

      let pending = streams;
      for (let attempt = 1; pending.length > 0 || (checkpoint !== undefined && !checkpointSaved); attempt++) {
        const plans = pending.length === 0 ? [] : await planAll(pending);
        const writing = plans.filter((p) => p.write !== undefined);
        plans.filter((p) => p.write === undefined).forEach(settle);
        // A failure may still turn out a duplicate once a lost write is re-read, so it only holds the
        // checkpoint back for this attempt.
        const withCheckpoint =
          checkpoint !== undefined && failed.length === 0 && plans.every((p) => p.failed.length === 0);
        if (writing.length === 0 && !withCheckpoint) break;

        let won: boolean[];
        try {
          won = await readModel.putMany(
            writing.map((p) => p.write as ViewWrite),
            withCheckpoint ? checkpoint : undefined,
          );
        } catch (error) {
          for (const p of writing) {
            settle(p);
            failed.push(...p.written.map((event) => failure(event, error)));
          }
          break;
        }
        if (withCheckpoint && won.every(Boolean)) checkpointSaved = true;

        const lost: Plan<E>[] = [];
        writing.forEach((p, i) => {
          if (won[i] !== true) {
            lost.push(p);
            return;
          }
          settle(p);
          applied += p.applied;
          duplicates += p.written.length - p.applied;
          gapFilled += p.filled.length;
          if (p.filled.length > 0) {
            logger.warn(
              {
                streamId: p.work.streamId,
                fromVersion: p.filled[0],
                toVersion: p.filled.at(-1),
                events: p.filled.length,
              },
              'filled a gap from the event store',
            );
          }
        });
        // Another projector wrote first: what it wrote decides which of these events are still to be applied.
        pending = lost.map((p) => p.work);
        if (lost.length > 0 && attempt >= maxAttempts) {
          for (const p of lost) {
            settle(p);
            const error = new ReadModelError(
              'WRITE_CONTENDED',
              `lost ${maxAttempts} conditional writes for versions up to ${(p.write as ViewWrite).view.version} ` +
                `of stream ${p.work.streamId}`,
            );
            failed.push(...p.written.map((event) => failure(event, error)));
          }
          break;
        }
      }

      for (const { error, event } of failed) {
        const { streamId, version, type } = event;
        logger.error({ err: error, streamId, version, type }, 'could not project an event');
      }
      // An empty poll is not news; a batch that did something is.
      if (events.length > 0) {
        logger.debug({ applied, duplicates, gapFilled, failed: failed.length }, 'projected a batch');
      }
      return checkpoint === undefined
        ? { applied, duplicates, gapFilled, failed }
        : { applied, duplicates, gapFilled, failed, checkpointSaved };
    },
  };
  return projector;
}

/**
 * Groups deliveries per user, in stream-id order, with each user's versions ascending and their copies in
 * the order given. A delivery without a usable stream id or version fails alone.
 */
function group<E extends ProjectableEvent>(
  events: readonly E[],
): { streams: StreamWork<E>[]; malformed: FailedEvent<E>[] } {
  const byStream = new Map<string, E[]>();
  const malformed: FailedEvent<E>[] = [];
  for (const event of events) {
    // A version of 0 would otherwise pass as a duplicate and be acknowledged without a trace.
    if (typeof event.streamId !== 'string' || event.streamId === '' || !isVersion(event.version)) {
      const error = new ReadModelError(
        'INVALID_EVENT',
        'a delivered event needs a stream id and a version of at least 1',
      );
      malformed.push(failure(event, error));
      continue;
    }
    const delivered = byStream.get(event.streamId);
    if (delivered === undefined) byStream.set(event.streamId, [event]);
    else delivered.push(event);
  }
  const streams = [...byStream]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([streamId, delivered]) => ({ streamId, versions: inVersionOrder(delivered), stored: new Map<number, ProjectableEvent>() }));
  return { streams, malformed };
}

/**
 * One user's deliveries by version, ascending, each version's copies in the order given. Deliveries mostly
 * come in order and once each (a page of the store, a FIFO queue), which needs no sorting.
 */
function inVersionOrder<E extends ProjectableEvent>(delivered: readonly E[]): StreamWork<E>['versions'] {
  let ascending = true;
  for (let i = 1; i < delivered.length && ascending; i++) ascending = delivered[i - 1]!.version < delivered[i]!.version;
  if (ascending) return delivered.map((event) => ({ version: event.version, copies: [event] }));
  const byVersion = new Map<number, E[]>();
  for (const event of delivered) {
    const copies = byVersion.get(event.version);
    if (copies === undefined) byVersion.set(event.version, [event]);
    else copies.push(event);
  }
  return [...byVersion].sort(([a], [b]) => a - b).map(([version, copies]) => ({ version, copies }));
}

/**
 * The versions between the stored one and the user's last delivery that were neither delivered nor read
 * before, as one range to read (it may span delivered versions), or `undefined` if there are none.
 */
function missingRange(
  work: StreamWork<ProjectableEvent>,
  at: number,
): { fromVersion: number; toVersion: number } | undefined {
  let fromVersion: number | undefined;
  let toVersion = 0;
  let expected = at + 1;
  for (const { version } of work.versions) {
    for (let missing = expected; missing < version; missing++) {
      if (work.stored.has(missing)) continue;
      fromVersion ??= missing;
      toVersion = missing;
    }
    expected = Math.max(expected, version + 1);
  }
  return fromVersion === undefined ? undefined : { fromVersion, toVersion };
}

function failure<E extends ProjectableEvent>(event: E, error: unknown): FailedEvent<E> {
  return { streamId: event.streamId, version: event.version, event, error };
}

function missingEvents(streamId: string, fromVersion: number, toVersion: number): ReadModelError {
  return new ReadModelError(
    'MISSING_EVENTS',
    `the event store has not got versions ${fromVersion} to ${toVersion} of stream ${streamId}`,
  );
}

/** The error of a delivery that cannot be applied because an earlier version of its stream failed. */
function blockedBy(
  blocked: { readonly version: number; readonly error: unknown },
  streamId: string,
  version: number,
): unknown {
  if (!isReadModelError(blocked.error)) return blocked.error;
  return new ReadModelError(
    blocked.error.code,
    `version ${version} of stream ${streamId} waits for version ${blocked.version}: ${blocked.error.message}`,
    { cause: blocked.error },
  );
}

const isVersion = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 1;

export interface CatchUpOptions {
  /** The name the follower's checkpoint is saved under. */
  readonly checkpointName: string;
  /** How many events one `readAll` asks for. @default 1000 */
  readonly pageSize?: number;
  /**
   * How many events one batch projects at most: pages are read until it is reached or the store ends, and
   * folded together ({@link Projector.fold}), so that a user whose events run through many pages is read and
   * written once per batch instead of once per page. The fold holds one view per user it meets, never the
   * events; the bound is on what one read-model transaction writes, and on what a crash makes the next run
   * project again. @default 100000
   */
  readonly batchSize?: number;
  /** Once aborted, the batch in hand ends after its current page: what it read is projected, with its cursor. */
  readonly signal?: AbortSignal;
}

/** Events one catch-up batch projects at most, unless told otherwise ({@link CatchUpOptions.batchSize}). */
export const CATCH_UP_BATCH_EVENTS = 100_000;

/**
 * Follows the event store from the saved checkpoint to its end: reads pages up to a batch, folds them, and
 * writes the batch's views with the cursor after it as the checkpoint of the same write
 * ({@link ProjectionFold.commit}), so that on SQLite the views and the checkpoint commit in one transaction
 * and always match. A batch of one page (what a follower mostly finds) is one {@link Projector.applyBatch}
 * with its checkpoint. `projector` must therefore write into `readModel`, as one built on it does; for a
 * projector that does not save the checkpoint (a wrapper that drops the option, say) the cursor is saved
 * separately afterwards, and a projector without `fold` is driven one page at a time. Answers how many
 * events it read. It needs a store whose `readAll` cursor keeps a global position (memory, SQLite), so that
 * events appended later are found after the checkpoint, and the pages of a batch can be read again.
 *
 * At least once: where the checkpoint is not atomic with the views (DynamoDB, or a separate save), a crash
 * between them replays the batch, which the version gate makes harmless. A batch whose fold fails (an event
 * it cannot project, a write it cannot make) is read and projected again page by page, each page with its
 * checkpoint, up to the page that fails, which throws `CATCH_UP_FAILED` without saving its checkpoint: the
 * follower stops at the event instead of skipping it, and the next run retries it.
 */
export async function catchUp(
  eventStore: Pick<EventStore, 'readAll'>,
  projector: Projector,
  readModel: Pick<UserReadModel, 'getCheckpoint' | 'setCheckpoint'>,
  options: CatchUpOptions,
): Promise<number> {
  const name = options.checkpointName;
  const limit = options.pageSize ?? 1000;
  const batchSize = Math.max(limit, options.batchSize ?? CATCH_UP_BATCH_EVENTS);
  const checkpointAfter = (from: string | undefined, to: string | undefined): CheckpointWrite | undefined =>
    to !== undefined && to !== from ? { name, cursor: to } : undefined;

  /** Projects one page read after `from`, up to `to`, with `to` as its checkpoint; throws if an event failed. */
  const projectPage = async (events: readonly ProjectableEvent[], from: string | undefined, to: string | undefined) => {
    const checkpoint = checkpointAfter(from, to);
    const outcome = await projector.applyBatch(events, checkpoint === undefined ? undefined : { checkpoint });
    const first = outcome.failed[0];
    if (first !== undefined) {
      throw new ReadModelError(
        'CATCH_UP_FAILED',
        `${outcome.failed.length} events of the page after ${from ?? 'the start'} failed, the first at ` +
          `version ${first.version} of stream ${first.streamId}`,
        { cause: first.error },
      );
    }
    if (checkpoint !== undefined && outcome.checkpointSaved !== true) await readModel.setCheckpoint(name, checkpoint.cursor);
  };

  let cursor = await readModel.getCheckpoint(name);
  let seen = 0;
  for (;;) {
    const from = cursor;
    const first = await eventStore.readAll({ cursor: from, limit });
    let at = first.cursor ?? from;
    let isEnd = first.isEnd;
    let read = first.events.length;
    const more = () => !isEnd && read < batchSize && options.signal?.aborted !== true;
    const fold = more() ? projector.fold?.() : undefined;
    if (fold === undefined) {
      await projectPage(first.events, from, at);
    } else {
      let pages = 1;
      let folded = (await fold.add(first.events)).failed.length === 0;
      while (folded && more()) {
        const page = await eventStore.readAll({ cursor: at, limit });
        at = page.cursor ?? at;
        isEnd = page.isEnd;
        read += page.events.length;
        pages++;
        folded = (await fold.add(page.events)).failed.length === 0;
      }
      if (!folded || !(await fold.commit(checkpointAfter(from, at)))) {
        // Page by page, to keep what the pages before the failure project, and to stop right at it.
        at = from;
        isEnd = false;
        for (let page = 0; page < pages && !isEnd; page++) {
          const again = await eventStore.readAll({ cursor: at, limit });
          const to = again.cursor ?? at;
          await projectPage(again.events, at, to);
          at = to;
          isEnd = again.isEnd;
        }
      }
    }
    seen += read;
    cursor = at;
    if (isEnd) return seen;
  }
}
