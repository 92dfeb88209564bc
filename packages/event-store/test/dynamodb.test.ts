import { randomUUID } from 'node:crypto';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  TransactionCanceledException,
  type AttributeValue,
  type ConsumedCapacity,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDbClientConfig, startDynamoDbLocal } from '@user-service/local-aws';
import t, { type Test } from 'tap';
import { IDEMPOTENCY_TTL_SECONDS, isConcurrencyError, isInvalidArgumentError } from '../src/index.js';
import {
  ITEM_TYPE_ATTRIBUTE,
  KEY_PREFIXES,
  PARTITION_KEY,
  SORT_KEY,
  TTL_ATTRIBUTE,
  createDynamoDbEventStore,
  ensureEventStoreTable,
  eventFromItem,
} from '../src/dynamodb/index.js';
import { plainItem } from '../src/dynamodb/items.js';
import { eventStoreContract, testEvent, testEvents, uniqueStreamId } from '../src/testing/index.js';

// DynamoDB Local takes seconds to start, and the model-based test creates a table per run.
t.setTimeout(300_000);

const TABLE = 'events';
const dynamoDb = await startDynamoDbLocal();
t.teardown(() => dynamoDb.stop());

/** Without -sharedDb each access key has a database of its own: an empty store per call. */
async function isolatedClient(): Promise<DynamoDBClient> {
  const accessKeyId = `t${randomUUID().replaceAll('-', '')}`;
  const client = new DynamoDBClient(dynamoDbClientConfig(dynamoDb.endpoint, accessKeyId));
  await ensureEventStoreTable(client, TABLE);
  return client;
}

await eventStoreContract(t, {
  name: 'dynamodb',
  globalPosition: false,
  eventIdsUniqueWithin: 'last-event',
  propertyRuns: 30,
  create: async (options) => {
    const client = await isolatedClient();
    const store = createDynamoDbEventStore({ client, tableName: TABLE, ...options });
    // The store leaves the client open by design; this one belongs to the test.
    return {
      ...store,
      close: async () => {
        await store.close();
        client.destroy();
      },
    };
  },
});

interface Sent {
  readonly command: string;
  readonly input: Record<string, unknown>;
  /** Capacity units DynamoDB Local reported, or the error's name. */
  readonly outcome: number | string;
}

/**
 * Records every command the client sends, and asks DynamoDB for the capacity each consumed. A test-only
 * observation: the commands still reach DynamoDB Local unchanged.
 */
function observe(client: DynamoDBClient): Sent[] {
  const sent: Sent[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      input['ReturnConsumedCapacity'] = 'TOTAL';
      try {
        const result = await next(args);
        const output = result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] };
        const consumed = [output.ConsumedCapacity ?? []].flat();
        const units = consumed.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
        sent.push({ command: context.commandName ?? '?', input, outcome: units });
        return result;
      } catch (error) {
        sent.push({ command: context.commandName ?? '?', input, outcome: (error as Error).name });
        throw error;
      }
    },
    { step: 'initialize', name: 'observeCommands' },
  );
  return sent;
}

/**
 * An upper bound of an item's size as DynamoDB bills it: attribute names plus values, with numbers and
 * list overhead overestimated.
 */
function itemBytes(item: Record<string, AttributeValue>): number {
  const value = (v: AttributeValue): number =>
    v.S !== undefined
      ? Buffer.byteLength(v.S)
      : v.N !== undefined
        ? v.N.length + 1
        : v.L !== undefined
          ? 3 + v.L.reduce((sum, e) => sum + value(e) + 1, 0)
          : 1;
  return Object.entries(item).reduce((sum, [name, v]) => sum + Buffer.byteLength(name) + value(v), 0);
}

/** A store on a database of its own, with every command its client sends recorded. */
async function observedStore(t: Test) {
  const client = await isolatedClient();
  t.teardown(() => client.destroy());
  return { store: createDynamoDbEventStore({ client, tableName: TABLE }), sent: observe(client) };
}

