import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  waitUntilTableExists,
  type AttributeValue,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type KeySchemaElement,
  type PutItemCommandInput,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { inParallel } from './parallel.js';
import {
  emailLookupKey,
  requireText,
  usernameLookupKey,
  validateIds,
  validatePut,
  validatePutMany,
  type UserReadModel,
} from './port.js';
import { USER_VIEW_STATUSES, type UserView, type UserViewStatus } from './view.js';

// The table's schema. `infra/` imports these so that the deployed table and the adapter cannot drift apart.

/** The table's only key: a partition key of type string, `user#<userId>` or `checkpoint#<name>`. */
export const READ_MODEL_PARTITION_KEY = 'id';
export const READ_MODEL_PARTITION_KEY_TYPE = 'S';

/**
 * What the partition key starts with for each kind of item. Both kinds are prefixed, so no user id (user
 * ids are free text to this package) can ever address a checkpoint, nor a checkpoint name a user.
 */
export const READ_MODEL_KEY_PREFIXES = Object.freeze({
  view: 'user#',
  checkpoint: 'checkpoint#',
} as const);

/** A global secondary index that a lookup queries: a string partition key and no sort key. */
export interface ReadModelIndex {
  readonly indexName: string;
  /** Sparse: only views of users who are not removed carry it. */
  readonly partitionKey: string;
  readonly partitionKeyType: 'S';
  /**
   * Keys only: an index item changes only when its key does (an email or a username change), not on every
   * put of the view, and a lookup reads the views it found by id.
   */
  readonly projectionType: 'KEYS_ONLY';
}

/** The two lookup indexes. Their key values are prefixed (`email:…`, `username:…`), so never empty. */
export const READ_MODEL_INDEXES = Object.freeze({
  byEmail: Object.freeze({
    indexName: 'byEmail',
    partitionKey: 'emailKey',
    partitionKeyType: 'S',
    projectionType: 'KEYS_ONLY',
  }),
  byUsername: Object.freeze({
    indexName: 'byUsername',
    partitionKey: 'usernameKey',
    partitionKeyType: 'S',
    projectionType: 'KEYS_ONLY',
  }),
} as const satisfies Record<string, ReadModelIndex>);

/**
 * The `CreateTable` input for the read-model table: on-demand billing, the key and both lookup indexes. For
 * tests and local tooling; `infra/` builds the same table from the constants above. It needs no stream and
 * no TTL.
 */
export function userReadModelTableDefinition(tableName: string): CreateTableCommandInput {
  const indexes = Object.values(READ_MODEL_INDEXES);
  return {
    TableName: tableName,
    AttributeDefinitions: [
      { AttributeName: READ_MODEL_PARTITION_KEY, AttributeType: READ_MODEL_PARTITION_KEY_TYPE },
      ...indexes.map((index) => ({ AttributeName: index.partitionKey, AttributeType: index.partitionKeyType })),
    ],
    KeySchema: [{ AttributeName: READ_MODEL_PARTITION_KEY, KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
    GlobalSecondaryIndexes: indexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [{ AttributeName: index.partitionKey, KeyType: 'HASH' }],
      Projection: { ProjectionType: index.projectionType },
    })),
  };
}

/**
 * Creates the read-model table unless it exists and waits until it is ACTIVE. Safe to call concurrently
 * and repeatedly. Throws if a table of that name exists with another key or without the lookup indexes,
 * rather than let the first query fail later.
 */
export async function ensureUserReadModelTable(client: DynamoDBClient, tableName: string): Promise<void> {
  if ((await describeTable(client, tableName)) === undefined) {
    try {
      await client.send(new CreateTableCommand(userReadModelTableDefinition(tableName)));
    } catch (error) {
      // Someone else created it between our describe and create: wait for theirs.
      if (errorName(error) !== 'ResourceInUseException') throw error;
    }
  }
  // The waiter's default first delay is 20 s, far longer than a table takes (and DynamoDB Local is instant).
  await waitUntilTableExists(
    { client, minDelay: 1, maxDelay: 5, maxWaitTime: 300 },
    { TableName: tableName },
  );
  const problems = schemaProblems(await describeTable(client, tableName));
  if (problems.length > 0) {
    throw new Error(`table ${tableName} is not a user read-model table: ${problems.join('; ')}`);
  }
}

