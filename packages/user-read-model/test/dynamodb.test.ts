import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { dynamoDbClientConfig, startDynamoDbLocal } from '@user-service/local-aws';
import t from 'tap';
import {
  READ_MODEL_INDEXES,
  READ_MODEL_KEY_PREFIXES,
  READ_MODEL_PARTITION_KEY,
  BATCH_CONCURRENCY,
  createDynamoDbUserReadModel,
  ensureUserReadModelTable,
  userReadModelTableDefinition,
} from '../src/dynamodb.js';
import { testView, userReadModelContract } from '../src/testing.js';

// DynamoDB Local takes seconds to start.
t.setTimeout(300_000);

const TABLE = 'user-views';
const dynamoDb = await startDynamoDbLocal();
t.teardown(() => dynamoDb.stop());

/** Without -sharedDb each access key has a database of its own: empty storage per call. */
const freshAccessKey = (): string => `t${randomUUID().replaceAll('-', '')}`;
const clientFor = (accessKeyId: string): DynamoDBClient =>
  new DynamoDBClient(dynamoDbClientConfig(dynamoDb.endpoint, accessKeyId));

/** A client of an empty database holding the table, destroyed when the test ends. */
async function isolatedClient(t: Tap): Promise<DynamoDBClient> {
  const client = clientFor(freshAccessKey());
  t.teardown(() => client.destroy());
  await ensureUserReadModelTable(client, TABLE);
  return client;
}

type Tap = Parameters<Parameters<typeof t.test>[0]>[0];
type Item = Record<string, AttributeValue>;

await userReadModelContract(t, {
  name: 'dynamodb',
  create: async () => {
    const client = clientFor(freshAccessKey());
    await ensureUserReadModelTable(client, TABLE);
    const readModel = createDynamoDbUserReadModel({ client, tableName: TABLE });
    // The read model leaves the client open by design; this one belongs to the test.
    return {
      ...readModel,
      close: async () => {
        await readModel.close();
        client.destroy();
      },
    };
  },
});

interface Sent {
  readonly command: string;
  readonly input: Record<string, unknown>;
}

/** Records every command the client sends; they still reach DynamoDB Local unchanged. */
function observe(client: DynamoDBClient): Sent[] {
  const sent: Sent[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({ command: context.commandName ?? '?', input: args.input as Record<string, unknown> });
      return next(args);
    },
    { step: 'initialize', name: 'observeCommands' },
  );
  return sent;
}

/** The stored item itself, as an operator (or `infra/`) sees it. */
async function rawItem(client: DynamoDBClient, key: string): Promise<Item | undefined> {
  const Key = { [READ_MODEL_PARTITION_KEY]: { S: key } };
  return (await client.send(new GetItemCommand({ TableName: TABLE, Key, ConsistentRead: true }))).Item;
}

const INDEX_KEYS = Object.values(READ_MODEL_INDEXES).map((index) => index.partitionKey);

t.test('dynamodb: the table has the key and two sparse lookup indexes, on demand', async (t) => {
  const client = await isolatedClient(t);
  await ensureUserReadModelTable(client, TABLE);
  const { Table } = await client.send(new DescribeTableCommand({ TableName: TABLE }));
  t.match(Table, {
    TableStatus: 'ACTIVE',
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
  });
  t.same(
    Table?.GlobalSecondaryIndexes?.map((gsi) => [
      gsi.IndexName,
      gsi.KeySchema,
      gsi.Projection?.ProjectionType,
    ]).sort(),
    [
      ['byEmail', [{ AttributeName: 'emailKey', KeyType: 'HASH' }], 'KEYS_ONLY'],
      ['byUsername', [{ AttributeName: 'usernameKey', KeyType: 'HASH' }], 'KEYS_ONLY'],
    ],
    'each index projects keys only, as infra builds them',
  );
  t.equal(userReadModelTableDefinition('x').BillingMode, 'PAY_PER_REQUEST');
});

t.test('dynamodb: ensureUserReadModelTable is safe to call concurrently', async (t) => {
  const client = clientFor(freshAccessKey());
  t.teardown(() => client.destroy());
  const sent = observe(client);
  await Promise.all([1, 2, 3].map(() => ensureUserReadModelTable(client, TABLE)));
  const creates = sent.filter((s) => s.command === 'CreateTableCommand').length;
  t.ok(creates >= 1, `${creates} of 3 callers tried to create the table`);
  const { Table } = await client.send(new DescribeTableCommand({ TableName: TABLE }));
  t.equal(Table?.TableStatus, 'ACTIVE');
});

