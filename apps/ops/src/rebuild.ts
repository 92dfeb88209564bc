import { setTimeout as sleep } from 'node:timers/promises';
import type { EventStore, ReadAllOptions, StoredEvent } from '@user-service/event-store';
import {
  CATCH_UP_BATCH_EVENTS,
  ReadModelError,
  catchUp,
  createProjector,
  otherSlot,
  type ApplyBatchOptions,
  type CatchUpOptions,
  type Slot,
  type SlotPointer,
  type UserReadModel,
} from '@user-service/user-read-model';
import { acquireLease, type HeldLease, type LeaseStore } from './lease.js';
import { silentProgress, type ProgressReporter } from './progress.js';
import type { EventTotalEstimator } from './replay.js';

/**
 * The checkpoints a rebuild keeps in the slot it fills, next to the views: its state, and the cursors of
 * its passes. Emptying the slot for a new rebuild forgets them with everything else.
 */
export const REBUILD_CHECKPOINTS = Object.freeze({
  /** JSON {@link RebuildState}: a rebuild into this slot is in progress (or done). */
  state: 'rebuild:state',
  /** The fill's cursor; with global positions also the catch-up after the switch. */
  fill: 'rebuild:fill',
  /** Without global positions: the cursor of the full pass after the switch. */
  secondPass: 'rebuild:second-pass',
});

/** Where a rebuild into a slot stands. */
export interface RebuildState {
  /** `filling`: the slot is idle and being filled; `switched`: queries read it, the last pass runs. */
  readonly phase: 'filling' | 'switched' | 'done';
  readonly startedAt: string;
  readonly switchedAt?: string;
  readonly doneAt?: string;
}

/** The two slots as a rebuild needs them. */
export interface RebuildSlots {
  /** Each slot's read model, open for the whole rebuild. The caller closes them. */
  readonly models: Readonly<Record<Slot, UserReadModel>>;
  /**
   * Deletes every view and checkpoint of a slot, while other processes may keep it open (they only ever
   * use the active slot, and this is never called on that one).
   */
  clear(slot: Slot): Promise<void>;
}

export interface RebuildOptions {
  readonly eventStore: Pick<EventStore, 'readAll' | 'readStream'>;
  readonly slots: RebuildSlots;
  readonly pointer: SlotPointer;
  /**
   * Where the rebuild's lease lives. A rebuild takes it before anything else (or stops with `LEASE_HELD`),
   * renews it while it runs, checks it before it empties the idle slot and before the switch, and releases it
   * when it returns, stopped or done.
   */
  readonly lease: LeaseStore;
  /** The lease's owner id. @default host, pid and a random part */
  readonly leaseOwner?: string;
  /** How long the lease lasts unless renewed, in milliseconds. @default 60000 */
  readonly leaseTtlMs?: number;
  /**
   * The live follower's checkpoint name (`user-views` in the embedded service). With global positions the
   * new slot gets it set to where the fill ended, so the follower carries on there after the switch instead
   * of reading the whole store again.
   */
  readonly checkpointName: string;
  /**
   * The store's `readAll` cursor keeps a global position (memory, SQLite), so that `catchUp` can follow
   * events appended after it. Without one (DynamoDB) the rebuild scans, and scans again after the switch.
   */
  readonly followsPositions: boolean;
  /** Stops the rebuild after the page in hand; the same call later resumes. */
  readonly signal?: AbortSignal;
  /** @default silent */
  readonly progress?: ProgressReporter;
  /** For the ETA of each pass. @default no ETA */
  readonly estimateTotal?: EventTotalEstimator;
  /** Events read at a time, and projected at a time by a scan. @default 500 */
  readonly pageSize?: number;
  /**
   * With global positions: how many events (read in pages of `pageSize`) the fill folds per user and writes
   * in one read-model transaction, with its cursor ({@link CatchUpOptions.batchSize}). One write per user and
   * batch instead of one per user and page: on SQLite, where every commit rewrites each page of the table it
   * touched, this is most of the fill's cost. The fold holds a view per user, not the events; a process
   * killed outright projects at most this many events again on resume. A stop still takes effect after the
   * page in hand: what the batch has read so far is written, with its cursor. @default
   * {@link CATCH_UP_BATCH_EVENTS}
   */
  readonly foldEvents?: number;
  /**
   * How often a scan (without global positions) saves its cursor: once this many events or milliseconds
   * have passed since the last save, whichever comes first, and always when the signal stops it or an event
   * fails. Each save is a read-model write, so saving every page would cost a write per page and pass; a
   * process killed outright re-reads at most this much on resume, and writes none of it twice (the version
   * gate). `catchUp` (with global positions) commits its cursor with each page's views in one transaction,
   * which costs nothing extra, and ignores this. @default { events: 50000, ms: 10000 }
   */
  readonly checkpointEvery?: { readonly events: number; readonly ms: number };
  /**
   * How long the rebuild waits after each pointer change before it relies on it, in milliseconds: longer
   * than the `refreshMs` of every process's slotted read model (1000 by default). After naming the slot it
   * fills, so that every writer writes it too before the fill reads the store; after the switch, so that no
   * process writes the old slot alone any more when the last pass starts. Skipped when the pointer knows
   * that no live process follows it ({@link SlotPointer.followed}). @default 2000
   */
  readonly switchDelayMs?: number;
  /** Empty the idle slot and start over, even if a fill into it was stopped. @default false */
  readonly restart?: boolean;
  /** @default Date.now */
  readonly now?: () => number;
}

