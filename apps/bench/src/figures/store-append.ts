import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { NewEvent } from '@user-service/event-store';
import { createSqliteEventStore } from '@user-service/event-store/sqlite';
import type { BenchContext, BenchResult, Figure } from '../result.js';
import { interleave, summarize } from '../stats.js';
import { prng, timeOrderedIdFrom, userHistories } from './support/history.js';
import { durableDatabase } from './support/sqlite.js';
import { rate, type Timed } from './support/timing.js';

/**
 * Appending to the SQLite event store against the cheapest durable write SQLite can do: a prepared
 * INSERT committed with an fsync, on a database with the store's own durability (WAL,
 * `synchronous = FULL`). Both sides write rows of the same shape and content, decided by the domain.
 */

const APPENDERS = 10;
const BATCH = 100;

/**
 * Events of realistic size and shape: profile updates, password changes and so on, as decided. Their ids are
 * time-ordered in the order they are given, as the service makes ids when it appends (UUIDv7).
 */
function sampleEvents(count: number, seed: number): NewEvent[] {
  const perUser = 20;
  const histories = userHistories({ seed, users: Math.ceil(count / (perUser - 1)), eventsPerUser: perUser, removedShare: 0 });
  const random = prng(seed);
  const start = Date.UTC(2026, 0, 1);
  return histories
    // Skip the registrations: the appends measured here are to streams that already exist.
    .flatMap((h) => h.steps.slice(1).flatMap((step) => step.events))
    .slice(0, count)
    .map((event, i) => {
      const eventId = timeOrderedIdFrom(start + i, random);
      return { ...event, eventId, metadata: { ...event.metadata, causationId: eventId } };
    });
}

interface Row {
  readonly streamId: string;
  readonly version: number;
  readonly event: NewEvent;
}

/**
 * Raw rows into the adapter's own `events` table, committed `perCommit` rows at a time: the store creates
 * the file and its schema, and is closed before the raw connection opens it.
 */
