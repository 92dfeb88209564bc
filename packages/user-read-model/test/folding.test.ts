import t from 'tap';
import { createFoldingReadModel } from '../src/folding.js';
import { createMemoryUserReadModel } from '../src/memory.js';
import { testView } from '../src/testing.js';

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