export interface RebuildResult {
  /** The slot that was (or is being) rebuilt. */
  readonly slot: Slot;
  /** `stopped`: the signal fired; the same call resumes. `completed`: the slot serves queries and is exact. */
  readonly status: 'completed' | 'stopped';
  /** This call carried on with a rebuild that an earlier call had begun. */
  readonly resumed: boolean;
  /** Events read from the store by this call, every pass included. */
  readonly events: number;
}

/** Thrown inside a pass when the signal fires, and turned into a `stopped` result. */
class Stopped extends Error {}

/**
 * Rebuilds the user read model blue/green, with no downtime: queries keep reading the active slot while the
 * idle one is emptied and filled from the event store, and the pointer moves to it only once it holds every
 * event that existed when its fill ended. No query therefore ever sees a half-built model: before the switch
 * queries read the old, complete model, after it the new one.
 *
 * Events keep arriving meanwhile. Before it reads the store, the rebuild names the slot it fills in the pointer
 * and waits `switchDelayMs`, so that every live writer (their slotted read models re-read the pointer every
 * `refreshMs`) writes each view into both slots: every event appended after the fill began reaches the new
 * slot that way, and every event appended before it is read by the fill. So no user who existed before the
 * switch is missing after it. A dual write the new slot refuses (the fill had not reached the user yet, or
 * raced it) may leave a user one change behind there, so after the switch and `switchDelayMs` a last pass
 * projects into the new slot whatever it may lack:
 *
 * - With global positions (SQLite), `catchUp` fills the idle slot under its own checkpoint, round after
 *   round until a round finds less than a page, and after the switch it carries on from that checkpoint:
 *   every event appended before the last pass began is found after it.
 * - Without (DynamoDB), the fill pages through `readAll` and saves the scan cursor as the slot's checkpoint.
 *   Each user's events are folded in memory and written once (a user whose events straddle two pages is
 *   held back to the next page), so a view costs one write. After the switch a second full pass projects
 *   everything again; the version gate makes it idempotent, so it writes only what the new slot lacks.
 *
 * Between the switch and the end of the last pass, a user who changed during the fill may lag in queries,
 * exactly like ordinary projection lag; never does a user who existed before the rebuild go missing.
 *
 * Resumable: the slot being filled records the rebuild's state (a checkpoint named
 * {@link REBUILD_CHECKPOINTS}.state), so a stopped rebuild continues filling from its cursor instead of
 * emptying the slot again, and one stopped after the switch finishes its last pass. A lease keeps a second
 * rebuild from running at the same time: it is refused with `LEASE_HELD`, `--restart` included.
 */
export async function rebuild(options: RebuildOptions): Promise<RebuildResult> {
  const now = options.now ?? Date.now;
  const lease = await acquireLease(options.lease, { owner: options.leaseOwner, ttlMs: options.leaseTtlMs, now });
  try {
    return await rebuildHolding(lease, options);
  } finally {
    await lease.release();
  }
}

