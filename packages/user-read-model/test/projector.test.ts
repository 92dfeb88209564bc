import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore, StoredEvent } from '@user-service/event-store';
import { createMemoryEventStore } from '@user-service/event-store/memory';
import { isActive } from '@user-service/user-domain';
import fc from 'fast-check';
import t, { type Test } from 'tap';
import {
  catchUp,
  createProjector,
  isReadModelError,
  type BatchOutcome,
  type CheckpointWrite,
  type ProjectionFold,
  type Projector,
  type ProjectorLogger,
  type UserReadModel,
  type ViewWrite,
} from '../src/index.js';
import { createMemoryUserReadModel } from '../src/memory.js';
import { createSqliteUserReadModel } from '../src/sqlite.js';
import {
  LIFECYCLE,
  cut,
  decideHistory,
  deliveriesArbitrary,
  foldView,
  historiesArbitrary,
  seed,
  type UserHistory,
} from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'user-read-model-projector-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const newFile = () => join(dir, `read-model-${++files}.db`);

/** Three users whose lives cover every event type, as the domain decides them. */
const threeUsers = (): UserHistory[] => [
  decideHistory('user-alice', LIFECYCLE),
  decideHistory('user-bob', LIFECYCLE.slice(0, 4)),
  decideHistory('user-carol', [LIFECYCLE[0], LIFECYCLE[2], LIFECYCLE[5]].flatMap((c) => (c ? [c] : []))),
];

async function setup(histories: readonly UserHistory[], readModel = createMemoryUserReadModel()) {
  const eventStore = createMemoryEventStore();
  await seed(eventStore, histories);
  const logs: Array<{ level: string; obj: object; msg: string }> = [];
  const logger: ProjectorLogger = {
    debug: (obj, msg) => logs.push({ level: 'debug', obj, msg }),
    warn: (obj, msg) => logs.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => logs.push({ level: 'error', obj, msg }),
  };
  const projector = createProjector({ readModel, eventStore, logger });
  const events = histories.flatMap((h) => h.events);
  return { eventStore, readModel, projector, logs, events };
}

/** The read model must hold, for every user, the fold of the event store, and agree with the domain. */
async function assertConverged(
  t: Test,
  readModel: UserReadModel,
  eventStore: EventStore,
  histories: readonly UserHistory[],
): Promise<void> {
  for (const { streamId, state } of histories) {
    const view = await readModel.get(streamId);
    t.strictSame(view, foldView(await eventStore.readStream(streamId)), `${streamId} equals the fold`);
    t.equal(view?.status, state.status === 'none' ? undefined : state.status);
    if (isActive(state)) t.match(view, { email: state.email, username: state.username, name: state.name });
  }
}

/** A read model that records its won writes, counts the lost ones, and keeps every batch it was given. */
function recording(inner: UserReadModel) {
  const writes: Array<{ id: string; from: number; to: number }> = [];
  const batches: Array<{ writes: readonly ViewWrite[]; checkpoint: CheckpointWrite | undefined }> = [];
  let lost = 0;
  const reads: Array<readonly string[]> = [];
  const readModel: UserReadModel = {
    ...inner,
    async getMany(ids) {
      reads.push(ids);
      return inner.getMany(ids);
    },
    async putMany(batch, checkpoint) {
      batches.push({ writes: batch, checkpoint });
      const won = await inner.putMany(batch, checkpoint);
      batch.forEach(({ view, expectedVersion }, i) => {
        if (won[i]) writes.push({ id: view.id, from: expectedVersion + 1, to: view.version });
        else lost++;
      });
      return won;
    },
  };
  return { readModel, writes, batches, reads, lost: () => lost };
}

/** A read model whose first `putMany` fails, as a disk error would, and whose later ones go through. */
function failingFirstWrite(inner: UserReadModel): UserReadModel {
  let calls = 0;
  return {
    ...inner,
    async putMany(writes, checkpoint) {
      if (calls++ === 0) throw new Error('disk I/O error');
      return inner.putMany(writes, checkpoint);
    },
  };
}

/** Every version of every user was written exactly once: the writes tile 1..n without overlap. */
function assertEachVersionWrittenOnce(
  writes: ReadonlyArray<{ id: string; from: number; to: number }>,
  histories: readonly UserHistory[],
): void {
  for (const { streamId, events } of histories) {
    const mine = writes.filter((w) => w.id === streamId).sort((a, b) => a.from - b.from);
    let next = 1;
    for (const write of mine) {
      if (write.from !== next) throw new Error(`${streamId}: write ${write.from}..${write.to} after ${next - 1}`);
      next = write.to + 1;
    }
    if (next !== events.length + 1) throw new Error(`${streamId}: written up to ${next - 1} of ${events.length}`);
  }
}

const total = (outcomes: readonly BatchOutcome[]) =>
  outcomes.reduce(
    (sum, o) => ({
      applied: sum.applied + o.applied,
      duplicates: sum.duplicates + o.duplicates,
      gapFilled: sum.gapFilled + o.gapFilled,
      failed: sum.failed + o.failed.length,
    }),
    { applied: 0, duplicates: 0, gapFilled: 0, failed: 0 },
  );

t.test('applies in-order events once each', async (t) => {
  const histories = threeUsers();
  const { readModel, eventStore, projector, events, logs } = await setup(histories);
  const spy = recording(readModel);
  const outcome = await createProjector({ readModel: spy.readModel, eventStore }).applyBatch(events);
  t.same(outcome, { applied: events.length, duplicates: 0, gapFilled: 0, failed: [] });
  t.same(spy.reads, [histories.map((h) => h.streamId)], 'one read of every user');
  t.equal(spy.batches.length, 1, 'one batch write');
  t.same(spy.writes, histories.map((h) => ({ id: h.streamId, from: 1, to: h.events.length })), 'one write per user');
  await assertConverged(t, readModel, eventStore, histories);
  t.same(await projector.applyBatch(events.slice(0, 1)), { applied: 0, duplicates: 1, gapFilled: 0, failed: [] });
  t.match(logs, [{ level: 'debug', obj: { applied: 0, duplicates: 1 }, msg: 'projected a batch' }]);
  t.same(await projector.applyBatch([]), { applied: 0, duplicates: 0, gapFilled: 0, failed: [] });
  t.equal(logs.length, 1, 'an empty batch logs nothing');
});

