import { setTimeout as sleep } from 'node:timers/promises';
import type { EventStore, ReadAllOptions } from '@user-service/event-store';
import {
  ReadModelError,
  catchUp,
  createProjector,
  otherSlot,
  type ApplyBatchOptions,
  type Projector,
  type Slot,
  type SlotPointer,
  type UserReadModel,
} from '@user-service/user-read-model';
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
  /** Events read and projected at a time. @default 500 */
  readonly pageSize?: number;
  /**
   * How long after the switch the last pass starts, in milliseconds: longer than the `refreshMs` of every
   * reader's slotted read model (1000 by default), so that by then no process writes the old slot any more.
   * @default 2000
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
 * Events keep arriving meanwhile, and the live projector keeps writing the old slot until every process has
 * seen the switch (their slotted read models re-read the pointer every `refreshMs`). So, after the switch
 * and `switchDelayMs`, a last pass projects into the new slot whatever the old one may have got alone:
 *
 * - With global positions (SQLite), `catchUp` fills the idle slot under its own checkpoint, round after
 *   round until a round finds less than a page, and after the switch it carries on from that checkpoint:
 *   every event appended before the last pass began is found after it.
 * - Without (DynamoDB), the fill pages through `readAll` and saves the scan cursor as the slot's checkpoint.
 *   A scan passes each user once, so an event appended behind it is missed, and the live projector wrote
 *   it to the old slot only. After the switch a second full pass projects everything again; the version
 *   gate makes it idempotent, so it only adds what the first pass missed.
 *
 * Between the switch and the end of the last pass, a user who changed during the fill may lag in queries,
 * exactly like ordinary projection lag; never does a user who existed before the rebuild go missing.
 *
 * Resumable: the slot being filled records the rebuild's state (a checkpoint named
 * {@link REBUILD_CHECKPOINTS}.state), so a stopped rebuild continues filling from its cursor instead of
 * emptying the slot again, and one stopped after the switch finishes its last pass. Run one rebuild at a time.
 */
export async function rebuild(options: RebuildOptions): Promise<RebuildResult> {
  const { eventStore, slots, pointer, checkpointName, followsPositions, signal } = options;
  const pageSize = options.pageSize ?? 500;
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
      // catchUp has saved the previous page's checkpoint by the time it asks for the next page.
      readAll: async (readOptions: ReadAllOptions) => {
        if (signal?.aborted === true) throw new Stopped();
        return eventStore.readAll(readOptions);
      },
    };
    const counting: Projector = {
      // The options carry catchUp's checkpoint, which then commits with the page's views.
      applyBatch: async (batch, batchOptions) => {
        const outcome = await projector.applyBatch(batch, batchOptions);
        events += batch.length;
        progress.add(batch.length);
        return outcome;
      },
    };
    // Under steady traffic each round is shorter than the one before; what arrives after the last round
    // is the live follower's, or the last pass's.
    while ((await catchUp(store, counting, model, { checkpointName: REBUILD_CHECKPOINTS.fill, pageSize })) >= pageSize);
  }

  /** Pages through `readAll` from the named checkpoint to the end, saving the cursor with each page's views. */
  async function scan(label: string, checkpoint: string): Promise<void> {
    let cursor = await model.getCheckpoint(checkpoint);
    progress.begin(label, { total: await options.estimateTotal?.(cursor, 0) });
    for (;;) {
      if (signal?.aborted === true) throw new Stopped();
      const page = await eventStore.readAll({ cursor, limit: pageSize });
      // The cursor is saved with the page's views, and only if none of its events failed.
      let batchOptions: ApplyBatchOptions | undefined;
      if (page.cursor !== undefined && page.cursor !== cursor) {
        batchOptions = { checkpoint: { name: checkpoint, cursor: page.cursor } };
      }
      const outcome = await projector.applyBatch(page.events, batchOptions);
      const failed = outcome.failed[0];
      if (failed !== undefined) {
        // The page's cursor is not saved: a later run retries from the page before, as catchUp does.
        throw new ReadModelError(
          'CATCH_UP_FAILED',
          `${outcome.failed.length} events failed, the first at version ${failed.version} of stream ${failed.streamId}`,
          { cause: failed.error },
        );
      }
      events += page.events.length;
      progress.add(page.events.length);
      if (batchOptions !== undefined) cursor = page.cursor;
      if (page.isEnd) return;
    }
  }

  let status: RebuildResult['status'] = 'completed';
  try {
    if (state.phase === 'filling' && target !== active) {
      if (followsPositions) await follow(`rebuild ${target}: fill`);
      else await scan(`rebuild ${target}: first pass`, REBUILD_CHECKPOINTS.fill);
      progress.end();
      if (followsPositions) {
        const reached = await model.getCheckpoint(REBUILD_CHECKPOINTS.fill);
        if (reached !== undefined) await model.setCheckpoint(checkpointName, reached);
      }
      await pointer.activate(target);
      state = { ...state, phase: 'switched', switchedAt: stamp() };
      await writeState(model, state);
    } else if (state.phase === 'filling') {
      state = { ...state, phase: 'switched', switchedAt: stamp() };
      await writeState(model, state);
    }

    // Every process must read the new slot before the last pass begins, or what a straggler writes to the
    // old slot after the pass has gone by would be missed.
    try {
      await sleep(switchDelayMs, undefined, { signal });
    } catch {
      throw new Stopped();
    }
    if (followsPositions) await follow(`rebuild ${target}: catch-up after the switch`);
    else await scan(`rebuild ${target}: second pass`, REBUILD_CHECKPOINTS.secondPass);
    await writeState(model, { ...state, phase: 'done', doneAt: stamp() });
  } catch (error) {
    if (!(error instanceof Stopped)) throw error;
    status = 'stopped';
  } finally {
    progress.end();
  }
  return { slot: target, status, resumed, events };
}

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
