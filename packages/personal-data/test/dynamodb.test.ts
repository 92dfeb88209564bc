/**
 * The DynamoDB key store on DynamoDB Local, as items of the event-store table: the shared key-store contract,
 * a decorated DynamoDB event store end to end, and what the table holds after a key's destruction.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoDbEventStore, ensureEventStoreTable } from '@user-service/event-store/dynamodb';
import { testEvent } from '@user-service/event-store/testing';
import { dynamoDbClientConfig, startDynamoDbLocal } from '@user-service/local-aws';
import { FORGOTTEN } from '@user-service/user-domain';
import t from 'tap';
import { createPersonalDataEventStore, isPersonalDataError } from '../src/index.js';
import { KEY_ITEM_PREFIX, createDynamoDbKeyStore, openDynamoDbDataKeys } from '../src/dynamodb.js';
import { keyStoreContract } from '../src/testing.js';

t.setTimeout(120_000);
const TABLE = 'events';
const dynamoDb = await startDynamoDbLocal();
const client = new DynamoDBClient(dynamoDbClientConfig(dynamoDb.endpoint, `t${randomUUID().replaceAll('-', '')}`));
await ensureEventStoreTable(client, TABLE);
t.teardown(async () => {
  client.destroy();
  await dynamoDb.stop();
});

keyStoreContract(t, 'dynamodb', async () => ({ store: createDynamoDbKeyStore({ client, tableName: TABLE }) }), `${randomUUID()}-`);

t.test('a DynamoDB event store seals personal data, and forgets it in one write', async (t) => {
  const { keys, wrapping } = await openDynamoDbDataKeys({
    client,
    tableName: TABLE,
    keySecret: 'a-shared-secret-of-at-least-32-bytes',
  });
  t.equal(wrapping, 'local', 'without KMS, a key derived from the shared secret wraps the keys');
  const inner = createDynamoDbEventStore({ client, tableName: TABLE });
  const store = createPersonalDataEventStore(inner, { keys });
  const streamId = `user-${randomUUID()}`;
  const data = { email: 'dora@example.com', username: 'Dora', name: 'Dora', surname: null };
  await store.append(streamId, [testEvent('UserRegistered', data)], { expectedVersion: 0, claims: ['email:dora@example.com'] });

  t.notMatch(JSON.stringify(await inner.readStream(streamId)), /dora/i, 'the table holds no plaintext');
  t.same((await store.readStream(streamId))[0]?.data, data, 'and reads it back opened');
  t.equal(await store.lookupClaim('email:dora@example.com'), streamId, 'the claim is found by its value');

  const keyItem = { pk: { S: `${KEY_ITEM_PREFIX}${streamId}` }, sk: { N: '0' } };
  const before = await client.send(new GetItemCommand({ TableName: TABLE, Key: keyItem, ConsistentRead: true }));
  t.ok(before.Item?.['wrapped']?.B, 'the wrapped key is an item of the event-store table');
  await store.forget(streamId);
  const after = await client.send(new GetItemCommand({ TableName: TABLE, Key: keyItem, ConsistentRead: true }));
  t.equal(after.Item?.['wrapped'], undefined, 'destroyed: the item keeps no key');
  t.ok(after.Item?.['destroyedAt']?.S, 'only when it was destroyed');

  // Another instance, with nothing cached, reads the user as forgotten.
  const other = createPersonalDataEventStore(inner, { keys: (await openDynamoDbDataKeys({ client, tableName: TABLE, keySecret: randomBytes(32).toString('hex') })).keys });
  t.equal((await other.readStream(streamId))[0]?.data['email'], FORGOTTEN, 'every instance reads the data as forgotten');

  const { keys: none } = await openDynamoDbDataKeys({ client, tableName: TABLE });
  const blind = createPersonalDataEventStore(inner, { keys: none });
  const refused = await blind.append(`user-${randomUUID()}`, [testEvent('UserRegistered', data)], { expectedVersion: 0 }).catch((e: unknown) => e);
  t.ok(isPersonalDataError(refused) && refused.code === 'NO_KEY_ACCESS', 'a process without key access stops, it never guesses');
});
