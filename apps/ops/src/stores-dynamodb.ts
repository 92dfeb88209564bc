/*
 * The DynamoDB side of the ops tools' stores, loaded only when a tool runs on DynamoDB: the SDK and the
 * DynamoDB adapters cost an embedded (SQLite) run tens of milliseconds to load and nothing else.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BatchWriteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ScanCommand,
  type AttributeValue,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { createDynamoDbEventStore } from '@user-service/event-store/dynamodb';
import { createPersonalDataEventStore } from '@user-service/personal-data';
import { openDynamoDbDataKeys } from '@user-service/personal-data/dynamodb';
import {
  READ_MODEL_KEY_PREFIXES,
  READ_MODEL_PARTITION_KEY,
  createDynamoDbUserReadModel,
} from '@user-service/user-read-model/dynamodb';
import { createDynamoDbSlotPointer } from '@user-service/user-read-model/slots/dynamodb';
import type { DynamoDbReadModelStorage, DynamoDbStorage } from './config.js';
import { createDynamoDbLeaseStore } from './lease-dynamodb.js';
import { closeAll, type OpenedEventStore, type OpenedSlots } from './opened.js';

/** `openEventStore` (stores.ts) on DynamoDB. */
export async function openDynamoDbEventStore(storage: DynamoDbStorage, client?: DynamoDBClient): Promise<OpenedEventStore> {
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

/** `openSlots` (stores.ts) on DynamoDB: the two tables, with the pointer and the lease in the blue one. */
export async function openDynamoDbSlots(
  storage: DynamoDbReadModelStorage,
  client?: DynamoDBClient,
): Promise<OpenedSlots> {
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
