/**
 * The operator tools and an erased user: replay, republish and a rebuild read the user's history with their
 * key destroyed, succeed, publish or project nothing of their personal data, and keep them gone.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createSqliteEventStore } from '@user-service/event-store/sqlite';
import { parseCloudEvent } from '@user-service/integration-events';
import { ensureTopology, localClientConfig, startSnsSqs } from '@user-service/local-aws';
import { openLocalDataKeys } from '@user-service/personal-data/sqlite';
import { FORGOTTEN } from '@user-service/user-domain';
import t from 'tap';
import { rebuild } from '../src/rebuild.js';
import { replay } from '../src/replay.js';
import { republish } from '../src/republish.js';
import { openEventStore, openSlots } from '../src/stores.js';
import { act, seedUsers, stepTime } from './fixtures.js';

t.setTimeout(120_000);

const emulator = await startSnsSqs();
const sqs = new SQSClient(localClientConfig(emulator.endpoint));
const sns = new SNSClient(localClientConfig(emulator.endpoint));
const dir = mkdtempSync(join(tmpdir(), 'ops-erasure-'));
t.teardown(async () => {
  sqs.destroy();
  sns.destroy();
  await emulator.stop();
  rmSync(dir, { recursive: true, force: true });
});
const topology = await ensureTopology({ sns, sqs }, { consumers: ['projector'] });
const queueUrl = topology.consumers['projector']!.queueUrl;

const START = Date.parse('2024-03-01T00:00:00.000Z');
const dataDir = join(dir, 'data');
mkdirSync(dataDir);
await createSqliteEventStore({ filename: join(dataDir, 'events.db') }).close();
const seeding = await openEventStore({ kind: 'sqlite', dataDir });
const users = await seedUsers(seeding.eventStore, { users: 3, prefix: 'er', start: START });
const erased = users[1]!;
await act(seeding.eventStore, erased, { type: 'EraseUser', now: stepTime(START, 9) });
await seeding.close();
// The service destroys the key once the tombstone is recorded; here, as another process would.
const keys = openLocalDataKeys({ dataDir });
await keys.destroy(erased.streamId);
await keys.close();
const NEEDLES = ['er-1@example.com', 'er-1@example.org', 'er_1', 'Name 1'];

/** A tool run reads through a store it opens itself, as each CLI process does. */
const store = await openEventStore({ kind: 'sqlite', dataDir });
t.teardown(() => store.close());
const TOTAL = users.reduce((sum, user) => sum + user.version, 0);

type Tap = Parameters<Parameters<typeof t.test>[0]>[0];

async function drain() {
  const bodies: string[] = [];
  for (let empty = 0; empty < 3; ) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    if (Messages.length === 0) {
      empty++;
      continue;
    }
    empty = 0;
    bodies.push(...Messages.map((m) => m.Body!));
    await sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }),
    );
  }
  return bodies;
}

function checkMessages(t: Tap, bodies: readonly string[]) {
  t.equal(bodies.length, TOTAL, 'every event was sent, the erased user’s included');
  const theirs = bodies.map(parseCloudEvent).filter((e) => e.streamId === erased.streamId);
  t.equal(theirs.at(-1)?.type, 'UserErased', 'ending with their tombstone');
  t.equal(theirs[0]?.data['email'], FORGOTTEN, 'their data reads as forgotten');
  const leaked = NEEDLES.filter((needle) => bodies.some((body) => body.includes(needle)));
  t.same(leaked, [], 'no message carries their email, username or name');
  t.ok(bodies.some((body) => body.includes('er-2@example.org')), 'while others’ data travels as before');
}

t.test('pnpm replay sends an erased user’s history forgotten', async (t) => {
  const result = await replay({ eventStore: store.eventStore, sqs, queueUrl, consumer: 'projector', checkpointFile: join(dir, 'replay.json'), pageSize: 5 });
  t.match(result, { status: 'completed', sent: TOTAL });
  checkMessages(t, await drain());
});

t.test('pnpm republish publishes an erased user’s history forgotten', async (t) => {
  const result = await republish({
    eventStore: store.eventStore,
    sns,
    topicArn: topology.topicArn,
    filters: { user: null, since: '2000-01-01T00:00:00.000Z', until: null },
    checkpointFile: join(dir, 'republish.json'),
    pageSize: 5,
  });
  t.match(result, { status: 'completed', sent: TOTAL });
  checkMessages(t, await drain());
});

t.test('pnpm rebuild-read-model succeeds after an erasure, and the user stays gone', async (t) => {
  const opened = await openSlots({ kind: 'sqlite', dataDir });
  t.teardown(() => opened.close());
  const result = await rebuild({
    eventStore: store.eventStore,
    slots: opened.slots,
    pointer: opened.pointer,
    lease: opened.lease,
    checkpointName: 'user-views',
    followsPositions: true,
    pageSize: 5,
    switchDelayMs: 0,
  });
  t.match(result, { status: 'completed', events: TOTAL });
  const active = opened.slots.models[await opened.pointer.active()];
  t.match(await active.get(erased.streamId), { status: 'removed', email: FORGOTTEN, username: FORGOTTEN, name: null }, 'a scrubbed tombstone');
  t.same(await active.findByEmail('er-1@example.org'), [], 'found by no lookup');
  t.equal((await active.get(users[2]!.streamId))?.email, 'er-2@example.org', 'others rebuilt as they are');
});
