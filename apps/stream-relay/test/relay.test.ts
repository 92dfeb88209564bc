import { randomUUID } from 'node:crypto';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { StoredEvent } from '@user-service/event-store';
import { toCloudEvent } from '@user-service/integration-events';
import { ensureTopology, localClientConfig, startSnsSqs } from '@user-service/local-aws';
import type { DynamoDBRecord } from 'aws-lambda';
import t, { type Test } from 'tap';
import { createRelay } from '../src/relay.js';
import {
  PASSWORD_HASH,
  TOKEN_HASH,
  byGroup,
  capturedLogger,
  claimItem,
  drain,
  eventItem,
  idempotencyItem,
  insertEvent,
  observePublishBatch,
  snapshotItem,
  streamRecord,
  userHistory,
} from './helpers.js';

const emulator = await startSnsSqs();
t.teardown(() => emulator.stop());

/** A relay on its own topic and projector queue, with its calls observed and its logs captured. */
async function setup(t: Test) {
  const sns = new SNSClient(localClientConfig(emulator.endpoint));
  const sqs = new SQSClient(localClientConfig(emulator.endpoint));
  t.teardown(() => {
    sns.destroy();
    sqs.destroy();
  });
  const name = `t${randomUUID().slice(0, 8)}`;
  const topology = await ensureTopology({ sns, sqs }, { topicName: `${name}.fifo`, consumers: [`${name}-projector`] });
  const queueUrl = topology.consumers[`${name}-projector`]!.queueUrl;
  const observed = observePublishBatch(sns);
  const logs = capturedLogger();
  const relay = createRelay({ sns, topicArn: topology.topicArn, log: logs.log });
  return { sqs, queueUrl, observed, logs, relay };
}

const seq = (record: DynamoDBRecord | undefined) => record?.dynamodb?.SequenceNumber;
const failuresOf = (records: readonly (DynamoDBRecord | undefined)[]) =>
  records.map((record) => ({ itemIdentifier: seq(record) }));

function assertNoSecrets(t: Test, texts: readonly string[], what: string): void {
  for (const text of texts) {
    if (/passwordHash|tokenHash/.test(text) || text.includes(PASSWORD_HASH) || text.includes(TOKEN_HASH)) {
      t.fail(`${what} carries a secret: ${text}`);
      return;
    }
  }
  t.pass(`no ${what} carries a secret`);
}

t.test('only inserted events are published, each as its CloudEvent, in order per user', async (t) => {
  const { sqs, queueUrl, observed, logs, relay } = await setup(t);
  const ann = userHistory('ann', 3);
  const bob = userHistory('bob', 2);
  const [ann1, ann2, ann3] = ann;
  const [bob1, bob2] = bob;
  const records: DynamoDBRecord[] = [
    // A registration: the event, its two claims and the idempotency record, in one transaction.
    streamRecord('INSERT', claimItem('email:ann@example.com', 'ann')),
    insertEvent(ann1!),
    streamRecord('INSERT', claimItem('username:ann', 'ann')),
    streamRecord('INSERT', idempotencyItem('key-1', ann1!)),
    insertEvent(bob1!),
    // Out of order within the batch: the relay sorts each user's events by version.
    insertEvent(ann3!),
    insertEvent(ann2!),
    streamRecord('REMOVE', claimItem('username:ann', 'ann')),
    // Not news: events never change, and a MODIFY of one must not publish it again.
    streamRecord('MODIFY', eventItem(bob1!)),
    streamRecord('REMOVE', idempotencyItem('key-1', ann1!)),
    insertEvent(bob2!),
  ];

  const response = await relay.handle({ Records: records });
  t.same(response, { batchItemFailures: [] }, 'nothing failed');
  t.same(
    observed.calls.flat().map((e) => e.MessageDeduplicationId),
    [...ann, ...bob].map((e) => e.eventId),
    'exactly the five inserted events were published, sorted by user and version',
  );

  const received = await drain(sqs, queueUrl, 5);
  const groups = byGroup(received);
  t.same(groups.get('ann'), ann.map((e) => toCloudEvent(e)), "ann's events, in version order, as CloudEvents");
  t.same(groups.get('bob'), bob.map((e) => toCloudEvent(e)), "bob's events, in version order, as CloudEvents");
  for (const m of received) {
    const body = JSON.parse(m.body) as { id: string; subject: string };
    t.equal(m.deduplicationId, body.id, 'the deduplication id is the event id');
    t.equal(m.groupId, body.subject, 'the message group is the user');
  }
  assertNoSecrets(t, received.map((m) => m.body), 'published message');

  t.match(
    logs.entries().find((e) => e['msg'] === 'stream batch relayed'),
    { level: 30, records: 11, published: 5, skipped: 6, failed: 0, publishCalls: 1 },
    'the batch is logged with its counts',
  );
  t.match(
    logs.entries().find((e) => e['msg'] === 'event published'),
    { eventId: ann1!.eventId, streamId: 'ann', version: 1, correlationId: ann1!.metadata.correlationId },
    'each event is logged by its correlation ids',
  );
  assertNoSecrets(t, logs.lines, 'log line');
  t.notOk(logs.lines.some((line) => line.includes('"data"') || line.includes('Name 2')), 'no log line holds event data');
});

