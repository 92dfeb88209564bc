/**
 * Blue/green rebuild on DynamoDB Local: two read-model tables, the pointer item in the blue one, a store
 * without global positions, and a live projector (the SQS worker's part) writing through the slotted model.
 */
import { randomUUID } from 'node:crypto';
import {
  BatchWriteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type BatchWriteItemCommandOutput,
} from '@aws-sdk/client-dynamodb';
import type { EventStore, StoredEvent } from '@user-service/event-store';
import { ensureEventStoreTable } from '@user-service/event-store/dynamodb';
import { dynamoDbClientConfig, startDynamoDbLocal } from '@user-service/local-aws';
import {
  createProjector,
  createSlottedReadModel,
  type Slot,
  type SlotPointer,
  type UserView,
} from '@user-service/user-read-model';
import { createDynamoDbUserReadModel, ensureUserReadModelTable } from '@user-service/user-read-model/dynamodb';
import { SLOT_POINTER_ITEM_ID, createDynamoDbSlotPointer } from '@user-service/user-read-model/slots/dynamodb';
import t from 'tap';
import type { DynamoDbSlotStorage } from '../src/config.js';
import { rebuild } from '../src/rebuild.js';
import { clearDynamoDbTable } from '../src/stores-dynamodb.js';
import { openEventStore, openSlots } from '../src/stores.js';
import { initialState } from '@user-service/user-domain';
import { isLeaseError } from '../src/lease.js';
import {
  act,
  assertEqualsFold,
  loop,
  nextCommand,
  runCli,
  seedUsers,
  stepTime,
  type TrackedUser,
} from './fixtures.js';

// DynamoDB Local and a child process each take seconds to start.
t.setTimeout(180_000);

const dynamoDb = await startDynamoDbLocal();
// Without -sharedDb an access key is a database of its own; the CLI below uses the same one.
const accessKeyId = `t${randomUUID().replaceAll('-', '')}`;
const client = new DynamoDBClient(dynamoDbClientConfig(dynamoDb.endpoint, accessKeyId));
t.teardown(async () => {
  client.destroy();
  await dynamoDb.stop();
});

const storage: DynamoDbSlotStorage = {
  kind: 'dynamodb',
  // Without KMS (DynamoDB Local), keys are wrapped under a key derived from the service's secret.
  keySecret: 'test-secret-'.padEnd(48, 'x'),
  eventStoreTable: 'events',
  endpoint: dynamoDb.endpoint,
  readModelTables: { blue: 'user-views', green: 'user-views-green' },
};
// Every table first, before any write (see LOCAL-STACK.md on stream tables).
await ensureEventStoreTable(client, storage.eventStoreTable);
await ensureUserReadModelTable(client, storage.readModelTables.blue);
await ensureUserReadModelTable(client, storage.readModelTables.green);
await ensureEventStoreTable(client, 'empty-events');

const START = Date.parse('2024-03-01T00:00:00.000Z');
const store = await openEventStore(storage, client);
const opened = await openSlots(storage, client);
t.teardown(async () => {
  await opened.close();
  await store.close();
});
const eventStore = store.eventStore;
const seeded = await seedUsers(eventStore, { users: 12, prefix: 'user', start: START });
const streamIds = () => seeded.map((u) => u.streamId);

// The projector worker of another process: it writes through a slotted model over both tables.
const worker = createSlottedReadModel({
  slots: {
    blue: createDynamoDbUserReadModel({ client, tableName: storage.readModelTables.blue }),
    green: createDynamoDbUserReadModel({ client, tableName: storage.readModelTables.green }),
  },
  pointer: createDynamoDbSlotPointer({ client, tableName: storage.readModelTables.blue }),
  refreshMs: 50,
});
const workerProjector = createProjector({ readModel: worker, eventStore });
/** Delivers events to the worker as the queue would. */
const deliver = async (events: readonly StoredEvent[]) => {
  const outcome = await workerProjector.applyBatch(events);
  if (outcome.failed.length > 0) throw new Error('the worker failed an event');
};

