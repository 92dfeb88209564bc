import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parsePositionCursor } from '@user-service/event-store';
import { createSqliteEventStore } from '@user-service/event-store/sqlite';
import { createPersonalDataEventStore } from '@user-service/personal-data';
import { openLocalDataKeys } from '@user-service/personal-data/sqlite';
import { SLOT_POINTER_FILE, SQLITE_SLOT_FILES, createFileSlotPointer, type Slot } from '@user-service/user-read-model';
import { createSqliteUserReadModel } from '@user-service/user-read-model/sqlite';
import Database from 'better-sqlite3';
import type { DynamoDbReadModelStorage, DynamoDbStorage, SqliteStorage } from './config.js';
import { closeAll, type OpenedEventStore, type OpenedSlots } from './opened.js';
import { SQLITE_LEASE_FILE, createSqliteLeaseStore } from './lease.js';

export type { OpenedEventStore, OpenedSlots } from './opened.js';

/** The event-store file of the embedded mode. */
export const SQLITE_EVENT_STORE_FILE = 'events.db';

/**
 * Opens the configured event store; `client` (for DynamoDB) stays the caller's, else one is made and owned.
 * A missing SQLite file is an error, not an empty store: a mistyped `DATA_DIR` must not "replay" nothing.
 */
export async function openEventStore(
  storage: SqliteStorage | DynamoDbStorage,
  client?: DynamoDBClient,
): Promise<OpenedEventStore> {
  if (storage.kind === 'sqlite') {
    const filename = join(storage.dataDir, SQLITE_EVENT_STORE_FILE);
    if (!existsSync(filename)) throw new Error(`there is no event store at ${filename}: check DATA_DIR`);
    // Personal data is sealed at rest: every tool reads it through the keys in DATA_DIR (forgotten once erased).
    const eventStore = createPersonalDataEventStore(createSqliteEventStore({ filename }), {
      keys: openLocalDataKeys({ dataDir: storage.dataDir }),
    });
    return {
      eventStore,
      followsPositions: true,
      // One COUNT over the position index, not a pass that reads and parses every event as readAll would.
      estimateTotal: async (after, done) => ({ count: done + countSqliteEventsAfter(filename, after), estimate: false }),
      close: () => eventStore.close(),
    };
  }
  return (await import('./stores-dynamodb.js')).openDynamoDbEventStore(storage, client);
}

/** Counts the events of the SQLite event store at `filename` after a `readAll` cursor (a global position). */
export function countSqliteEventsAfter(filename: string, after: string | undefined): number {
  const db = new Database(filename, { readonly: true, fileMustExist: true });
  try {
    return db.prepare<[number], number>('SELECT count(*) FROM events WHERE position > ?').pluck().get(parsePositionCursor(after))!;
  } finally {
    db.close();
  }
}

/**
 * Opens both read-model slots and the pointer of the configured mode: SQLite files in `DATA_DIR`, or the two
 * DynamoDB tables with the pointer item in the blue one.
 */
export async function openSlots(
  storage: SqliteStorage | DynamoDbReadModelStorage,
  client?: DynamoDBClient,
): Promise<OpenedSlots> {
  if (storage.kind === 'sqlite') {
    mkdirSync(storage.dataDir, { recursive: true });
    const filename = (slot: Slot) => join(storage.dataDir, SQLITE_SLOT_FILES[slot]);
    const models = {
      blue: createSqliteUserReadModel({ filename: filename('blue') }),
      green: createSqliteUserReadModel({ filename: filename('green') }),
    };
    const lease = createSqliteLeaseStore(join(storage.dataDir, SQLITE_LEASE_FILE));
    return {
      slots: { models, clear: async (slot) => clearSqliteFile(filename(slot)) },
      // The tools only write the pointer, or read it once: they are no followers a rebuild must wait for.
      pointer: createFileSlotPointer({ filename: join(storage.dataDir, SLOT_POINTER_FILE), follower: false }),
      lease,
      async close() {
        await closeAll(models);
        await lease.close();
      },
    };
  }
  return (await import('./stores-dynamodb.js')).openDynamoDbSlots(storage, client);
}

/**
 * Empties every table of a SQLite read-model file, in one transaction, keeping its schema. Not a delete and
 * recreate of the file: the service and the projector keep both slot files open, and a process holding a
 * deleted file would go on reading its old content after the switch, unaware of the new file.
 */
export function clearSqliteFile(filename: string): void {
  const db = new Database(filename);
  try {
    db.pragma('busy_timeout = 5000');
    const tables = db
      .prepare<[], string>(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
      .pluck()
      .all();
    db.transaction(() => {
      for (const table of tables) db.exec(`DELETE FROM "${table.replaceAll('"', '""')}"`);
    }).immediate();
  } finally {
    db.close();
  }
}
