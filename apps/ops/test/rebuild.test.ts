/**
 * Blue/green rebuilds on SQLite: a rebuild under live traffic, with a live follower writing the active slot
 * and readers sampling queries all along; stops and resumes; and the CLI as a process.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore } from '@user-service/event-store';
import { createSqliteEventStore } from '@user-service/event-store/sqlite';
import { initialState } from '@user-service/user-domain';
import {
  SLOT_POINTER_FILE,
  SQLITE_SLOT_FILES,
  catchUp,
  createFileSlotPointer,
  createProjector,
  createSlottedReadModel,
  type Slot,
  type SlotPointer,
  type SlottedUserReadModel,
  type UserReadModel,
} from '@user-service/user-read-model';
import { createSqliteUserReadModel } from '@user-service/user-read-model/sqlite';
import t from 'tap';
import { REBUILD_CHECKPOINTS, rebuild, type RebuildOptions } from '../src/rebuild.js';
import { clearSqliteFile, openEventStore, openSlots, type OpenedSlots } from '../src/stores.js';
import { createProgressReporter, silentProgress, type ProgressReporter } from '../src/progress.js';
import {
  act,
  assertEqualsFold,
  loop,
  nextCommand,
  runCli,
  seedUsers,
  stepTime,
  type TrackedUser,
} from './fixtures.js';

t.setTimeout(120_000);

const dir = mkdtempSync(join(tmpdir(), 'ops-rebuild-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const START = Date.parse('2024-03-01T00:00:00.000Z');
const LIVE_CHECKPOINT = 'user-views';
let dirs = 0;

/** A data directory with a seeded event store, and the slots and pointer the rebuild opens in it. */
async function setup(t: Tap, users = 20) {
  const dataDir = join(dir, `data-${++dirs}`);
  mkdirSync(dataDir);
  await createSqliteEventStore({ filename: join(dataDir, 'events.db') }).close();
  const store = await openEventStore({ kind: 'sqlite', dataDir });
  const opened = await openSlots({ kind: 'sqlite', dataDir });
  t.teardown(async () => {
    await opened.close();
    await store.close();
  });
  const seeded = await seedUsers(store.eventStore, { users, prefix: `u${dirs}`, start: START });
  return { dataDir, store, opened, seeded };
}

type Tap = Parameters<Parameters<typeof t.test>[0]>[0];

/**
 * Another process of the embedded service: its own connections to both slot files, and a slotted read model
 * that re-reads the pointer file every `refreshMs`.
 */
function serviceProcess(t: Tap, dataDir: string, refreshMs = 50): SlottedUserReadModel {
  const readModel = createSlottedReadModel({
    slots: {
      blue: createSqliteUserReadModel({ filename: join(dataDir, SQLITE_SLOT_FILES.blue) }),
      green: createSqliteUserReadModel({ filename: join(dataDir, SQLITE_SLOT_FILES.green) }),
    },
    pointer: createFileSlotPointer({ filename: join(dataDir, SLOT_POINTER_FILE) }),
    refreshMs,
  });
  t.teardown(() => readModel.close());
  return readModel;
}

/** The embedded service's follower: catchUp through the slotted read model, as the service would. */
function follow(eventStore: EventStore, readModel: UserReadModel): () => Promise<void> {
  const projector = createProjector({ readModel, eventStore });
  return async () => {
    await catchUp(eventStore, projector, readModel, { checkpointName: LIVE_CHECKPOINT, pageSize: 50 });
  };
}

const base = (opened: OpenedSlots, eventStore: EventStore): RebuildOptions => ({
  eventStore,
  slots: opened.slots,
  pointer: opened.pointer,
  lease: opened.lease,
  checkpointName: LIVE_CHECKPOINT,
  followsPositions: true,
  pageSize: 10,
  // Two pages per read-model transaction, so that the tests see several.
  foldEvents: 20,
  switchDelayMs: 150,
});