async function describeTable(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

function schemaProblems(table: TableDescription | undefined): string[] {
  const problems: string[] = [];
  if (!isHashKey(table?.KeySchema, READ_MODEL_PARTITION_KEY)) {
    problems.push(`its key is not ${READ_MODEL_PARTITION_KEY} alone`);
  }
  for (const index of Object.values(READ_MODEL_INDEXES)) {
    const found = table?.GlobalSecondaryIndexes?.find((gsi) => gsi.IndexName === index.indexName);
    if (!isHashKey(found?.KeySchema, index.partitionKey) || found?.Projection?.ProjectionType !== index.projectionType) {
      problems.push(`index ${index.indexName} is missing or differs`);
    }
  }
  return problems;
}

function isHashKey(schema: KeySchemaElement[] | undefined, attribute: string): boolean {
  return schema?.length === 1 && schema[0]?.AttributeName === attribute && schema[0]?.KeyType === 'HASH';
}

/** What the read model sends its commands through: a `DynamoDBClient`, shared or not. */
export type DynamoDbCommandSender = Pick<DynamoDBClient, 'send'>;

export interface DynamoDbUserReadModelOptions {
  /** The caller owns it: {@link UserReadModel.close} leaves it open, since others may share it. */
  readonly client: DynamoDbCommandSender;
  /** A table shaped by {@link userReadModelTableDefinition}. */
  readonly tableName: string;
}

type Item = Record<string, AttributeValue>;
type Condition = Pick<
  PutItemCommandInput,
  'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
>;

/** A random id per `put` call, stored with the view; see the retry note in `put`. */
const WRITE_ID = 'writeId';

/**
 * How many requests of one `getMany` or `putMany` are in flight at once: enough to hide the round trips, few
 * enough not to queue behind the SDK's socket pool (50 by default) or burst into a partition's throttling.
 */
export const BATCH_CONCURRENCY = 16;

/**
 * The read model on one DynamoDB table (see {@link userReadModelTableDefinition}), for production on AWS.
 *
 * - `get` is a strongly consistent `GetItem`, so the projector's version gate always sees the latest write;
 *   `getMany` sends them {@link BATCH_CONCURRENCY} at a time.
 * - `put` is a single conditional `PutItem`: 1 WCU for a view under 1 KB, plus the writes DynamoDB makes to
 *   both indexes (they project every attribute, so every put of a live user updates them).
 * - `findByEmail` and `findByUsername` query a global secondary index, and GSIs are **eventually
 *   consistent**: a view written a moment ago may be missing from a lookup, or found under its previous
 *   email or username. That is acceptable for queries, which the projection already makes lag behind the
 *   event store; nothing that must be exact (registration's uniqueness, login) may rely on these lookups,
 *   and the service's login path reads the event store's strongly consistent claims instead.
 * - A removed user keeps its tombstone item, version included, but without the index attributes, so the
 *   sparse indexes never return it.
 * - Checkpoints are items of the same table under their own key prefix, with no index attributes.
 * - `putMany` sends its conditional puts {@link BATCH_CONCURRENCY} at a time, then the checkpoint if
 *   every put was won: one WCU per item, as `put`, and no `TransactWriteItems`, which would cost twice as
 *   much for an atomicity the projection does not need. The checkpoint is therefore not atomic with the
 *   views: a crash between them leaves the views written and the checkpoint behind, and the follower
 *   projects that page again, which the version gate turns into duplicates. The checkpoint is never
 *   written before the views, so it can never get ahead of them. A put that throws rejects the call after
 *   the puts already in flight have settled; the ones that were won stay written.
 */
export function createDynamoDbUserReadModel(options: DynamoDbUserReadModelOptions): UserReadModel {
  const { client, tableName } = options;
  let closed = false;

  const open = (): void => {
    if (closed) throw new Error('the DynamoDB user read model is closed');
  };

  async function getItem(key: string): Promise<Item | undefined> {
    const output = await client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { [READ_MODEL_PARTITION_KEY]: { S: key } },
        ConsistentRead: true,
      }),
    );
    return output.Item;
  }

  async function conditionalPut(view: UserView, expectedVersion: number): Promise<boolean> {
    const writeId = randomUUID();
    const condition: Condition =
      expectedVersion === 0
        ? {
            ConditionExpression: 'attribute_not_exists(#key)',
            ExpressionAttributeNames: { '#key': READ_MODEL_PARTITION_KEY },
          }
        : {
            // Comparing with a missing attribute is false, so this also refuses a view that is absent.
            ConditionExpression: '#version = :expected',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
          };
    try {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: viewItem(view, writeId),
          ...condition,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return true;
    } catch (error) {
      if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
      // The SDK resends a request whose response was lost. If the first attempt was stored, the resent one
      // fails its condition against our own write: the stored write id tells that apart from a rival's.
      // (Should a rival also have written over ours in between, this answers false: a caller re-reads
      // then, and finds a newer version, which is the same outcome as losing.)
      const stored = (error as { Item?: Item }).Item;
      return stored?.[WRITE_ID]?.S === writeId;
    }
  }

  async function saveCheckpoint(name: string, cursor: string): Promise<void> {
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          [READ_MODEL_PARTITION_KEY]: { S: READ_MODEL_KEY_PREFIXES.checkpoint + name },
          cursor: { S: cursor },
        },
      }),
    );
  }

  /**
   * The views whose index key is `key`: the index gives their ids, and each view is then read by id with
   * strong consistency. A view whose key has changed since (the index follows a moment later) is left out,
   * so a lookup never answers with a user who no longer has that email or username.
   */
  async function lookup(index: ReadModelIndex, key: string, keyOf: (view: UserView) => string): Promise<UserView[]> {
    const ids: string[] = [];
    let start: Item | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: index.indexName,
          KeyConditionExpression: '#key = :key',
          ExpressionAttributeNames: { '#key': index.partitionKey },
          ExpressionAttributeValues: { ':key': { S: key } },
          ExclusiveStartKey: start,
        }),
      );
      page.Items?.forEach((item) => ids.push(item[READ_MODEL_PARTITION_KEY]!.S!));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    const items = await inParallel(ids, BATCH_CONCURRENCY, (id) => getItem(id));
    return items
      .flatMap((item) => (item === undefined ? [] : [viewFromItem(item)]))
      .filter((view) => view.status !== 'removed' && keyOf(view) === key)
      .sort(byId);
  }

  return {
    async get(id) {
      open();
      requireText(id, 'id');
      const item = await getItem(READ_MODEL_KEY_PREFIXES.view + id);
      return item === undefined ? undefined : viewFromItem(item);
    },

    async getMany(ids) {
      open();
      validateIds(ids);
      // Not BatchGetItem: it would save round trips, not read units, and bring the retry of unprocessed keys.
      return inParallel(ids, BATCH_CONCURRENCY, async (id) => {
        const item = await getItem(READ_MODEL_KEY_PREFIXES.view + id);
        return item === undefined ? undefined : viewFromItem(item);
      });
    },

    async findByEmail(email) {
      open();
      requireText(email, 'email');
      return lookup(READ_MODEL_INDEXES.byEmail, emailIndexKey(email), (view) => emailIndexKey(view.email));
    },

    async findByUsername(username) {
      open();
      requireText(username, 'username');
      return lookup(READ_MODEL_INDEXES.byUsername, usernameIndexKey(username), (view) => usernameIndexKey(view.username));
    },

    async put(view, expectedVersion) {
      open();
      validatePut(view, expectedVersion);
      return conditionalPut(view, expectedVersion);
    },

    async putMany(writes, checkpoint) {
      open();
      validatePutMany(writes, checkpoint);
      const outcomes = await inParallel(writes, BATCH_CONCURRENCY, ({ view, expectedVersion }) =>
        conditionalPut(view, expectedVersion),
      );
      if (checkpoint !== undefined && outcomes.every(Boolean)) await saveCheckpoint(checkpoint.name, checkpoint.cursor);
      return outcomes;
    },

    async getCheckpoint(name) {
      open();
      requireText(name, 'name');
      return (await getItem(READ_MODEL_KEY_PREFIXES.checkpoint + name))?.['cursor']?.S;
    },

    async setCheckpoint(name, cursor) {
      open();
      requireText(name, 'name');
      requireText(cursor, 'cursor');
      await saveCheckpoint(name, cursor);
    },

    /** Marks the read model closed. The client stays open: the caller created it and may share it. */
    async close() {
      closed = true;
    },
  };
}

