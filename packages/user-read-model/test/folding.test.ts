import t from 'tap';
import { createFoldingReadModel } from '../src/folding.js';
import { createMemoryUserReadModel } from '../src/memory.js';
import { testView } from '../src/testing.js';
import { LIFECYCLE, decideHistory, foldView } from './fixtures.js';

const view = (id: string, version: number) => testView({ id, version });

t.test('reads each user from behind once, keeps writes in memory, and hands them on conditional on what it read', async (t) => {
  const behind = createMemoryUserReadModel();
  await behind.put(view('stored', 2), 0);
  const reads: Array<readonly string[]> = [];
  const folding = createFoldingReadModel({
    getMany: async (ids) => {
      reads.push(ids);
      return behind.getMany(ids);
    },
  });

  t.same(await folding.getMany(['stored', 'new', 'stored']), [view('stored', 2), undefined, view('stored', 2)]);
  t.same(await folding.putMany([{ view: view('stored', 3), expectedVersion: 2 }, { view: view('new', 1), expectedVersion: 0 }]), [true, true]);
  t.same(await folding.getMany(['new', 'stored']), [view('new', 1), view('stored', 3)], 'later reads see the writes');
  t.same(await folding.putMany([{ view: view('new', 2), expectedVersion: 1 }]), [true]);
  t.same(reads, [['stored', 'new']], 'each user read from behind once, in one call');
  t.same(await behind.get('stored'), view('stored', 2), 'nothing written behind');

  t.same(
    folding.writes(),
    [
      { view: view('stored', 3), expectedVersion: 2 },
      { view: view('new', 2), expectedVersion: 0 },
    ],
    'one write per user changed, conditional on the version stored behind',
  );
});

t.test('refuses a write on a version it does not hold, or for a user it never read, as a read model refuses a stale write', async (t) => {
  const folding = createFoldingReadModel(createMemoryUserReadModel());
  await folding.getMany(['a']);
  t.same(await folding.putMany([{ view: view('a', 2), expectedVersion: 1 }, { view: view('b', 1), expectedVersion: 0 }]), [false, false]);
  t.same(await folding.putMany([{ view: view('a', 1), expectedVersion: 0 }]), [true]);
  t.same(await folding.putMany([{ view: view('a', 2), expectedVersion: 0 }]), [false], 'an expected version already passed');
  t.same(folding.writes(), [{ view: view('a', 1), expectedVersion: 0 }]);
});

t.test('folds deliveries that are each the next version onto the views met, reading each new user once', async (t) => {
  const alice = decideHistory('user-alice', LIFECYCLE).events;
  const bob = decideHistory('user-bob', LIFECYCLE).events;
  const behind = createMemoryUserReadModel();
  await behind.put(foldView(alice.slice(0, 2))!, 0);
  const reads: Array<readonly string[]> = [];
  const folding = createFoldingReadModel({
    getMany: async (ids) => {
      reads.push(ids);
      return behind.getMany(ids);
    },
  });

  t.equal(await folding.foldInOrder([alice[2]!, bob[0]!, alice[3]!, bob[1]!]), 4);
  t.equal(await folding.foldInOrder([bob[2]!]), 1);
  t.equal(await folding.foldInOrder([]), 0, 'nothing to fold');
  t.same(reads, [['user-alice', 'user-bob']], 'each user read from behind once, in one call');
  t.strictSame(await folding.getMany(['user-alice', 'user-bob']), [foldView(alice.slice(0, 4)), foldView(bob.slice(0, 3))]);
  t.strictSame(folding.writes(), [
    { view: foldView(alice.slice(0, 4)), expectedVersion: 2 },
    { view: foldView(bob.slice(0, 3)), expectedVersion: 0 },
  ]);
  t.strictSame(await behind.get('user-bob'), undefined, 'nothing written behind');
});

t.test('changes no view and answers undefined when any delivery is not the next version, or cannot be projected', async (t) => {
  const alice = decideHistory('user-alice', LIFECYCLE).events;
  const bob = decideHistory('user-bob', LIFECYCLE).events;
  const folding = createFoldingReadModel(createMemoryUserReadModel());
  t.equal(await folding.foldInOrder([alice[0]!, alice[1]!, bob[0]!]), 3);
  const before = await folding.getMany(['user-alice', 'user-bob']);

  const teleported = { ...alice[3]!, type: 'UserTeleported' };
  for (const [name, page] of [
    ['a duplicate', [bob[1]!, alice[1]!]],
    ['a gap', [bob[1]!, alice[3]!]],
    ['a version repeated within the page', [alice[2]!, alice[2]!]],
    ['an event the view refuses', [bob[1]!, alice[2]!, teleported]],
  ] as const) {
    t.equal(await folding.foldInOrder(page), undefined, name);
    t.strictSame(await folding.getMany(['user-alice', 'user-bob']), before, `${name}: every view as it was`);
  }
  t.equal(await folding.foldInOrder([bob[1]!, alice[2]!]), 2, 'and in order again, it folds');
  t.strictSame(await folding.getMany(['user-alice', 'user-bob']), [foldView(alice.slice(0, 3)), foldView(bob.slice(0, 2))]);
});

t.test('a view that cannot be read leaves the deliveries to the projector, and its user unmet', async (t) => {
  const alice = decideHistory('user-alice', LIFECYCLE).events;
  const behind = createMemoryUserReadModel();
  let down = true;
  const folding = createFoldingReadModel({
    getMany: async (ids) => {
      if (down) throw new Error('read model down');
      return behind.getMany(ids);
    },
  });
  t.equal(await folding.foldInOrder([alice[0]!]), undefined);
  await behind.put(foldView(alice.slice(0, 1))!, 0);
  down = false;
  t.equal(await folding.foldInOrder([alice[1]!]), 1, 'read from behind once it answers');
  t.strictSame(folding.writes(), [{ view: foldView(alice.slice(0, 2)), expectedVersion: 1 }]);
});