t.test('rebuilds into green under live traffic; queries see the whole old model, then the whole new one', async (t) => {
  const { dataDir, store, opened, seeded } = await setup(t, 30);
  const eventStore = store.eventStore;

  // The service: its follower has projected everything into blue, the only slot so far.
  const service = serviceProcess(t, dataDir);
  const followOnce = follow(eventStore, service);
  await followOnce();
  const before = new Map<string, number>();
  for (const user of seeded) before.set(user.streamId, (await opened.slots.models.blue.get(user.streamId))!.version);

  // Leftovers in green from some earlier life, which the rebuild must not keep.
  await opened.slots.models.green.put({ ...(await opened.slots.models.blue.get(seeded[1]!.streamId))!, id: 'ghost' }, 0);
  await opened.slots.models.green.setCheckpoint(LIVE_CHECKPOINT, '999999');

  // Live traffic: changes to existing users and new registrations, while the follower keeps projecting.
  const users: TrackedUser[] = [...seeded];
  let n = 0;
  const appender = loop(async () => {
    n++;
    const user =
      n % 4 === 0
        ? { streamId: `new-${n}`, state: initialState, version: 0 }
        : users.filter((u) => u.state.status !== 'removed')[n % 20]!;
    if (user.version === 0) users.push(user);
    await act(eventStore, user, nextCommand(user, n, stepTime(START, 10 + n)));
  }, 2);
  const follower = loop(followOnce, 5);

  // Another process's queries, sampled all along: never a user missing, never older than before.
  const reader = serviceProcess(t, dataDir);
  const seen = new Set<Slot>();
  const problems: string[] = [];
  let samples = 0;
  const sampler = loop(async () => {
    seen.add(await reader.activeSlot());
    for (const [id, version] of before) {
      const view = await reader.get(id);
      samples++;
      if (view === undefined || view.version < version) problems.push(`${id}: ${view?.version ?? 'missing'} < ${version}`);
    }
  }, 1);

  const lines: string[] = [];
  const result = await rebuild({
    ...base(opened, eventStore),
    progress: createProgressReporter({ write: (line) => lines.push(line) }),
    estimateTotal: store.estimateTotal,
  });
  await appender.stop();
  await sampler.stop();
  await follower.stop();
  await followOnce();

  t.match(result, { slot: 'green', status: 'completed', resumed: false });
  t.equal(await opened.pointer.active(), 'green', 'the pointer names green');
  t.same(problems, [], `no query saw a missing or older user (${samples} samples)`);
  t.same([...seen].sort(), ['blue', 'green'], 'the readers read blue, then green');
  t.ok(n > 10, `live traffic flowed during the rebuild (${n} commands)`);
  t.equal(await opened.slots.models.green.get('ghost'), undefined, 'the slot was emptied first');
  await assertEqualsFold(
    t,
    opened.slots.models.green,
    eventStore,
    users.map((u) => u.streamId),
    'green',
  );
  t.match(JSON.parse((await opened.slots.models.green.getCheckpoint(REBUILD_CHECKPOINTS.state))!), { phase: 'done' });
  t.match(lines[0], /^rebuild green: fill: 0\/\d+ events \(0%\)/);
  t.ok(lines.some((line) => /^rebuild green: catch-up after the switch: .*done in/.test(line)));
});

/** A progress reporter that fires `action` once `after` events were counted. */
function after(events: number, action: () => void): ProgressReporter {
  let done = 0;
  return {
    ...silentProgress,
    add(n) {
      done += n;
      if (done >= events) action();
    },
  };
}

t.test('a stopped rebuild resumes filling the same slot; --restart empties it again', async (t) => {
  const { store, opened, seeded } = await setup(t);
  const eventStore = store.eventStore;
  const total = seeded.reduce((sum, u) => sum + u.version, 0);
  let clears = 0;
  const slots = {
    models: opened.slots.models,
    clear: async (slot: Slot) => {
      clears++;
      await opened.slots.clear(slot);
    },
  };

  const first = new AbortController();
  const stopped = await rebuild({
    ...base(opened, eventStore),
    slots,
    signal: first.signal,
    progress: after(25, () => first.abort()),
  });
  t.match(stopped, { slot: 'green', status: 'stopped', resumed: false });
  t.ok(stopped.events >= 25 && stopped.events < total, `stopped after ${stopped.events} of ${total} events`);
  t.equal(await opened.pointer.active(), 'blue', 'no switch before the slot is full');
  t.match(JSON.parse((await opened.slots.models.green.getCheckpoint(REBUILD_CHECKPOINTS.state))!), { phase: 'filling' });

  const resumed = await rebuild({ ...base(opened, eventStore), slots });
  t.match(resumed, { slot: 'green', status: 'completed', resumed: true });
  t.equal(stopped.events + resumed.events, total, 'the second run read only what the first had not');
  t.equal(clears, 1, 'and did not empty the slot again');
  t.equal(await opened.pointer.active(), 'green');
  await assertEqualsFold(t, opened.slots.models.green, eventStore, seeded.map((u) => u.streamId), 'green');
  t.equal(
    await opened.slots.models.green.getCheckpoint(LIVE_CHECKPOINT),
    await opened.slots.models.green.getCheckpoint(REBUILD_CHECKPOINTS.fill),
    "the live follower's checkpoint starts where the fill ended",
  );

  // The next rebuild goes into blue, the idle slot now; a stopped one is abandoned with --restart.
  const third = new AbortController();
  t.match(
    await rebuild({ ...base(opened, eventStore), slots, signal: third.signal, progress: after(5, () => third.abort()) }),
    { slot: 'blue', status: 'stopped' },
  );
  const restarted = await rebuild({ ...base(opened, eventStore), slots, restart: true });
  t.match(restarted, { slot: 'blue', status: 'completed', resumed: false, events: total });
  t.equal(clears, 3);
  t.equal(await opened.pointer.active(), 'blue');
  await assertEqualsFold(t, opened.slots.models.blue, eventStore, seeded.map((u) => u.streamId), 'blue');
});

