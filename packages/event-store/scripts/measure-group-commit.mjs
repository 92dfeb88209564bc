#!/usr/bin/env node
// Informal throughput figures for the SQLite adapter's group commit, each next to a raw baseline measured in
// the same run: `pnpm exec tsc -b && node scripts/measure-group-commit.mjs [rounds]`. Not a test: figures
// depend on the machine and its load, and nothing is gated on them.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { createSqliteEventStore } from '../dist/sqlite/index.js';
import { SCHEMA } from '../dist/sqlite/schema.js';

const rounds = Number(process.argv[2] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'group-commit-'));
let files = 0;
const file = () => join(dir, `${++files}.db`);

const event = (i) => {
  const eventId = randomUUID();
  return {
    eventId,
    type: 'UserProfileUpdated',
    schemaVersion: 1,
    data: { changes: { name: `Name ${i}` } },
    metadata: { occurredAt: new Date().toISOString(), correlationId: eventId, causationId: eventId, actor: 'user-1' },
  };
};

/** The cheapest durable write of the same rows: prepared INSERTs into the store's own table, no checks. */
function rawDatabase() {
  const db = new Database(file());
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(SCHEMA);
  const insert = db.prepare(
    `INSERT INTO events (stream_id, version, event_id, type, schema_version, data, metadata, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const row = (streamId, version, e) =>
    insert.run(streamId, version, e.eventId, e.type, e.schemaVersion, JSON.stringify(e.data), JSON.stringify(e.metadata), new Date().toISOString());
  return { db, row };
}

/** Events per second: one row per fsync'd commit, one after the other. */
function rawSingle(count) {
  const { db, row } = rawDatabase();
  const once = db.transaction((i, e) => row(`s-${i % 10}`, Math.floor(i / 10) + 1, e));
  const events = Array.from({ length: count }, (_, i) => event(i));
  const start = performance.now();
  for (let i = 0; i < count; i++) once.immediate(i, events[i]);
  const ms = performance.now() - start;
  db.close();
  return (count / ms) * 1000;
}

/** Events per second: `appenders` concurrent loops, each appending one event at a time to its own stream. */
async function storeConcurrent(appenders, count) {
  const store = createSqliteEventStore({ filename: file() });
  await store.append('warm-up', [event(0)], { expectedVersion: 0 });
  const perAppender = count / appenders;
  const events = Array.from({ length: appenders }, () => Array.from({ length: perAppender }, (_, v) => event(v)));
  const start = performance.now();
  await Promise.all(
    events.map(async (mine, a) => {
      const streamId = `stream-${a}`;
      for (let v = 0; v < perAppender; v++) await store.append(streamId, [mine[v]], { expectedVersion: v });
    }),
  );
  const ms = performance.now() - start;
  await store.close();
  return (count / ms) * 1000;
}

/** Events per second: transactions of 100 rows, one after the other. */
function rawHundreds(batches) {
  const { db, row } = rawDatabase();
  const hundred = db.transaction((b, events) => events.forEach((e, i) => row(`h-${b}`, i + 1, e)));
  const all = Array.from({ length: batches }, () => Array.from({ length: 100 }, (_, i) => event(i)));
  const start = performance.now();
  for (let b = 0; b < batches; b++) hundred.immediate(b, all[b]);
  const ms = performance.now() - start;
  db.close();
  return ((batches * 100) / ms) * 1000;
}

/** Events per second: appends of 100 events, one after the other. */
async function storeHundreds(batches) {
  const store = createSqliteEventStore({ filename: file() });
  await store.append('warm-up', [event(0)], { expectedVersion: 0 });
  const all = Array.from({ length: batches }, () => Array.from({ length: 100 }, (_, i) => event(i)));
  const start = performance.now();
  for (let b = 0; b < batches; b++) await store.append(`h-${b}`, all[b], { expectedVersion: 0 });
  const ms = performance.now() - start;
  await store.close();
  return ((batches * 100) / ms) * 1000;
}

/** Events per second: one appender, one event at a time (no concurrency, so no batching). */
async function storeSequential(count) {
  return storeConcurrent(1, count);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const rows = { rawSingle: [], concurrent10: [], sequential: [], rawHundreds: [], storeHundreds: [] };
// Each store figure is measured right after its baseline, and compared with it round by round, so that a
// machine whose load changes moves both sides of a ratio alike.
for (let r = 0; r < rounds; r++) {
  rows.rawSingle.push(rawSingle(2000));
  rows.concurrent10.push(await storeConcurrent(10, 5000));
  rows.sequential.push(await storeSequential(2000));
  rows.rawHundreds.push(rawHundreds(100));
  rows.storeHundreds.push(await storeHundreds(100));
}
rmSync(dir, { recursive: true, force: true });

const f = (n) => Math.round(n).toLocaleString('en');
const ratios = (store, raw) => rows[store].map((value, i) => value / rows[raw][i]);
const line = (what, store, raw) => {
  const r = ratios(store, raw);
  const range = `${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)}`;
  return `${what.padEnd(44)} ${f(median(rows[store])).padStart(9)}   ${median(r).toFixed(2)}× raw (rounds: ${range})`;
};
console.log(`${rounds} rounds; events/s are medians, ratios the median of each round's store/raw`);
console.log(`${'raw INSERT, 1 row per fsync\'d commit'.padEnd(44)} ${f(median(rows.rawSingle)).padStart(9)}`);
console.log(line('store, 10 concurrent appenders of 1 event', 'concurrent10', 'rawSingle'));
console.log(line('store, 1 appender of 1 event', 'sequential', 'rawSingle'));
console.log(`${'raw INSERT, 100 rows per transaction'.padEnd(44)} ${f(median(rows.rawHundreds)).padStart(9)}`);
console.log(line('store, appends of 100 events', 'storeHundreds', 'rawHundreds'));