t.test('rebuild into green in two passes; the second adds what the first scan went past', async (t) => {
  for (let cursor: string | undefined, isEnd = false; !isEnd; ) {
    const page = await eventStore.readAll({ cursor, limit: 100 });
    await deliver(page.events);
    ({ cursor, isEnd } = page);
  }
  const before = new Map<string, number>();
  for (const id of streamIds()) before.set(id, (await opened.slots.models.blue.get(id))!.version);
  await opened.slots.models.green.put({ ...(await opened.slots.models.blue.get(streamIds()[1]!))!, id: 'ghost' }, 0);

  // During the first pass, a user the scan has already gone past changes; the worker projects the change
  // into blue, the active slot, and the scan will not come back for it.
  let late: { streamId: string; version: number } | undefined;
  const watched: Pick<EventStore, 'readAll' | 'readStream'> = {
    readStream: (...args) => eventStore.readStream(...args),
    async readAll(options) {
      const page = await eventStore.readAll(options);
      if (late === undefined) {
        // A user all of whose events this page returned, and not its last one, whose stream it may go on in.
        const passed = new Set(page.events.map((e) => e.streamId));
        passed.delete(page.events.at(-1)?.streamId ?? '');
        const user = seeded.find((u) => passed.has(u.streamId) && u.state.status !== 'removed');
        if (user === undefined) return page;
        await act(eventStore, user, nextCommand(user, 1, stepTime(START, 10)));
        await deliver(await eventStore.readStream(user.streamId, { fromVersion: user.version }));
        late = { streamId: user.streamId, version: user.version };
      }
      return page;
    },
  };
  let atSwitch: UserView | undefined;
  const pointer: SlotPointer = {
    ...opened.pointer,
    async activate(slot: Slot) {
      atSwitch = await opened.slots.models.green.get(late!.streamId);
      await opened.pointer.activate(slot);
    },
  };

  // Queries of yet another process, sampled all along.
  const reader = createSlottedReadModel({
    slots: {
      blue: createDynamoDbUserReadModel({ client, tableName: storage.readModelTables.blue }),
      green: createDynamoDbUserReadModel({ client, tableName: storage.readModelTables.green }),
    },
    pointer: createDynamoDbSlotPointer({ client, tableName: storage.readModelTables.blue }),
    refreshMs: 50,
  });
  const problems: string[] = [];
  const seen = new Set<Slot>();
  const sampler = loop(async () => {
    seen.add(await reader.activeSlot());
    for (const [id, version] of before) {
      const view = await reader.get(id);
      if (view === undefined || view.version < version) problems.push(`${id}: ${view?.version ?? 'missing'} < ${version}`);
    }
  }, 1);

  const result = await rebuild({
    ...rebuildOf(opened),
    eventStore: watched,
    pointer,
    pageSize: 15,
    switchDelayMs: 200,
    estimateTotal: store.estimateTotal,
  });
  await sampler.stop();

  t.match(result, { slot: 'green', status: 'completed', resumed: false });
  t.equal(atSwitch?.version, late!.version - 1, 'at the switch, green lacked the change the first pass went past');
  t.equal((await opened.slots.models.green.get(late!.streamId))?.version, late!.version, 'the second pass added it');
  await assertEqualsFold(t, opened.slots.models.green, eventStore, streamIds(), 'green');
  t.equal(await opened.slots.models.green.get('ghost'), undefined, 'the table was emptied first');
  t.equal(await opened.pointer.active(), 'green');
  t.same(problems, [], 'no query saw a missing or older user');
  t.same([...seen].sort(), ['blue', 'green']);
  t.ok((await store.estimateTotal(undefined, 0))?.estimate, "DynamoDB's item count is an estimate");
  const empty = await openEventStore({ ...storage, eventStoreTable: 'empty-events' }, client);
  t.equal(await empty.estimateTotal(undefined, 0), undefined, 'no estimate for an empty table');
});