t.test('a rebuild stopped after its switch finishes its last pass when run again', async (t) => {
  const { store, opened, seeded } = await setup(t);
  const eventStore = store.eventStore;
  const controller = new AbortController();
  const pointer: SlotPointer = {
    ...opened.pointer,
    async activate(slot: Slot) {
      await opened.pointer.activate(slot);
      // Stopped while it waits for every process to see the switch.
      controller.abort();
    },
  };
  t.match(await rebuild({ ...base(opened, eventStore), pointer, signal: controller.signal }), {
    slot: 'green',
    status: 'stopped',
  });
  t.equal(await opened.pointer.active(), 'green');
  t.match(JSON.parse((await opened.slots.models.green.getCheckpoint(REBUILD_CHECKPOINTS.state))!), {
    phase: 'switched',
  });

  // More events arrive before it is run again; its last pass must project them.
  const late = seeded.find((u) => u.state.status !== 'removed')!;
  await act(eventStore, late, nextCommand(late, 1, stepTime(START, 20)));
  const finished = await rebuild(base(opened, eventStore));
  t.match(finished, { slot: 'green', status: 'completed', resumed: true });
  t.equal(await opened.pointer.active(), 'green', 'no second switch');
  await assertEqualsFold(t, opened.slots.models.green, eventStore, seeded.map((u) => u.streamId), 'green');

  // A crash between the switch and its record: the active slot still says "filling".
  const filling = JSON.stringify({ phase: 'filling', startedAt: 'x' });
  await opened.slots.models.green.setCheckpoint(REBUILD_CHECKPOINTS.state, filling);
  t.match(await rebuild(base(opened, eventStore)), { slot: 'green', status: 'completed', resumed: true });
  t.match(JSON.parse((await opened.slots.models.green.getCheckpoint(REBUILD_CHECKPOINTS.state))!), { phase: 'done' });
});

t.test('without global positions: two full passes, and a failed event stops the rebuild', async (t) => {
  const { store, opened, seeded } = await setup(t);
  const eventStore = store.eventStore;
  const total = seeded.reduce((sum, u) => sum + u.version, 0);
  const result = await rebuild({ ...base(opened, eventStore), followsPositions: false });
  t.match(result, { slot: 'green', status: 'completed', events: total * 2 }, 'a first pass, then a second');
  await assertEqualsFold(t, opened.slots.models.green, eventStore, seeded.map((u) => u.streamId), 'green');

  // An empty store, at the default page size.
  const empty = await setup(t, 0);
  const { pageSize: _pageSize, ...defaults } = base(empty.opened, empty.store.eventStore);
  t.match(await rebuild({ ...defaults, followsPositions: false }), {
    slot: 'green',
    status: 'completed',
    events: 0,
  });
  t.match(await rebuild(defaults), { slot: 'blue', status: 'completed', events: 0 }, 'and with global positions');

  // Stopped in the first pass after two pages, resumed from its scan cursor: the start of the second page,
  // whose last user was held back for the third and so not written yet.
  const stop = new AbortController();
  t.match(
    await rebuild({
      ...base(opened, eventStore),
      followsPositions: false,
      signal: stop.signal,
      progress: after(20, () => stop.abort()),
    }),
    { slot: 'blue', status: 'stopped', events: 20 },
  );
  t.match(await rebuild({ ...base(opened, eventStore), followsPositions: false }), {
    slot: 'blue',
    status: 'completed',
    resumed: true,
    events: total * 2 - 10,
  });

  // An event the projector cannot apply: the pass stops before saving the page's cursor.
  await eventStore.append(
    'broken',
    [
      {
        eventId: 'broken/1',
        type: 'UserEmailConfirmed',
        schemaVersion: 1,
        data: {},
        metadata: { occurredAt: stepTime(START, 1), correlationId: 'c', causationId: 'c' },
      },
    ],
    { expectedVersion: 0 },
  );
  await t.rejects(rebuild({ ...base(opened, eventStore), followsPositions: false }), { code: 'CATCH_UP_FAILED' });
  await t.rejects(rebuild(base(opened, eventStore)), { code: 'CATCH_UP_FAILED' }, 'and catchUp refuses it as well');

  await opened.slots.models.green.setCheckpoint(REBUILD_CHECKPOINTS.state, 'not a state');
  await t.rejects(rebuild(base(opened, eventStore)), /not a rebuild state/);
});