t.test('acknowledges 30% duplicates without writing them', async (t) => {
  const histories = threeUsers();
  const { readModel, eventStore, events } = await setup(histories);
  const spy = recording(readModel);
  const projector = createProjector({ readModel: spy.readModel, eventStore });
  // Every event, and again three in ten of them, each right after the original or a batch later.
  const copies = events.filter((_, i) => i % 10 < 3);
  const deliveries = events.flatMap((e, i) => (i % 10 === 0 ? [e, e] : [e]));
  const outcomes = [];
  for (let i = 0; i < deliveries.length; i += 5) {
    outcomes.push(await projector.applyBatch(deliveries.slice(i, i + 5)));
  }
  outcomes.push(await projector.applyBatch(copies.filter((_, i) => i % 3 !== 0)));
  const sum = total(outcomes);
  t.equal(sum.applied, events.length);
  t.equal(sum.duplicates, copies.length, 'each extra copy is a duplicate');
  t.doesNotThrow(() => assertEachVersionWrittenOnce(spy.writes, histories), 'and duplicates write nothing');
  await assertConverged(t, readModel, eventStore, histories);
});

t.test('sorts a shuffled batch by user and version', async (t) => {
  const histories = threeUsers();
  const { readModel, eventStore, projector, events } = await setup(histories);
  const shuffled = [...events].reverse();
  const outcome = await projector.applyBatch(shuffled);
  t.same(outcome, { applied: events.length, duplicates: 0, gapFilled: 0, failed: [] }, 'no gap to fill');
  t.same(shuffled, [...events].reverse(), 'the caller’s array is left as it was');
  await assertConverged(t, readModel, eventStore, histories);
});

t.test('fills gaps from the event store when later events arrive first', async (t) => {
  const histories = threeUsers();
  const { readModel, eventStore, projector, logs } = await setup(histories);
  const early = histories.flatMap((h) => h.events.slice(0, 2));
  const late = histories.flatMap((h) => h.events.slice(2));
  const first = await projector.applyBatch(late);
  t.same(first, { applied: late.length, duplicates: 0, gapFilled: early.length, failed: [] });
  await assertConverged(t, readModel, eventStore, histories);
  t.match(
    logs.filter((l) => l.level === 'warn'),
    [{ obj: { streamId: 'user-alice', fromVersion: 1, toVersion: 2 }, msg: 'filled a gap from the event store' }],
  );
  const second = await projector.applyBatch(early);
  t.same(
    second,
    { applied: 0, duplicates: early.length, gapFilled: 0, failed: [] },
    'the early ones are old news',
  );
});

t.test('reports the events it cannot project and still applies the others', async (t) => {
  const histories = threeUsers();
  const { readModel, eventStore, projector, events, logs } = await setup(histories);
  const weird = decideHistory('user-weird', LIFECYCLE.slice(0, 1)).events[0] as StoredEvent;
  await eventStore.append('user-weird', [{ ...weird, type: 'UserTeleported' }], { expectedVersion: 0 });
  const alice = histories[0]?.events ?? [];
  const broken = [
    { ...weird, type: 'UserTeleported' },
    { ...(alice[3] as StoredEvent), streamId: 'user-unknown' },
    { ...(alice[0] as StoredEvent), streamId: 'user-zero', version: 0 },
    { ...(alice[0] as StoredEvent), streamId: 'user-half', version: 1.5 },
  ];
  // A host tags each delivery with its message id, and gets the failed ones back as it passed them.
  const deliveries = [...events, ...broken].map((event, i) => ({ ...event, messageId: `m-${i}` }));
  const outcome = await projector.applyBatch(deliveries);

  t.equal(outcome.applied, events.length, "every other user's event was applied");
  await assertConverged(t, readModel, eventStore, histories);
  const failures = new Map(outcome.failed.map((f) => [f.streamId, f]));
  const codeOf = (streamId: string) => {
    const error = failures.get(streamId)?.error;
    return isReadModelError(error) ? error.code : String(error);
  };
  t.equal(codeOf('user-weird'), 'INVALID_EVENT', 'an unknown type');
  t.equal(codeOf('user-unknown'), 'MISSING_EVENTS', 'a gap the store cannot fill');
  t.equal(codeOf('user-zero'), 'INVALID_EVENT', 'a version 0 is not taken for a duplicate');
  t.equal(codeOf('user-half'), 'INVALID_EVENT');
  t.same(
    outcome.failed.map((f) => f.event.messageId).sort(),
    deliveries.slice(events.length).map((d) => d.messageId).sort(),
    'the failures map back to their messages',
  );
  t.ok(outcome.failed.every((f) => deliveries.includes(f.event)), 'as the very objects passed in');

  const errors = logs.filter((l) => l.level === 'error');
  t.equal(errors.length, broken.length, 'each failure is logged once');
  t.ok(errors.every((l) => 'err' in l.obj && !('event' in l.obj) && !('data' in l.obj)), 'as { err }');
  const logged = JSON.stringify(logs, (_, value: unknown) => (value instanceof Error ? value.message : value));
  t.notMatch(logged, /example|Alice|hash|token|Liddell/, 'and no event data reaches the log');
});

t.test('re-reads and re-evaluates after losing a conditional write', async (t) => {
  const histories = [decideHistory('user-alice', LIFECYCLE)];
  const { readModel: inner, eventStore, events } = await setup(histories);
  const [v1, v2, v3] = events;
  if (!v1 || !v2 || !v3) throw new Error('the lifecycle is too short');
  // Another projector slips in just before each of our first two writes.
  const competitor = createProjector({ readModel: inner, eventStore });
  const slipIns = [[v1], [v2]];
  const spy = recording({
    ...inner,
    async putMany(writes, checkpoint) {
      const slipIn = slipIns.shift();
      if (slipIn) await competitor.applyBatch(slipIn);
      return inner.putMany(writes, checkpoint);
    },
  });
  const projector = createProjector({ readModel: spy.readModel, eventStore });
  t.same(await projector.applyBatch([v1]), { applied: 0, duplicates: 1, gapFilled: 0, failed: [] });
  t.same(
    await projector.applyBatch([v3]),
    { applied: 1, duplicates: 0, gapFilled: 0, failed: [] },
    'the gap it planned to fill was filled by the other, so only the event is left',
  );
  t.strictSame(await inner.get('user-alice'), foldView([v1, v2, v3]));
  t.same(
    spy.batches.map((b) => b.writes.map((w) => [w.expectedVersion, w.view.version])),
    [[[0, 1]], [[1, 3]], [[2, 3]]],
    'each retry starts from what the other wrote',
  );
});