function transactItems(sent: Sent): Record<string, AttributeValue>[] {
  const items = sent.input['TransactItems'] as Array<{
    Put?: { Item: Record<string, AttributeValue> };
    Delete?: { Key: Record<string, AttributeValue> };
  }>;
  return items.map((item) => item.Put?.Item ?? item.Delete?.Key ?? {});
}

const registration = (email: string) =>
  testEvent('UserRegistered', { email, username: email.split('@')[0] ?? '' }, 'anonymous');

t.test('dynamodb: one event without claims or idempotency key is a single PutItem of 1 WCU', async (t) => {
  const { store, sent } = await observedStore(t);
  const streamId = uniqueStreamId();

  await store.append(streamId, [testEvent('Opened', { name: 'Zoë' }, 'user-1')], { expectedVersion: 0 });
  t.same(
    sent.map((s) => [s.command, s.outcome]),
    [['PutItemCommand', 1]],
    'a new stream: one conditional put, nothing read',
  );
  t.equal(sent[0]?.input['ConditionExpression'], 'attribute_not_exists(#pk)');

  sent.length = 0;
  await store.append(streamId, [testEvent('Renamed', { name: 'Zoe' })], { expectedVersion: 1 });
  t.same(
    sent.map((s) => [s.command, s.outcome]),
    [
      ['GetItemCommand', 1],
      ['PutItemCommand', 1],
    ],
    'an existing stream: a strongly consistent read of the current version (1 RCU), then the put',
  );
  t.equal(sent[0]?.input['ConsistentRead'], true);
});

t.test('dynamodb: an outcome is one conditional PutItem of the idempotency item, with TTL, and costs an append nothing', async (t) => {
  const { store, sent } = await observedStore(t);
  const streamId = uniqueStreamId();
  const before = Date.now();

  const recorded = await store.recordOutcome('request-o', { streamId, fingerprint: 'f', version: 4, outcome: { status: 204 } });
  t.match(recorded, { duplicate: false, firstVersion: 5, lastVersion: 4, eventIds: [], outcome: { status: 204 } });
  t.same(sent.map((s) => s.command), ['PutItemCommand'], 'one write, nothing read');
  const put = sent[0]!.input as { Item: Record<string, AttributeValue>; ConditionExpression: string };
  t.equal(put.ConditionExpression, 'attribute_not_exists(#pk) OR #expiresAt <= :now', 'the first live record wins');
  const item = plainItem(put.Item);
  t.match(item, {
    [PARTITION_KEY]: `${KEY_PREFIXES.idempotency}request-o`,
    [ITEM_TYPE_ATTRIBUTE]: 'idempotency',
    streamId,
    fingerprint: 'f',
    lastVersion: 4,
    eventIds: [],
    outcome: '{"status":204}',
  });
  const expiresAt = (item[TTL_ATTRIBUTE] as number) - IDEMPOTENCY_TTL_SECONDS;
  t.ok(
    expiresAt >= Math.floor(before / 1000) && expiresAt <= Math.ceil(Date.now() / 1000),
    'the record expires, in epoch seconds, 24 hours after it was recorded, like an append\'s',
  );
  t.ok(itemBytes(put.Item) <= 1024, 'a small outcome is a 1 WCU item');

  sent.length = 0;
  t.match(await store.recordOutcome('request-o', { streamId, fingerprint: 'f', version: 5, outcome: {} }), { duplicate: true, outcome: { status: 204 } });
  t.same(sent.map((s) => [s.command, s.outcome]), [['PutItemCommand', 'ConditionalCheckFailedException']], 'a second record: the failed put alone answers it');

  // The id check of an append reads nothing more than the version check did.
  await store.append(streamId, testEvents(1), { expectedVersion: 0 });
  sent.length = 0;
  await store.append(streamId, testEvents(1), { expectedVersion: 1 });
  t.same(sent.map((s) => s.command), ['GetItemCommand', 'PutItemCommand'], 'an append: still one read and one put');
});