async function rawInserts(filename: string, rows: readonly Row[], perCommit: number): Promise<Timed> {
  await createSqliteEventStore({ filename }).close();
  const db = durableDatabase(filename);
  try {
    const insert = db.prepare(
      `INSERT INTO events (stream_id, version, event_id, type, schema_version, data, metadata, recorded_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const commit = db.transaction((chunk: readonly Row[]) => {
      const recordedAt = new Date().toISOString();
      for (const { streamId, version, event } of chunk) {
        insert.run(
          streamId,
          version,
          event.eventId,
          event.type,
          event.schemaVersion,
          JSON.stringify(event.data),
          JSON.stringify(event.metadata),
          recordedAt,
        );
      }
    });
    const start = performance.now();
    for (let i = 0; i < rows.length; i += perCommit) commit.immediate(rows.slice(i, i + perCommit));
    return { count: rows.length, seconds: (performance.now() - start) / 1000 };
  } finally {
    db.close();
  }
}

/** `store-append`: 10 concurrent appenders of one event each, to distinct streams, events/s. */
export const storeAppend: Figure = async (context: BenchContext): Promise<BenchResult[]> => {
  const perAppender = context.quick ? 100 : 500;
  const minSeconds = context.quick ? 0.3 : 1;
  const total = APPENDERS * perAppender;
  const dir = join(context.workDir, 'store-append');
  mkdirSync(dir, { recursive: true });
  const sample = sampleEvents(total + APPENDERS, 11);
  // The streams' first events come first, as their ids do.
  const firsts = sample.slice(0, APPENDERS);
  const events = sample.slice(APPENDERS);
  // Appender a writes its own stream, one event per append: event i goes to stream i % 10.
  const rows: Row[] = events.map((event, i) => ({
    streamId: `s-${i % APPENDERS}`,
    version: Math.floor(i / APPENDERS) + 1,
    event,
  }));
  context.log(`store-append: ${APPENDERS} appenders × ${perAppender} single-event appends per side and round`);

  const once = async (file: string): Promise<Timed> => {
    const store = createSqliteEventStore({ filename: file });
    try {
      // Each stream starts with one event, so every measured append is to an existing stream.
      for (let a = 0; a < APPENDERS; a++) await store.append(`s-${a}`, [firsts[a]!], { expectedVersion: 0 });
      const start = performance.now();
      await Promise.all(
        Array.from({ length: APPENDERS }, async (_, a) => {
          for (let k = 0; k < perAppender; k++) {
            const row = rows[k * APPENDERS + a]!;
            await store.append(row.streamId, [row.event], { expectedVersion: row.version });
          }
        }),
      );
      const seconds = (performance.now() - start) / 1000;
      // Every acknowledged append must be there, in order: a fast store that lost one would be no result.
      for (let a = 0; a < APPENDERS; a++) {
        const stored = await store.readStream(`s-${a}`);
        if (stored.length !== perAppender + 1 || stored.some((e, i) => e.version !== i + 1)) {
          throw new Error(`store-append: stream s-${a} holds ${stored.length} events, not ${perAppender + 1}`);
        }
      }
      return { count: total, seconds };
    } finally {
      await store.close();
    }
  };
  const adapter = async (round: number) =>
    (await rate(minSeconds, (rep) => once(join(dir, `adapter-${round}-${rep}.db`)))).perSecond;
  const raw = async (round: number) =>
    (await rate(minSeconds, (rep) => rawInserts(join(dir, `raw-${round}-${rep}.db`), rows, 1))).perSecond;

  const rounds = await interleave(context.rounds, adapter, raw);
  return [
    summarize(
      {
        id: 'store-append',
        description:
          'SQLite event store, 10 concurrent single-event appends to distinct streams, against a raw prepared INSERT with one fsync\'d commit per row (WAL, synchronous = FULL)',
        target: '>= 3',
        unit: 'events/s',
        details: {
          appenders: APPENDERS,
          timing: `each side repeated on fresh files until its timed part reaches ${minSeconds} s per round`,
          eventsPerSideAndRound: total,
          rounds: context.rounds,
          quick: context.quick,
          ...(context.quick ? { scaledDown: `${perAppender} appends per appender (full run: 500)` } : {}),
        },
      },
      rounds,
    ),
  ];
};

/** `store-append-batch`: one append of 100 events against one raw transaction of 100 rows, events/s. */
export const storeAppendBatch: Figure = async (context: BenchContext): Promise<BenchResult[]> => {
  const calls = context.quick ? 50 : 200;
  const minSeconds = context.quick ? 0.3 : 1;
  const total = calls * BATCH;
  const dir = join(context.workDir, 'store-append-batch');
  mkdirSync(dir, { recursive: true });
  const events = sampleEvents(total, 12);
  // Call c appends events c*100 … c*100+99 to a stream of its own, as a new stream (expectedVersion 0).
  const rows: Row[] = events.map((event, i) => ({ streamId: `b-${Math.floor(i / BATCH)}`, version: (i % BATCH) + 1, event }));
  context.log(`store-append-batch: ${calls} appends of ${BATCH} events per side and round`);

  const once = async (file: string): Promise<Timed> => {
    const store = createSqliteEventStore({ filename: file });
    try {
      const start = performance.now();
      for (let c = 0; c < calls; c++) {
        await store.append(`b-${c}`, events.slice(c * BATCH, (c + 1) * BATCH), { expectedVersion: 0 });
      }
      return { count: total, seconds: (performance.now() - start) / 1000 };
    } finally {
      await store.close();
    }
  };
  const adapter = async (round: number) =>
    (await rate(minSeconds, (rep) => once(join(dir, `adapter-${round}-${rep}.db`)))).perSecond;
  const raw = async (round: number) =>
    (await rate(minSeconds, (rep) => rawInserts(join(dir, `raw-${round}-${rep}.db`), rows, BATCH))).perSecond;

  const rounds = await interleave(context.rounds, adapter, raw);
  return [
    summarize(
      {
        id: 'store-append-batch',
        description:
          'SQLite event store, one append of 100 events, against a raw INSERT of 100 rows in one fsync\'d transaction',
        target: '>= 0.8',
        unit: 'events/s',
        details: {
          eventsPerAppend: BATCH,
          timing: `each side repeated on fresh files until its timed part reaches ${minSeconds} s per round`,
          appendsPerSideAndRound: calls,
          rounds: context.rounds,
          quick: context.quick,
          ...(context.quick ? { scaledDown: `${calls} appends per side and round (full run: 200)` } : {}),
        },
      },
      rounds,
    ),
  ];
};