t.test('snapshot items are skipped, inserted or replaced: never published, never reported as unreadable', async (t) => {
  const { sqs, queueUrl, observed, logs, relay } = await setup(t);
  const [ann1, ann2] = userHistory('ann', 2);
  // The snapshot's state holds what a fold of ann's events holds, secrets included: it must never go out.
  const state = { status: 'active', email: 'ann@example.com', passwordHash: PASSWORD_HASH };
  const records: DynamoDBRecord[] = [
    insertEvent(ann1!),
    streamRecord('INSERT', snapshotItem('ann', 'user-state@1', 1, state)),
    insertEvent(ann2!),
    // A later snapshot replaces the item in place: a MODIFY of the same key.
    streamRecord('MODIFY', snapshotItem('ann', 'user-state@1', 2, state)),
    streamRecord('INSERT', snapshotItem('ann', 'user-state@2', 2, state)),
    // A snapshot of a stream whose id looks like an event partition key is still a snapshot.
    streamRecord('INSERT', snapshotItem('stream#bob', 'user-state@1', 1, state)),
  ];

  const response = await relay.handle({ Records: records });
  t.same(response, { batchItemFailures: [] }, 'no snapshot record is reported as failed');
  t.same(
    observed.calls.flat().map((e) => e.MessageDeduplicationId),
    [ann1!.eventId, ann2!.eventId],
    "ann's two events alone were published",
  );
  const received = await drain(sqs, queueUrl, 2);
  t.same(byGroup(received).get('ann'), [ann1!, ann2!].map((e) => toCloudEvent(e)));
  assertNoSecrets(t, received.map((m) => m.body), 'published message');
  t.match(
    logs.entries().find((e) => e['msg'] === 'stream batch relayed'),
    { level: 30, records: 6, published: 2, skipped: 4, failed: 0 },
    'the four snapshot records are counted as skipped',
  );
  t.notOk(
    logs.entries().some((e) => e['msg'] === 'stream record holds an unreadable event'),
    'none is logged as an unreadable event',
  );
  assertNoSecrets(t, logs.lines, 'log line');
});

t.test('23 events take three PublishBatch calls of at most ten entries, with ids unique per call', async (t) => {
  const { sqs, queueUrl, observed, relay } = await setup(t);
  const history = userHistory('carol', 23);
  const response = await relay.handle({ Records: history.map(insertEvent) });

  t.same(response.batchItemFailures, []);
  t.same(observed.calls.map((call) => call.length), [10, 10, 3], 'three calls: 10, 10 and 3 entries');
  for (const call of observed.calls) t.equal(new Set(call.map((e) => e.Id)).size, call.length, 'unique entry ids');
  const received = await drain(sqs, queueUrl, 23);
  t.same(
    received.map((m) => (JSON.parse(m.body) as { streamversion: number }).streamversion),
    history.map((e) => e.version),
    'all 23 arrive, in version order',
  );
});

