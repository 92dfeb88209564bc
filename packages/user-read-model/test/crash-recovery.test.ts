/**
 * The SQLite read model runs at `synchronous = NORMAL` because a follower's checkpoint commits in the same
 * transaction as its views: whatever a crash cuts off, the views left match the checkpoint left, and a
 * fresh catch-up converges. Here a follower process is killed with SIGKILL, mid-stream, several times.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventStore, StoredEvent } from '@user-service/event-store';
import { createSqliteEventStore } from '@user-service/event-store/sqlite';
import t from 'tap';
import { catchUp, createProjector, type UserReadModel } from '../src/index.js';
import { createSqliteUserReadModel } from '../src/sqlite.js';
import { LIFECYCLE, decideHistory, foldView, seed } from './fixtures.js';

t.setTimeout(300_000);

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const CHECKPOINT = 'crash-follower';
const dir = mkdtempSync(join(tmpdir(), 'user-read-model-crash-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** Starts the follower and kills it with SIGKILL once it has reported `pages` projected pages. */
async function killAfter(pages: number, prefix: string): Promise<NodeJS.Signals | null> {
  const child = spawn(process.execPath, [...process.execArgv, CHILD, eventsFile, readModelFile, prefix], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let seen = 0;
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdout.on('data', (chunk: Buffer) => {
    seen += chunk.toString('utf8').split('\n').filter((line) => line.startsWith('page')).length;
    if (seen >= pages) child.kill('SIGKILL');
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
  );
  if (signal !== 'SIGKILL') throw new Error(`the follower exited with ${code}: ${stderr}`);
  return signal;
}

/** Every event of the store, and those after a cursor (through the adapter's own opaque cursors). */
async function readAll(store: EventStore, after?: string): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  let cursor = after;
  for (;;) {
    const page = await store.readAll({ cursor, limit: 500 });
    events.push(...page.events);
    cursor = page.cursor ?? cursor;
    if (page.isEnd) return events;
  }
}

/** Each stream's view equals the fold of exactly the events up to the checkpoint; answers how many it read. */
async function assertViewsMatchCheckpoint(t: Tap, store: EventStore, readModel: UserReadModel): Promise<number> {
  const checkpoint = await readModel.getCheckpoint(CHECKPOINT);
  const all = await readAll(store);
  const after = new Set((checkpoint === undefined ? all : await readAll(store, checkpoint)).map((e) => e.eventId));
  const projected = all.filter((e) => !after.has(e.eventId));
  let mismatches = 0;
  for (const streamId of new Set(all.map((e) => e.streamId))) {
    const expected = JSON.stringify(foldView(projected.filter((e) => e.streamId === streamId)));
    if (JSON.stringify(await readModel.get(streamId)) !== expected) mismatches++;
  }
  t.equal(mismatches, 0, `every view matches the checkpoint, after ${projected.length} of ${all.length} events`);
  return projected.length;
}

type Tap = Parameters<Parameters<typeof t.test>[0]>[0];

const eventsFile = join(dir, 'events.db');
const readModelFile = join(dir, 'read-model.db');

t.test('a follower killed with SIGKILL mid-way leaves views that match its checkpoint, and converges', async (t) => {
  const store = createSqliteEventStore({ filename: eventsFile });
  t.teardown(() => store.close());
  // Enough history that the follower is still catching up when it is killed, and users interleaved in it.
  const histories = Array.from({ length: 60 }, (_, n) => decideHistory(`user-${n}`, LIFECYCLE));
  await seed(store, histories);

  let projected = 0;
  for (const [round, pages] of [7, 11, 5, 13].entries()) {
    t.equal(await killAfter(pages, `round-${round}`), 'SIGKILL', `round ${round}: killed while it ran`);
    // Opened after the kill, as a restarted process would: SQLite recovers from the WAL left behind.
    const readModel = createSqliteUserReadModel({ filename: readModelFile });
    try {
      const now = await assertViewsMatchCheckpoint(t, store, readModel);
      t.ok(now > projected, `round ${round}: the follower made progress before it died`);
      projected = now;
    } finally {
      await readModel.close();
    }
  }

  const readModel = createSqliteUserReadModel({ filename: readModelFile });
  t.teardown(() => readModel.close());
  const all = await readAll(store);
  const rest = await catchUp(store, createProjector({ readModel, eventStore: store }), readModel, {
    checkpointName: CHECKPOINT,
  });
  t.equal(rest, all.length - projected, 'a fresh catch-up resumes exactly at the checkpoint');
  let mismatches = 0;
  const streamIds = new Set(all.map((e) => e.streamId));
  for (const streamId of streamIds) {
    const expected = foldView(await store.readStream(streamId));
    if (JSON.stringify(await readModel.get(streamId)) !== JSON.stringify(expected)) mismatches++;
  }
  t.equal(mismatches, 0, `all ${streamIds.size} views equal the fold of the event store`);
});
