import { randomUUID } from 'node:crypto';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamoDbClientConfig, startDynamoDbLocal } from '@user-service/local-aws';
import t from 'tap';
import { createDynamoDbUserReadModel, ensureUserReadModelTable } from '../src/dynamodb.js';
import { SLOT_POINTER_ITEM_ID, createDynamoDbSlotPointer } from '../src/slots-dynamodb.js';
import { createSlottedReadModel, type Slot } from '../src/slots.js';
import { slotPointerFillContract, testView } from '../src/testing.js';

// DynamoDB Local takes seconds to start.
t.setTimeout(120_000);

const TABLES = { blue: 'user-views', green: 'user-views-green' } as const;
const dynamoDb = await startDynamoDbLocal();
// Without -sharedDb an access key of its own is an empty database of its own.
const client = new DynamoDBClient(dynamoDbClientConfig(dynamoDb.endpoint, `t${randomUUID().replaceAll('-', '')}`));
t.teardown(async () => {
  client.destroy();
  await dynamoDb.stop();
});
await ensureUserReadModelTable(client, TABLES.blue);
await ensureUserReadModelTable(client, TABLES.green);

t.test('dynamodb pointer: blue until activated, then one item in the given table', async (t) => {
  const pointer = createDynamoDbSlotPointer({
    client,
    tableName: TABLES.blue,
    now: () => Date.parse('2024-03-01T09:00:00.000Z'),
  });
  t.equal(await pointer.active(), 'blue');
  await pointer.activate('green');
  t.equal(await pointer.active(), 'green');
  t.equal(await createDynamoDbSlotPointer({ client, tableName: TABLES.blue }).active(), 'green', 'for every reader');
  const { Item } = await client.send(
    new GetItemCommand({ TableName: TABLES.blue, Key: { id: { S: SLOT_POINTER_ITEM_ID } } }),
  );
  t.same(Item, {
    id: { S: 'control#active-slot' },
    active: { S: 'green' },
    activatedAt: { S: '2024-03-01T09:00:00.000Z' },
  });
  await pointer.activate('blue');
  t.equal(await pointer.active(), 'blue');
});

t.test('dynamodb pointer: the slot being filled', (t) =>
  slotPointerFillContract(t, () =>
    createDynamoDbSlotPointer({ client, tableName: TABLES.blue, itemId: `control#${randomUUID()}` }),
  ),
);

t.test('dynamodb pointer: shares a read-model table without meeting a view or a checkpoint', async (t) => {
  const itemId = `control#${randomUUID()}`;
  const pointer = createDynamoDbSlotPointer({ client, tableName: TABLES.blue, itemId });
  const readModel = createDynamoDbUserReadModel({ client, tableName: TABLES.blue });
  // A user and a checkpoint named like the pointer's item.
  const view = testView({ id: itemId });
  await readModel.put(view, 0);
  await readModel.setCheckpoint(itemId, '7');
  t.equal(await pointer.active(), 'blue', 'neither is taken for the pointer');
  await pointer.activate('green');
  t.strictSame(await readModel.get(view.id), view, 'the pointer overwrote neither');
  t.equal(await readModel.getCheckpoint(itemId), '7');

  for (const bad of ['user#x', 'checkpoint#x', '']) {
    t.throws(() => createDynamoDbSlotPointer({ client, tableName: TABLES.blue, itemId: bad }), {
      code: 'INVALID_ARGUMENT',
    });
  }
});

t.test('dynamodb pointer: refuses a non-slot and an item that names none', async (t) => {
  const itemId = `control#${randomUUID()}`;
  const pointer = createDynamoDbSlotPointer({ client, tableName: TABLES.blue, itemId });
  await t.rejects(pointer.activate('purple' as Slot), { code: 'INVALID_ARGUMENT' });
  await t.rejects(pointer.setFilling('purple' as Slot), { code: 'INVALID_ARGUMENT' });
  await client.send(
    new PutItemCommand({ TableName: TABLES.blue, Item: { id: { S: itemId }, active: { S: 'purple' } } }),
  );
  await t.rejects(pointer.active(), /does not name a read-model slot as the active one/);
  await client.send(
    new PutItemCommand({
      TableName: TABLES.blue,
      Item: { id: { S: itemId }, active: { S: 'blue' }, filling: { N: '1' } },
    }),
  );
  await t.rejects(pointer.read(), /as the one being filled/);
});

t.test('slotted over two tables: a switch moves queries from one table to the other', async (t) => {
  const slots = {
    blue: createDynamoDbUserReadModel({ client, tableName: TABLES.blue }),
    green: createDynamoDbUserReadModel({ client, tableName: TABLES.green }),
  };
  const pointer = createDynamoDbSlotPointer({ client, tableName: TABLES.blue, itemId: `control#${randomUUID()}` });
  const readModel = createSlottedReadModel({ slots, pointer, refreshMs: 0 });
  t.teardown(() => readModel.close());
  const inGreen = testView();
  await slots.green.put(inGreen, 0);
  t.equal(await readModel.get(inGreen.id), undefined);
  await pointer.activate('green');
  t.strictSame(await readModel.get(inGreen.id), inGreen);
});