t.test('gives up after losing too many conditional writes', async (t) => {
  const histories = [decideHistory('user-alice', LIFECYCLE), decideHistory('user-bob', LIFECYCLE.slice(0, 2))];
  const { readModel: inner, eventStore, events } = await setup(histories);
  let batches = 0;
  const readModel: UserReadModel = {
    ...inner,
    // Alice's writes always lose; Bob's win.
    async putMany(writes, checkpoint) {
      batches++;
      const contended = writes.map((w) => w.view.id === 'user-alice');
      const rest = writes.filter((_, i) => !contended[i]);
      const won = await inner.putMany(rest, contended.includes(true) ? undefined : checkpoint);
      return contended.map((lost) => (lost ? false : (won.shift() as boolean)));
    },
  };
  const projector = createProjector({ readModel, eventStore, maxAttempts: 3 });
  const alice = events.filter((e) => e.streamId === 'user-alice');
  const checkpoint = { name: 'c', cursor: '1' };
  const outcome = await projector.applyBatch([...events, alice[2] as StoredEvent], { checkpoint });
  t.equal(batches, 3, 'three attempts');
  t.equal(outcome.applied, 2, "bob's events were written");
  t.equal(outcome.failed.length, alice.length + 1, 'every delivery of alice failed, the extra copy included');
  const message = /^lost 3 conditional writes for versions up to 9 of stream user-alice$/;
  const error = { code: 'WRITE_CONTENDED', message };
  t.match(
    [...outcome.failed].sort((a, b) => a.version - b.version),
    [...alice.slice(0, 3), ...alice.slice(2)].map((e) => ({ streamId: 'user-alice', version: e.version, error })),
  );
  t.equal(outcome.checkpointSaved, false, 'and the checkpoint was never saved');
  t.equal(await inner.getCheckpoint('c'), undefined);
  t.equal(await inner.get('user-alice'), undefined);
});

/** An event store that counts `readStream` calls and can be told to fail them. */
function countingStore(inner: EventStore) {
  const reads: Array<{ streamId: string; fromVersion?: number; toVersion?: number }> = [];
  let failure: Error | undefined;
  const store: Pick<EventStore, 'readStream'> = {
    async readStream(streamId, options) {
      reads.push({ streamId, ...options });
      if (failure) throw failure;
      return inner.readStream(streamId, options);
    },
  };
  return { store, reads, fail: (error: Error) => (failure = error) };
}

/** A copy of a delivery that cannot be projected, as a broken producer might publish it. */
const corrupt = (event: StoredEvent): StoredEvent => ({ ...event, type: 'UserTeleported' });

const codeOf = (error: unknown) => (isReadModelError(error) ? error.code : String(error));

t.test('fills every gap of a user from one read of the event store, in one write', async (t) => {
  const histories = [decideHistory('user-alice', LIFECYCLE)];
  const { readModel: inner, eventStore, events, logs } = await setup(histories);
  const spy = recording(inner);
  const counted = countingStore(eventStore);
  const logger: ProjectorLogger = { debug() {}, warn: (obj, msg) => logs.push({ level: 'warn', obj, msg }), error() {} };
  const projector = createProjector({ readModel: spy.readModel, eventStore: counted.store, logger });
  const [v2, v4, v7] = [events[1], events[3], events[6]] as StoredEvent[];
  t.same(await projector.applyBatch([v7!, v2!, v4!]), { applied: 3, duplicates: 0, gapFilled: 4, failed: [] });
  t.same(counted.reads, [{ streamId: 'user-alice', fromVersion: 1, toVersion: 6 }], 'one read for all three gaps');
  t.same(spy.writes, [{ id: 'user-alice', from: 1, to: 7 }], 'one write');
  t.strictSame(await inner.get('user-alice'), foldView(events.slice(0, 7)));
  t.match(logs, [
    {
      level: 'warn',
      obj: { streamId: 'user-alice', fromVersion: 1, toVersion: 6, events: 4 },
      msg: 'filled a gap from the event store',
    },
  ]);

  counted.reads.length = 0;
  t.same(await projector.applyBatch([events[8]!]), { applied: 1, duplicates: 0, gapFilled: 1, failed: [] });
  t.same(counted.reads, [{ streamId: 'user-alice', fromVersion: 8, toVersion: 8 }], 'only what is still missing');
  t.same(await projector.applyBatch(events), { applied: 0, duplicates: events.length, gapFilled: 0, failed: [] });
  t.equal(counted.reads.length, 1, 'old news needs no read');
});

t.test("a user's failed event fails its later events too, and the ones before it are written", async (t) => {
  const histories = [decideHistory('user-alice', LIFECYCLE), decideHistory('user-bob', LIFECYCLE.slice(0, 3))];
  const { readModel, eventStore, projector } = await setup(histories);
  const [alice, bob] = histories.map((h) => h.events) as [StoredEvent[], StoredEvent[]];
  const deliveries = [...alice.map((e) => (e.version === 5 ? corrupt(e) : e)), ...bob];
  const outcome = await projector.applyBatch(deliveries);
  t.equal(outcome.applied, 4 + bob.length, "alice's first four and all of bob's were applied");
  t.strictSame(await readModel.get('user-alice'), foldView(alice.slice(0, 4)), 'alice up to the bad event');
  t.strictSame(await readModel.get('user-bob'), foldView(bob), 'bob, whole');
  const failed = [...outcome.failed].sort((a, b) => a.version - b.version);
  t.same(failed.map((f) => f.version), [5, 6, 7, 8, 9], 'the bad event and every later one of alice');
  t.ok(failed.every((f) => deliveries.includes(f.event)), 'each as it was delivered');
  t.equal(codeOf(failed[0]?.error), 'INVALID_EVENT');
  const first = failed[0]?.error;
  t.ok(
    failed.slice(1).every((f) => codeOf(f.error) === 'INVALID_EVENT' && (f.error as Error).cause === first),
    'the later ones fail because of it',
  );
  t.match((failed[1]?.error as Error).message, /^version 6 of stream user-alice waits for version 5: cannot upcast/);

  // Redelivered without the bad copy, the later events fill version 5 from the store.
  t.same(await projector.applyBatch(alice.slice(5)), { applied: 4, duplicates: 0, gapFilled: 1, failed: [] });
  t.strictSame(await readModel.get('user-alice'), foldView(alice));
});

t.test('a gap the event store cannot fill yet fails the events after it, not those before', async (t) => {
  const carol = decideHistory('user-carol', LIFECYCLE);
  // The store lags: it has only the first three versions of what was delivered.
  const { readModel, eventStore, projector } = await setup([{ ...carol, events: carol.events.slice(0, 3) }]);
  const [v1, v2, , , v5, v6] = carol.events as StoredEvent[];
  const outcome = await projector.applyBatch([v6!, v5!, v2!, v1!]);
  t.equal(outcome.applied, 2);
  t.strictSame(await readModel.get('user-carol'), foldView([v1!, v2!]), 'versions 1 and 2 were written');
  const [five, six] = [...outcome.failed].sort((a, b) => a.version - b.version);
  t.match(five, { version: 5, event: v5, error: { code: 'MISSING_EVENTS' } });
  t.match((five?.error as Error).message, /^the event store has not got versions 3 to 4 of stream user-carol$/);
  t.match(six, { version: 6, event: v6, error: { code: 'MISSING_EVENTS', cause: five?.error } });
  t.equal(outcome.gapFilled, 0, 'the version the store did have was not written without its successor');
});

