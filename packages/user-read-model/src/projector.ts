import type { EventStore } from '@user-service/event-store';
import { ReadModelError } from './errors.js';
import type { UserReadModel } from './port.js';
import { applyToView, type ProjectableEvent, type UserView } from './view.js';

/** The subset of a pino logger the projector uses: the merging object first, then the message. */
export interface ProjectorLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ProjectorOptions {
  readonly readModel: UserReadModel;
  /** Where the versions missing from a delivery are read. */
  readonly eventStore: Pick<EventStore, 'readStream'>;
  /** Never given event data: only stream ids, versions, types, counts and `{ err }`. @default silent */
  readonly logger?: ProjectorLogger;
  /**
   * How many conditional writes one event may lose to other projectors before it is reported as failed
   * (`WRITE_CONTENDED`), to be delivered again later. @default 10
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
  /** Delivered events written to the read model. */
  readonly applied: number;
  /** Delivered events the read model already had: acknowledged, not applied again. */
  readonly duplicates: number;
  /** Events read from the event store to fill the gap before a delivered event, and written with it. */
  readonly gapFilled: number;
  /** Delivered events that failed; every other event in the batch was still handled. */
  readonly failed: readonly FailedEvent<E>[];
}

export interface Projector {
  /**
   * Projects a batch of deliveries in any order, with any duplicates. Events are handled per user in
   * version order; one event's failure is reported in the outcome and never stops the others.
   */
  applyBatch<E extends ProjectableEvent>(events: readonly E[]): Promise<BatchOutcome<E>>;
}

const silent: ProjectorLogger = { info() {}, warn() {}, error() {} };

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

  /** Brings the view up to `event`; answers how it went and how many events the gap took. */
  async function project(event: ProjectableEvent): Promise<{ duplicate: boolean; gapFilled: number }> {
    // A version of 0 would otherwise pass as a duplicate and be acknowledged without a trace.
    if (typeof event.streamId !== 'string' || event.streamId === '' || !isVersion(event.version)) {
      throw new ReadModelError(
        'INVALID_EVENT',
        'a delivered event needs a stream id and a version of at least 1',
      );
    }
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const current = await readModel.get(event.streamId);
      const at = current?.version ?? 0;
      if (event.version <= at) return { duplicate: true, gapFilled: 0 };

      const missing = event.version > at + 1 ? await readGap(event, at) : [];
      // The gap and the event go in one conditional write: all of them, or none if another writer won.
      let next: UserView | undefined = current;
      for (const earlier of missing) next = applyToView(next, earlier);
      next = applyToView(next, event);
      if (await readModel.put(next, at)) {
        if (missing.length > 0) {
          logger.warn(
            { streamId: event.streamId, fromVersion: at + 1, toVersion: event.version - 1 },
            'filled a gap from the event store',
          );
        }
        return { duplicate: false, gapFilled: missing.length };
      }
      // Another projector wrote first: what it wrote decides whether this event is still to be applied.
    }
    throw new ReadModelError(
      'WRITE_CONTENDED',
      `lost ${maxAttempts} conditional writes for version ${event.version} of stream ${event.streamId}`,
    );
  }

  async function readGap(event: ProjectableEvent, at: number): Promise<ProjectableEvent[]> {
    const fromVersion = at + 1;
    const toVersion = event.version - 1;
    const missing = await eventStore.readStream(event.streamId, { fromVersion, toVersion });
    // A store that lags (or a delivery for a stream it does not hold) must not let the view skip versions.
    const complete =
      missing.length === toVersion - fromVersion + 1 && missing.every((e, i) => e.version === fromVersion + i);
    if (!complete) {
      throw new ReadModelError(
        'MISSING_EVENTS',
        `the event store has not got versions ${fromVersion} to ${toVersion} of stream ${event.streamId}`,
      );
    }
    return missing;
  }

  return {
    async applyBatch<E extends ProjectableEvent>(events: readonly E[]): Promise<BatchOutcome<E>> {
      const ordered = [...events].sort(
        (a, b) => (a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : a.version - b.version),
      );
      let applied = 0;
      let duplicates = 0;
      let gapFilled = 0;
      const failed: FailedEvent<E>[] = [];
      for (const event of ordered) {
        try {
          const outcome = await project(event);
          if (outcome.duplicate) duplicates++;
          else applied++;
          gapFilled += outcome.gapFilled;
        } catch (error) {
          const { streamId, version, type } = event;
          logger.error({ err: error, streamId, version, type }, 'could not project an event');
          failed.push({ streamId, version, event, error });
        }
      }
      // An empty poll is not news; a batch that did something is.
      if (events.length > 0) {
        logger.info({ applied, duplicates, gapFilled, failed: failed.length }, 'projected a batch');
      }
      return { applied, duplicates, gapFilled, failed };
    },
  };
}

const isVersion = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 1;

export interface CatchUpOptions {
  /** The name the follower's checkpoint is saved under. */
  readonly checkpointName: string;
  /** How many events one page reads. @default 100 */
  readonly pageSize?: number;
}

/**
 * Follows the event store from the saved checkpoint to its end: reads a page, projects it, then saves the
 * page's cursor. Answers how many events it read. It needs a store whose `readAll` cursor keeps a global
 * position (memory, SQLite), so that events appended later are found after the checkpoint.
 *
 * At least once: a crash between projecting a page and saving its checkpoint replays the page, which the
 * version gate makes harmless. A page with a failed event throws `CATCH_UP_FAILED` before its checkpoint
 * is saved, so that the follower stops at the event instead of skipping it; the next run retries it.
 */
export async function catchUp(
  eventStore: Pick<EventStore, 'readAll'>,
  projector: Projector,
  readModel: Pick<UserReadModel, 'getCheckpoint' | 'setCheckpoint'>,
  options: CatchUpOptions,
): Promise<number> {
  const limit = options.pageSize ?? 100;
  let cursor = await readModel.getCheckpoint(options.checkpointName);
  let seen = 0;
  for (;;) {
    const page = await eventStore.readAll({ cursor, limit });
    seen += page.events.length;
    const outcome = await projector.applyBatch(page.events);
    const first = outcome.failed[0];
    if (first !== undefined) {
      throw new ReadModelError(
        'CATCH_UP_FAILED',
        `${outcome.failed.length} events of the page after ${cursor ?? 'the start'} failed, the first at ` +
          `version ${first.version} of stream ${first.streamId}`,
        { cause: first.error },
      );
    }
    if (page.cursor !== undefined && page.cursor !== cursor) {
      cursor = page.cursor;
      await readModel.setCheckpoint(options.checkpointName, cursor);
    }
    if (page.isEnd) return seen;
  }
}