t.test('dynamodb: a registration with two claims is one transaction of three items', async (t) => {
  const client = await isolatedClient();
  t.teardown(() => client.destroy());
  const store = createDynamoDbEventStore({ client, tableName: TABLE });
  const sent = observe(client);
  const email = `${randomUUID()}@example.com`;
  const claims = [`email:${email}`, `username:${randomUUID()}`];

  await store.append(uniqueStreamId('user'), [registration(email)], { expectedVersion: 0, claims });
  t.same(sent.map((s) => s.command), ['TransactWriteItemsCommand'], 'one request, nothing read first');
  const written = transactItems(sent[0]!);
  t.equal(written.length, 3, 'the event and two claims');
  t.ok(
    written.every((item) => itemBytes(item) <= 1024),
    `each item is under 1 KB (${written.map(itemBytes).join(', ')} bytes), so AWS bills 2 WCU each: 6 WCU`,
  );
  t.comment(`DynamoDB Local reported ${sent[0]?.outcome} WCU for it (its transaction figures are not AWS's)`);

  sent.length = 0;
  const retryEmail = `${randomUUID()}@example.com`;
  const retryOptions = {
    expectedVersion: 0,
    claims: [`email:${retryEmail}`, `username:${randomUUID()}`],
    idempotencyKey: randomUUID(),
    idempotencyFingerprint: 'sha256:abc',
  };
  const streamId = uniqueStreamId('user');
  await store.append(streamId, [registration(retryEmail)], retryOptions);
  t.same(
    sent.map((s) => [s.command, typeof s.outcome]),
    [['TransactWriteItemsCommand', 'number']],
    'with an idempotency key: one transaction, nothing read first (callers recall the key before deciding)',
  );
  const withRecord = transactItems(sent[0]!);
  t.equal(withRecord.length, 4, 'the event, two claims and the idempotency record: 8 WCU on AWS');
  t.ok(withRecord.every((item) => itemBytes(item) <= 1024));

  sent.length = 0;
  const retry = await store.append(streamId, [registration(retryEmail)], retryOptions);
  t.equal(retry.duplicate, true);
  t.same(
    sent.map((s) => s.command),
    ['TransactWriteItemsCommand'],
    'a retry that was not recalled first is answered by the cancelled transaction, and writes nothing',
  );
  t.same(await store.readStream(streamId).then((events) => events.length), 1, 'the stream still holds one event');
});

t.test('dynamodb: items describe themselves, and eventFromItem rebuilds the event', async (t) => {
  const client = await isolatedClient();
  t.teardown(() => client.destroy());
  const store = createDynamoDbEventStore({ client, tableName: TABLE });
  // The stream relay sees NewImage unmarshalled the same way the document client unmarshalls an item.
  const documents = DynamoDBDocumentClient.from(client);
  const get = async (pk: string, sk: number) => {
    const key = { [PARTITION_KEY]: pk, [SORT_KEY]: sk };
    return (await documents.send(new GetCommand({ TableName: TABLE, Key: key }))).Item;
  };

  const streamId = uniqueStreamId('user');
  const key = `email:${randomUUID()}@example.com`;
  const event = testEvent('UserRegistered', { email: key, nested: { list: [1, 'two', null] } }, 'admin');
  const before = Date.now();
  await store.append(streamId, [event], { expectedVersion: 0, claims: [key], idempotencyKey: 'request-1' });

  const image = await get(`${KEY_PREFIXES.stream}${streamId}`, 1);
  t.match(image, {
    [ITEM_TYPE_ATTRIBUTE]: 'event',
    streamId,
    version: 1,
    eventId: event.eventId,
    type: 'UserRegistered',
    schemaVersion: 1,
    data: JSON.stringify(event.data),
    occurredAt: event.metadata.occurredAt,
    correlationId: event.metadata.correlationId,
    causationId: event.metadata.causationId,
    actor: 'admin',
    recordedAt: String,
  });
  const rebuilt = eventFromItem(image ?? {});
  t.strictSame(rebuilt, { ...event, streamId, version: 1 }, 'the image alone rebuilds the stored event');
  t.same(await store.readStream(streamId), [rebuilt], 'and readStream parses it the same way');

  const claim = await get(`${KEY_PREFIXES.claim}${key}`, 0);
  t.match(claim, { [ITEM_TYPE_ATTRIBUTE]: 'claim', streamId });
  t.equal(eventFromItem(claim ?? {}), undefined, 'a claim is not an event');

  const record = await get(`${KEY_PREFIXES.idempotency}request-1`, 0);
  t.match(record, {
    [ITEM_TYPE_ATTRIBUTE]: 'idempotency',
    streamId,
    firstVersion: 1,
    lastVersion: 1,
    eventIds: [event.eventId],
  });
  const expiresAt = (record?.[TTL_ATTRIBUTE] as number) - IDEMPOTENCY_TTL_SECONDS;
  t.ok(
    expiresAt >= Math.floor(before / 1000) && expiresAt <= Math.ceil(Date.now() / 1000),
    'the record expires, in epoch seconds, 24 hours after the append',
  );
  t.equal(eventFromItem(record ?? {}), undefined, 'an idempotency record is not an event');

  // Last: a document client rewrites the marshalling settings of the client it wraps, for every wrapper.
  const wrapped = DynamoDBDocumentClient.from(client, { unmarshallOptions: { wrapNumbers: true } });
  const first = { [PARTITION_KEY]: `${KEY_PREFIXES.stream}${streamId}`, [SORT_KEY]: 1 };
  const { Item: withWrappedNumbers } = await wrapped.send(new GetCommand({ TableName: TABLE, Key: first }));
  t.strictSame(eventFromItem(withWrappedNumbers ?? {}), rebuilt, 'numbers unmarshalled as wrappers parse too');
});