// The index keys carry a prefix because DynamoDB refuses an empty string as an index key, and a view's
// email may normalize to one (validatePut only asks for a non-empty email, which may be all whitespace).
const emailIndexKey = (email: string): string => `email:${emailLookupKey(email)}`;
const usernameIndexKey = (username: string): string => `username:${usernameLookupKey(username)}`;

/** A view's item: its fields as attributes, and the index keys unless the user is removed. */
function viewItem(view: UserView, writeId: string): Item {
  const nullable = (value: string | null): AttributeValue => (value === null ? { NULL: true } : { S: value });
  const item: Item = {
    [READ_MODEL_PARTITION_KEY]: { S: READ_MODEL_KEY_PREFIXES.view + view.id },
    email: { S: view.email },
    username: { S: view.username },
    name: nullable(view.name),
    surname: nullable(view.surname),
    status: { S: view.status },
    version: { N: String(view.version) },
    createdAt: { S: view.createdAt },
    updatedAt: { S: view.updatedAt },
    [WRITE_ID]: { S: writeId },
  };
  // A put replaces the whole item, so leaving the index keys out of a tombstone removes them.
  if (view.status !== 'removed') {
    item[READ_MODEL_INDEXES.byEmail.partitionKey] = { S: emailIndexKey(view.email) };
    item[READ_MODEL_INDEXES.byUsername.partitionKey] = { S: usernameIndexKey(view.username) };
  }
  return item;
}

