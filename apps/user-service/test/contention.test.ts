import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoDbEventStore, ensureEventStoreTable } from '@user-service/event-store/dynamodb';
import { dynamoDbClientConfig, startDynamoDbLocal } from '@user-service/local-aws';
import { pino } from 'pino';
import t from 'tap';
import { DEFAULT_MAX_ATTEMPTS, createCommandRunner, jitteredBackoff } from '../src/application/commands.js';
import { isApplicationError } from '../src/application/errors.js';
import { createUserStates } from '../src/application/user-states.js';

// Across processes (Lambda instances) nothing queues commands on one user: optimistic concurrency with a
// jittered backoff is the guard, and it must neither lose an update nor give up under a burst.
t.setTimeout(240_000);

const dynamoDb = await startDynamoDbLocal();
t.teardown(() => dynamoDb.stop());
const client = new DynamoDBClient(dynamoDbClientConfig(dynamoDb.endpoint, `t${randomUUID().replaceAll('-', '')}`));
t.teardown(() => client.destroy());
await ensureEventStoreTable(client, 'events');
const eventStore = createDynamoDbEventStore({ client, tableName: 'events' });
const log = pino({ level: 'silent' });
const now = () => new Date().toISOString();

/** One service instance: its own state cache and command runner, over the shared table. */
function instance(backoff?: (attempt: number) => Promise<void>) {
  const states = createUserStates({ eventStore, log });
  return createCommandRunner({ eventStore, states, newEventId: randomUUID, ...(backoff ? { backoff } : {}) });
}

async function registered(): Promise<string> {
  const userId = randomUUID();
  await instance().run(
    userId,
    () => ({ type: 'RegisterUser', now: now(), email: `${userId}@example.com`, username: `u${userId.slice(0, 8)}`, passwordHash: 'h' }),
    { correlationId: randomUUID() },
  );
  return userId;
}

/** `writers` instances change one user's name at once; returns how each change ended. */
async function burst(writers: number, backoff?: (attempt: number) => Promise<void>) {
  const userId = await registered();
  const outcomes = await Promise.all(
    Array.from({ length: writers }, (_, i) =>
      instance(backoff)
        .run(userId, () => ({ type: 'UpdateProfile', now: now(), name: `writer ${i}` }), { correlationId: randomUUID() })
        .then(
          () => 'ok',
          (error: unknown) => (isApplicationError(error) ? error.code : 'crashed'),
        ),
    ),
  );
  const stream = await eventStore.readStream(userId);
  return { outcomes, stream };
}

t.test('20 instances changing one user at once: every change lands, with contiguous versions', async (t) => {
  const defaultBackoff = jitteredBackoff();
  let mostAttempts = 1;
  const { outcomes, stream } = await burst(20, async (attempt) => {
    mostAttempts = Math.max(mostAttempts, attempt + 1);
    await defaultBackoff(attempt);
  });
  const failed = outcomes.filter((outcome) => outcome !== 'ok');
  t.comment(
    `20 concurrent writers on DynamoDB Local: ${20 - failed.length} succeeded, ${failed.length} failed; ` +
      `the unluckiest needed ${mostAttempts} of its ${DEFAULT_MAX_ATTEMPTS} attempts`,
  );
  t.same(failed, [], 'no WRITE_CONTENTION: the backoff spreads the retries out');
  t.same(
    stream.map((event) => event.version),
    Array.from({ length: 21 }, (_, i) => i + 1),
    'the registration and 20 changes, versions 1..21 without a gap',
  );
  const names = new Set(stream.slice(1).map((event) => (event.data as { changes: { name?: string } }).changes.name));
  t.equal(names.size, 20, 'each writer’s own change is in the history: none was lost or applied twice');
});

t.test('the same burst without waiting between attempts runs out of attempts', async (t) => {
  const { outcomes } = await burst(40, async () => undefined);
  const contention = outcomes.filter((outcome) => outcome === 'WRITE_CONTENTION').length;
  t.comment(`without backoff: ${contention} of 40 writers gave up with WRITE_CONTENTION`);
  t.ok(contention > 0, 'the control: the burst is contended enough that retrying at once is not enough');
});

t.test('the default backoff waits a random share of a ceiling that doubles per attempt, up to its cap', async (t) => {
  const waits: number[] = [];
  const backoff = jitteredBackoff({ baseMs: 10, capMs: 50, random: () => 0.5, wait: async (ms) => waits.push(ms) });
  for (const attempt of [1, 2, 3, 4, 5]) await backoff(attempt);
  t.same(waits, [5, 10, 20, 25, 25], 'half of 10, 20, 40, then of the 50 ms cap');
});