t.test('dynamodb: ensureUserReadModelTable waits for a table someone else is creating', async (t) => {
  const client = clientFor(freshAccessKey());
  t.teardown(() => client.destroy());
  await client.send(new CreateTableCommand(userReadModelTableDefinition(TABLE)));
  // The table exists, but this caller's describe comes back as if it did not: it must still settle.
  let hidden = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'DescribeTableCommand' || hidden) return next(args);
      hidden = true;
      throw Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' });
    },
    { step: 'initialize', name: 'hideTable' },
  );
  const sent = observe(client);
  await ensureUserReadModelTable(client, TABLE);
  t.ok(sent.some((s) => s.command === 'CreateTableCommand'), 'it tried to create it and lost the race');
});

t.test('dynamodb: ensureUserReadModelTable refuses a table of another shape', async (t) => {
  const client = clientFor(freshAccessKey());
  t.teardown(() => client.destroy());
  const definition = userReadModelTableDefinition(TABLE);
  await client.send(
    new CreateTableCommand({
      ...definition,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'emailKey', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes?.slice(0, 1),
    }),
  );
  await t.rejects(
    ensureUserReadModelTable(client, TABLE),
    /is not a user read-model table: its key is not id alone; index byUsername is missing or differs$/,
  );
});

t.test('dynamodb: ensureUserReadModelTable passes on other errors', async (t) => {
  const client = clientFor(freshAccessKey());
  t.teardown(() => client.destroy());
  const failing = new Set(['DescribeTableCommand']);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!failing.has(context.commandName ?? '')) return next(args);
      throw Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' });
    },
    { step: 'initialize', name: 'deny' },
  );
  await t.rejects(ensureUserReadModelTable(client, TABLE), { name: 'AccessDeniedException' }, 'on describe');
  failing.clear();
  failing.add('CreateTableCommand');
  await t.rejects(ensureUserReadModelTable(client, TABLE), { name: 'AccessDeniedException' }, 'on create');
});

t.test('dynamodb: items carry the view, and only live users carry index keys', async (t) => {
  const client = await isolatedClient(t);
  const readModel = createDynamoDbUserReadModel({ client, tableName: TABLE });
  const view = testView({ email: 'Gone@Example.com', username: 'Gone', name: 'Zoë' });
  await readModel.put(view, 0);

  const live = await rawItem(client, `${READ_MODEL_KEY_PREFIXES.view}${view.id}`);
  t.match(live, {
    id: { S: `user#${view.id}` },
    email: { S: 'Gone@Example.com' },
    username: { S: 'Gone' },
    name: { S: 'Zoë' },
    surname: { NULL: true },
    status: { S: 'registered' },
    version: { N: '1' },
    emailKey: { S: 'email:gone@example.com' },
    usernameKey: { S: 'username:gone' },
  });

  await readModel.put({ ...view, status: 'removed', version: 2 }, 1);
  const tombstone = await rawItem(client, `${READ_MODEL_KEY_PREFIXES.view}${view.id}`);
  t.match(tombstone, { status: { S: 'removed' }, version: { N: '2' } }, 'the tombstone keeps its version');
  for (const attribute of INDEX_KEYS) t.notOk(tombstone && attribute in tombstone, `and has no ${attribute}`);

  await readModel.setCheckpoint('projector', '42');
  const checkpoint = await rawItem(client, `${READ_MODEL_KEY_PREFIXES.checkpoint}projector`);
  const expected = { id: { S: 'checkpoint#projector' }, cursor: { S: '42' } };
  t.same(checkpoint, expected, 'a checkpoint is its key and cursor, with no index key');
});

