import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import { once } from 'node:events';
import {
  ClaimNotHeldError,
  ConcurrencyError,
  IdempotencyKeyReusedError,
  UniquenessError,
  isClaimNotHeldError,
  isConcurrencyError,
  isDuplicateEventIdError,
  isIdempotencyKeyReusedError,
  isUniquenessError,
  type EventStore,
  type StoredEvent,
} from '../src/index.js';
import { createSqliteEventStore, isWriterStoppedError } from '../src/sqlite/index.js';
import { migrate, openConnection } from '../src/sqlite/schema.js';
import { openSqliteEventStore } from '../src/sqlite/store.js';
import { asRetry, eventStoreContract, testEvent, testEvents, uniqueStreamId } from '../src/testing/index.js';

// The durability tests start a child process per run (with the TypeScript loader and a writer thread each).
t.setTimeout(120_000);

const dir = mkdtempSync(join(tmpdir(), 'event-store-sqlite-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const newFile = () => join(dir, `store-${++files}.db`);

await eventStoreContract(t, {
  name: 'sqlite',
  globalPosition: true,
  eventIdsUniqueWithin: 'stream',
  propertyRuns: 60,
  create: async (options) => createSqliteEventStore({ filename: newFile(), ...options }),
});

t.test('sqlite: runs in WAL mode, and the writer thread commits with synchronous = FULL', async (t) => {
  const filename = newFile();
  const { store, writer } = openSqliteEventStore({ filename });
  t.teardown(() => store.close());
  t.same(await writer.ready, { synchronous: 2, journalMode: 'wal' }, 'the writing connection: FULL, WAL');
  const db = new Database(filename, { readonly: true });
  t.teardown(() => db.close());
  t.equal(db.pragma('journal_mode', { simple: true }), 'wal', 'WAL is the file\'s mode');
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


/** Every event of the store, by following readAll to its end. */
async function everything(store: EventStore): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await store.readAll({ cursor, limit: 1000 });
    events.push(...page.events);
    cursor = page.cursor ?? cursor;
    if (page.isEnd) return events;
  }
}

const positionsOf = (events: readonly StoredEvent[]) => events.map((e) => e.position);
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/**
 * A store on a new file whose writer reports the size of each batch it commits. One append is made first:
 * it also waits out the opening's sweep of expired idempotency keys, and `batches` starts empty after it.
 */
async function watched(t: Test) {
  const batches: number[] = [];
  const { store, writer } = openSqliteEventStore({ filename: newFile() }, { onBatch: (size) => batches.push(size) });
  t.teardown(() => store.close());
  const first = uniqueStreamId('first');
  const email = `email:${uniqueStreamId()}`;
  const usedKey = uniqueStreamId('request');
  await store.append(first, testEvents(1), { expectedVersion: 0, claims: [email], idempotencyKey: usedKey });
  batches.length = 0;
  return { store, writer, batches, first, email, usedKey };
}

t.test('sqlite: concurrent appends share one commit, and each keeps its own outcome', async (t) => {
  const { store, batches, first, email, usedKey } = await watched(t);
  const fresh = Array.from({ length: 12 }, () => uniqueStreamId());
  const [late, taken, notHeld, reused] = Array.from({ length: 4 }, () => uniqueStreamId()) as [string, string, string, string];

  const outcomes = await Promise.allSettled([
    ...fresh.slice(0, 6).map((streamId) => store.append(streamId, testEvents(2), { expectedVersion: 0 })),
    store.append(late, testEvents(1), { expectedVersion: 3 }),
    store.append(taken, testEvents(1), { expectedVersion: 0, claims: [email] }),
    store.append(notHeld, testEvents(1), { expectedVersion: 0, releases: [email] }),
    store.append(reused, testEvents(1), { expectedVersion: 0, idempotencyKey: usedKey }),
    ...fresh.slice(6).map((streamId) => store.append(streamId, testEvents(1), { expectedVersion: 0 })),
  ]);
  t.same(batches, [16], 'all 16 appends were committed in one batch');

  const value = (i: number) => (outcomes[i]?.status === 'fulfilled' ? outcomes[i].value : undefined);
  const reason = (i: number) => (outcomes[i]?.status === 'rejected' ? (outcomes[i].reason as unknown) : undefined);
  for (const i of [0, 1, 2, 3, 4, 5]) t.match(value(i), { firstVersion: 1, lastVersion: 2, duplicate: false });
  for (const i of [10, 11, 12, 13, 14, 15]) t.match(value(i), { firstVersion: 1, lastVersion: 1, duplicate: false });

  // Each failure arrives as the port's own class, fields and all, though it was raised in the writer thread.
  t.ok(reason(6) instanceof ConcurrencyError && isConcurrencyError(reason(6)), 'a version conflict fails alone');
  t.match(reason(6), { code: 'CONCURRENCY_CONFLICT', streamId: late, expectedVersion: 3, name: 'ConcurrencyError' });
  t.ok(reason(7) instanceof UniquenessError && isUniquenessError(reason(7)), 'a taken key fails alone');
  t.match(reason(7), { code: 'UNIQUENESS_VIOLATION', key: email });
  t.ok(reason(8) instanceof ClaimNotHeldError && isClaimNotHeldError(reason(8)), 'a release of a key not held fails alone');
  t.match(reason(8), { code: 'CLAIM_NOT_HELD', key: email, streamId: notHeld });
  t.ok(reason(9) instanceof IdempotencyKeyReusedError && isIdempotencyKeyReusedError(reason(9)), 'a reused key fails alone');
  t.match(reason(9), { code: 'IDEMPOTENCY_KEY_REUSED', idempotencyKey: usedKey });

  for (const streamId of [late, taken, notHeld, reused]) t.same(await store.readStream(streamId), [], `${streamId} has nothing`);
  t.equal(await store.lookupClaim(email), first, 'the key stays with its holder');
  const events = await everything(store);
  t.same(positionsOf(events), oneTo(1 + 12 + 6), 'positions are gap-free: the failed appends gave back what they took');
  t.same(
    [...new Set(events.map((e) => e.streamId))],
    [first, ...fresh],
    'and follow the order of the batch',
  );
});

t.test('sqlite: an append with a repeated event id fails alone in its batch, with no savepoint to undo it', async (t) => {
  const { store, batches, first } = await watched(t);
  const [held] = await store.readStream(first);
  const before = uniqueStreamId();
  const after = uniqueStreamId();
  const repeat = [testEvent('New'), { ...testEvent('Again'), eventId: held!.eventId }];

  const [a, repeated, b] = await Promise.allSettled([
    store.append(before, testEvents(2), { expectedVersion: 0 }),
    store.append(first, repeat, { expectedVersion: 1 }),
    store.append(after, testEvents(3), { expectedVersion: 0 }),
  ]);
  t.same(batches, [3], 'all three in one batch');
  t.match(a, { status: 'fulfilled', value: { lastVersion: 2 } });
  t.ok(repeated.status === 'rejected' && isDuplicateEventIdError(repeated.reason), 'the repeat is refused');
  t.match(repeated.status === 'rejected' ? repeated.reason : undefined, { streamId: first, eventId: held!.eventId });
  t.match(b, { status: 'fulfilled', value: { lastVersion: 3 } });
  t.equal((await store.readStream(first)).length, 1, 'the refused append left nothing, its first event included');
  t.same(positionsOf(await everything(store)), oneTo(1 + 2 + 3), 'positions are gap-free: the INSERT gave its positions back');
});

t.test('sqlite: appends in one batch see each other in order', async (t) => {
  const { store, batches } = await watched(t);
  const streamId = uniqueStreamId();
  const retried = uniqueStreamId();
  const key = uniqueStreamId('request');
  const username = `username:${uniqueStreamId()}`;
  const [a, b, c] = [testEvent('A'), testEvent('B'), testEvent('C')];
  const idempotent = { expectedVersion: 0, idempotencyKey: key, idempotencyFingerprint: 'sha256:1' };

  const [first, second, third, original, retry, other, claimer, rival] = await Promise.allSettled([
    store.append(streamId, [a], { expectedVersion: 0 }),
    store.append(streamId, [b], { expectedVersion: 0 }),
    store.append(streamId, [c], { expectedVersion: 1 }),
    store.append(retried, testEvents(2), idempotent),
    store.append(retried, testEvents(2), idempotent),
    store.append(retried, testEvents(1), { ...idempotent, expectedVersion: 2, idempotencyFingerprint: 'sha256:2' }),
    store.append(uniqueStreamId(), testEvents(1), { expectedVersion: 0, claims: [username] }),
    store.append(uniqueStreamId(), testEvents(1), { expectedVersion: 0, claims: [username] }),
  ]);
  t.same(batches, [8], 'all eight in one batch');

  t.match(first, { status: 'fulfilled', value: { firstVersion: 1 } }, 'the first append at version 0 wins');
  t.ok(second.status === 'rejected' && isConcurrencyError(second.reason), 'the second at version 0 conflicts with it');
  t.match(third, { status: 'fulfilled', value: { firstVersion: 2 } }, 'an append at version 1 follows the first');
  t.same(
    (await store.readStream(streamId)).map((e) => e.eventId),
    [a.eventId, c.eventId],
  );

  t.ok(original.status === 'fulfilled' && !original.value.duplicate, 'the original append writes');
  t.same(
    retry.status === 'fulfilled' ? retry.value : retry.reason,
    original.status === 'fulfilled' ? asRetry(original.value) : undefined,
    'its retry in the same batch answers the original result, with no position: it wrote nothing',
  );
  t.ok(other.status === 'rejected' && isIdempotencyKeyReusedError(other.reason), 'the key for another request is refused');
  t.same(
    (await store.readStream(retried)).map((e) => e.eventId),
    original.status === 'fulfilled' ? original.value.eventIds : [],
    'the retried stream holds the original events only',
  );

  t.equal(claimer.status, 'fulfilled', 'the first claim of a key takes it');
  t.ok(rival.status === 'rejected' && isUniquenessError(rival.reason), 'a later claim in the batch sees it taken');

  // Between the appends that wrote, others rolled back to their savepoints: the positions answered are still
  // the ones the rows got.
  const positions = new Map((await store.readAll({ limit: 100 })).events.map((e) => [e.eventId, e.position]));
  const written = [first, third, original, claimer].map((settled) => (settled.status === 'fulfilled' ? settled.value : undefined));
  t.same(
    written.map((result) => result?.firstPosition),
    written.map((result) => positions.get(result?.eventIds[0] ?? '')),
    'each append that wrote answers the position of its first event',
  );
});

t.test('sqlite: a rolled-back savepoint gives its AUTOINCREMENT positions back', async (t) => {
  const db = openConnection(newFile(), 1000);
  t.teardown(() => db.close());
  migrate(db);
  const insert = db
    .prepare<[string, number, string], number>(
      `INSERT INTO events (stream_id, version, event_id, type, schema_version, data, metadata, recorded_at)
       VALUES (?, ?, ?, 'Tested', 1, '{}', '{}', '2026-01-01T00:00:00.000Z') RETURNING position`,
    )
    .pluck();
  db.exec('BEGIN IMMEDIATE');
  const kept = insert.get('a', 1, 'e1');
  db.exec('SAVEPOINT request');
  const undone = [insert.get('b', 1, 'e2'), insert.get('b', 2, 'e3')];
  db.exec('ROLLBACK TO request');
  db.exec('RELEASE request');
  const next = insert.get('c', 1, 'e4');
  db.exec('COMMIT');
  t.same({ kept, undone, next }, { kept: 1, undone: [2, 3], next: 2 }, 'the next insert takes the first position given back');
  t.same(db.prepare('SELECT position FROM events ORDER BY position').pluck().all(), [1, 2]);
  t.equal(db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'events'`).pluck().get(), 2, 'the counter went back too');
});

t.test('sqlite: a batch that cannot take the write lock fails whole, with SQLite’s error', async (t) => {
  const filename = newFile();
  const store = createSqliteEventStore({ filename, busyTimeoutMs: 50 });
  t.teardown(() => store.close());
  const first = uniqueStreamId();
  await store.append(first, testEvents(1), { expectedVersion: 0 });
  const other = new Database(filename);
  t.teardown(() => other.close());
  // Another connection holds the write lock longer than the store waits for it.
  other.exec('BEGIN IMMEDIATE');
  const streams = [uniqueStreamId(), uniqueStreamId(), uniqueStreamId()];
  const outcomes = await Promise.allSettled([
    ...streams.map((streamId) => store.append(streamId, testEvents(1), { expectedVersion: 0 })),
    store.writeSnapshot(first, { schema: 'user@1', version: 1, state: {} }),
  ]);
  other.exec('ROLLBACK');
  t.ok(
    outcomes.every((o) => o.status === 'rejected' && (o.reason as { code?: string }).code === 'SQLITE_BUSY'),
    'every write of the batch fails with SQLITE_BUSY',
  );
  t.match(outcomes[0]?.status === 'rejected' ? outcomes[0].reason : undefined, { name: 'SqliteError', message: /locked/ });

  const retried = await store.append(streams[0]!, testEvents(1), { expectedVersion: 0 });
  t.equal(retried.firstVersion, 1, 'once the lock is free, a retry writes as if nothing had happened');
  t.same(positionsOf(await everything(store)), [1, 2], 'nothing of the failed batch was written');
  t.equal(await store.readSnapshot(first, 'user@1'), undefined);
});

t.test('sqlite: a batch holds at most 256 appends, and batches commit in the order of the calls', async (t) => {
  const { store, batches, first } = await watched(t);
  const streams = Array.from({ length: 600 }, () => uniqueStreamId());
  const results = await Promise.all(streams.map((streamId) => store.append(streamId, testEvents(1), { expectedVersion: 0 })));
  t.ok(results.every((r) => r.firstVersion === 1), 'all 600 appended');
  t.ok(batches.length >= 3 && batches.every((size) => size <= 256), `batches of ${batches.join(', ')}`);
  t.equal(batches.reduce((sum, size) => sum + size, 0), 600);
  const events = await everything(store);
  t.same(positionsOf(events), oneTo(601), 'positions gap-free');
  t.same(events.map((e) => e.streamId), [first, ...streams], 'in the order of the calls');
});

t.test('sqlite: close lets every write already made commit, and refuses new ones', async (t) => {
  const filename = newFile();
  const store = createSqliteEventStore({ filename });
  const streams = Array.from({ length: 30 }, () => uniqueStreamId());
  const writes = [
    ...streams.map((streamId) => store.append(streamId, testEvents(1), { expectedVersion: 0 })),
    store.writeSnapshot(streams[0]!, { schema: 'user@1', version: 1, state: { at: 1 } }),
  ];
  const closed = store.close();
  await t.rejects(store.append(uniqueStreamId(), testEvents(1), { expectedVersion: 0 }), /closed/, 'a write after close() is refused');
  await closed;
  const outcomes = await Promise.allSettled(writes);
  t.ok(outcomes.every((o) => o.status === 'fulfilled'), 'every write made before close() committed');
  await t.rejects(store.readStream(streams[0]!), /closed/, 'reads are refused too');
  t.equal(await store.close(), undefined, 'closing again is harmless');

  const reopened = createSqliteEventStore({ filename });
  t.teardown(() => reopened.close());
  t.same(
    (await everything(reopened)).map((e) => e.streamId),
    streams,
    'the file holds them all',
  );
  t.same(await reopened.readSnapshot(streams[0]!, 'user@1'), { schema: 'user@1', version: 1, state: { at: 1 } });
});

t.test('sqlite: a writer thread that stops unasked fails every pending and later write, clearly', async (t) => {
  const { store, writer } = openSqliteEventStore({ filename: newFile() });
  const first = uniqueStreamId();
  await store.append(first, testEvents(1), { expectedVersion: 0 });
  const pending = Array.from({ length: 10 }, () => store.append(uniqueStreamId(), testEvents(1), { expectedVersion: 0 }));
  const snapshot = store.writeSnapshot(first, { schema: 'user@1', version: 1, state: {} });
  void writer.worker.terminate();

  const outcomes = await Promise.allSettled([...pending, snapshot]);
  t.ok(
    outcomes.every((o) => o.status === 'rejected' && isWriterStoppedError(o.reason)),
    'every pending write fails with a WriterStoppedError',
  );
  t.match(outcomes[0]?.status === 'rejected' ? outcomes[0].reason : undefined, {
    name: 'WriterStoppedError',
    code: 'SQLITE_WRITER_STOPPED',
    message: /writer thread stopped \(exit code 1\); writes in flight may or may not have committed/,
  });
  const later = await store.append(uniqueStreamId(), testEvents(1), { expectedVersion: 0 }).catch((e: unknown) => e);
  t.ok(isWriterStoppedError(later), 'and so does every later write');
  t.equal((await store.readStream(first)).length, 1, 'reads go on');
  t.equal(await store.close(), undefined, 'the store still closes');

  const next = openSqliteEventStore({ filename: newFile() });
  t.teardown(() => next.store.close());
  t.not(next.writer.worker, writer.worker, 'a store opened afterwards gets a new thread');
  t.match(await next.store.append(uniqueStreamId(), testEvents(1), { expectedVersion: 0 }), { firstVersion: 1 });
});

t.test('sqlite: the writer thread ends once the last store using it has closed', async (t) => {
  const { store, writer } = openSqliteEventStore({ filename: newFile() });
  await store.append(uniqueStreamId(), testEvents(1), { expectedVersion: 0 });
  const exited = once(writer.worker, 'exit');
  // Neither the idle thread nor its timer keeps a process alive; this test has to, to see the thread end.
  const keepAlive = setInterval(() => undefined, 1000);
  await store.close();
  t.same(await exited, [0], 'the idle thread ends, by itself');
  clearInterval(keepAlive);
  const next = openSqliteEventStore({ filename: newFile() });
  t.teardown(() => next.store.close());
  t.not(next.writer.worker, writer.worker, 'the next store starts a new one');
  t.match(await next.store.append(uniqueStreamId(), testEvents(1), { expectedVersion: 0 }), { firstVersion: 1 });
});

/** Runs a child node and collects what it prints. */
function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

t.test('sqlite: compiled into dist/, the adapter starts its writer thread without a TypeScript loader', async (t) => {
  const compiled = new URL('../dist/sqlite/index.js', import.meta.url);
  const script = `
    const { createSqliteEventStore } = await import(process.argv[1]);
    const store = createSqliteEventStore({ filename: process.argv[2] });
    const event = (i) => ({ eventId: 'e' + i, type: 'Tested', schemaVersion: 1, data: { i },
      metadata: { occurredAt: new Date().toISOString(), correlationId: 'c', causationId: 'c' } });
    const results = await Promise.all([1, 2, 3].map((i) => store.append('s' + i, [event(i)], { expectedVersion: 0 })));
    const page = await store.readAll({ limit: 10 });
    await store.close();
    process.stdout.write(JSON.stringify({
      typescript: [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(' ')]
        .filter((arg) => /^--(import|loader|experimental-loader|require)/.test(arg))
        .some((arg) => /typescript|ts-node|tsx/.test(arg)),
      versions: results.map((r) => r.lastVersion),
      positions: page.events.map((e) => e.position),
    }));
  `;
  // Run with --eval on purpose: a worker inheriting --input-type from such a parent refuses its own file.
  // And with V8 heap flags, which a worker refuses outright: the writer must not inherit them.
  const run = await runNode(
    ['--max-old-space-size=256', '--max-semi-space-size=4', '--input-type=module', '-e', script, compiled.href, newFile()],
    process.env,
  );
  t.equal(run.code, 0, `the child ran (it needs a build: tsc -b) ${run.stderr}`);
  t.same(
    JSON.parse(run.stdout || '{}'),
    { typescript: false, versions: [1, 1, 1], positions: [1, 2, 3] },
    'without any TypeScript loader, the writer thread committed three appends',
  );
});

const WRITER = fileURLToPath(new URL('./fixtures/group-commit-writer.ts', import.meta.url));
/**
 * Node flags for a child that runs a TypeScript fixture: tap's TypeScript loader alone. The rest of tap's
 * flags (coverage, mocks) would double the start-up of every child and of its writer thread.
 */
const TYPESCRIPT_LOADER = process.execArgv.filter((arg) => arg.includes('typescript'));

/** Parses the lines a group-commit writer printed: one acknowledged append each. */
function acknowledgements(lines: readonly string[]) {
  return lines.map((line) => {
    const [streamId = '', version = '', eventId = ''] = line.split(' ');
    return { streamId, version: Number(version), eventId };
  });
}

/** Checks the file against what was acknowledged: every event there, at its version; no gaps anywhere. */
async function verify(t: Test, filename: string, acknowledged: ReturnType<typeof acknowledgements>) {
  const store = createSqliteEventStore({ filename });
  t.teardown(() => store.close());
  const events = await everything(store);
  const byStream = new Map<string, StoredEvent[]>();
  for (const event of events) byStream.set(event.streamId, [...(byStream.get(event.streamId) ?? []), event]);
  const found = acknowledged.filter(
    (ack) => byStream.get(ack.streamId)?.[ack.version - 1]?.eventId === ack.eventId,
  ).length;
  t.comment(`acknowledged ${acknowledged.length}, found ${found}, lost ${acknowledged.length - found}`);
  t.equal(found, acknowledged.length, 'every acknowledged event is stored, at the acknowledged version');
  t.ok(
    [...byStream.values()].every((stream) => stream.every((event, i) => event.version === i + 1)),
    `versions are gap-free in all ${byStream.size} streams`,
  );
  t.same(positionsOf(events), oneTo(events.length), `positions are gap-free (${events.length} events)`);
}

t.test('sqlite: two processes append to one file at once, and nothing is lost', async (t) => {
  const filename = newFile();
  const child = runNode([...TYPESCRIPT_LOADER, WRITER, filename, 'child', '400'], process.env);
  const store = createSqliteEventStore({ filename });
  t.teardown(() => store.close());
  const mine: string[] = [];
  await Promise.all(
    Array.from({ length: 4 }, async (_, i) => {
      for (let version = 0; version < 50; version++) {
        const event = testEvent('Counted');
        await store.append(`parent-${i}`, [event], { expectedVersion: version });
        mine.push(`parent-${i} ${version + 1} ${event.eventId}`);
      }
    }),
  );
  // The child's shared streams, raced by this process too.
  for (let done = 0; done < 50; ) {
    const version = (await store.readStream('shared-0')).length;
    const event = testEvent('Counted');
    try {
      await store.append('shared-0', [event], { expectedVersion: version });
      mine.push(`shared-0 ${version + 1} ${event.eventId}`);
      done++;
    } catch (error) {
      if (!isConcurrencyError(error)) throw error;
    }
  }
  const { code, stdout, stderr } = await child;
  t.equal(code, 0, `the child finished ${stderr}`);
  const theirs = stdout.split('\n').filter((line) => line !== '');
  t.ok(theirs.length >= 400, `the child acknowledged ${theirs.length} appends`);
  await verify(t, filename, acknowledgements([...mine, ...theirs]));
});

t.test('sqlite: every acknowledged append survives kill -9 of a process appending with group commit', async (t) => {
  const filename = newFile();
  const lines: string[] = [];
  const kills = 10;
  for (let run = 0; run < kills; run++) {
    const child = spawn(process.execPath, [...TYPESCRIPT_LOADER, WRITER, filename, String(run)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    // Somewhere between the first handful of appends and a few hundred, mid-batch or between batches.
    const killAfter = 5 + Math.floor(Math.random() * 400);
    let seen = 0;
    for await (const line of createInterface({ input: child.stdout })) {
      lines.push(line);
      if (++seen === killAfter) setTimeout(() => child.kill('SIGKILL'), Math.random() * 20);
    }
    t.equal(await exited, 'SIGKILL', `run ${run + 1} was killed after ${seen} acknowledgements`);
  }
  await verify(t, filename, acknowledgements(lines));
});

/** The tables of schema 2 exactly as that code created them: a file written before event ids were unique. */
const SCHEMA_2 = `
  CREATE TABLE events (
    position       INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id      TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    event_id       TEXT    NOT NULL,
    type           TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    data           TEXT    NOT NULL,
    metadata       TEXT    NOT NULL,
    recorded_at    TEXT    NOT NULL,
    UNIQUE (stream_id, version)
  ) STRICT;
  CREATE TABLE claims (key TEXT PRIMARY KEY, stream_id TEXT NOT NULL) STRICT, WITHOUT ROWID;
  CREATE TABLE idempotency (key TEXT PRIMARY KEY, record TEXT NOT NULL, expires_at INTEGER NOT NULL) STRICT, WITHOUT ROWID;
  CREATE INDEX idempotency_expiry ON idempotency (expires_at);
  CREATE TABLE snapshots (
    stream_id TEXT NOT NULL, schema TEXT NOT NULL, version INTEGER NOT NULL, state TEXT NOT NULL,
    PRIMARY KEY (stream_id, schema)
  ) STRICT, WITHOUT ROWID;
  PRAGMA user_version = 2;
`;

/** What schema 3 added to schema 2, exactly as that code created it: each stream's event ids unique. */
const SCHEMA_3 = `
  CREATE UNIQUE INDEX events_stream_event_id ON events (stream_id, event_id);
  PRAGMA user_version = 3;
`;

/**
 * A file of schema 2 (or 3) holding stream `s` with the given event ids at versions 1, 2, …, a claim and a
 * key.
 */
function oldFile(schema: 2 | 3, eventIds: readonly string[]): string {
  const filename = newFile();
  const db = new Database(filename);
  try {
    db.exec(SCHEMA_2);
    if (schema === 3) db.exec(SCHEMA_3);
    const insert = db.prepare(
      `INSERT INTO events (stream_id, version, event_id, type, schema_version, data, metadata, recorded_at)
       VALUES ('s', ?, ?, 'Tested', 1, '{"n":1}', ?, '2026-01-01T00:00:00.000Z')`,
    );
    const metadata = JSON.stringify(testEvent().metadata);
    eventIds.forEach((eventId, i) => insert.run(i + 1, eventId, metadata));
    db.prepare(`INSERT INTO claims VALUES ('email:a@b.c', 's')`).run();
    const record = { streamId: 's', firstVersion: 1, lastVersion: 1, eventIds: [eventIds[0]] };
    db.prepare(`INSERT INTO idempotency VALUES ('request-1', ?, ?)`).run(JSON.stringify(record), Date.now() + 3_600_000);
  } finally {
    db.close();
  }
  return filename;
}

const schemaOf = (filename: string): unknown => {
  const db = new Database(filename, { readonly: true });
  try {
    return db.pragma('user_version', { simple: true });
  } finally {
    db.close();
  }
};

/** The names of the indexes on `events` that a file holds, other than SQLite's own. */
const eventIndexes = (filename: string): unknown => {
  const db = new Database(filename, { readonly: true });
  try {
    return db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL ORDER BY name`)
      .pluck()
      .all();
  } finally {
    db.close();
  }
};

for (const schema of [2, 3] as const) {
  t.test(`sqlite: a file of schema ${schema} is migrated in place to schema 4, and then refuses repeated event ids`, async (t) => {
    const filename = oldFile(schema, ['e1', 'e2']);
    const store = createSqliteEventStore({ filename });
    t.teardown(() => store.close());
    t.equal(schemaOf(filename), 4, 'the file is at schema 4');
    t.same(eventIndexes(filename), ['events_event_id_stream'], "with schema 4's event-id index, and schema 3's gone");
    t.same((await store.readStream('s')).map((e) => [e.version, e.eventId, e.position]), [[1, 'e1', 1], [2, 'e2', 2]], 'its events are intact');
    t.equal(await store.lookupClaim('email:a@b.c'), 's', 'and its claims');
    t.match(await store.recallAppend('request-1', { streamId: 's' }), { duplicate: true, eventIds: ['e1'] }, 'and its idempotency records');
    const repeat = await store.append('s', [{ ...testEvent(), eventId: 'e1' }], { expectedVersion: 2 }).catch((e: unknown) => e);
    t.match(repeat, { code: 'DUPLICATE_EVENT_ID', eventId: 'e1' }, 'an id of an earlier event is refused');
    t.match(await store.append('s', testEvents(1), { expectedVersion: 2 }), { lastVersion: 3, duplicate: false }, 'new ids append');
    t.match(await store.append('other', [{ ...testEvent(), eventId: 'e1' }], { expectedVersion: 0 }), { lastVersion: 1 }, 'and an id is unique within its stream only');

    // The index itself refuses what the writer's check would miss, such as a write by other code.
    const db = new Database(filename);
    t.teardown(() => db.close());
    t.throws(
      () => db.prepare(`INSERT INTO events (stream_id, version, event_id, type, schema_version, data, metadata, recorded_at)
        VALUES ('s', 9, 'e2', 'Tested', 1, '{}', '{}', 'x')`).run(),
      { code: 'SQLITE_CONSTRAINT_UNIQUE' },
    );
  });
}

t.test('sqlite: the event-id check is a lookup in the index that keys event ids first', async (t) => {
  const filename = newFile();
  const store = createSqliteEventStore({ filename });
  t.teardown(() => store.close());
  await store.append('s', testEvents(1), { expectedVersion: 0 });
  const db = new Database(filename, { readonly: true });
  t.teardown(() => db.close());
  const plan = db.prepare('EXPLAIN QUERY PLAN SELECT 1 FROM events WHERE stream_id = ? AND event_id = ?').all('s', 'e') as Array<{ detail: string }>;
  t.match(plan.map((step) => step.detail).join('; '), /USING COVERING INDEX events_event_id_stream \(event_id=\? AND stream_id=\?\)/);
});

t.test('sqlite: a file of schema 2 holding an event id twice in a stream is refused and left unchanged', async (t) => {
  const filename = oldFile(2, ['e1', 'e2', 'e1']);
  t.throws(() => createSqliteEventStore({ filename }), /holds event ids twice within a stream.*left unchanged: e1 in s/);
  t.equal(schemaOf(filename), 2, 'the file is still at schema 2');
  const db = new Database(filename, { readonly: true });
  t.teardown(() => db.close());
  t.same(db.prepare('SELECT event_id FROM events ORDER BY position').pluck().all(), ['e1', 'e2', 'e1'], 'with all its events');
  t.equal(db.prepare(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'events_event_id_stream'`).pluck().get(), 0, 'and no new index');
});

t.test('sqlite: a file of a later schema is refused', async (t) => {
  const filename = newFile();
  const db = new Database(filename);
  db.pragma('user_version = 5');
  db.close();
  t.throws(() => createSqliteEventStore({ filename }), /has schema 5; this code knows up to 4/);
});
