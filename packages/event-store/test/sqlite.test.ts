import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import t from 'tap';
import { isConcurrencyError } from '../src/index.js';
import { createSqliteEventStore } from '../src/sqlite/index.js';
import { eventStoreContract, testEvents, uniqueStreamId } from '../src/testing/index.js';

const dir = mkdtempSync(join(tmpdir(), 'event-store-sqlite-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const newFile = () => join(dir, `store-${++files}.db`);

await eventStoreContract(t, {
  name: 'sqlite',
  globalPosition: true,
  propertyRuns: 60,
  create: async () => createSqliteEventStore({ filename: newFile() }),
});

t.test('sqlite: runs in WAL mode with full synchronous commits', async (t) => {
  const filename = newFile();
  const store = createSqliteEventStore({ filename });
  t.teardown(() => store.close());
  const db = new Database(filename, { readonly: true });
  t.teardown(() => db.close());
  t.equal(db.pragma('journal_mode', { simple: true }), 'wal');
});

t.test('sqlite: two connections to one file never both win a version', async (t) => {
  const filename = newFile();
  const [a, b] = [createSqliteEventStore({ filename }), createSqliteEventStore({ filename })];
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  const streamId = uniqueStreamId();
  await a.append(streamId, testEvents(1), { expectedVersion: 0 });
  const conflict = await b.append(streamId, testEvents(1), { expectedVersion: 0 }).catch((e: unknown) => e);
  t.ok(isConcurrencyError(conflict), 'the second connection sees the first one’s write');
  await b.append(streamId, testEvents(1), { expectedVersion: 1 });
  t.same((await a.readStream(streamId)).map((e) => e.version), [1, 2]);
});

t.test('sqlite: forgets idempotency keys only after 24 hours', async (t) => {
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const store = createSqliteEventStore({ filename: newFile(), now: () => clock });
  t.teardown(() => store.close());
  const streamId = uniqueStreamId();
  const idempotencyKey = 'request-1';
  await store.append(streamId, testEvents(1), { expectedVersion: 0, idempotencyKey });
  clock += 24 * 60 * 60 * 1000 - 1;
  const retry = await store.append(streamId, testEvents(1), { expectedVersion: 0, idempotencyKey });
  t.equal(retry.duplicate, true, 'still remembered just before 24 hours');
  clock += 1;
  const late = await store.append(streamId, testEvents(1), { expectedVersion: 0, idempotencyKey }).catch((e: unknown) => e);
  t.ok(isConcurrencyError(late), 'after 24 hours the key is new, and the stale version conflicts');
  const fresh = await store.append(streamId, testEvents(1), { expectedVersion: 1, idempotencyKey });
  t.equal(fresh.duplicate, false);
});

t.test('sqlite: every acknowledged append survives kill -9', async (t) => {
  const filename = newFile();
  const writer = fileURLToPath(new URL('./fixtures/sqlite-writer.ts', import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, writer, filename], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const acknowledged: string[] = [];
  const lines = createInterface({ input: child.stdout });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  for await (const line of lines) {
    acknowledged.push(line);
    // Kill it mid-stream, while it keeps appending as fast as it can.
    if (acknowledged.length === 200) child.kill('SIGKILL');
  }
  t.equal(await exited, null, 'the writer died by signal');
  t.ok(acknowledged.length >= 200, `${acknowledged.length} appends were acknowledged`);

  const store = createSqliteEventStore({ filename });
  t.teardown(() => store.close());
  const stored = new Set<string>();
  let cursor: string | undefined;
  for (;;) {
    const page = await store.readAll({ cursor, limit: 500 });
    for (const event of page.events) stored.add(event.eventId);
    cursor = page.cursor;
    if (page.isEnd) break;
  }
  t.ok(
    acknowledged.every((id) => stored.has(id)),
    'every event acknowledged before the kill is in the store',
  );
});
