import { createSqliteEventStore } from '@user-service/event-store/sqlite';
import Database from 'better-sqlite3';
import type { Placed } from './history.js';

/**
 * The columns of the SQLite event store's `events` table that seeding fills. Seeding writes them with raw
 * SQL in one transaction (appending 200,000 events one by one would take minutes of fsyncs and is not
 * what these figures measure); the schema itself is always the adapter's own, created by opening the
 * store first, and everything is then read back through the adapter.
 */
const SEEDED_COLUMNS = [
  'position',
  'stream_id',
  'version',
  'event_id',
  'type',
  'schema_version',
  'data',
  'metadata',
  'recorded_at',
] as const;

/**
 * Creates the SQLite event store at `filename` (through the adapter, so with its current schema) and fills
 * it with `events` in the given global order. Throws, naming the column, if the adapter's table has grown
 * a required column that seeding does not know.
 */
export async function seedSqliteEventStore(filename: string, events: readonly Placed[]): Promise<void> {
  const store = createSqliteEventStore({ filename });
  await store.close();
  const db = new Database(filename);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const columns = db.prepare<[], { name: string; notnull: number; dflt_value: unknown; pk: number }>(
      'PRAGMA table_info(events)',
    ).all();
    for (const column of columns) {
      const required = column.notnull === 1 && column.dflt_value === null && column.pk === 0;
      if (required && !(SEEDED_COLUMNS as readonly string[]).includes(column.name)) {
        throw new Error(
          `the SQLite event store's events table has a new required column ${column.name}: ` +
            'teach apps/bench/src/figures/support/sqlite.ts to seed it',
        );
      }
    }
    const insert = db.prepare(
      `INSERT INTO events (position, stream_id, version, event_id, type, schema_version, data, metadata, recorded_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    db.transaction(() => {
      events.forEach(({ userId, version, event }, i) => {
        insert.run(
          i + 1,
          userId,
          version,
          event.eventId,
          event.type,
          event.schemaVersion,
          JSON.stringify(event.data),
          JSON.stringify(event.metadata),
          event.metadata.occurredAt,
        );
      });
    }).immediate();
  } finally {
    db.close();
  }
}

/** A raw better-sqlite3 database with the store's durability: WAL and an fsync'd commit. */
export function durableDatabase(filename: string): Database.Database {
  const db = new Database(filename);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  return db;
}