t.test('of the copies of one version in a batch, the first is applied and the others are duplicates', async (t) => {
  const histories = [decideHistory('user-alice', LIFECYCLE)];
  const { readModel, eventStore, projector, events } = await setup(histories);
  const [v1, v2, v3] = events as StoredEvent[];
  const twice = { ...v2!, note: 'second copy' };
  const outcome = await projector.applyBatch([v2!, v1!, twice, v1!, v1!]);
  t.same(outcome, { applied: 2, duplicates: 3, gapFilled: 0, failed: [] });
  t.strictSame(await readModel.get('user-alice'), foldView([v1!, v2!]));

  const bad = [corrupt(v3!), corrupt(v3!)];
  const refused = await projector.applyBatch(bad);
  t.same(refused.failed.map((f) => f.event), bad, 'the copies of a failed version fail with it');
  t.equal(refused.failed[0]?.error, refused.failed[1]?.error, 'for the same reason');
  t.strictSame(await readModel.get('user-alice'), foldView([v1!, v2!]), 'and wrote nothing');
});

t.test('reports storage errors for the events they concern, and never throws', async (t) => {
  const histories = threeUsers();
  const { readModel: inner, eventStore, events } = await setup(histories);
  const unreachable = new Error('read model unreachable');
  let readFailures = 1;
  const readModel: UserReadModel = {
    ...inner,
    async getMany(ids) {
      if (readFailures-- > 0) throw unreachable;
      return inner.getMany(ids);
    },
  };
  const counted = countingStore(eventStore);
  const projector = createProjector({ readModel, eventStore: counted.store });
  const byUser = (id: string) => events.filter((e) => e.streamId === id);
  const outcome = await projector.applyBatch(events, { checkpoint: { name: 'c', cursor: '1' } });
  t.match(outcome, { applied: 0, checkpointSaved: false }, 'the views could not be read');
  t.same(new Set(outcome.failed.map((f) => f.event)), new Set(events), 'so every delivery failed');
  t.ok(outcome.failed.every((f) => f.error === unreachable), 'with the read error');
  t.same(await projector.applyBatch(events), { applied: events.length, duplicates: 0, gapFilled: 0, failed: [] });

  // Alice is written up to version 4; her next deliveries need versions 5 and 7 from a store that fails.
  const alice = byUser('user-alice');
  const fresh = createMemoryUserReadModel();
  await fresh.put(foldView(alice.slice(0, 4))!, 0);
  const lost = new Error('event store unreachable');
  counted.fail(lost);
  const [v6, v8, v9] = [alice[5], alice[7], alice[8]] as StoredEvent[];
  const carol = byUser('user-carol');
  const lagging = createProjector({ readModel: fresh, eventStore: counted.store });
  const gaps = await lagging.applyBatch([v9!, v6!, v8!, ...carol]);
  t.equal(gaps.applied, carol.length, 'carol needed no read');
  t.same(gaps.failed.map((f) => [f.version, f.error]), [[6, lost], [8, lost], [9, lost]], 'the read error, as is');
  t.strictSame(await fresh.get('user-alice'), foldView(alice.slice(0, 4)));

  const rejecting: UserReadModel = {
    ...fresh,
    async putMany() {
      throw unreachable;
    },
  };
  const failing = createProjector({ readModel: rejecting, eventStore });
  const write = await failing.applyBatch([...alice.slice(3), alice[0]!], { checkpoint: { name: 'c', cursor: '9' } });
  t.equal(write.duplicates, 2, 'what was old news still is');
  t.same(write.failed.map((f) => [f.version, f.error]), alice.slice(4).map((e) => [e.version, unreachable]));
  t.equal(write.checkpointSaved, false);
  t.equal(await fresh.getCheckpoint('c'), undefined);
});

t.test('saves a checkpoint in the batch write, and only when no event failed', async (t) => {
  const histories = threeUsers();
  const { readModel: inner, eventStore, events } = await setup(histories);
  const spy = recording(inner);
  const projector = createProjector({ readModel: spy.readModel, eventStore });
  const checkpoint = (cursor: string) => ({ checkpoint: { name: 'c', cursor } });
  const alice = events.filter((e) => e.streamId === 'user-alice');

  const without = await projector.applyBatch(alice.slice(0, 2));
  t.notOk('checkpointSaved' in without, 'no checkpoint asked, none answered');
  t.same(spy.batches.at(-1)?.checkpoint, undefined);

  const first = await projector.applyBatch(alice.slice(2, 4), checkpoint('4'));
  t.match(first, { applied: 2, checkpointSaved: true });
  t.same(spy.batches.at(-1)?.checkpoint, { name: 'c', cursor: '4' }, 'in the same write as the views');
  t.equal(await inner.getCheckpoint('c'), '4');

  t.match(await projector.applyBatch([], checkpoint('5')), { applied: 0, checkpointSaved: true }, 'an empty page');
  t.match(await projector.applyBatch(alice.slice(0, 4), checkpoint('6')), { duplicates: 4, checkpointSaved: true });
  t.same(spy.batches.slice(-2).map((b) => [b.writes.length, b.checkpoint?.cursor]), [[0, '5'], [0, '6']]);

  const malformed = { ...alice[0]!, version: 0 };
  const partly = await projector.applyBatch([alice[4]!, malformed], checkpoint('7'));
  t.match(partly, { applied: 1, failed: [{ event: malformed }], checkpointSaved: false });
  t.same(spy.batches.at(-1)?.checkpoint, undefined, 'the views were written without it');
  t.equal(await inner.getCheckpoint('c'), '6');
});

