import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BatchWriteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ScanCommand,
  type AttributeValue,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { parsePositionCursor, type EventStore } from '@user-service/event-store';
import { createDynamoDbEventStore } from '@user-service/event-store/dynamodb';
import { createSqliteEventStore } from '@user-service/event-store/sqlite';
import { createPersonalDataEventStore } from '@user-service/personal-data';
import { openDynamoDbDataKeys } from '@user-service/personal-data/dynamodb';
import { openLocalDataKeys } from '@user-service/personal-data/sqlite';
import {
  SLOTS,
  SLOT_POINTER_FILE,
  SQLITE_SLOT_FILES,
  createFileSlotPointer,
  type Slot,
  type SlotPointer,
  type UserReadModel,
} from '@user-service/user-read-model';
import {
  READ_MODEL_KEY_PREFIXES,
  READ_MODEL_PARTITION_KEY,
  createDynamoDbUserReadModel,
} from '@user-service/user-read-model/dynamodb';
import { createDynamoDbSlotPointer } from '@user-service/user-read-model/slots/dynamodb';
import { createSqliteUserReadModel } from '@user-service/user-read-model/sqlite';
import Database from 'better-sqlite3';
import type { DynamoDbReadModelStorage, DynamoDbStorage, SqliteStorage } from './config.js';
import {
  SQLITE_LEASE_FILE,
  createDynamoDbLeaseStore,
  createSqliteLeaseStore,
  type LeaseStore,
} from './lease.js';
import type { RebuildSlots } from './rebuild.js';
import type { EventTotalEstimator } from './replay.js';

/** The event store a tool reads, and what it knows about it. */
export interface OpenedEventStore {
  readonly eventStore: EventStore;
  /** Its `readAll` cursor is a global position: `catchUp` works, and counting the rest is exact. */
  readonly followsPositions: boolean;
  readonly estimateTotal: EventTotalEstimator;
  close(): Promise<void>;
}

/** The two read-model slots, their pointer and the rebuild's lease. */
export interface OpenedSlots {
  readonly slots: RebuildSlots;
  readonly pointer: SlotPointer;
  /** Next to the pointer: `DATA_DIR/read-model.lease.db`, or item `control#rebuild-lease` of the blue table. */
  readonly lease: LeaseStore;
  close(): Promise<void>;
}

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
  const dynamoDb = client ?? dynamoDbClient(storage);
  const owned = client === undefined ? dynamoDb : undefined;
  const { keys } = await openDynamoDbDataKeys({
    client: dynamoDb,
    tableName: storage.eventStoreTable,
    kmsKeyId: storage.kmsKeyId,
    keySecret: storage.keySecret,
  });
  const eventStore = createPersonalDataEventStore(createDynamoDbEventStore({ client: dynamoDb, tableName: storage.eventStoreTable }), { keys });
  return {
    eventStore,
    followsPositions: false,
    // Counting would mean scanning the table once more, so take DynamoDB's own figure: refreshed about every
    // six hours, and counting unique claims and idempotency records too, so an overestimate.
    estimateTotal: async (_after, done) => {
      const { Table } = await dynamoDb.send(new DescribeTableCommand({ TableName: storage.eventStoreTable }));
      const count = Table?.ItemCount;
      return count === undefined || count <= 0 ? undefined : { count: Math.max(count, done), estimate: true };
    },
    async close() {
      await eventStore.close();
      owned?.destroy();
    },
  };
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
  const dynamoDb = client ?? dynamoDbClient(storage);
  const owned = client === undefined ? dynamoDb : undefined;
  const models = {
    blue: createDynamoDbUserReadModel({ client: dynamoDb, tableName: storage.readModelTables.blue }),
    green: createDynamoDbUserReadModel({ client: dynamoDb, tableName: storage.readModelTables.green }),
  };
  return {
    slots: {
      models,
      clear: async (slot) => {
        await clearDynamoDbTable(dynamoDb, storage.readModelTables[slot]);
      },
    },
    // In the blue table, which therefore must exist even while green serves; clearing spares it.
    pointer: createDynamoDbSlotPointer({ client: dynamoDb, tableName: storage.readModelTables.blue }),
    lease: createDynamoDbLeaseStore(dynamoDb, storage.readModelTables.blue),
    async close() {
      await closeAll(models);
      owned?.destroy();
    },
  };
}

function dynamoDbClient(storage: Pick<DynamoDbStorage, 'endpoint'>): DynamoDBClient {
  // An undefined endpoint is the SDK's default: the regional AWS endpoint.
  return new DynamoDBClient({ endpoint: storage.endpoint });
}

async function closeAll(models: Readonly<Record<Slot, UserReadModel>>): Promise<void> {
  for (const slot of SLOTS) await models[slot].close();
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

/** BatchWriteItem's limit. */
const MAX_DELETES = 25;

/**
 * Deletes every view and checkpoint of a read-model table (items whose id starts with `user#` or
 * `checkpoint#`), sparing anything else, such as the slot pointer. One scan reads only the keys; deletes go
 * 25 at a time, with unprocessed ones resent after a pause. It costs one write per item: for a very large
 * table it is faster to provision a fresh, empty table under the slot's name, which the CDK app would own.
 */
export async function clearDynamoDbTable(
  client: Pick<DynamoDBClient, 'send'>,
  tableName: string,
  options: { readonly maxAttempts?: number; readonly pauseMs?: number } = {},
): Promise<number> {
  const maxAttempts = options.maxAttempts ?? 10;
  const pauseMs = options.pauseMs ?? 100;
  let deleted = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        ProjectionExpression: '#id',
        FilterExpression: 'begins_with(#id, :view) OR begins_with(#id, :checkpoint)',
        ExpressionAttributeNames: { '#id': READ_MODEL_PARTITION_KEY },
        ExpressionAttributeValues: {
          ':view': { S: READ_MODEL_KEY_PREFIXES.view },
          ':checkpoint': { S: READ_MODEL_KEY_PREFIXES.checkpoint },
        },
        ExclusiveStartKey: start,
      }),
    );
    const keys = page.Items ?? [];
    for (let i = 0; i < keys.length; i += MAX_DELETES) {
      let requests: WriteRequest[] = keys.slice(i, i + MAX_DELETES).map((Key) => ({ DeleteRequest: { Key } }));
      for (let attempt = 1; requests.length > 0; attempt++) {
        if (attempt > maxAttempts) {
          throw new Error(`DynamoDB kept ${requests.length} deletes from ${tableName} unprocessed`);
        }
        if (attempt > 1) await sleep(pauseMs * 2 ** (attempt - 2));
        const output = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }));
        const unprocessed = output.UnprocessedItems?.[tableName] ?? [];
        deleted += requests.length - unprocessed.length;
        requests = unprocessed;
      }
    }
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return deleted;
}