t.test('the next rebuild goes into blue, writing each view once, and emptying it but for the pointer item', async (t) => {
  // Every conditional put of a view into blue, through a client that counts them.
  const blue = viewPutCounter(storage.readModelTables.blue);
  const metered = await openSlots(storage, blue.client);
  // Seven events a page: most users' events straddle two pages.
  const result = await rebuild({ ...rebuildOf(metered), pageSize: 7 });
  t.match(result, { slot: 'blue', status: 'completed' });
  t.equal(blue.count(), seeded.length, 'one write per user in both passes together: its final view');

  // Short pages, as DynamoDB returns them when the scan's filter drops claims: a user's events span three
  // pages and are held back across all of them, so its view is still written once.
  const shortPages: Pick<EventStore, 'readAll' | 'readStream'> = {
    readStream: (...args) => eventStore.readStream(...args),
    readAll: (options) => eventStore.readAll({ ...options, limit: 2 }),
  };
  const green = viewPutCounter(storage.readModelTables.green);
  const short = await openSlots(storage, green.client);
  t.match(
    await rebuild({ ...rebuildOf(short), eventStore: shortPages, pageSize: 7 }),
    { slot: 'green', status: 'completed' },
  );
  t.equal(green.count(), seeded.length, 'one write per user, from short pages too');
  await assertEqualsFold(t, short.slots.models.green, eventStore, streamIds(), 'green, from short pages');
  t.match(await rebuild({ ...rebuildOf(short), pageSize: 7 }), { slot: 'blue', status: 'completed' });
  t.equal(await opened.pointer.active(), 'blue');
  const { Item } = await client.send(
    new GetItemCommand({ TableName: storage.readModelTables.blue, Key: { id: { S: SLOT_POINTER_ITEM_ID } } }),
  );
  t.equal(Item?.['active']?.S, 'blue', 'the pointer item survived the emptying of its table');
  await assertEqualsFold(t, opened.slots.models.blue, eventStore, streamIds(), 'blue');
});

/** A client that counts the conditional puts of views into one table. */
function viewPutCounter(tableName: string): { client: DynamoDBClient; count(): number } {
  let puts = 0;
  const send = ((command: { input: unknown }) => {
    if (command instanceof PutItemCommand) {
      const { TableName, Item } = command.input;
      if (TableName === tableName && Item?.['id']?.S?.startsWith('user#')) puts++;
    }
    return client.send(command as never);
  }) as DynamoDBClient['send'];
  return { client: { send } as DynamoDBClient, count: () => puts };
}

/** A rebuild of the seeded store through `opened`, with a short wait after each pointer change. */
function rebuildOf(through: Awaited<ReturnType<typeof openSlots>>) {
  return {
    eventStore,
    slots: through.slots,
    pointer: through.pointer,
    lease: through.lease,
    checkpointName: 'user-views',
    followsPositions: false,
    switchDelayMs: 100,
  };
}

const cliEnv = {
  STORAGE: 'dynamodb',
  EVENT_STORE_TABLE: storage.eventStoreTable,
  READ_MODEL_TABLE: storage.readModelTables.blue,
  READ_MODEL_GREEN_TABLE: storage.readModelTables.green,
  DYNAMODB_ENDPOINT: dynamoDb.endpoint,
  JWT_SECRET: storage.keySecret!,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: accessKeyId,
  AWS_SECRET_ACCESS_KEY: 'local',
};

t.test('the CLI rebuilds on DynamoDB from its environment', async (t) => {
  const run = await runCli(new URL('../src/rebuild-cli.ts', import.meta.url), ['--page-size', '20'], cliEnv).exited;
  t.equal(run.code, 0, run.stderr);
  t.match(JSON.parse(run.stdout), { slot: 'green', status: 'completed', active: 'green' });
  t.match(run.stderr, /rebuild green: first pass: .*~/, 'with an estimated total');
  t.match(run.stderr, /rebuild green: second pass: .*done in/);
  await assertEqualsFold(t, opened.slots.models.green, eventStore, streamIds(), 'green');
});