/** Rebuilds a view from its item, field by field, so index keys and write ids never leak into it. */
function viewFromItem(item: Item): UserView {
  const key = item[READ_MODEL_PARTITION_KEY]?.S;
  // The messages name the attribute, never its value: values are user data, and errors end up in logs.
  const text = (attribute: string): string => {
    const value = item[attribute]?.S;
    if (value === undefined) throw malformed(key, attribute);
    return value;
  };
  const nullable = (attribute: string): string | null =>
    item[attribute]?.NULL === true ? null : text(attribute);
  const status = text('status') as UserViewStatus;
  if (!USER_VIEW_STATUSES.includes(status)) throw malformed(key, 'status');
  const version = Number(item['version']?.N);
  if (!Number.isSafeInteger(version) || version < 1) throw malformed(key, 'version');
  return {
    id: text(READ_MODEL_PARTITION_KEY).slice(READ_MODEL_KEY_PREFIXES.view.length),
    email: text('email'),
    username: text('username'),
    name: nullable('name'),
    surname: nullable('surname'),
    status,
    version,
    createdAt: text('createdAt'),
    updatedAt: text('updatedAt'),
  };
}

function malformed(key: string | undefined, attribute: string): Error {
  return new Error(`item ${String(key)} of the user read model has no valid ${attribute} attribute`);
}

/**
 * The other adapters' order (UTF-16 code units). Branch-free, because which comparisons a sort makes
 * depends on the order the index happened to return.
 */
function byId(a: UserView, b: UserView): number {
  return Number(a.id > b.id) - Number(a.id < b.id);
}

function errorName(error: unknown): unknown {
  return (error as { name?: unknown } | null | undefined)?.name;
}
