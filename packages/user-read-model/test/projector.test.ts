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
  type Projector,
  type ProjectorLogger,
  type UserReadModel,
} from '../src/index.js';
import { createMemoryUserReadModel } from '../src/memory.js';
import { createSqliteUserReadModel } from '../src/sqlite.js';
import {
  LIFECYCLE,
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
    info: (obj, msg) => logs.push({ level: 'info', obj, msg }),
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

/** A read model that records its successful writes and counts the ones it lost. */
function recording(inner: UserReadModel) {
  const writes: Array<{ id: string; from: number; to: number }> = [];
  let lost = 0;
  const readModel: UserReadModel = {
    ...inner,
    async put(view, expectedVersion) {
      const won = await inner.put(view, expectedVersion);
      if (won) writes.push({ id: view.id, from: expectedVersion + 1, to: view.version });
      else lost++;
      return won;
    },
  };
  return { readModel, writes, lost: () => lost };
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
  t.equal(spy.writes.length, events.length, 'one write per event');
  await assertConverged(t, readModel, eventStore, histories);
  t.same(await projector.applyBatch(events.slice(0, 1)), { applied: 0, duplicates: 1, gapFilled: 0, failed: [] });
  t.match(logs, [{ level: 'info', obj: { applied: 0, duplicates: 1 }, msg: 'projected a batch' }]);
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
  t.equal(spy.writes.length, events.length, 'and duplicates write nothing');
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
  const readModel: UserReadModel = {
    ...inner,
    async put(view, expectedVersion) {
      const slipIn = slipIns.shift();
      if (slipIn) await competitor.applyBatch(slipIn);
      return inner.put(view, expectedVersion);
    },
  };
  const projector = createProjector({ readModel, eventStore });
  t.same(await projector.applyBatch([v1]), { applied: 0, duplicates: 1, gapFilled: 0, failed: [] });
  t.same(
    await projector.applyBatch([v3]),
    { applied: 1, duplicates: 0, gapFilled: 0, failed: [] },
    'the gap it planned to fill was filled by the other, so only the event is left',
  );
  t.strictSame(await inner.get('user-alice'), foldView([v1, v2, v3]));
});

t.test('gives up after losing too many conditional writes', async (t) => {
  const histories = [decideHistory('user-alice', LIFECYCLE)];
  const { readModel: inner, eventStore, events } = await setup(histories);
  let puts = 0;
  const readModel: UserReadModel = {
    ...inner,
    async put() {
      puts++;
      return false;
    },
  };
  const projector = createProjector({ readModel, eventStore, maxAttempts: 3 });
  const outcome = await projector.applyBatch(events.slice(0, 1));
  t.equal(puts, 3);
  t.match(outcome.failed, [{ streamId: 'user-alice', version: 1, error: { code: 'WRITE_CONTENDED' } }]);
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

t.test('catchUp after a crash before a checkpoint replays the page to the same result', async (t) => {
  const histories = threeUsers();
  const { readModel, eventStore, projector, events } = await setup(histories);
  const clean = await setup(histories);
  await catchUp(clean.eventStore, clean.projector, clean.readModel, { checkpointName: 'c', pageSize: 5 });

  let saves = 0;
  const crashing: UserReadModel = {
    ...readModel,
    async setCheckpoint(name, cursor) {
      // The process dies after projecting the second page, before saving where it ended.
      if (++saves === 2) throw new Error('killed');
      return readModel.setCheckpoint(name, cursor);
    },
  };
  await t.rejects(catchUp(eventStore, projector, crashing, { checkpointName: 'c', pageSize: 5 }), /killed/);
  t.equal(await readModel.getCheckpoint('c'), '5', 'the first page was saved, the second was not');

  const outcomes: BatchOutcome[] = [];
  const observed: Projector = {
    async applyBatch(batch) {
      const outcome = await projector.applyBatch(batch);
      outcomes.push(outcome);
      return outcome;
    },
  };
  const replayed = await catchUp(eventStore, observed, readModel, { checkpointName: 'c', pageSize: 5 });
  t.equal(replayed, events.length - 5, 'it resumed from the saved checkpoint');
  t.equal(outcomes[0]?.duplicates, 5, 'the replayed page was all duplicates');
  for (const { streamId } of histories) {
    const expected = await clean.readModel.get(streamId);
    t.strictSame(await readModel.get(streamId), expected, `${streamId} as without the crash`);
  }
});

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
