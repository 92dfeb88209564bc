import { randomUUID } from 'node:crypto';
import { SNSClient } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { StoredEvent } from '@user-service/event-store';
import { messageGroupId, toCloudEvent } from '@user-service/integration-events';
import { ensureTopology, localClientConfig, startSnsSqs } from '@user-service/local-aws';
import type { DynamoDBRecord } from 'aws-lambda';
import t, { type Test } from 'tap';
import { createSqsParkingLot, unconfiguredParkingLot } from '../src/parking.js';
import { createRelay } from '../src/relay.js';
import {
  CapturedMetrics,
  PASSWORD_HASH,
  TOKEN_HASH,
  byGroup,
  capturedLogger,
  claimItem,
  drain,
  eventIdOf,
  eventItem,
  idempotencyItem,
  insertEvent,
  observePublishBatch,
  parkingQueue,
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
  const parked = await parkingQueue(sqs, `${name}-parking`);
  const metrics = new CapturedMetrics();
  const { topicArn } = topology;
  const relay = createRelay({ sns, topicArn, parking: parked.parking, metrics, log: logs.log });
  return { sns, topicArn, sqs, queueUrl, observed, logs, relay, parked, metrics };
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
    observed.calls.flat().map(eventIdOf),
    [ann1, bob1, ann2, ann3, bob2].map((e) => e!.eventId),
    "exactly the five inserted events were published, each user's in version order over the user's places",
  );

  const received = await drain(sqs, queueUrl, 5);
  const groups = byGroup(received);
  t.same(groups.get('ann'), ann.map((e) => toCloudEvent(e)), "ann's events, in version order, as CloudEvents");
  t.same(groups.get('bob'), bob.map((e) => toCloudEvent(e)), "bob's events, in version order, as CloudEvents");
  for (const m of received) {
    const body = JSON.parse(m.body) as { id: string; subject: string; streamversion: number };
    t.equal(m.deduplicationId, `${body.subject}:${body.streamversion}`, 'the deduplication id is the user and the version');
    t.equal(m.groupId, body.subject, 'the message group is the user');
  }
  assertNoSecrets(t, received.map((m) => m.body), 'published message');

  t.match(
    logs.entries().find((e) => e['msg'] === 'stream batch relayed'),
    { level: 30, records: 11, published: 5, skipped: 6, parked: 0, failures: 0, publishCalls: 1 },
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
    observed.calls.flat().map(eventIdOf),
    [ann1!.eventId, ann2!.eventId],
    "ann's two events alone were published",
  );
  const received = await drain(sqs, queueUrl, 2);
  t.same(byGroup(received).get('ann'), [ann1!, ann2!].map((e) => toCloudEvent(e)));
  assertNoSecrets(t, received.map((m) => m.body), 'published message');
  t.match(
    logs.entries().find((e) => e['msg'] === 'stream batch relayed'),
    { level: 30, records: 6, published: 2, skipped: 4, parked: 0, failures: 0 },
    'the four snapshot records are counted as skipped',
  );
  t.notOk(
    logs.entries().some((e) => e['msg'] === 'stream record holds an unreadable event; parking it'),
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

t.test('an unreadable record is parked with its whole payload, and every other record flows', async (t) => {
  const { sqs, queueUrl, observed, logs, relay, parked, metrics } = await setup(t);
  const [ann1, ann2, ann3] = userHistory('ann', 3);
  const [bob1, bob2] = userHistory('bob', 2);
  // Built in batch order, so that sequence numbers grow along the batch as they do on a shard.
  const records = [
    insertEvent(ann1!),
    insertEvent(bob1!),
    // ann's second event holds data that is not JSON, and quotes a secret the logs must not repeat.
    streamRecord('INSERT', { ...eventItem(ann2!), data: `{"passwordHash":"${PASSWORD_HASH}"` }),
    insertEvent(ann3!),
    // A key in the event partitions without an image, and an item there that is not an event.
    streamRecord('INSERT', eventItem(bob2!), { newImage: null }),
    streamRecord('INSERT', { pk: 'mystery', sk: 1, itemType: 'event' }),
    insertEvent(bob2!),
  ];

  const response = await relay.handle({ Records: records });
  t.same(response, { batchItemFailures: [] }, 'nothing is left to retry: the unreadable records are parked');
  t.same(
    observed.calls.flat().map(eventIdOf),
    [ann1!.eventId, bob1!.eventId, ann3!.eventId, bob2!.eventId],
    'every readable event was published, later ones of ann included',
  );
  await drain(sqs, queueUrl, 4);
  const parkedRecords = await parked.take(3);
  t.same(parkedRecords.map((p) => p.record), [records[2], records[4], records[5]], 'each parked with its whole stream record');
  t.match(parkedRecords, [
    { parkedBy: 'stream-relay', reason: 'unreadable', streamId: 'ann', sequenceNumber: seq(records[2]), error: { message: /JSON/ } },
    { reason: 'unreadable', streamId: 'bob', error: { message: /no new image/ } },
    { reason: 'unreadable', streamId: null },
  ]);
  t.match(logs.entries().filter((e) => e['msg'] === 'stream record holds an unreadable event; parking it'), [
    { level: 50, streamId: 'ann', err: { message: /JSON/ } },
    { streamId: 'bob' },
    {},
  ]);
  t.same(metrics.totals(), { RecordsPublished: 4, RecordsParked: 3, PublishFailures: 0 });
  assertNoSecrets(t, logs.lines, 'log line');
});

t.test('an event of a schema newer than the relay is published as stored, less secret-named fields', async (t) => {
  const { sqs, queueUrl, relay, parked } = await setup(t);
  const [ann1, ann2] = userHistory('ann', 2);
  const newer = { ...ann2!, schemaVersion: 9, data: { changes: { name: 'Ann' }, recoveryTokenHash: TOKEN_HASH } };
  const teleported = { ...ann1!, eventId: randomUUID(), streamId: 'eve', type: 'UserTeleported', data: { to: 'Mars' } };
  const response = await relay.handle({ Records: [insertEvent(ann1!), insertEvent(newer), insertEvent(teleported)] });
  t.same(response.batchItemFailures, []);
  const received = byGroup(await drain(sqs, queueUrl, 3));
  t.match(received.get('ann')?.[1], { dataschema: 'urn:user-service:events:UserProfileUpdated:v9', data: { changes: { name: 'Ann' } } });
  t.notOk(JSON.stringify(received.get('ann')).includes(TOKEN_HASH), 'no secret-named field goes out');
  t.match(received.get('eve'), [{ type: 'UserTeleported', dataschema: 'urn:user-service:events:UserTeleported:v1', data: { to: 'Mars' } }]);
  await parked.take(0);
});

t.test('two events of a stream that share an event id are both published: deduplication is by user and version', async (t) => {
  const { sqs, queueUrl, relay } = await setup(t);
  const [ann1, ann2] = userHistory('ann', 2);
  // DynamoDB checks an event id against the stream's last event only; a writer could repeat an older one.
  const twin = { ...ann2!, eventId: ann1!.eventId };
  await relay.handle({ Records: [insertEvent(ann1!)] });
  await relay.handle({ Records: [insertEvent(twin)] });
  await relay.handle({ Records: [insertEvent(twin)] }); // the same record delivered again
  const received = await drain(sqs, queueUrl, 2);
  t.same(
    received.map((m) => (JSON.parse(m.body) as { streamversion: number }).streamversion),
    [1, 2],
    'both versions reached the queue, and the redelivered record once',
  );
  t.same(received.map((m) => m.deduplicationId), ['ann:1', 'ann:2']);
  const after = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  t.same(after.Messages ?? [], [], 'and nothing else');
});

t.test('the events of a user whose id SQS refuses share the group every other path gives them', async (t) => {
  const { sqs, queueUrl, relay } = await setup(t);
  const history = userHistory('ann smith ñ', 2);
  await relay.handle({ Records: history.map(insertEvent) });
  const received = await drain(sqs, queueUrl, 2);
  t.same(received.map((m) => m.groupId), [messageGroupId('ann smith ñ'), messageGroupId('ann smith ñ')]);
  t.not(received[0]!.groupId, 'ann smith ñ');
});

t.test('an entry SNS refuses for now stops the batch there, and reports that record alone; a retry delivers all', async (t) => {
  const { sqs, queueUrl, observed, logs, relay, metrics } = await setup(t);
  const ann = userHistory('ann', 12);
  const bob = userHistory('bob', 3);
  const records = [...ann, ...bob].map(insertEvent);
  // First call: ann 1–10; nothing after it is sent once ann's 5th is refused.
  observed.refuse.add(ann[4]!.eventId);

  const response = await relay.handle({ Records: records });
  t.same(response.batchItemFailures, failuresOf([records[4]]), "ann's 5th record alone: Lambda retries from it on");
  t.same(observed.calls.map((call) => call.length), [10], 'no further call once one failed');
  const published = ann.slice(0, 4).concat(ann.slice(5, 10));
  const first = await drain(sqs, queueUrl, published.length);
  t.same(
    new Set(first.map((m) => (JSON.parse(m.body) as { id: string }).id)),
    new Set(published.map((e) => e.eventId)),
    'entries after the refused one in the same call did go out; they are published again after it',
  );
  t.match(logs.entries().find((e) => e['msg'] === 'SNS refused an event'), { eventId: ann[4]!.eventId, version: 5, code: 'InternalError' });
  t.match(logs.entries().find((e) => e['msg'] === 'stream batch relayed in part; retrying from the first failed record'), {
    level: 40,
    sequenceNumber: seq(records[4]),
  });
  t.same(metrics.totals(), { RecordsPublished: 9, RecordsParked: 0, PublishFailures: 1 });

  observed.refuse.clear();
  const retry = await relay.handle({ Records: records.slice(4) });
  t.same(retry.batchItemFailures, []);
  const second = byGroup(await drain(sqs, queueUrl, 6));
  t.same(
    [...second].map(([group, events]) => `${group}:${events.map((e) => e['streamversion']).join(',')}`).sort(),
    ['ann:5,11,12', 'bob:1,2,3'],
    'the retry delivers the rest; SNS drops the duplicates by deduplication id',
  );
});

t.test('an entry SNS refuses as the sender fault is parked and the batch goes on; a throttle is not', async (t) => {
  const { sqs, queueUrl, observed, relay, parked, metrics } = await setup(t);
  const ann = userHistory('ann', 4);
  const records = ann.map(insertEvent);
  observed.refuseAsSender.set(ann[1]!.eventId, 'InvalidParameter');
  observed.refuseAsSender.set(ann[3]!.eventId, 'Throttled');
  const response = await relay.handle({ Records: records });
  t.same(response.batchItemFailures, failuresOf([records[3]]), 'the throttled entry is retried, the invalid one is not');
  await drain(sqs, queueUrl, 2);
  t.match(await parked.take(1), [
    { reason: 'refused', streamId: 'ann', sequenceNumber: seq(records[1]), error: { message: /InvalidParameter/ }, record: records[1] },
  ]);
  t.same(metrics.totals(), { RecordsPublished: 2, RecordsParked: 1, PublishFailures: 1 });
});

t.test('a record that cannot be parked is retried from, as a transient failure', async (t) => {
  const { sns, topicArn, observed, metrics } = await setup(t);
  const logs = capturedLogger();
  const ann = userHistory('ann', 3);
  // Nothing listens on port 9: the parking queue is unreachable.
  const unreachable = new SQSClient({ ...localClientConfig('http://127.0.0.1:9'), maxAttempts: 1 });
  t.teardown(() => unreachable.destroy());
  const parking = createSqsParkingLot({ sqs: unreachable, queueUrl: 'http://127.0.0.1:9/000000000000/parking' });
  const relay = createRelay({ sns, topicArn, parking, metrics, log: logs.log });
  const records = [insertEvent(ann[0]!), streamRecord('INSERT', { ...eventItem(ann[1]!), data: '{' }), insertEvent(ann[2]!)];
  const response = await relay.handle({ Records: records });
  t.same(response.batchItemFailures, failuresOf([records[1]]), 'the record that could not be parked');
  t.same(observed.calls.flat().map(eventIdOf), [ann[0]!.eventId], 'nothing after it went out');
  t.match(logs.entries().find((e) => e['msg'] === 'could not park a stream record; it will be retried'), { level: 50, streamId: 'ann' });
  t.same(metrics.totals(), { RecordsPublished: 1, RecordsParked: 0, PublishFailures: 1 });

  const unconfigured = createRelay({ sns, topicArn, parking: unconfiguredParkingLot, log: logs.log });
  t.same((await unconfigured.handle({ Records: records.slice(1) })).batchItemFailures, failuresOf([records[1]]));
  t.match(logs.entries().find((e) => String(e['msg']).startsWith('no parking queue (PARKING_QUEUE_URL)')), { level: 50, streamId: 'ann' });
});

t.test('a PublishBatch call that throws stops the batch at its first record', async (t) => {
  const { sqs, queueUrl, observed, logs, relay } = await setup(t);
  const ann = userHistory('ann', 12);
  const bob = userHistory('bob', 10);
  const records = [...bob, ...ann].map(insertEvent);
  observed.explode.add(ann[0]!.eventId);

  const response = await relay.handle({ Records: records });
  t.same(response.batchItemFailures, failuresOf([records[10]]), "the first record of the failed call; bob's ten before it are done");
  t.equal(observed.calls.length, 1, 'no call after the failed one');
  await drain(sqs, queueUrl, 10);
  t.match(logs.entries().find((e) => e['msg'] === 'PublishBatch failed'), { level: 50, err: { message: 'injected: the service is unavailable' } });
});

t.test('an entry SNS reports neither as published nor as failed is retried', async (t) => {
  const { sqs, queueUrl, observed, relay } = await setup(t);
  const ann = userHistory('ann', 3);
  const records = ann.map(insertEvent);
  observed.vanish.add(ann[1]!.eventId);
  const response = await relay.handle({ Records: records });
  t.same(response.batchItemFailures, failuresOf([records[1]]), 'when in doubt, a record is retried');
  await drain(sqs, queueUrl, 2);
});

t.test('a shuffled batch is published in version order per user, and a failure reports the earliest record left', async (t) => {
  const { observed, relay } = await setup(t);
  const ann = userHistory('ann', 3);
  const bob = userHistory('bob', 3);
  const records = [bob[2]!, ann[0]!, bob[0]!, ann[2]!, bob[1]!, ann[1]!].map(insertEvent);
  observed.refuse.add(bob[1]!.eventId);
  const response = await relay.handle({ Records: records });
  t.same(
    observed.calls.flat().map((e) => `${e.MessageGroupId}:${JSON.parse(e.Message).streamversion}`),
    ['bob:1', 'ann:1', 'bob:2', 'ann:2', 'bob:3', 'ann:3'],
    "each user's events take the user's places in the batch, in version order",
  );
  // bob's 3rd event (record 0) is not done either: the retry must start at the batch's first record.
  t.same(response.batchItemFailures, failuresOf([records[0]]), 'the earliest record of those not done');
});

t.test('a failed record without a sequence number fails the whole batch', async (t) => {
  const { relay, observed } = await setup(t);
  const [ann1] = userHistory('ann', 1);
  observed.explode.add(ann1!.eventId);
  const nameless = streamRecord('INSERT', eventItem(ann1!), { sequenceNumber: null });
  await t.rejects(relay.handle({ Records: [nameless] }), /no sequence number/);
  t.same(await relay.handle({ Records: [] }), { batchItemFailures: [] }, 'an empty batch is a success');
});
