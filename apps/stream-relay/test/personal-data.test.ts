/**
 * The relay publishes personal data opened: readable for a user, forgotten for an erased one, never sealed;
 * a stream whose sealed data is corrupt is parked, and a key store it cannot reach fails the batch whole.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { StoredEvent } from '@user-service/event-store';
import { createMemoryEventStore } from '@user-service/event-store/memory';
import { ensureTopology, localClientConfig, startSnsSqs } from '@user-service/local-aws';
import {
  createDataKeys,
  createEventOpener,
  createLocalKeyWrapper,
  createMemoryKeyStore,
  createPersonalDataEventStore,
} from '@user-service/personal-data';

import t from 'tap';

/** The domain's placeholder for a forgotten field (FORGOTTEN in @user-service/user-domain). */
const FORGOTTEN = '[erased]';
import { createRelay } from '../src/relay.js';
import { capturedLogger, drain, insertEvent, parkingQueue, userHistory } from './helpers.js';

const emulator = await startSnsSqs();
const sns = new SNSClient(localClientConfig(emulator.endpoint));
const sqs = new SQSClient(localClientConfig(emulator.endpoint));
t.teardown(async () => {
  sns.destroy();
  sqs.destroy();
  await emulator.stop();
});

const keys = createDataKeys({ store: createMemoryKeyStore(), wrapper: createLocalKeyWrapper(randomBytes(32)) });
const inner = createMemoryEventStore();
const store = createPersonalDataEventStore(inner, { keys });

/** A user's history as the table's stream carries it: sealed. */
async function sealedHistory(streamId: string, count: number): Promise<StoredEvent[]> {
  const history = userHistory(streamId, count);
  await store.append(
    streamId,
    history.map(({ eventId, type, schemaVersion, data, metadata }) => ({ eventId, type, schemaVersion, data, metadata })),
    { expectedVersion: 0 },
  );
  return inner.readStream(streamId);
}

async function setup(t: Tap, openPersonalData = createEventOpener(keys)) {
  const name = `p${randomUUID().slice(0, 8)}`;
  const topology = await ensureTopology({ sns, sqs }, { topicName: `${name}.fifo`, consumers: [`${name}-projector`] });
  const parked = await parkingQueue(sqs, `${name}-parking`);
  const logs = capturedLogger();
  const relay = createRelay({ sns, topicArn: topology.topicArn, parking: parked.parking, log: logs.log, openPersonalData });
  return { relay, parked, queueUrl: topology.consumers[`${name}-projector`]!.queueUrl };
}
type Tap = Parameters<Parameters<typeof t.test>[0]>[0];

t.test('publishes opened data, and an erased user’s as forgotten', async (t) => {
  const { relay, queueUrl } = await setup(t);
  const alice = await sealedHistory(`alice-${randomUUID()}`, 2);
  const bob = await sealedHistory(`bob-${randomUUID()}`, 2);
  t.match(JSON.stringify(alice[0]?.data), /\$sealed/, 'the stream carries the data sealed');
  await keys.destroy(bob[0]!.streamId);
  const erasedAt = new Date().toISOString();
  await store.append(bob[0]!.streamId, [{ eventId: randomUUID(), type: 'UserErased', schemaVersion: 1, data: { erasedAt }, metadata: alice[0]!.metadata }], { expectedVersion: 2 });
  const tombstone = (await inner.readStream(bob[0]!.streamId)).at(-1)!;

  const result = await relay.handle({ Records: [...alice, ...bob, tombstone].map(insertEvent) });
  t.same(result, { batchItemFailures: [] });
  const bodies = (await drain(sqs, queueUrl, 5)).map((m) => JSON.parse(m.body) as { type: string; subject: string; data: Record<string, unknown> });
  const of = (streamId: string) => bodies.filter((b) => b.subject === streamId);
  t.equal(of(alice[0]!.streamId)[0]?.data['email'], `${alice[0]!.streamId}@example.com`, 'a user’s email arrives readable');
  t.equal(of(bob[0]!.streamId)[0]?.data['email'], FORGOTTEN, 'an erased user’s reads as forgotten');
  t.equal(of(bob[0]!.streamId).at(-1)?.type, 'UserErased', 'and their tombstone reaches other services');
  t.notOk(bodies.some((b) => JSON.stringify(b).includes('$sealed')), 'nothing is published sealed');
});

t.test('a stream whose sealed data is corrupt is parked; the others are published', async (t) => {
  const { relay, parked, queueUrl } = await setup(t);
  const good = await sealedHistory(`good-${randomUUID()}`, 1);
  const [bad] = await sealedHistory(`bad-${randomUUID()}`, 1);
  const corrupt = { ...bad!, data: { ...bad!.data, email: { $sealed: 'v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } } };
  const result = await relay.handle({ Records: [insertEvent(corrupt), ...good.map(insertEvent)] });
  t.same(result, { batchItemFailures: [] }, 'the batch goes on');
  t.equal((await parked.take(1)).length, 1, 'the corrupt record is parked');
  t.equal((await drain(sqs, queueUrl, 1)).length, 1, 'the good one is published');
});

t.test('keys it cannot reach fail the batch whole, and nothing is published', async (t) => {
  const unreachable = async (): Promise<never> => {
    throw Object.assign(new Error('KMS is throttling'), { name: 'ThrottlingException' });
  };
  const { relay, queueUrl } = await setup(t, unreachable);
  const events = await sealedHistory(`user-${randomUUID()}`, 2);
  await t.rejects(relay.handle({ Records: events.map(insertEvent) }), /throttling/, 'Lambda retries the whole batch');
  t.same(await drain(sqs, queueUrl, 0, 1000), [], 'nothing was published');
});