t.test('dynamodb: a put is one conditional PutItem, won or lost', async (t) => {
  const client = await isolatedClient(t);
  const readModel = createDynamoDbUserReadModel({ client, tableName: TABLE });
  const sent = observe(client);
  const view = testView();
  const next = { ...view, version: 2 };

  t.equal(await readModel.put(view, 0), true);
  t.equal(await readModel.put(next, 1), true);
  t.equal(await readModel.put({ ...next, version: 3 }, 0), false, 'a creation over an existing view loses');
  t.equal(await readModel.put({ ...next, version: 3 }, 1), false, 'a stale expected version loses');
  t.same(
    sent.map((s) => s.command),
    ['PutItemCommand', 'PutItemCommand', 'PutItemCommand', 'PutItemCommand'],
    'nothing is read first, and nothing more is written',
  );
  t.match(sent[0]?.input, { ConditionExpression: 'attribute_not_exists(#key)' });
  t.match(sent[1]?.input, {
    ConditionExpression: '#version = :expected',
    ExpressionAttributeValues: { ':expected': { N: '1' } },
  });
  t.strictSame(await readModel.get(view.id), next);
});

t.test('dynamodb: a put whose response was lost and resent still answers true', async (t) => {
  const client = await isolatedClient(t);
  const readModel = createDynamoDbUserReadModel({ client, tableName: TABLE });
  // Inside the SDK's retry loop: the first PutItem reaches DynamoDB, then its response "times out", so the
  // SDK sends the same request again, whose condition now fails against the first attempt's write.
  let attempts = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutItemCommand') return next(args);
      attempts++;
      const result = await next(args);
      if (attempts === 1) throw Object.assign(new Error('socket timed out'), { name: 'TimeoutError' });
      return result;
    },
    { step: 'finalizeRequest', priority: 'low', name: 'loseFirstResponse' },
  );
  const sent = observe(client);
  const view = testView();
  t.equal(await readModel.put(view, 0), true, 'the write happened, once');
  t.equal(attempts, 2, 'the request went out twice');
  t.equal(sent.length, 1, 'as one command');
  t.strictSame(await readModel.get(view.id), view);
  t.equal(await readModel.put({ ...view, version: 2 }, 0), false, "while a rival's write still loses");
});

t.test('dynamodb: putMany is conditional PutItems in parallel, then the checkpoint, never a transaction', async (t) => {
  const client = await isolatedClient(t);
  const readModel = createDynamoDbUserReadModel({ client, tableName: TABLE });
  let inFlight = 0;
  let maxInFlight = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      try {
        return await next(args);
      } finally {
        inFlight--;
      }
    },
    { step: 'initialize', name: 'countInFlight' },
  );
  const sent = observe(client);
  const views = Array.from({ length: 40 }, () => testView());
  const outcomes = await readModel.putMany(
    views.map((view) => ({ view, expectedVersion: 0 })),
    { name: 'projector', cursor: '40' },
  );
  t.strictSame(outcomes, views.map(() => true));
  t.same(
    sent.map((s) => s.command),
    Array.from({ length: 41 }, () => 'PutItemCommand'),
    'one PutItem per view and one for the checkpoint: 1 WCU each, no TransactWriteItems',
  );
  t.match(sent.slice(0, 40), views.map(() => ({ input: { ConditionExpression: 'attribute_not_exists(#key)' } })));
  t.same(sent.at(-1)?.input['Item'], { id: { S: 'checkpoint#projector' }, cursor: { S: '40' } }, 'the checkpoint last');
  t.ok(maxInFlight > 1 && maxInFlight <= BATCH_CONCURRENCY, `${maxInFlight} puts were in flight at most`);

  sent.length = 0;
  const lost = await readModel.putMany(
    [
      { view: { ...views[0]!, version: 2 }, expectedVersion: 1 },
      { view: { ...views[1]!, version: 2 }, expectedVersion: 0 },
    ],
    { name: 'projector', cursor: '42' },
  );
  t.strictSame(lost, [true, false]);
  t.equal(sent.length, 2, 'a lost write keeps the checkpoint from being sent');
  t.equal(await readModel.getCheckpoint('projector'), '40');
});

t.test('dynamodb: a putMany whose put response was lost and resent still answers true', async (t) => {
  const client = await isolatedClient(t);
  const readModel = createDynamoDbUserReadModel({ client, tableName: TABLE });
  let attempts = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutItemCommand') return next(args);
      attempts++;
      const result = await next(args);
      if (attempts === 1) throw Object.assign(new Error('socket timed out'), { name: 'TimeoutError' });
      return result;
    },
    { step: 'finalizeRequest', priority: 'low', name: 'loseFirstResponse' },
  );
  const view = testView();
  t.strictSame(await readModel.putMany([{ view, expectedVersion: 0 }], { name: 'projector', cursor: '1' }), [true]);
  t.strictSame(await readModel.get(view.id), view);
  t.equal(await readModel.getCheckpoint('projector'), '1', 'so the checkpoint was saved');
});

