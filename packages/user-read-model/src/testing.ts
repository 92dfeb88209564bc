/**
 * The contract every user read model must pass, exported so that each adapter's tests run the very same
 * suite against their own storage. It needs the `tap` peer dependency.
 */
import { randomUUID } from 'node:crypto';
import type { t as tapRoot } from 'tap';
import type { CheckpointWrite, UserReadModel } from './port.js';
import type { SlotPointer } from './slots.js';
import type { UserView } from './view.js';

type Tap = Parameters<Parameters<typeof tapRoot.test>[0]>[0];

export interface UserReadModelFactory {
  /** Shown in the name of every test, e.g. `sqlite`. */
  readonly name: string;
  /** A read model over empty storage of its own. The suite closes every one it creates. */
  create(): Promise<UserReadModel>;
}

/** A well-formed view of a fresh user at version 1, for tests. */
export function testView(fields: Partial<UserView> = {}): UserView {
  const id = fields.id ?? `user-${randomUUID()}`;
  return {
    id,
    email: `${id}@example.com`,
    username: id,
    name: null,
    surname: null,
    status: 'registered',
    version: 1,
    createdAt: '2024-03-01T09:00:00.000Z',
    updatedAt: '2024-03-01T09:00:00.000Z',
    ...fields,
  };
}