t.test('emptying a table resends unprocessed deletes, and gives up after too many', async (t) => {
  const table = storage.readModelTables.blue;
  for (let i = 0; i < 30; i++) {
    await client.send(new PutItemCommand({ TableName: table, Item: { id: { S: `checkpoint#c${i}` }, cursor: { S: 'x' } } }));
  }
  let calls = 0;
  // DynamoDB leaves part of a batch unprocessed under throttling: here, every other batch's second half.
  const throttled = {
    send: (async (command: { input: unknown }) => {
      if (!(command instanceof BatchWriteItemCommand)) return client.send(command as never);
      const requests = command.input.RequestItems![table]!;
      if (++calls % 2 === 0 || requests.length < 2) return client.send(command);
      const half = Math.floor(requests.length / 2);
      await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests.slice(0, half) } }));
      return { UnprocessedItems: { [table]: requests.slice(half) }, $metadata: {} } satisfies BatchWriteItemCommandOutput;
    }) as DynamoDBClient['send'],
  };
  const nothing = { send: (async () => ({ $metadata: {} })) as unknown as DynamoDBClient['send'] };
  t.equal(await clearDynamoDbTable(nothing, table), 0, 'a scan page without items deletes nothing');
  const deleted = await clearDynamoDbTable(throttled, table, { pauseMs: 1 });
  t.ok(deleted >= 30, `deleted ${deleted} items`);
  t.equal(await createDynamoDbSlotPointer({ client, tableName: table }).active(), 'green', 'the pointer item stays');

  await client.send(new PutItemCommand({ TableName: table, Item: { id: { S: 'user#x' }, version: { N: '1' } } }));
  const stuck = {
    send: (async (command: { input: unknown }) => {
      if (!(command instanceof BatchWriteItemCommand)) return client.send(command as never);
      return { UnprocessedItems: command.input.RequestItems, $metadata: {} };
    }) as DynamoDBClient['send'],
  };
  await t.rejects(clearDynamoDbTable(stuck, table, { pauseMs: 1, maxAttempts: 2 }), /kept 1 deletes .* unprocessed/);
});

t.test('under live registrations, every user registered before the switch is in the new slot right after it', async (t) => {
  const from = await opened.pointer.active();
  const target: Slot = from === 'blue' ? 'green' : 'blue';
  const live: TrackedUser[] = [];
  /** Registers a user as the service would, and delivers its event to the worker as the queue would. */
  const register = async (): Promise<void> => {
    const user: TrackedUser = { streamId: `live-${randomUUID()}`, state: initialState, version: 0 };
    await act(eventStore, user, nextCommand(user, 0, stepTime(START, 40, live.length)));
    await deliver(await eventStore.readStream(user.streamId));
    live.push(user);
  };
  // Registrations all along, and one more at every page the fill reads: some land behind its scan.
  const registrations = loop(register, 2);
  let fillPages = 0;
  const watched: Pick<EventStore, 'readAll' | 'readStream'> = {
    readStream: (...args) => eventStore.readStream(...args),
    async readAll(options) {
      const page = await eventStore.readAll(options);
      await register();
      if (++fillPages === 1) {
        // A second rebuild, started while this one runs: refused, in this process and as the CLI.
        const second = await rebuild({ ...rebuildOptions(), leaseOwner: 'second' }).catch((error: unknown) => error);
        t.ok(isLeaseError(second) && second.code === 'LEASE_HELD', 'a second rebuild is refused');
        const cli = await runCli(new URL('../src/rebuild-cli.ts', import.meta.url), ['--restart'], cliEnv).exited;
        t.equal(cli.code, 75, 'the CLI refuses --restart while another owner holds the lease');
        t.match(cli.stderr, /another rebuild \(.+\) holds the lease until/);
      }
      return page;
    },
  };
  let missingAtSwitch: string[] | undefined;
  let registeredBeforeSwitch = 0;
  const pointer: SlotPointer = {
    ...opened.pointer,
    async activate(slot: Slot) {
      const acknowledged = [...streamIds(), ...live.map((u) => u.streamId)];
      registeredBeforeSwitch = live.length;
      await opened.pointer.activate(slot);
      // Right after the switch, before any later pass: every user acknowledged before it is there.
      const views = await opened.slots.models[slot].getMany(acknowledged);
      missingAtSwitch = acknowledged.filter((_, i) => views[i] === undefined);
    },
  };
  const rebuildOptions = () => ({ ...rebuildOf(opened), eventStore: watched, pointer, pageSize: 4, switchDelayMs: 200 });
  const result = await rebuild(rebuildOptions());
  await registrations.stop();

  t.match(result, { slot: target, status: 'completed' });
  t.ok(fillPages > 1 && registeredBeforeSwitch > fillPages, `${registeredBeforeSwitch} users registered during the fill`);
  t.same(missingAtSwitch, [], 'no user registered before the switch is missing from the new slot after it');
  t.equal((await opened.pointer.read()).filling, undefined, 'the fill is over: writers write one slot again');
  t.equal(await opened.lease.read(), undefined, 'the lease was released');
  await assertEqualsFold(t, opened.slots.models[target], eventStore, [...streamIds(), ...live.map((u) => u.streamId)], target);
});