t.test('a batch is also split so that its messages stay within 256 KiB', async (t) => {
  const { sqs, queueUrl, observed, relay } = await setup(t);
  const [first] = userHistory('dave', 1);
  const big = (version: number): StoredEvent => ({
    ...first!,
    version,
    eventId: randomUUID(),
    type: 'UserProfileUpdated',
    data: { changes: { name: 'x'.repeat(100_000) } },
  });
  const events = [first!, big(2), big(3), big(4)];
  const response = await relay.handle({ Records: events.map(insertEvent) });
  t.same(response.batchItemFailures, []);
  t.same(observed.calls.map((call) => call.length), [3, 1], 'about 200 KiB in the first call, the rest in a second');
  await drain(sqs, queueUrl, 4);
});

t.test('an unreadable record fails, with the later records of its stream; other streams go on', async (t) => {
  const { sqs, queueUrl, observed, logs, relay } = await setup(t);
  const [ann1, ann2, ann3] = userHistory('ann', 3);
  const [bob1, bob2] = userHistory('bob', 2);
  const [eve1] = userHistory('eve', 1);
  // Built in batch order, so that sequence numbers grow along the batch as they do on a shard.
  const records = [
    insertEvent(ann1!),
    insertEvent(bob1!),
    // ann's second event holds data that is not JSON, and quotes a secret the logs must not repeat.
    streamRecord('INSERT', { ...eventItem(ann2!), data: `{"passwordHash":"${PASSWORD_HASH}"` }),
    insertEvent(ann3!),
    streamRecord('INSERT', eventItem({ ...eve1!, type: 'UserTeleported' })),
    insertEvent(bob2!),
  ];
  const [, , corrupt, , unknownType] = records;

  const response = await relay.handle({ Records: records });
  t.same(
    response.batchItemFailures,
    failuresOf([corrupt, records[3], unknownType]),
    "the corrupt record, ann's later event, and the event of a type nobody knows are reported",
  );
  t.same(
    observed.calls.flat().map((e) => e.MessageDeduplicationId),
    [ann1!.eventId, bob1!.eventId, bob2!.eventId],
    "ann's earlier event and all of bob's were published",
  );
  await drain(sqs, queueUrl, 3);
  const errors = logs.entries().filter((e) => e['msg'] === 'stream record holds an unreadable event');
  t.match(errors, [{ level: 50, streamId: 'ann', err: { message: /not JSON/ } }, { streamId: 'eve' }]);
  assertNoSecrets(t, logs.lines, 'log line');
});

t.test('a failed record whose stream is unknown holds back every record after it', async (t) => {
  const { observed, relay } = await setup(t);
  const [bob1] = userHistory('bob', 1);
  const ann = userHistory('ann', 10);
  const records = [
    ...ann.map(insertEvent),
    streamRecord('INSERT', { pk: 'mystery', sk: 1, itemType: 'event' }),
    insertEvent(bob1!),
  ];
  const response = await relay.handle({ Records: records });
  t.same(response.batchItemFailures, failuresOf(records.slice(10)));
  t.same(observed.calls.flat().map((e) => e.MessageDeduplicationId), ann.map((e) => e.eventId));
});

t.test('an item in a stream partition that is not an event, or has no image, fails rather than vanish', async (t) => {
  const { relay } = await setup(t);
  const [ann1] = userHistory('ann', 1);
  const strange = streamRecord('INSERT', { ...eventItem(ann1!), itemType: 'claim' });
  const keysOnly = streamRecord('INSERT', eventItem(ann1!), { newImage: null });
  const response = await relay.handle({ Records: [strange, keysOnly] });
  t.same(response.batchItemFailures, failuresOf([strange, keysOnly]));
});