t.test('dynamodb: a putMany put that fails stops the batch, after the puts in flight settle', async (t) => {
  const client = await isolatedClient(t);
  const readModel = createDynamoDbUserReadModel({ client, tableName: 'no-such-table' });
  const sent = observe(client);
  const writes = Array.from({ length: 40 }, () => ({ view: testView(), expectedVersion: 0 }));
  await t.rejects(readModel.putMany(writes, { name: 'projector', cursor: '1' }), { name: 'ResourceNotFoundException' });
  t.equal(sent.length, BATCH_CONCURRENCY, 'no put was started after the first failure, nor the checkpoint');
});

t.test('dynamodb: two connections racing on put never write a version twice', async (t) => {
  const accessKeyId = freshAccessKey();
  const [a, b] = [clientFor(accessKeyId), clientFor(accessKeyId)];
  t.teardown(() => {
    a.destroy();
    b.destroy();
  });
  await ensureUserReadModelTable(a, TABLE);
  const readModels = [a, b].map((client) => createDynamoDbUserReadModel({ client, tableName: TABLE }));
  const base = testView();
  const wins: number[] = [];
  for (let version = 1; version <= 30; version++) {
    const outcomes = await Promise.all(
      readModels.map((readModel, i) =>
        readModel.put({ ...base, username: `writer-${i}-${version}`, version }, version - 1),
      ),
    );
    wins.push(outcomes.filter(Boolean).length);
    const winner = outcomes.indexOf(true);
    // Read through the loser's connection: it must see the winner's write, not its own attempt.
    const stored = await readModels[1 - winner]?.get(base.id);
    t.equal(stored?.username, `writer-${winner}-${version}`, `the winner of version ${version} is stored`);
  }
  t.same(wins, Array.from({ length: 30 }, () => 1), 'exactly one winner at every version');
});

t.test('dynamodb: lookups follow LastEvaluatedKey through every page of the index', async (t) => {
  const client = await isolatedClient(t);
  const readModel = createDynamoDbUserReadModel({ client, tableName: TABLE });
  const views = ['e', 'c', 'a', 'd', 'b'].map((letter) =>
    testView({ id: `${letter}-${randomUUID()}`, email: 'shared@example.com', username: 'Shared' }),
  );
  for (const view of views) await readModel.put(view, 0);
  // One item per page, as DynamoDB pages any query that reads more than 1 MB.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'QueryCommand') (args.input as { Limit?: number }).Limit = 1;
      return next(args);
    },
    { step: 'initialize', name: 'onePerPage' },
  );
  const sent = observe(client);
  const sorted = [...views].sort((x, y) => (x.id < y.id ? -1 : 1));
  t.strictSame(await readModel.findByEmail('SHARED@example.com'), sorted, 'all five, in id order');
  const queries = sent.filter((s) => s.command === 'QueryCommand');
  t.ok(queries.length > 5, `${queries.length} pages`);
  t.ok(queries.every((s) => s.input['IndexName'] === 'byEmail'), 'each a query of the email index');
  t.same(
    sent.filter((s) => s.command !== 'QueryCommand').map((s) => [s.command, s.input['ConsistentRead']]),
    views.map(() => ['GetItemCommand', true]),
    'then each view found is read by id, strongly consistent (the index projects keys only)',
  );
  sent.length = 0;
  t.strictSame(await readModel.findByUsername('shared'), sorted);
  t.ok(sent.filter((s) => s.command === 'QueryCommand').every((s) => s.input['IndexName'] === 'byUsername'), 'the username index');
});