t.test('a scan saves its cursor every so many events, not every page, and a killed one resumes from the last save', async (t) => {
  const { store, opened, seeded } = await setup(t);
  const eventStore = store.eventStore;
  const total = seeded.reduce((sum, u) => sum + u.version, 0);
  // Every cursor the green slot stores, alone or with a page's views.
  const saves: Array<{ name: string; cursor: string }> = [];
  const green = opened.slots.models.green;
  const counted: UserReadModel = {
    ...green,
    setCheckpoint: async (name, cursor) => {
      saves.push({ name, cursor });
      await green.setCheckpoint(name, cursor);
    },
    putMany: async (writes, checkpoint) => {
      if (checkpoint !== undefined) saves.push({ name: checkpoint.name, cursor: checkpoint.cursor });
      return green.putMany(writes, checkpoint);
    },
  };
  const slots = { models: { ...opened.slots.models, green: counted }, clear: opened.slots.clear };
  const cursors = (name: string) => saves.filter((save) => save.name === name);

  // Killed outright (no signal, nothing flushed) on its sixth page: a save every 3 pages of 10 events.
  let pages = 0;
  const dying: EventStore = {
    ...eventStore,
    readAll: async (options) => {
      if (++pages === 6) throw new Error('killed');
      return eventStore.readAll(options);
    },
  };
  const scanning = { ...base(opened, eventStore), slots, followsPositions: false, checkpointEvery: { events: 30, ms: 3_600_000 } };
  await t.rejects(rebuild({ ...scanning, eventStore: dying }), /killed/);
  t.equal(cursors(REBUILD_CHECKPOINTS.fill).length, 1, 'five pages, one save');
  t.equal(await green.getCheckpoint(REBUILD_CHECKPOINTS.fill), cursors(REBUILD_CHECKPOINTS.fill)[0]?.cursor);

  const resumed = await rebuild(scanning);
  t.match(resumed, { slot: 'green', status: 'completed', resumed: true });
  // The save after the third page: its cursor is at most 10 events before that page's end (a held user).
  t.ok(resumed.events >= total * 2 - 30 && resumed.events <= total * 2 - 20, `resumed after ${total * 2 - resumed.events} events`);
  await assertEqualsFold(t, green, eventStore, seeded.map((u) => u.streamId), 'green');

  // At the defaults, a rebuild shorter than one save interval saves no scan cursor at all.
  saves.length = 0;
  const blue = await rebuild({ ...base(opened, eventStore), followsPositions: false });
  t.match(blue, { slot: 'blue', status: 'completed', events: total * 2 });
  t.strictSame(saves, [], 'green untouched');
  t.equal(await opened.slots.models.blue.getCheckpoint(REBUILD_CHECKPOINTS.fill), undefined, 'no fill cursor');
  t.equal(await opened.slots.models.blue.getCheckpoint(REBUILD_CHECKPOINTS.secondPass), undefined, 'no second-pass cursor');
  await assertEqualsFold(t, opened.slots.models.blue, eventStore, seeded.map((u) => u.streamId), 'blue');
});