/** Runs the whole contract against one adapter. */
export async function userReadModelContract(t: Tap, factory: UserReadModelFactory): Promise<void> {
  const scenario = (name: string, body: (t: Tap, readModel: UserReadModel) => Promise<void>) =>
    t.test(`${factory.name}: ${name}`, async (t) => {
      const readModel = await factory.create();
      t.teardown(() => readModel.close());
      await body(t, readModel);
    });

  await scenario('stores a view and reads back exactly what was written', async (t, readModel) => {
    t.equal(await readModel.get('nobody'), undefined, 'an unknown user has no view');
    const view = testView({ name: 'Zoë 雪', surname: null, username: 'Zoë_🚀' });
    t.equal(await readModel.put(view, 0), true, 'the first write of a user expects version 0');
    t.strictSame(await readModel.get(view.id), view, 'every field round-trips, nulls included');

    const next = { ...view, surname: 'Ñandú', status: 'confirmed' as const, version: 2 };
    t.equal(await readModel.put(next, 1), true);
    t.strictSame(await readModel.get(view.id), next);

    const read = await readModel.get(view.id);
    if (read) (read as { name: string | null }).name = 'changed by the caller';
    t.strictSame(await readModel.get(view.id), next, 'a read view is a copy');
  });

  await scenario('refuses every call once closed', async (t, readModel) => {
    await readModel.close();
    const calls: Array<() => Promise<unknown>> = [
      () => readModel.get('a'),
      () => readModel.getMany(['a']),
      () => readModel.findByEmail('a'),
      () => readModel.findByUsername('a'),
      () => readModel.put(testView(), 0),
      () => readModel.putMany([{ view: testView(), expectedVersion: 0 }]),
      () => readModel.putMany([]),
      () => readModel.getCheckpoint('a'),
      () => readModel.setCheckpoint('a', '1'),
    ];
    for (const call of calls) {
      // Each adapter says it in its own words: "closed", or SQLite's "not open".
      await t.rejects(call, /closed|not open/);
    }
  });

  await scenario('writes only over the expected version, and never back in time', async (t, readModel) => {
    const v1 = testView();
    const v3 = { ...v1, username: 'three', version: 3 };
    t.equal(await readModel.put(v1, 0), true);
    t.equal(await readModel.put({ ...v1, username: 'again' }, 0), false, 'a second creation loses');
    t.equal(await readModel.put(v3, 1), true, 'a write may jump several versions at once');
    for (const [expected, version] of [[1, 2], [2, 3], [0, 2], [4, 5]] as const) {
      t.equal(
        await readModel.put({ ...v1, username: 'stale', version }, expected),
        false,
        `expecting ${expected} loses against version 3`,
      );
    }
    t.strictSame(await readModel.get(v1.id), v3, 'the newer view is intact');

    const absent = testView({ version: 2 });
    t.equal(await readModel.put(absent, 1), false, 'expecting a version of an absent view loses');
    t.equal(await readModel.get(absent.id), undefined, 'and creates nothing');
  });

  await scenario('lets exactly one of 50 concurrent writes at one version win', async (t, readModel) => {
    const base = testView();
    await readModel.put(base, 0);
    const attempts = Array.from({ length: 50 }, (_, i) => ({ ...base, username: `writer-${i}`, version: 2 }));
    const outcomes = await Promise.all(attempts.map((view) => readModel.put(view, 1)));
    t.equal(outcomes.filter(Boolean).length, 1, 'one winner');
    t.strictSame(await readModel.get(base.id), attempts[outcomes.indexOf(true)], 'the winner is stored');

    const fresh = Array.from({ length: 20 }, (_, i) => testView({ id: 'contested', username: `c-${i}` }));
    const created = await Promise.all(fresh.map((view) => readModel.put(view, 0)));
    t.equal(created.filter(Boolean).length, 1, 'one creation wins');
  });

  await scenario('finds users by email and username, case-insensitively', async (t, readModel) => {
    const alice = testView({ id: 'a-alice', email: 'alice@example.com', username: 'Alice' });
    const bob = testView({ id: 'b-bob', email: 'bob@example.com', username: 'ÉLODIE' });
    await readModel.put(alice, 0);
    await readModel.put(bob, 0);
    t.strictSame(await readModel.findByEmail('alice@example.com'), [alice]);
    t.strictSame(await readModel.findByEmail('  ALICE@Example.Com '), [alice], 'as the domain normalizes it');
    t.strictSame(await readModel.findByUsername('alice'), [alice]);
    t.strictSame(await readModel.findByUsername('ALICE'), [alice]);
    t.strictSame(await readModel.findByUsername('élodie'), [bob], 'beyond ASCII too');
    t.strictSame(await readModel.findByEmail('carol@example.com'), []);
    t.strictSame(await readModel.findByUsername('Alic'), [], 'no prefix match');

    // Projection lag: bob took alice's old address before her change was projected.
    const lagging = { ...bob, email: 'alice@example.com', username: 'alice', version: 2 };
    await readModel.put(lagging, 1);
    t.strictSame(await readModel.findByEmail('alice@example.com'), [alice, lagging], 'both, ordered by id');
    t.strictSame(await readModel.findByUsername('ALICE'), [alice, lagging]);

    const early = testView({ id: '0-early', email: 'ALICE@example.com', username: 'aLiCe' });
    await readModel.put(early, 0);
    t.strictSame(await readModel.findByEmail('alice@example.com'), [early, alice, lagging], 'in id order');
    await readModel.put({ ...early, status: 'removed', version: 2 }, 1);

    const moved = { ...alice, email: 'alice@example.org', username: 'Alicia', version: 2 };
    await readModel.put(moved, 1);
    t.strictSame(await readModel.findByEmail('alice@example.com'), [lagging], 'an old email no longer finds');
    t.strictSame(await readModel.findByUsername('alicia'), [moved]);
  });

  await scenario('changes the view lookups answer on a write that keeps the lookup fields, only over the expected version', async (t, readModel) => {
    const alice = testView({ email: 'alice@example.com', username: 'Alice', status: 'registered' });
    await readModel.put(alice, 0);
    const renamed = { ...alice, name: 'Renamed', version: 2 };
    t.equal(await readModel.put(renamed, 1), true);
    t.equal(await readModel.put({ ...alice, name: 'Stale', version: 2 }, 1), false, 'a stale write of the same fields loses');
    const recased = { ...renamed, username: 'ALICE', version: 3 };
    t.equal(await readModel.put(recased, 2), true, 'a username changed only in case keeps its lookup key');
    const confirmed = { ...recased, status: 'confirmed' as const, version: 4 };
    t.equal(await readModel.put(confirmed, 3), true);
    t.strictSame(await readModel.get(alice.id), confirmed);
    t.strictSame(await readModel.findByEmail('alice@example.com'), [confirmed], 'the email finds the latest view');
    t.strictSame(await readModel.findByUsername('alice'), [confirmed], 'and so does the username');
  });

  await scenario('keeps a removed user as a tombstone that lookups hide', async (t, readModel) => {
    const view = testView({ email: 'gone@example.com', username: 'Gone' });
    await readModel.put(view, 0);
    const tombstone = { ...view, status: 'removed' as const, version: 2 };
    t.equal(await readModel.put(tombstone, 1), true);
    t.strictSame(await readModel.get(view.id), tombstone, 'get still answers the tombstone');
    t.strictSame(await readModel.findByEmail('gone@example.com'), []);
    t.strictSame(await readModel.findByUsername('gone'), []);
    t.equal(await readModel.put(view, 0), false, 'a tombstone still guards its version');

    const successor = testView({ email: 'gone@example.com', username: 'GONE' });
    await readModel.put(successor, 0);
    t.strictSame(await readModel.findByEmail('gone@example.com'), [successor], 'a new owner of the email');
  });

  await scenario('keeps one checkpoint per follower name', async (t, readModel) => {
    t.equal(await readModel.getCheckpoint('projector'), undefined);
    await readModel.setCheckpoint('projector', '10');
    await readModel.setCheckpoint('other', 'opaque:{"k":1}');
    t.equal(await readModel.getCheckpoint('projector'), '10');
    await readModel.setCheckpoint('projector', '25');
    t.equal(await readModel.getCheckpoint('projector'), '25', 'a later save replaces the cursor');
    t.equal(await readModel.getCheckpoint('other'), 'opaque:{"k":1}');
  });

  await scenario('getMany: answers each id as get does, in order', async (t, readModel) => {
    t.strictSame(await readModel.getMany([]), [], 'no ids, no views');
    const live = testView({ name: 'Zoë 雪' });
    const removed = testView({ status: 'removed', version: 3 });
    await readModel.put(live, 0);
    await readModel.put(removed, 0);
    const ids = ['nobody', removed.id, live.id, 'nobody-else', live.id];
    t.strictSame(await readModel.getMany(ids), [undefined, removed, live, undefined, live], 'tombstones included');
    const many = Array.from({ length: 40 }, () => testView());
    for (const view of many) await readModel.put(view, 0);
    t.strictSame(await readModel.getMany(many.map((v) => v.id)), many, 'more ids than any adapter reads at once');

    const [read] = await readModel.getMany([live.id]);
    if (read) (read as { name: string | null }).name = 'changed by the caller';
    t.strictSame(await readModel.get(live.id), live, 'a read view is a copy');
    for (const [what, ids] of [
      ['no list', undefined],
      ['an empty id', [live.id, '']],
      ['an id that is not text', [live.id, 7]],
    ] as const) {
      t.equal(await rejectionCode(readModel.getMany(ids as unknown as string[])), 'INVALID_ARGUMENT', `${what}`);
    }
  });

  await scenario('putMany: each write is conditional like put, with its own outcome', async (t, readModel) => {
    t.strictSame(await readModel.putMany([]), [], 'an empty batch answers an empty list');
    const kept = testView({ username: 'kept' });
    const updated = testView({ username: 'updated' });
    const stale = testView({ username: 'stale' });
    for (const view of [kept, updated, stale]) await readModel.put(view, 0);
    await readModel.put({ ...stale, version: 3 }, 1);

    const created = testView({ name: 'Zoë 雪' });
    const next = { ...updated, name: 'Next', status: 'confirmed' as const, version: 4 };
    const absent = testView({ version: 2 });
    const outcomes = await readModel.putMany([
      { view: created, expectedVersion: 0 },
      { view: { ...kept, username: 'again' }, expectedVersion: 0 },
      { view: next, expectedVersion: 1 },
      { view: { ...stale, username: 'late', version: 3 }, expectedVersion: 2 },
      { view: absent, expectedVersion: 1 },
    ]);
    t.strictSame(outcomes, [true, false, true, false, false], 'one outcome per write, in order');
    t.strictSame(await readModel.get(created.id), created, 'a creation');
    t.strictSame(await readModel.get(kept.id), kept, 'a second creation lost and changed nothing');
    t.strictSame(await readModel.get(next.id), next, 'a write may jump several versions');
    t.strictSame(await readModel.get(stale.id), { ...stale, version: 3 }, 'a stale write never goes back in time');
    t.equal(await readModel.get(absent.id), undefined, 'expecting a version of an absent view creates nothing');
    t.strictSame(await readModel.findByUsername('updated'), [next], 'lookups see the batch’s views');

    const many = Array.from({ length: 60 }, (_, i) => testView({ username: `many-${i}` }));
    const won = await readModel.putMany(many.map((view) => ({ view, expectedVersion: 0 })));
    t.strictSame(won, many.map(() => true), 'a batch larger than any adapter’s parallelism');
    for (const view of many) t.strictSame(await readModel.get(view.id), view);

    const extra = testView();
    await readModel.putMany([{ view: { ...extra, passwordHash: 'secret' } as UserView, expectedVersion: 0 }]);
    t.strictSame(await readModel.get(extra.id), extra, 'only the fields of a view are kept');
  });

  await scenario('putMany: saves the checkpoint only if every write was won', async (t, readModel) => {
    const first = testView();
    const second = testView();
    t.strictSame(
      await readModel.putMany(
        [
          { view: first, expectedVersion: 0 },
          { view: second, expectedVersion: 0 },
        ],
        { name: 'projector', cursor: '10' },
      ),
      [true, true],
    );
    t.equal(await readModel.getCheckpoint('projector'), '10', 'all won: saved with the views');

    const lost = await readModel.putMany(
      [
        { view: { ...first, version: 2 }, expectedVersion: 1 },
        { view: { ...second, version: 2 }, expectedVersion: 0 },
      ],
      { name: 'projector', cursor: '20' },
    );
    t.strictSame(lost, [true, false]);
    t.equal(await readModel.getCheckpoint('projector'), '10', 'one lost: the checkpoint stays where it was');
    t.equal((await readModel.get(first.id))?.version, 2, 'while the won write is kept');

    t.strictSame(await readModel.putMany([], { name: 'projector', cursor: '30' }), []);
    t.equal(await readModel.getCheckpoint('projector'), '30', 'no writes: the checkpoint alone');
    await readModel.putMany([], { name: 'other', cursor: 'opaque:{"k":1}' });
    t.equal(await readModel.getCheckpoint('other'), 'opaque:{"k":1}', 'one checkpoint per name');
    t.equal(await readModel.getCheckpoint('projector'), '30');
  });

  await scenario('putMany: of concurrent batches, one write per view and version wins', async (t, readModel) => {
    const views = Array.from({ length: 12 }, () => testView());
    await readModel.putMany(views.map((view) => ({ view, expectedVersion: 0 })));
    // Ten writers each try to move every view from version 1 to 2, in a rotated order.
    const batches = Array.from({ length: 10 }, (_, writer) =>
      views.map((_, i) => {
        const view = views[(i + writer) % views.length] as UserView;
        return { view: { ...view, username: `writer-${writer}`, version: 2 }, expectedVersion: 1 };
      }),
    );
    const outcomes = await Promise.all(batches.map((batch) => readModel.putMany(batch)));
    for (const view of views) {
      const winners = batches.flatMap((batch, writer) =>
        batch.flatMap((write, i) => (write.view.id === view.id && outcomes[writer]?.[i] === true ? [writer] : [])),
      );
      t.equal(winners.length, 1, `one winner for ${view.id}`);
      t.equal((await readModel.get(view.id))?.username, `writer-${winners[0]}`, 'and the winner is stored');
    }
  });

  await scenario('putMany: refuses a malformed batch with INVALID_ARGUMENT, writing nothing', async (t, readModel) => {
    const valid = { view: testView(), expectedVersion: 0 };
    const checkpoint = { name: 'projector', cursor: '1' };
    const unknownStatus = { view: { ...testView(), status: 'deleted' }, expectedVersion: 0 };
    const invalidBatches: Array<[string, unknown, unknown]> = [
      ['no list', undefined, undefined],
      ['a write that is not an object', [valid, null], undefined],
      ['a malformed view after a valid one', [valid, unknownStatus], checkpoint],
      ['a version that does not advance', [valid, { view: testView({ version: 2 }), expectedVersion: 2 }], checkpoint],
      ['two writes of one view', [valid, { view: { ...valid.view, version: 2 }, expectedVersion: 1 }], checkpoint],
      ['a checkpoint that is not an object', [valid], 'projector'],
      ['a checkpoint without a name', [valid], { name: '', cursor: '1' }],
      ['a checkpoint without a cursor', [valid], { name: 'projector' }],
    ];
    for (const [what, writes, candidate] of invalidBatches) {
      const code = await rejectionCode(
        readModel.putMany(writes as Parameters<UserReadModel['putMany']>[0], candidate as CheckpointWrite),
      );
      t.equal(code, 'INVALID_ARGUMENT', `${what} is refused`);
    }
    t.equal(await readModel.get(valid.view.id), undefined, 'not even the valid writes were made');
    t.equal(await readModel.getCheckpoint('projector'), undefined, 'nor the checkpoint saved');
  });

  await scenario('stores only the fields of a view', async (t, readModel) => {
    const view = testView();
    await readModel.put({ ...view, passwordHash: 'secret' } as UserView, 0);
    t.strictSame(await readModel.get(view.id), view, 'an extra field given by mistake is not kept');
  });

  await scenario('refuses malformed calls with INVALID_ARGUMENT and writes nothing', async (t, readModel) => {
    const view = testView();
    const invalidPuts: Array<[string, unknown, number]> = [
      ['no view', null, 0],
      ['an empty id', { ...view, id: '' }, 0],
      ['no email', { ...view, email: undefined }, 0],
      ['no username', { ...view, username: '' }, 0],
      ['an unknown status', { ...view, status: 'deleted' }, 0],
      ['a negative expected version', view, -1],
      ['a fractional expected version', view, 0.5],
      ['a version that does not advance', { ...view, version: 1 }, 1],
      ['a version of 0', { ...view, version: 0 }, 0],
      ['a non-numeric version', { ...view, version: '2' }, 0],
    ];
    for (const [what, candidate, expectedVersion] of invalidPuts) {
      const code = await rejectionCode(readModel.put(candidate as UserView, expectedVersion));
      t.equal(code, 'INVALID_ARGUMENT', `${what} is refused`);
    }
    const invalidCalls: Array<[string, () => Promise<unknown>]> = [
      ['get of an empty id', () => readModel.get('')],
      ['findByEmail of an empty email', () => readModel.findByEmail('')],
      ['findByUsername of an empty username', () => readModel.findByUsername('')],
      ['getCheckpoint of an empty name', () => readModel.getCheckpoint('')],
      ['setCheckpoint of an empty cursor', () => readModel.setCheckpoint('projector', '')],
    ];
    for (const [what, call] of invalidCalls) {
      t.equal(await rejectionCode(call()), 'INVALID_ARGUMENT', `${what} is refused`);
    }
    t.equal(await readModel.get(view.id), undefined, 'nothing was written');
    t.equal(await readModel.getCheckpoint('projector'), undefined);
  });
}

/** The code a call was rejected with, if any. */
async function rejectionCode(promise: Promise<unknown>): Promise<unknown> {
  const [outcome] = await Promise.allSettled([promise]);
  return (outcome as { reason?: { code?: unknown } }).reason?.code;
}

/**
 * The slot pointer's part in a rebuild, for every pointer adapter: naming the slot being filled keeps the
 * active slot, a switch keeps the fill, and clearing it keeps the switch. `create` gives a new pointer that
 * was never written.
 */
export async function slotPointerFillContract(t: Tap, create: () => SlotPointer): Promise<void> {
  const pointer = create();
  await pointer.setFilling('green');
  t.strictSame(await pointer.read(), { active: 'blue', filling: 'green' }, 'a fill before any switch keeps the default');
  await pointer.activate('green');
  t.strictSame(await pointer.read(), { active: 'green', filling: 'green' }, 'a switch keeps the fill');
  t.equal(await pointer.active(), 'green');
  await pointer.setFilling(undefined);
  t.strictSame(await pointer.read(), { active: 'green', filling: undefined }, 'the end of the fill keeps the switch');
  await pointer.setFilling('blue');
  t.strictSame(await create().read(), { active: 'blue', filling: undefined }, 'another pointer is another record');
}