t.test('dynamodb: a lookup never answers with a view whose key has moved on, or that is gone', async (t) => {
  const client = await isolatedClient(t);
  const readModel = createDynamoDbUserReadModel({ client, tableName: TABLE });
  const kept = testView({ id: `kept-${randomUUID()}`, email: 'old@example.com', username: 'keeper' });
  const moved = testView({ id: `moved-${randomUUID()}`, email: 'old@example.com', username: 'mover' });
  const gone = testView({ id: `gone-${randomUUID()}`, email: 'old@example.com', username: 'goner' });
  for (const view of [kept, moved, gone]) await readModel.put(view, 0);
  // As an index a moment behind its table would: the query still finds all three, but by the time each is
  // read by id, one has a new address and one has been deleted.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const key = ((args.input as { Key?: Item }).Key?.[READ_MODEL_PARTITION_KEY]?.S ?? '');
      if (context.commandName === 'GetItemCommand' && key.endsWith(moved.id)) {
        const item = (result.output as { Item?: Item }).Item!;
        (result.output as { Item?: Item }).Item = { ...item, email: { S: 'new@example.com' } };
      }
      if (context.commandName === 'GetItemCommand' && key.endsWith(gone.id)) delete (result.output as { Item?: Item }).Item;
      return result;
    },
    { step: 'initialize', name: 'staleIndex' },
  );
  t.strictSame(await readModel.findByEmail('old@example.com'), [kept], 'only the view that still has the address');
});

t.test('dynamodb: user ids and checkpoint names never address each other', async (t) => {
  const client = await isolatedClient(t);
  const readModel = createDynamoDbUserReadModel({ client, tableName: TABLE });
  await readModel.setCheckpoint('projector', '7');
  t.equal(await readModel.get('checkpoint#projector'), undefined, 'no user id reads a checkpoint');
  t.equal(await readModel.get('projector'), undefined);

  const lookalike = testView({ id: 'checkpoint#projector' });
  t.equal(await readModel.put(lookalike, 0), true, 'a user with a lookalike id is a user like any other');
  t.strictSame(await readModel.get(lookalike.id), lookalike);
  t.equal(await readModel.getCheckpoint('projector'), '7', 'and leaves the checkpoint alone');
  await readModel.setCheckpoint(`user#${lookalike.id}`, '8');
  t.strictSame(await readModel.get(lookalike.id), lookalike, 'nor can a checkpoint name reach a user');
});

t.test('dynamodb: closing leaves the client open for others', async (t) => {
  const client = await isolatedClient(t);
  const readModel = createDynamoDbUserReadModel({ client, tableName: TABLE });
  const view = testView();
  await readModel.put(view, 0);
  await readModel.close();
  const again = createDynamoDbUserReadModel({ client, tableName: TABLE });
  t.strictSame(await again.get(view.id), view, 'the shared client still works');
});

t.test('dynamodb: passes storage errors on, and never reports them as a lost write', async (t) => {
  const client = await isolatedClient(t);
  const readModel = createDynamoDbUserReadModel({ client, tableName: 'no-such-table' });
  await t.rejects(readModel.put(testView(), 0), { name: 'ResourceNotFoundException' });
  await t.rejects(readModel.findByEmail('a@example.com'), { name: 'ResourceNotFoundException' });
});

t.test('dynamodb: refuses an item that is not a user view', async (t) => {
  const client = await isolatedClient(t);
  const readModel = createDynamoDbUserReadModel({ client, tableName: TABLE });
  const view = testView();
  const valid: Item = {
    id: { S: `user#${view.id}` },
    email: { S: view.email },
    username: { S: view.username },
    name: { NULL: true },
    surname: { S: 'Liddell' },
    status: { S: 'confirmed' },
    version: { N: '3' },
    createdAt: { S: view.createdAt },
    updatedAt: { S: view.updatedAt },
  };
  await client.send(new PutItemCommand({ TableName: TABLE, Item: valid }));
  t.strictSame(
    await readModel.get(view.id),
    { ...view, surname: 'Liddell', status: 'confirmed', version: 3 },
    'an item written by hand in the documented shape reads back',
  );
  const corruptions: Array<[string, Item]> = [
    ['email', { ...valid, email: { N: '1' } }],
    ['surname', { ...valid, surname: { BOOL: false } }],
    ['status', { ...valid, status: { S: 'deleted' } }],
    ['version', { ...valid, version: { N: '0' } }],
    ['version', { ...valid, version: { S: 'three' } }],
  ];
  for (const [attribute, item] of corruptions) {
    await client.send(new PutItemCommand({ TableName: TABLE, Item: item }));
    await t.rejects(
      readModel.get(view.id),
      new RegExp(`^item user#${view.id} of the user read model has no valid ${attribute} attribute$`),
      `a bad ${attribute} is refused`,
    );
  }
});