t.test('a lost write holds the checkpoint back until its retry wins', async (t) => {
  const histories = [decideHistory('user-alice', LIFECYCLE)];
  const { readModel: inner, eventStore, events } = await setup(histories);
  const [v1, v2, v3, v4] = events as StoredEvent[];
  const competitor = createProjector({ readModel: inner, eventStore });
  const slipIns = [[v1!]];
  const spy = recording({
    ...inner,
    async putMany(writes, checkpoint) {
      const slipIn = slipIns.shift();
      if (slipIn) await competitor.applyBatch(slipIn);
      return inner.putMany(writes, checkpoint);
    },
  });
  const projector = createProjector({ readModel: spy.readModel, eventStore });
  const outcome = await projector.applyBatch([v1!, v2!], { checkpoint: { name: 'c', cursor: '2' } });
  t.same(outcome, { applied: 1, duplicates: 1, gapFilled: 0, failed: [], checkpointSaved: true });
  t.same(
    spy.batches.map((b) => [b.writes.map((w) => w.expectedVersion), b.checkpoint?.cursor]),
    [[[0], '2'], [[1], '2']],
    'asked with both attempts, saved with the second',
  );

  // A bad copy of version 4 holds the checkpoint back, until a re-read finds version 4 written by another.
  slipIns.push([v3!, v4!]);
  spy.batches.length = 0;
  const healed = await projector.applyBatch([v3!, corrupt(v4!)], { checkpoint: { name: 'c', cursor: '4' } });
  t.same(healed, { applied: 0, duplicates: 2, gapFilled: 0, failed: [], checkpointSaved: true });
  t.same(
    spy.batches.map((b) => [b.writes.length, b.checkpoint?.cursor]),
    [[1, undefined], [0, '4']],
    'not asked while version 4 looked bad, saved once it was old news',
  );
  t.equal(await inner.getCheckpoint('c'), '4');
});

t.test('one batch of any shuffled, duplicated delivery folds each user into one write', async (t) => {
  const scenario = historiesArbitrary(5).chain((histories) =>
    fc.tuple(fc.constant(histories), deliveriesArbitrary(histories.flatMap((h) => h.events))),
  );
  await fc.assert(
    fc.asyncProperty(scenario, async ([histories, batches]) => {
      const eventStore = createMemoryEventStore();
      await seed(eventStore, histories);
      const spy = recording(createMemoryUserReadModel());
      const deliveries = batches.flat();
      const outcome = await createProjector({ readModel: spy.readModel, eventStore }).applyBatch(deliveries);
      const events = histories.flatMap((h) => h.events);
      const duplicates = deliveries.length - events.length;
      const expected = { applied: events.length, duplicates, gapFilled: 0, failed: [] };
      if (JSON.stringify(outcome) !== JSON.stringify(expected)) throw new Error(`outcome ${JSON.stringify(outcome)}`);
      if (spy.batches.length !== 1) throw new Error(`${spy.batches.length} batch writes`);
      const writes = histories.map((h) => ({ id: h.streamId, from: 1, to: h.events.length }));
      const written = JSON.stringify(spy.writes);
      if (written !== JSON.stringify(writes)) throw new Error(`writes: ${written}`);
      for (const { streamId, events: stream } of histories) {
        const actual = JSON.stringify(await spy.readModel.get(streamId));
        if (actual !== JSON.stringify(foldView(stream))) throw new Error(`${streamId}: ${actual}`);
      }
    }),
    { numRuns: 100 },
  );
  t.pass('every batch folded into one write per user');
});

t.test('a fold of pages in store order or in any order, with duplicates, writes the fold of the store once per user', async (t) => {
  // Pages in the store's order take the fold's shortcut; shuffled ones with duplicates take the general way.
  const scenario = historiesArbitrary(5).chain((histories) => {
    const events = histories.flatMap((h) => h.events);
    const inStoreOrder = fc
      .array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 20 })
      .map((sizes) => cut([...events].sort((a, b) => a.version - b.version), sizes));
    return fc.tuple(fc.constant(histories), fc.oneof(inStoreOrder, deliveriesArbitrary(events)));
  });
  await fc.assert(
    fc.asyncProperty(scenario, async ([histories, pages]) => {
      const eventStore = createMemoryEventStore();
      await seed(eventStore, histories);
      const spy = recording(createMemoryUserReadModel());
      const fold = (createProjector({ readModel: spy.readModel, eventStore }).fold as () => ProjectionFold)();
      let applied = 0;
      let duplicates = 0;
      let gapFilled = 0;
      for (const page of pages) {
        const outcome = await fold.add(page);
        if (outcome.failed.length > 0) throw new Error(`failed ${outcome.failed.length}`);
        applied += outcome.applied;
        duplicates += outcome.duplicates;
        gapFilled += outcome.gapFilled;
      }
      if (!(await fold.commit({ name: 'c', cursor: 'end' }))) throw new Error('the commit failed');
      const events = histories.flatMap((h) => h.events);
      const delivered = pages.flat().length;
      if (applied + gapFilled !== events.length || applied + duplicates !== delivered) {
        throw new Error(`applied ${applied}, duplicates ${duplicates}, filled ${gapFilled}`);
      }
      if (spy.batches.length !== 1) throw new Error(`${spy.batches.length} batch writes`);
      // One write per user, from nothing to its last version, in the order the fold met the users.
      const written = JSON.stringify([...spy.writes].sort((a, b) => (a.id < b.id ? -1 : 1)));
      if (written !== JSON.stringify(histories.map((h) => ({ id: h.streamId, from: 1, to: h.events.length })))) {
        throw new Error(`writes: ${written}`);
      }
      for (const { streamId, events: stream } of histories) {
        const actual = JSON.stringify(await spy.readModel.get(streamId));
        if (actual !== JSON.stringify(foldView(stream))) throw new Error(`${streamId}: ${actual}`);
      }
    }),
    { numRuns: 100 },
  );
  t.pass('every fold wrote each user once, as the fold of the store');
});

t.test("a bad event fails exactly its user's deliveries from it on, whatever the batch", async (t) => {
  const scenario = historiesArbitrary(4).chain((histories) =>
    fc.tuple(
      fc.constant(histories),
      fc.nat({ max: histories.length - 1 }),
      fc.nat(),
      deliveriesArbitrary(histories.flatMap((h) => h.events)),
    ),
  );
  await fc.assert(
    fc.asyncProperty(scenario, async ([histories, user, at, batches]) => {
      const eventStore = createMemoryEventStore();
      await seed(eventStore, histories);
      const readModel = createMemoryUserReadModel();
      const victim = histories[user] as UserHistory;
      const bad = (at % victim.events.length) + 1;
      const isBad = (e: StoredEvent) => e.streamId === victim.streamId && e.version === bad;
      const deliveries = batches.flat().map((e) => (isBad(e) ? corrupt(e) : e));
      const outcome = await createProjector({ readModel, eventStore }).applyBatch(deliveries);
      const blocked = deliveries.filter((e) => e.streamId === victim.streamId && e.version >= bad);
      const failed = outcome.failed.map((f) => f.event);
      if (failed.length !== blocked.length || !blocked.every((e) => failed.includes(e))) {
        throw new Error(`failed ${failed.map((e) => `${e.streamId}@${e.version}`).join()}`);
      }
      for (const { streamId, events } of histories) {
        const expected = streamId === victim.streamId ? events.slice(0, bad - 1) : events;
        const actual = JSON.stringify(await readModel.get(streamId));
        if (actual !== JSON.stringify(foldView(expected))) throw new Error(`${streamId}: ${actual}`);
      }
    }),
    { numRuns: 100 },
  );
  t.pass('the fold stopped exactly before the bad event, for its user only');
});