t.test('entries SNS refuses fail with their stream successors, published or not; a retry delivers all', async (t) => {
  const { sqs, queueUrl, observed, logs, relay } = await setup(t);
  const ann = userHistory('ann', 12);
  const bob = userHistory('bob', 3);
  const records = [...ann, ...bob].map(insertEvent);
  // First call: ann 1–10; second call: ann 11–12 and bob 1–3.
  observed.refuse.add(ann[4]!.eventId);

  const response = await relay.handle({ Records: records });
  t.same(response.batchItemFailures, failuresOf(records.slice(4, 12)), "ann's 5th event and every later one");
  t.same(observed.calls.map((call) => call.length), [10, 3], "ann's 11th and 12th were held back, not sent");
  const published = ann.slice(0, 4).concat(ann.slice(5, 10), bob);
  const first = await drain(sqs, queueUrl, published.length);
  t.same(
    new Set(first.map((m) => (JSON.parse(m.body) as { id: string }).id)),
    new Set(published.map((e) => e.eventId)),
    'events after the refused one in the same call did go out; they are reported so they follow it again',
  );
  t.match(logs.entries().find((e) => e['msg'] === 'SNS refused an event'), {
    eventId: ann[4]!.eventId,
    version: 5,
    code: 'InternalError',
  });

  // Lambda retries from the lowest reported sequence number: everything from ann's 5th record on.
  observed.refuse.clear();
  const retry = await relay.handle({ Records: records.slice(4) });
  t.same(retry.batchItemFailures, []);
  const second = await drain(sqs, queueUrl, 3);
  t.same(
    second.map((m) => (JSON.parse(m.body) as { streamversion: number }).streamversion),
    [5, 11, 12],
    'the retry delivers the rest; SNS drops the duplicates by deduplication id',
  );
});

t.test('a publish failure of one record reports only that record when nothing of its stream follows', async (t) => {
  const { observed, relay } = await setup(t);
  const ann = userHistory('ann', 3);
  const bob = userHistory('bob', 3);
  // Shuffled across users, as a batch may arrive; the relay orders it per user itself.
  const records = [bob[2]!, ann[0]!, bob[0]!, ann[2]!, bob[1]!, ann[1]!].map(insertEvent);
  observed.refuse.add(bob[2]!.eventId);
  const response = await relay.handle({ Records: records });
  t.same(response.batchItemFailures, failuresOf([records[0]!]), "only bob's last event, which SNS refused");
});

t.test('a PublishBatch call that throws fails its entries and their successors; other streams go on', async (t) => {
  const { sqs, queueUrl, observed, logs, relay } = await setup(t);
  const ann = userHistory('ann', 12);
  const bob = userHistory('bob', 2);
  const records = [...ann, ...bob].map(insertEvent);
  observed.explode.add(ann[0]!.eventId);

  const response = await relay.handle({ Records: records });
  t.same(response.batchItemFailures, failuresOf(records.slice(0, 12)), 'all of ann, none of bob');
  t.same(observed.calls.flat().map((e) => e.MessageDeduplicationId), bob.map((e) => e.eventId));
  await drain(sqs, queueUrl, 2);
  t.match(logs.entries().find((e) => e['msg'] === 'PublishBatch failed'), {
    level: 50,
    err: { message: 'injected: the service is unavailable' },
  });
  t.match(logs.entries().find((e) => e['msg'] === 'stream batch relayed'), { level: 40, failed: 12, published: 2 });
});

t.test('an entry SNS reports neither as published nor as failed counts as failed', async (t) => {
  const { sqs, queueUrl, observed, relay } = await setup(t);
  const ann = userHistory('ann', 3);
  const records = ann.map(insertEvent);
  observed.vanish.add(ann[1]!.eventId);
  const response = await relay.handle({ Records: records });
  t.same(response.batchItemFailures, failuresOf(records.slice(1)), 'when in doubt, a record is reported');
  await drain(sqs, queueUrl, 2);
});

t.test('a failed record without a sequence number fails the whole batch', async (t) => {
  const { relay } = await setup(t);
  const [ann1] = userHistory('ann', 1);
  const nameless = streamRecord('INSERT', { ...eventItem(ann1!), data: 'not json' }, { sequenceNumber: null });
  await t.rejects(relay.handle({ Records: [nameless] }), /no sequence number/);
  t.same(await relay.handle({ Records: [] }), { batchItemFailures: [] }, 'an empty batch is a success');
});