t.test('dynamodb: the table has a NEW_IMAGE stream and TTL on expiresAt', async (t) => {
  const client = await isolatedClient();
  t.teardown(() => client.destroy());
  await ensureEventStoreTable(client, TABLE);
  const { Table } = await client.send(new DescribeTableCommand({ TableName: TABLE }));
  t.match(Table, {
    TableStatus: 'ACTIVE',
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    KeySchema: [
      { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
      { AttributeName: SORT_KEY, KeyType: 'RANGE' },
    ],
  });
  const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: TABLE }));
  t.match(ttl.TimeToLiveDescription, { TimeToLiveStatus: 'ENABLED', AttributeName: TTL_ATTRIBUTE });
});

t.test('dynamodb: works through a document client and leaves the client open on close', async (t) => {
  const client = await isolatedClient();
  t.teardown(() => client.destroy());
  const store = createDynamoDbEventStore({ client: DynamoDBDocumentClient.from(client), tableName: TABLE });
  const streamId = uniqueStreamId();
  await store.append(streamId, testEvents(2), { expectedVersion: 0 });
  t.same((await store.readStream(streamId)).map((e) => e.version), [1, 2]);
  await store.close();
  await t.rejects(store.readStream(streamId), /closed/);
  const again = createDynamoDbEventStore({ client, tableName: TABLE });
  t.equal((await again.readStream(streamId)).length, 2, 'the shared client still works');
});

t.test('dynamodb: forgets idempotency keys only after 24 hours, even before TTL deletes them', async (t) => {
  const client = await isolatedClient();
  t.teardown(() => client.destroy());
  // Whole seconds, like the epoch-second expiry; TTL itself deletes lazily and plays no part here.
  let clock = Math.floor(Date.now() / 1000) * 1000;
  const store = createDynamoDbEventStore({ client, tableName: TABLE, now: () => clock });
  const streamId = uniqueStreamId();
  const idempotencyKey = 'request-1';
  await store.append(streamId, testEvents(1), { expectedVersion: 0, idempotencyKey });
  clock += IDEMPOTENCY_TTL_SECONDS * 1000 - 1;
  const retry = await store.append(streamId, testEvents(1), { expectedVersion: 0, idempotencyKey });
  t.equal(retry.duplicate, true, 'still remembered just before 24 hours');
  t.ok(await store.recallAppend(idempotencyKey, { streamId }));
  clock += 1;
  t.equal(await store.recallAppend(idempotencyKey, { streamId }), undefined, 'expired at 24 hours');
  const late = await store
    .append(streamId, testEvents(1), { expectedVersion: 0, idempotencyKey })
    .catch((e: unknown) => e);
  t.ok(isConcurrencyError(late), 'after 24 hours the key is new, and the stale version conflicts');
  const fresh = await store.append(streamId, testEvents(1), { expectedVersion: 1, idempotencyKey });
  t.equal(fresh.duplicate, false, 'the expired record is overwritten');
  clock += 1000;
  const again = await store.append(streamId, testEvents(1), { expectedVersion: 1, idempotencyKey });
  t.same([again.duplicate, again.firstVersion], [true, 2], 'and the new one answers retries');
});