/** Each adapter, with a way to open two handles on one storage, as two worker processes would. */
const readModels = [
  {
    name: 'memory',
    numRuns: 100,
    create: () => createMemoryUserReadModel(),
    pair: (): [UserReadModel, UserReadModel] => {
      const shared = createMemoryUserReadModel();
      return [shared, shared];
    },
  },
  {
    name: 'sqlite',
    numRuns: 25,
    create: () => createSqliteUserReadModel({ filename: newFile() }),
    pair: (): [UserReadModel, UserReadModel] => {
      const filename = newFile();
      return [createSqliteUserReadModel({ filename }), createSqliteUserReadModel({ filename })];
    },
  },
];

for (const adapter of readModels) {
  t.test(`${adapter.name}: converges on the event store under any duplicated, reordered delivery`, async (t) => {
    const scenario = historiesArbitrary().chain((histories) =>
      fc.tuple(fc.constant(histories), deliveriesArbitrary(histories.flatMap((h) => h.events))),
    );
    await fc.assert(
      fc.asyncProperty(scenario, async ([histories, batches]) => {
        const readModel = adapter.create();
        try {
          const eventStore = createMemoryEventStore();
          await seed(eventStore, histories);
          const projector = createProjector({ readModel, eventStore });
          const outcomes: BatchOutcome[] = [];
          for (const batch of batches) outcomes.push(await projector.applyBatch(batch));
          const sum = total(outcomes);
          const events = histories.flatMap((h) => h.events);
          if (sum.failed !== 0) throw new Error(`${sum.failed} events failed`);
          if (sum.applied + sum.duplicates !== batches.flat().length) throw new Error('a delivery was lost');
          if (sum.applied + sum.gapFilled !== events.length) throw new Error('a version was written twice');
          for (const { streamId } of histories) {
            const expected = JSON.stringify(foldView(await eventStore.readStream(streamId)));
            const actual = JSON.stringify(await readModel.get(streamId));
            if (actual !== expected) throw new Error(`${streamId}: ${actual} instead of ${expected}`);
          }
        } finally {
          await readModel.close();
        }
      }),
      { numRuns: adapter.numRuns },
    );
    t.pass('every interleaving converged');
  });

  t.test(`${adapter.name}: two projectors racing never write a version twice`, async (t) => {
    const histories = threeUsers();
    const [shared, other] = adapter.pair();
    t.teardown(async () => {
      await shared.close();
      await other.close();
    });
    const { eventStore, events } = await setup(histories, shared);
    const [a, b] = [recording(shared), recording(other)];
    const projectors = [a, b].map(({ readModel }) => createProjector({ readModel, eventStore }));
    const outcomes = await Promise.all(projectors.map((p) => p.applyBatch(events)));
    const sum = total(outcomes);
    t.equal(sum.applied + sum.gapFilled, events.length, 'each event was written by exactly one projector');
    t.equal(sum.failed, 0);
    t.doesNotThrow(() => assertEachVersionWrittenOnce([...a.writes, ...b.writes], histories));
    t.ok(a.lost() + b.lost() > 0, 'they really raced');
    await assertConverged(t, shared, eventStore, histories);

    const scenario = historiesArbitrary(3).chain((hs) => {
      const all = hs.flatMap((h) => h.events);
      return fc.tuple(fc.constant(hs), deliveriesArbitrary(all), deliveriesArbitrary(all));
    });
    await fc.assert(
      fc.asyncProperty(scenario, async ([hs, batchesA, batchesB]) => {
        const [first, second] = adapter.pair();
        try {
          const store = createMemoryEventStore();
          await seed(store, hs);
          const [ra, rb] = [recording(first), recording(second)];
          const run = async (readModel: UserReadModel, batches: StoredEvent[][]) => {
            const projector = createProjector({ readModel, eventStore: store });
            for (const batch of batches) {
              const outcome = await projector.applyBatch(batch);
              if (outcome.failed.length > 0) throw outcome.failed[0]?.error;
            }
          };
          await Promise.all([run(ra.readModel, batchesA), run(rb.readModel, batchesB)]);
          assertEachVersionWrittenOnce([...ra.writes, ...rb.writes], hs);
          for (const { streamId } of hs) {
            const expected = JSON.stringify(foldView(await store.readStream(streamId)));
            if (JSON.stringify(await first.get(streamId)) !== expected) throw new Error(`${streamId} diverged`);
          }
        } finally {
          await first.close();
          await second.close();
        }
      }),
      { numRuns: Math.ceil(adapter.numRuns / 2) },
    );
  });
}

t.test('catchUp reads page by page and resumes from its checkpoint', async (t) => {
  const histories = threeUsers();
  const { readModel, eventStore, projector, events } = await setup(histories);
  const options = { checkpointName: 'rebuild', pageSize: 4 };
  t.equal(await catchUp(eventStore, projector, readModel, options), events.length);
  t.equal(await readModel.getCheckpoint('rebuild'), String(events.length), 'the last position is saved');
  await assertConverged(t, readModel, eventStore, histories);

  const dave = decideHistory('user-dave', LIFECYCLE.slice(0, 3));
  await seed(eventStore, [dave]);
  t.equal(await catchUp(eventStore, projector, readModel, options), dave.events.length, 'only the new events');
  await assertConverged(t, readModel, eventStore, [...histories, dave]);
  t.equal(await catchUp(eventStore, projector, readModel, options), 0, 'nothing new');
  t.equal(await readModel.getCheckpoint('rebuild'), String(events.length + dave.events.length));
});

t.test('catchUp of an empty store saves no checkpoint', async (t) => {
  const { readModel, eventStore, projector } = await setup([]);
  t.equal(await catchUp(eventStore, projector, readModel, { checkpointName: 'rebuild' }), 0);
  t.equal(await readModel.getCheckpoint('rebuild'), undefined);
});

t.test('catchUp with a batch of one page writes each page and its checkpoint in one batch write', async (t) => {
  const histories = threeUsers();
  const { readModel: inner, eventStore, events } = await setup(histories);
  let separateSaves = 0;
  const spy = recording({
    ...inner,
    async setCheckpoint(name, cursor) {
      separateSaves++;
      return inner.setCheckpoint(name, cursor);
    },
  });
  const projector = createProjector({ readModel: spy.readModel, eventStore });
  await catchUp(eventStore, projector, spy.readModel, { checkpointName: 'c', pageSize: 4, batchSize: 4 });
  const pages = Math.ceil(events.length / 4);
  t.equal(spy.batches.length, pages, 'one batch write per page');
  t.same(
    spy.batches.map((b) => b.checkpoint),
    Array.from({ length: pages }, (_, i) => ({ name: 'c', cursor: String(Math.min(events.length, (i + 1) * 4)) })),
    "each carrying the page's checkpoint",
  );
  t.equal(separateSaves, 0, 'and no separate checkpoint write');
  await assertConverged(t, inner, eventStore, histories);
});