async function rebuildHolding(lease: HeldLease, options: RebuildOptions): Promise<RebuildResult> {
  const { eventStore, slots, pointer, checkpointName, followsPositions, signal } = options;
  const pageSize = options.pageSize ?? 500;
  const foldEvents = Math.max(pageSize, options.foldEvents ?? CATCH_UP_BATCH_EVENTS);
  const checkpointEvery = options.checkpointEvery ?? { events: 50_000, ms: 10_000 };
  const switchDelayMs = options.switchDelayMs ?? 2000;
  const progress = options.progress ?? silentProgress;
  const now = options.now ?? Date.now;
  const stamp = (): string => new Date(now()).toISOString();

  const active = await pointer.active();
  const activeState = await readState(slots.models[active]);
  let target: Slot;
  let state: RebuildState;
  let resumed: boolean;
  // A rebuild whose switch happened (even if a crash came before its state said so) only has its last pass
  // left: the slot serves queries now, and emptying the other one would not help it.
  if (activeState !== undefined && activeState.phase !== 'done') {
    target = active;
    state = activeState;
    resumed = true;
  } else {
    target = otherSlot(active);
    const idleState = options.restart === true ? undefined : await readState(slots.models[target]);
    resumed = idleState?.phase === 'filling';
    if (idleState !== undefined && resumed) {
      state = idleState;
    } else {
      await lease.check();
      await slots.clear(target);
      state = { phase: 'filling', startedAt: stamp() };
      await writeState(slots.models[target], state);
    }
  }

  const model = slots.models[target];
  const projector = createProjector({ readModel: model, eventStore });
  let events = 0;

  /** Follows the store with `catchUp` under the fill checkpoint until a round finds less than a page. */
  async function follow(label: string): Promise<void> {
    const from = await model.getCheckpoint(REBUILD_CHECKPOINTS.fill);
    progress.begin(label, { total: await options.estimateTotal?.(from, 0) });
    const store: Pick<EventStore, 'readAll'> = {
      // catchUp has saved the previous batch's checkpoint by the time it asks for the next one. A page is
      // counted as it is read: catchUp projects its batch, with the page, before it reads again.
      readAll: async (readOptions: ReadAllOptions) => {
        if (signal?.aborted === true) throw new Stopped();
        const page = await eventStore.readAll(readOptions);
        events += page.events.length;
        progress.add(page.events.length);
        return page;
      },
    };
    // Under steady traffic each round is shorter than the one before; what arrives after the last round
    // is the live follower's, or the last pass's.
    const rounds = { checkpointName: REBUILD_CHECKPOINTS.fill, pageSize, batchSize: foldEvents, ...(signal && { signal }) };
    while ((await catchUp(store, projector, model, rounds)) >= pageSize);
  }

  /**
   * Pages through `readAll` from the named checkpoint to the end and writes each user's final view once: the
   * store returns a user's events together, so only the page's last user may go on in the next page, and its
   * events are held back until it does not (at most a page of them; a longer history gets a view per page).
   * The checkpoint saved with a page's views is the last cursor before which every event is written, so a
   * resumed scan reads the held events again.
   */
  async function scan(label: string, checkpoint: string): Promise<void> {
    let cursor = await model.getCheckpoint(checkpoint);
    // `saved`: the last cursor before which every event is written; `persisted`: the last one stored.
    let saved = cursor;
    let persisted = cursor;
    let unsavedEvents = 0;
    let lastSaveAt = now();
    let held: StoredEvent[] = [];
    /** Stores `saved` now, on its own, if it moved since the last save. */
    const persist = async (): Promise<void> => {
      if (saved !== undefined && saved !== persisted) await model.setCheckpoint(checkpoint, saved);
      persisted = saved;
    };
    progress.begin(label, { total: await options.estimateTotal?.(cursor, 0) });
    for (;;) {
      if (signal?.aborted === true) {
        await persist();
        throw new Stopped();
      }
      const page = await eventStore.readAll({ cursor, limit: pageSize });
      const read = [...held, ...page.events];
      const last = page.isEnd ? undefined : page.events.at(-1)?.streamId;
      let start = read.length;
      while (last !== undefined && start > 0 && read[start - 1]?.streamId === last) start--;
      const holding = read.length - start < pageSize ? start : read.length;
      const heldFromEarlier = held.length > 0 && holding < held.length;
      held = read.slice(holding);
      const safe = held.length === 0 ? (page.cursor ?? cursor) : heldFromEarlier ? saved : cursor;
      unsavedEvents += page.events.length;
      const due = page.isEnd ? false : unsavedEvents >= checkpointEvery.events || now() - lastSaveAt >= checkpointEvery.ms;
      // When due, the cursor is saved with the page's views, and only if none of its events failed.
      const batchOptions: ApplyBatchOptions | undefined =
        due && safe !== undefined && safe !== persisted ? { checkpoint: { name: checkpoint, cursor: safe } } : undefined;
      const outcome = await projector.applyBatch(read.slice(0, holding), batchOptions);
      const failed = outcome.failed[0];
      if (failed !== undefined) {
        // The page's cursor is not saved, the last good one is: a later run retries from there, as catchUp does.
        await persist();
        throw new ReadModelError(
          'CATCH_UP_FAILED',
          `${outcome.failed.length} events failed, the first at version ${failed.version} of stream ${failed.streamId}`,
          { cause: failed.error },
        );
      }
      events += page.events.length;
      progress.add(page.events.length);
      saved = safe;
      if (batchOptions !== undefined) {
        persisted = safe;
        unsavedEvents = 0;
        lastSaveAt = now();
      }
      cursor = page.cursor ?? cursor;
      // The end of a pass needs no cursor: the state the caller writes next says the pass is over.
      if (page.isEnd) return;
    }
  }

  /** Waits until every process has seen the pointer's last change; a signal stops the rebuild. */
  async function letWritersSee(): Promise<void> {
    // No process follows the pointer (the embedded service is not running): whoever reads it next reads the change.
    if ((await pointer.followed?.()) === false) return;
    try {
      await sleep(switchDelayMs, undefined, { signal });
    } catch {
      throw new Stopped();
    }
  }

  let status: RebuildResult['status'] = 'completed';
  try {
    if (state.phase === 'filling' && target !== active) {
      // Named (again, on a resume) before the fill reads the store: from then on writers write both slots.
      await pointer.setFilling(target);
      await letWritersSee();
      if (followsPositions) await follow(`rebuild ${target}: fill`);
      else await scan(`rebuild ${target}: first pass`, REBUILD_CHECKPOINTS.fill);
      progress.end();
      if (followsPositions) {
        const reached = await model.getCheckpoint(REBUILD_CHECKPOINTS.fill);
        if (reached !== undefined) await model.setCheckpoint(checkpointName, reached);
      }
      await lease.check();
      await pointer.activate(target);
      state = { ...state, phase: 'switched', switchedAt: stamp() };
      await writeState(model, state);
    } else if (state.phase === 'filling') {
      state = { ...state, phase: 'switched', switchedAt: stamp() };
      await writeState(model, state);
    }

    // Every process must read the new slot before the last pass begins, or what a straggler writes to the
    // old slot alone after the pass has gone by would be missed.
    await letWritersSee();
    if (followsPositions) await follow(`rebuild ${target}: catch-up after the switch`);
    else await scan(`rebuild ${target}: second pass`, REBUILD_CHECKPOINTS.secondPass);
    await writeState(model, { ...state, phase: 'done', doneAt: stamp() });
    await pointer.setFilling(undefined);
  } catch (error) {
    if (!(error instanceof Stopped)) throw error;
    status = 'stopped';
  } finally {
    progress.end();
  }
  return { slot: target, status, resumed, events };
}

/**
 * Reads `limit` events after `cursor` in pages of `pageSize`, and answers them as one page: fewer at the
 * end, and fewer when the signal fires, so that a stop waits for one page rather than for a whole batch.
 */
async function readState(model: UserReadModel): Promise<RebuildState | undefined> {
  const text = await model.getCheckpoint(REBUILD_CHECKPOINTS.state);
  if (text === undefined) return undefined;
  let parsed: Partial<RebuildState> | undefined;
  try {
    parsed = JSON.parse(text) as Partial<RebuildState>;
  } catch {
    parsed = undefined;
  }
  const phase = parsed?.phase;
  if (phase !== 'filling' && phase !== 'switched' && phase !== 'done') {
    throw new Error(`the ${REBUILD_CHECKPOINTS.state} checkpoint of a read-model slot is not a rebuild state`);
  }
  return parsed as RebuildState;
}

async function writeState(model: UserReadModel, state: RebuildState): Promise<void> {
  await model.setCheckpoint(REBUILD_CHECKPOINTS.state, JSON.stringify(state));
}