t.test('dynamodb: refuses cursors it did not hand out', async (t) => {
  const client = await isolatedClient();
  t.teardown(() => client.destroy());
  const store = createDynamoDbEventStore({ client, tableName: TABLE });
  const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const cursors = ['%%%', forged({ pk: 'claim#x', sk: 0 }), forged({ pk: 'stream#a', sk: '1' }), forged([1])];
  for (const cursor of cursors) {
    const error = await store.readAll({ cursor, limit: 1 }).catch((e: unknown) => e);
    t.ok(isInvalidArgumentError(error), `${cursor} is refused`);
  }
  await store.append('a', testEvents(3), { expectedVersion: 0 });
  const first = await store.readAll({ limit: 2 });
  t.same([first.events.length, first.isEnd], [2, false]);
  const rest = await store.readAll({ cursor: first.cursor, limit: 2 });
  t.same(
    rest.events.map((e) => e.version),
    [3],
    'the cursor resumes after the last event returned',
  );
  t.equal(rest.isEnd, true);
});

t.test('dynamodb: retries an append that a concurrent transaction cancelled', async (t) => {
  const client = await isolatedClient();
  t.teardown(() => client.destroy());
  const store = createDynamoDbEventStore({ client, tableName: TABLE });
  // DynamoDB Local runs transactions one at a time and never reports a TransactionConflict, so this
  // middleware cancels the first `conflicts` transactions the way DynamoDB does under contention.
  let conflicts = 0;
  let attempts = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
      attempts++;
      if (attempts > conflicts) return next(args);
      const items = (args.input as { TransactItems: unknown[] }).TransactItems;
      throw new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: {},
        CancellationReasons: items.map((_, i) => ({ Code: i === 0 ? 'TransactionConflict' : 'None' })),
      });
    },
    { step: 'initialize', name: 'injectConflicts' },
  );

  conflicts = 2;
  const streamId = uniqueStreamId();
  const result = await store.append(streamId, testEvents(2), { expectedVersion: 0 });
  t.equal(attempts, 3, 'two cancelled attempts, then the one that commits');
  t.same(
    (await store.readStream(streamId)).map((e) => e.eventId),
    result.eventIds,
  );

  attempts = 0;
  conflicts = Number.POSITIVE_INFINITY;
  const error = await store.append(streamId, testEvents(2), { expectedVersion: 2 }).catch((e: unknown) => e);
  t.equal(attempts, 5, 'gives up after five attempts');
  t.match(error, { name: 'TransactionCanceledException' }, 'and reports the conflict when the store shows none');
  t.equal((await store.readStream(streamId)).length, 2, 'nothing was written');

  attempts = 0;
  await store.append(streamId, testEvents(1), { expectedVersion: 2 });
  const stale = await store.append(streamId, testEvents(2), { expectedVersion: 2 }).catch((e: unknown) => e);
  t.ok(isConcurrencyError(stale), 'but a version conflict once the stream has moved on');
});