t.test('catchUp projects the pages of a batch together: each user read and written once per batch', async (t) => {
  const histories = threeUsers();
  const { readModel: inner, eventStore, events } = await setup(histories);
  const spy = recording(inner);
  const projector = createProjector({ readModel: spy.readModel, eventStore });
  t.equal(await catchUp(eventStore, projector, spy.readModel, { checkpointName: 'c', pageSize: 2, batchSize: 8 }), events.length);
  const batches = Math.ceil(events.length / 8);
  t.same(
    spy.batches.map((b) => b.checkpoint),
    Array.from({ length: batches }, (_, i) => ({ name: 'c', cursor: String(Math.min(events.length, (i + 1) * 8)) })),
    'one write per batch of four pages, with the cursor after its last page',
  );
  t.ok(spy.batches.every((b) => b.writes.length <= histories.length), 'each user written at most once per batch');
  await assertConverged(t, inner, eventStore, histories);

  const whole = await setup(histories);
  const once = recording(whole.readModel);
  const all = createProjector({ readModel: once.readModel, eventStore: whole.eventStore });
  await catchUp(whole.eventStore, all, once.readModel, { checkpointName: 'c', pageSize: 2 });
  t.same(once.batches.map((b) => b.writes.length), [histories.length], 'by default a history this short is one batch: one write per user');
});

t.test('a fold writes nothing until it commits, then each user once, and projects again a user another writer beat', async (t) => {
  const histories = threeUsers();
  const { readModel, eventStore, events } = await setup(histories);
  const spy = recording(readModel);
  const fold = createProjector({ readModel: spy.readModel, eventStore }).fold?.();
  if (fold === undefined) throw new Error('createProjector makes projectors that fold');
  const half = Math.floor(events.length / 2);
  t.match(await fold.add(events.slice(0, half)), { applied: half, duplicates: 0, failed: [] });
  t.match(await fold.add([...events.slice(half), events[0]!]), { applied: events.length - half, duplicates: 1, failed: [] });
  t.equal(spy.batches.length, 0, 'nothing is written before the commit');

  // Another writer projects bob's first event meanwhile: the fold's write of bob, made on version 0, loses.
  const bob = histories[1]!;
  await createProjector({ readModel, eventStore }).applyBatch(bob.events.slice(0, 1));
  t.equal(await fold.commit(), true);
  t.same(
    spy.batches.map((b) => b.writes.map(({ view }) => view.id)),
    [histories.map((h) => h.streamId), [bob.streamId]],
    'one write of every user, then bob again, from the events the read model lacked',
  );
  t.same(spy.writes.find((w) => w.id === bob.streamId), { id: bob.streamId, from: 2, to: bob.events.length });
  t.equal(spy.lost(), 1);
  await assertConverged(t, readModel, eventStore, histories);
});

t.test('catchUp folds a batch whose writes another writer beat: those users get what they lack, and the checkpoint is saved', async (t) => {
  const histories = threeUsers();
  const { readModel: inner, eventStore, events } = await setup(histories);
  const [alice, bob] = histories as [UserHistory, UserHistory];
  const live = createProjector({ readModel: inner, eventStore });
  let commits = 0;
  const spy = recording({
    ...inner,
    async putMany(writes, checkpoint) {
      // While the batch is folded in memory, a live writer projects all of alice and the start of bob.
      if (commits++ === 0) await live.applyBatch([...alice.events, ...bob.events.slice(0, 2)]);
      return inner.putMany(writes, checkpoint);
    },
  });
  const projector = createProjector({ readModel: spy.readModel, eventStore });
  t.equal(await catchUp(eventStore, projector, spy.readModel, { checkpointName: 'c', pageSize: 2 }), events.length);
  t.equal(spy.lost(), 2, "the fold's writes of alice and bob were beaten");
  t.same(spy.batches.at(-1)?.writes.map(({ view }) => view.id), [bob.streamId], 'alice was ahead already; bob got the rest');
  t.equal(await inner.getCheckpoint('c'), String(events.length), 'the checkpoint is saved all the same');
  await assertConverged(t, inner, eventStore, histories);
});

t.test('catchUp projects a batch again page by page when its folded write fails, and goes on', async (t) => {
  const histories = threeUsers();
  const { readModel: inner, eventStore, events } = await setup(histories);
  const spy = recording(failingFirstWrite(inner));
  const errors: object[] = [];
  const logger: ProjectorLogger = { debug() {}, warn() {}, error: (obj) => errors.push(obj) };
  const projector = createProjector({ readModel: spy.readModel, eventStore, logger });
  t.equal(await catchUp(eventStore, projector, spy.readModel, { checkpointName: 'c', pageSize: 4 }), events.length);
  t.match(errors, [{ err: { message: 'disk I/O error' } }], 'the failed write is logged');
  const pages = Math.ceil(events.length / 4);
  t.same(
    spy.batches.map((b) => b.checkpoint?.cursor),
    [String(events.length), ...Array.from({ length: pages }, (_, i) => String(Math.min(events.length, (i + 1) * 4)))],
    'the folded batch, then each of its pages with its own checkpoint',
  );
  t.equal(await inner.getCheckpoint('c'), String(events.length));
  await assertConverged(t, inner, eventStore, histories);
});

t.test('a fold projects a user whose view vanished before its commit (a cleared slot) again from the first event', async (t) => {
  const histories = threeUsers();
  const { readModel: before, eventStore, events } = await setup(histories);
  const alice = histories[0]!;
  await createProjector({ readModel: before, eventStore }).applyBatch(alice.events.slice(0, 2));
  const after = createMemoryUserReadModel();
  let current: UserReadModel = before;
  const swapped: UserReadModel = {
    ...before,
    getMany: (ids) => current.getMany(ids),
    putMany: (writes, checkpoint) => current.putMany(writes, checkpoint),
  };
  const fold = createProjector({ readModel: swapped, eventStore }).fold?.();
  t.match(await fold?.add(events), { applied: events.length - 2, duplicates: 2 });
  current = after;
  t.equal(await fold?.commit({ name: 'c', cursor: String(events.length) }), true);
  t.equal(await after.getCheckpoint('c'), String(events.length));
  await assertConverged(t, after, eventStore, histories);
});