t.test('the rebuild waits for the pointer\'s followers to see its changes only while one is alive', async (t) => {
  const { dataDir, store, opened, seeded } = await setup(t);
  const total = seeded.reduce((sum, u) => sum + u.version, 0);
  const hour = 3_600_000;
  // The embedded service is not running: nobody follows the pointer, so an hour's switch delay is not waited.
  t.equal(await opened.pointer.followed?.(), false);
  t.match(await rebuild({ ...base(opened, store.eventStore), switchDelayMs: hour }), { slot: 'green', status: 'completed', events: total });

  // A process follows it now: the rebuild waits for it to see the pointer name the slot it fills, until stopped.
  await createFileSlotPointer({ filename: join(dataDir, SLOT_POINTER_FILE) }).read();
  const stop = new AbortController();
  const waiting = rebuild({ ...base(opened, store.eventStore), switchDelayMs: hour, signal: stop.signal });
  while ((await opened.pointer.read()).filling !== 'blue') await new Promise((resolve) => setTimeout(resolve, 10));
  stop.abort();
  t.match(await waiting, { slot: 'blue', status: 'stopped', events: 0 }, 'stopped in the wait, before reading anything');
});

t.test('clearing a SQLite slot keeps its schema and spares the other process its open connection', async (t) => {
  const dataDir = join(dir, 'clear');
  mkdirSync(dataDir);
  const filename = join(dataDir, 'slot.db');
  const open = createSqliteUserReadModel({ filename });
  t.teardown(() => open.close());
  await open.setCheckpoint('x', '1');
  clearSqliteFile(filename);
  t.equal(await open.getCheckpoint('x'), undefined, 'the open connection sees the empty slot');
  await open.setCheckpoint('x', '2');
  t.equal(await open.getCheckpoint('x'), '2', 'and can write it again');
});

const CLI = new URL('../src/rebuild-cli.ts', import.meta.url);

t.test('the CLI: SIGTERM stops it, the same command resumes and switches', async (t) => {
  const dataDir = join(dir, 'cli');
  mkdirSync(dataDir);
  const eventStore = createSqliteEventStore({ filename: join(dataDir, 'events.db') });
  t.teardown(() => eventStore.close());
  const seeded = await seedUsers(eventStore, { users: 3, prefix: 'cli', start: START });
  for (let n = 0; n < 300; n++) {
    for (const user of seeded.filter((u) => u.state.status !== 'removed')) {
      await act(eventStore, user, nextCommand(user, n, stepTime(START, 5 + n)));
    }
  }
  const env = { STORAGE: 'sqlite', DATA_DIR: dataDir };

  const run = runCli(CLI, ['--page-size', '1'], env);
  t.match(await run.firstStderrLine, /^rebuild green: fill: 0\/\d+ events/);
  run.kill('SIGTERM');
  const stopped = await run.exited;
  t.equal(stopped.code, 143, stopped.stderr);
  // Stopped in the fill (blue still active) or, on a fast machine, while it waited after the switch.
  t.match(JSON.parse(stopped.stdout), { slot: 'green', status: 'stopped', active: /^(blue|green)$/ });

  const again = await runCli(CLI, ['--page-size', '200'], env).exited;
  t.equal(again.code, 0, again.stderr);
  t.match(JSON.parse(again.stdout), { slot: 'green', status: 'completed', resumed: true, active: 'green' });
  const green = createSqliteUserReadModel({ filename: join(dataDir, SQLITE_SLOT_FILES.green) });
  t.teardown(() => green.close());
  await assertEqualsFold(t, green, eventStore, seeded.map((u) => u.streamId), 'green');

  const help = await runCli(CLI, ['-h'], env).exited;
  t.match(help, { code: 0, stdout: /^Usage: pnpm rebuild-read-model/ });
  const bad = await runCli(CLI, ['--page-size', '0'], { STORAGE: 'dynamodb', EVENT_STORE_TABLE: 'events' }).exited;
  t.equal(bad.code, 78);
  t.match(bad.stderr, /--page-size="0" must be an integer from 1 to 1000/);
  t.match(bad.stderr, /READ_MODEL_TABLE is required when STORAGE=dynamodb/);

  const failed = await runCli(CLI, [], { STORAGE: 'sqlite', DATA_DIR: join(dir, 'nowhere') }).exited;
  t.equal(failed.code, 1);
  t.match(failed.stderr, /rebuild failed: there is no event store at/);
});
