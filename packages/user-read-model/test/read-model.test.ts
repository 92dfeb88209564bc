import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { createMemoryUserReadModel } from '../src/memory.js';
import { createSqliteUserReadModel } from '../src/sqlite.js';
import { testView, userReadModelContract } from '../src/testing.js';

const dir = mkdtempSync(join(tmpdir(), 'user-read-model-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const newFile = () => join(dir, `read-model-${++files}.db`);

await userReadModelContract(t, { name: 'memory', create: async () => createMemoryUserReadModel() });
await userReadModelContract(t, {
  name: 'sqlite',
  create: async () => createSqliteUserReadModel({ filename: newFile() }),
});

t.test('sqlite: runs in WAL mode, and two connections share views and the version gate', async (t) => {
  const filename = newFile();
  const [a, b] = [createSqliteUserReadModel({ filename }), createSqliteUserReadModel({ filename })];
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  const db = new Database(filename, { readonly: true });
  t.teardown(() => db.close());
  t.equal(db.pragma('journal_mode', { simple: true }), 'wal');

  const view = testView();
  t.equal(await a.put(view, 0), true);
  t.strictSame(await b.get(view.id), view, "the other connection reads the first one's write");
  t.equal(await b.put({ ...view, version: 2 }, 0), false, 'and loses a creation of the same user');
  t.equal(await b.put({ ...view, version: 2 }, 1), true);
  t.equal(await a.put({ ...view, username: 'late', version: 2 }, 1), false);
  await a.setCheckpoint('projector', '7');
  t.equal(await b.getCheckpoint('projector'), '7');
});

t.test('sqlite: a queue consumer opens it at full durability, with the same contract', async (t) => {
  const filename = newFile();
  const full = createSqliteUserReadModel({ filename, durability: 'full' });
  t.teardown(() => full.close());
  const view = testView({ name: 'Durable' });
  t.equal(await full.put(view, 0), true);
  t.same(await full.putMany([{ view: { ...view, version: 2 }, expectedVersion: 1 }], { name: 'q', cursor: '9' }), [true]);
  const reopened = createSqliteUserReadModel({ filename });
  t.teardown(() => reopened.close());
  t.equal((await reopened.get(view.id))?.version, 2, 'what it wrote is there for any connection');
  t.equal(await reopened.getCheckpoint('q'), '9');
});

t.test('sqlite: keeps views across a reopen', async (t) => {
  const filename = newFile();
  const first = createSqliteUserReadModel({ filename });
  const view = testView({ name: 'Kept' });
  await first.put(view, 0);
  await first.close();
  await first.close();
  const second = createSqliteUserReadModel({ filename });
  t.teardown(() => second.close());
  t.strictSame(await second.get(view.id), view);
});

t.test('sqlite: looks users up through the partial indexes', async (t) => {
  const filename = newFile();
  const readModel = createSqliteUserReadModel({ filename });
  t.teardown(() => readModel.close());
  const db = new Database(filename, { readonly: true });
  t.teardown(() => db.close());
  const plan = (sql: string) =>
    (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('x') as Array<{ detail: string }>).map((r) => r.detail).join();
  // The very queries the adapter prepares.
  t.match(
    plan(`SELECT view FROM user_views WHERE email = ? AND status <> 'removed' ORDER BY id`),
    /user_views_by_email/,
  );
  t.match(
    plan(`SELECT view FROM user_views WHERE username_lower = ? AND status <> 'removed' ORDER BY id`),
    /user_views_by_username/,
  );
});

t.test('sqlite: refuses a file written by a newer schema', async (t) => {
  const filename = newFile();
  const db = new Database(filename);
  db.pragma('user_version = 2');
  db.close();
  t.throws(() => createSqliteUserReadModel({ filename }), /schema 2/);
});