t.test('dynamodb: a put retried after a lost response is a success, not a conflict', async (t) => {
  const client = await isolatedClient();
  t.teardown(() => client.destroy());
  const store = createDynamoDbEventStore({ client, tableName: TABLE });
  // The first attempt reaches DynamoDB and commits, but its response is lost, so the SDK sends it again.
  let puts = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutItemCommand') return next(args);
      puts++;
      await next(args);
      return next(args);
    },
    { step: 'finalizeRequest', name: 'loseFirstResponse' },
  );
  const streamId = uniqueStreamId();
  const [event] = testEvents(1);
  const result = await store.append(streamId, [event!], { expectedVersion: 0 });
  t.equal(puts, 1);
  t.same(result.eventIds, [event!.eventId]);
  t.same((await store.readStream(streamId)).map((e) => e.eventId), [event!.eventId], 'written once');

  const [other] = testEvents(1);
  const conflict = await store.append(streamId, [other!], { expectedVersion: 0 }).catch((e: unknown) => e);
  t.ok(isConcurrencyError(conflict), 'another writer’s event in the slot is still a conflict');
});

t.test('dynamodb: a snapshot is one item of its own, written in 1 WCU and read in 1 RCU, never an event', async (t) => {
  const client = await isolatedClient();
  t.teardown(() => client.destroy());
  const store = createDynamoDbEventStore({ client, tableName: TABLE });
  const streamId = uniqueStreamId('user');
  await store.append(streamId, testEvents(3), { expectedVersion: 0 });
  const sent = observe(client);

  const state = { status: 'active', email: 'ann@example.com', username: 'ann', name: 'Ann', surname: null };
  await store.writeSnapshot(streamId, { schema: 'user-state@1', version: 3, state });
  t.same(sent.map((s) => [s.command, s.outcome]), [['PutItemCommand', 1]], 'one conditional put of 1 WCU');
  const item = sent[0]?.input['Item'] as Record<string, AttributeValue>;
  t.match(item, {
    [PARTITION_KEY]: { S: `${KEY_PREFIXES.snapshot}user-state@1#${streamId}` },
    [SORT_KEY]: { N: '0' },
    [ITEM_TYPE_ATTRIBUTE]: { S: 'snapshot' },
    streamId: { S: streamId },
    schema: { S: 'user-state@1' },
    version: { N: '3' },
    state: { S: JSON.stringify(state) },
  }, 'keyed snapshot#<schema>#<streamId> with sort key 0');
  t.ok(itemBytes(item) <= 1024, `the item is under 1 KB (${itemBytes(item)} bytes), so AWS bills 1 WCU`);
  t.equal(eventFromItem(plainItem(item)), undefined, 'the stream relay reads it as no event');

  sent.length = 0;
  await store.writeSnapshot(streamId, { schema: 'user-state@1', version: 2, state: {} });
  t.same(
    sent.map((s) => [s.command, s.outcome]),
    [['PutItemCommand', 'ConditionalCheckFailedException']],
    'an older snapshot is refused by the condition, in the same single request',
  );

  sent.length = 0;
  t.same(await store.readSnapshot(streamId, 'user-state@1'), { schema: 'user-state@1', version: 3, state });
  t.same(sent.map((s) => [s.command, s.outcome]), [['GetItemCommand', 1]], 'a read is one strongly consistent get of 1 RCU');
  t.equal(sent[0]?.input['ConsistentRead'], true);
});

t.test('dynamodb: a tail read follows Query pages of 1 MB to the end of the stream', async (t) => {
  const client = await isolatedClient();
  t.teardown(() => client.destroy());
  const store = createDynamoDbEventStore({ client, tableName: TABLE });
  const streamId = uniqueStreamId();
  const payload = 'z'.repeat(40 * 1024);
  const events = Array.from({ length: 60 }, (_, i) => testEvent('Big', { i, payload }));
  for (let i = 0; i < events.length; i += 12) {
    await store.append(streamId, events.slice(i, i + 12), { expectedVersion: i });
  }
  const sent = observe(client);
  const tail = await store.readStream(streamId, { fromVersion: 2 });
  t.same(tail.map((e) => e.version), Array.from({ length: 59 }, (_, i) => i + 2));
  const queries = sent.filter((s) => s.command === 'QueryCommand');
  t.ok(queries.length >= 3, `59 events of 40 KB took ${queries.length} Query pages`);
  t.ok(
    queries.slice(1).every((q) => q.input['ExclusiveStartKey'] !== undefined),
    'each page after the first resumes where the last one stopped',
  );
});