t.test('catchUp over a store that finds its end only on an empty page, which has no cursor', async (t) => {
  const histories = threeUsers();
  const { eventStore, events } = await setup(histories);
  const pageSize = 2;
  // The histories' events fill their last page exactly, so the end is an empty page of its own.
  t.equal(events.length % pageSize, 0);
  const lazy: Pick<EventStore, 'readAll'> = {
    readAll: async (options) => {
      const page = await eventStore.readAll(options);
      if (page.events.length === 0) return { events: [], isEnd: true };
      return { ...page, isEnd: false };
    },
  };
  for (const failFirstWrite of [false, true]) {
    const readModel = createMemoryUserReadModel();
    const spy = recording(failFirstWrite ? failingFirstWrite(readModel) : readModel);
    const projector = createProjector({ readModel: spy.readModel, eventStore });
    t.equal(await catchUp(lazy, projector, spy.readModel, { checkpointName: 'c', pageSize }), events.length);
    t.equal(await readModel.getCheckpoint('c'), String(events.length), `the cursor of the last page with events${failFirstWrite ? ', page by page' : ''}`);
    await assertConverged(t, readModel, eventStore, histories);
  }
});

t.test('catchUp ends the batch in hand after its page once its signal is aborted', async (t) => {
  const histories = threeUsers();
  const { readModel: inner, eventStore, events } = await setup(histories);
  const spy = recording(inner);
  const projector = createProjector({ readModel: spy.readModel, eventStore });
  const stop = new AbortController();
  let reads = 0;
  const stopping: Pick<EventStore, 'readAll'> = {
    readAll: async (options) => {
      if (++reads === 2) stop.abort();
      return eventStore.readAll(options);
    },
  };
  const options = { checkpointName: 'c', pageSize: 2, batchSize: 1000, signal: stop.signal };
  t.equal(await catchUp(stopping, projector, spy.readModel, options), events.length, 'it still reads to the end');
  t.same(
    spy.batches.slice(0, 2).map((b) => b.checkpoint),
    [{ name: 'c', cursor: '4' }, { name: 'c', cursor: '6' }],
    'the first batch ends after the page read as the signal fired, and every later one is a page',
  );
  await assertConverged(t, inner, eventStore, histories);
});

t.test('catchUp projects a batch with a failed event again page by page, and stops at the page that holds it', async (t) => {
  const histories = threeUsers();
  const { readModel, eventStore, projector, events } = await setup(histories);
  const weird = decideHistory('user-weird', LIFECYCLE.slice(0, 1)).events[0] as StoredEvent;
  await eventStore.append('user-weird', [{ ...weird, type: 'UserTeleported' }], { expectedVersion: 0 });
  const late = decideHistory('user-late', LIFECYCLE.slice(0, 2));
  await seed(eventStore, [late]);
  const error = await catchUp(eventStore, projector, readModel, { checkpointName: 'c', pageSize: 3, batchSize: 1000 }).catch(
    (e: unknown) => e,
  );
  const before = Math.floor(events.length / 3) * 3;
  t.match(error, { code: 'CATCH_UP_FAILED', cause: { code: 'INVALID_EVENT' } });
  t.match(String((error as Error).message), new RegExp(`after ${before === 0 ? 'the start' : before} failed`), 'it names the page');
  t.equal(await readModel.getCheckpoint('c'), before === 0 ? undefined : String(before), 'every page before it is checkpointed');
  await assertConverged(t, readModel, eventStore, histories);
});

for (const crash of [
  { what: 'a batch write that never committed', viewsWritten: false },
  { what: 'views written but not the checkpoint (DynamoDB)', viewsWritten: true },
]) {
  t.test(`catchUp after a crash in ${crash.what} replays the page to the same result`, async (t) => {
    const histories = threeUsers();
    const { readModel, eventStore, projector, events } = await setup(histories);
    const clean = await setup(histories);
    await catchUp(clean.eventStore, clean.projector, clean.readModel, { checkpointName: 'c', pageSize: 5, batchSize: 5 });

    let batches = 0;
    const crashing: UserReadModel = {
      ...readModel,
      async putMany(writes, checkpoint) {
        // The process dies in the second page's batch write.
        if (++batches !== 2) return readModel.putMany(writes, checkpoint);
        if (crash.viewsWritten) await readModel.putMany(writes);
        throw new Error('killed');
      },
    };
    const dying = createProjector({ readModel: crashing, eventStore });
    await t.rejects(catchUp(eventStore, dying, crashing, { checkpointName: 'c', pageSize: 5, batchSize: 5 }), {
      code: 'CATCH_UP_FAILED',
      cause: { message: 'killed' },
    });
    t.equal(await readModel.getCheckpoint('c'), '5', 'the first page was saved, the second was not');

    const outcomes: BatchOutcome[] = [];
    // A wrapper that drops the checkpoint option: catchUp then saves the cursor itself.
    const observed: Projector = {
      async applyBatch(batch) {
        const outcome = await projector.applyBatch(batch);
        outcomes.push(outcome);
        return outcome;
      },
    };
    const replayed = await catchUp(eventStore, observed, readModel, { checkpointName: 'c', pageSize: 5, batchSize: 5 });
    t.equal(replayed, events.length - 5, 'it resumed from the saved checkpoint');
    t.equal(outcomes[0]?.duplicates, crash.viewsWritten ? 5 : 0, 'the replayed page was duplicates if written');
    t.equal(await readModel.getCheckpoint('c'), String(events.length), 'and the cursor was saved all the same');
    for (const { streamId } of histories) {
      const expected = await clean.readModel.get(streamId);
      t.strictSame(await readModel.get(streamId), expected, `${streamId} as without the crash`);
    }
  });
}

t.test('catchUp stops at an event it cannot project, without moving its checkpoint past it', async (t) => {
  const histories = threeUsers();
  const { readModel, eventStore, projector } = await setup(histories);
  const weird = decideHistory('user-weird', LIFECYCLE.slice(0, 1)).events[0] as StoredEvent;
  await eventStore.append('user-weird', [{ ...weird, type: 'UserTeleported' }], { expectedVersion: 0 });
  const options = { checkpointName: 'c', pageSize: 1000 };
  const error = await catchUp(eventStore, projector, readModel, options).catch((e: unknown) => e);
  t.match(error, { code: 'CATCH_UP_FAILED', cause: { code: 'INVALID_EVENT' } });
  t.match(String((error as Error).message), /after the start/);
  t.equal(await readModel.getCheckpoint('c'), undefined, 'the failed page is not checkpointed');
  await assertConverged(t, readModel, eventStore, histories);

  await readModel.setCheckpoint('c', '3');
  const later = await catchUp(eventStore, projector, readModel, options).catch((e: unknown) => e);
  t.match(String((later as Error).message), /after 3 failed/, 'the message says where the page started');
  t.equal(await readModel.getCheckpoint('c'), '3');
});
