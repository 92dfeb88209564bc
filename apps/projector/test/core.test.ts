import type { StoredEvent } from '@user-service/event-store';
import { createMemoryEventStore } from '@user-service/event-store/memory';
import { toCloudEvent } from '@user-service/integration-events';
import { applyToView, createProjector } from '@user-service/user-read-model';
import { createMemoryUserReadModel } from '@user-service/user-read-model/memory';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import t from 'tap';
import { ConfigError, loadProjectorConfig, loadWorkerConfig } from '../src/config.js';
import { createMessageProjector, type QueueMessage } from '../src/core.js';
import { METRICS_NAMESPACE, PROJECTOR_CONSUMER, createProjectorMetrics, publishBatchMetrics } from '../src/metrics.js';
import { createSqsHandler } from '../src/sqs-handler.js';
import { capturedLogger, converged, poisonBodies, seedUsers } from './fixtures.js';

async function setup(users = 3) {
  const eventStore = createMemoryEventStore();
  const readModel = createMemoryUserReadModel();
  const histories = await seedUsers(eventStore, { users, seed: 7, prefix: 'core' });
  const streams = new Map<string, StoredEvent[]>();
  for (const { streamId } of histories) streams.set(streamId, await eventStore.readStream(streamId));
  const { log, lines } = capturedLogger();
  const core = createMessageProjector({ projector: createProjector({ readModel, eventStore }), log });
  return { eventStore, readModel, histories, streams, core, lines };
}

let ids = 0;
const message = (event: StoredEvent, extra: Partial<QueueMessage> = {}): QueueMessage => ({
  messageId: `m-${++ids}`,
  body: JSON.stringify(toCloudEvent(event)),
  ...extra,
});

t.test('acknowledges applied, duplicate and gap-filled events, and fails only what cannot be projected', async (t) => {
  const { eventStore, readModel, histories, streams, core, lines } = await setup();
  const all = [...streams.values()].flat();
  const first = all.filter((e) => e.version === 1).map((e) => message(e));
  const firstResult = await core.applyMessages(first);
  t.strictSame(firstResult.acknowledged, first.map((m) => m.messageId), 'every registration is acknowledged');
  t.strictSame(firstResult.failed, []);

  // Only each user's latest event, twice (its gap is filled from the store), the registrations again, and
  // poison of every kind.
  const latest = [...streams.values()].map((events) => events.at(-1)!);
  const poison = poisonBodies(all[0]!).map(({ body }) => ({ messageId: `m-${++ids}`, body, receiveCount: 3 }));
  const batch = [
    ...latest.map((e) => message(e, { receiveCount: 1 })),
    ...poison.slice(0, 2),
    ...latest.map((e) => message(e)),
    ...first.map((m) => ({ ...m, messageId: `${m.messageId}-again` })),
    ...poison.slice(2),
  ];
  const result = await core.applyMessages(batch);
  t.strictSame(result.failed, poison.map((m) => m.messageId), 'exactly the poison messages fail, in order');
  const poisonIds = new Set(poison.map((m) => m.messageId));
  t.strictSame(result.acknowledged, batch.filter((m) => !poisonIds.has(m.messageId)).map((m) => m.messageId));
  t.strictSame(result.stats, {
    messages: batch.length,
    applied: histories.length,
    duplicates: histories.length * 2,
    gapFilled: latest.reduce((sum, e) => sum + e.version - 2, 0),
    failed: 1,
    invalid: 3,
    heldBack: 0,
    lagMs: result.stats.lagMs,
  });
  t.ok(result.stats.gapFilled > 0, 'the scenario does fill gaps');
  t.ok(await converged(readModel, eventStore, histories), 'the read model equals the fold of the store');

  const batchLines = lines.filter((l) => l['msg'] === 'projected a batch of messages');
  t.equal(batchLines.length, 2, 'one line per batch');
  t.match(batchLines[1], { level: 30, ...result.stats, lagMs: Number });
  t.ok((batchLines[1]?.['lagMs'] as number) >= 3_600_000 - 1000, 'the lag runs from the oldest event time');
  const invalidLines = lines.filter((l) => String(l['msg']).startsWith('the message is not a user event'));
  t.strictSame(
    invalidLines.map((l) => l['messageId']),
    poison.filter((p) => !p.body.includes('UserTeleported')).map((p) => p.messageId),
  );
  t.match(invalidLines[0], { level: 50, receiveCount: 3, err: { type: 'InvalidMessageError', message: String } });
  const projectionFailure = lines.find((l) => String(l['msg']).startsWith('could not project the event'));
  t.match(projectionFailure, {
    messageId: poison.find((p) => p.body.includes('UserTeleported'))?.messageId,
    receiveCount: 3,
    streamId: 'ghost-teleported',
    version: 1,
    type: 'UserTeleported',
    err: { code: 'INVALID_EVENT' },
  });
  t.notMatch(JSON.stringify(lines), /hash-|token-|"body"/, 'no message body or secret-looking data is logged');
});

t.test("an event that cannot be projected fails its user's later messages of the batch, no one else's", async (t) => {
  const { eventStore, readModel, histories, streams, core } = await setup(4);
  const [victim, events] = [...streams].find(([, stream]) => stream.length >= 3)!;
  const teleported = (event: StoredEvent): QueueMessage => ({
    messageId: `m-${++ids}`,
    body: JSON.stringify({
      ...toCloudEvent(event),
      type: 'UserTeleported',
      dataschema: 'urn:user-service:events:UserTeleported:v1',
    }),
  });
  const messages: QueueMessage[] = [];
  const blocked: string[] = [];
  for (const event of [...streams.values()].flat()) {
    const sent = event.streamId === victim && event.version === 2 ? teleported(event) : message(event);
    messages.push(sent);
    if (event.streamId === victim && event.version >= 2) blocked.push(sent.messageId);
  }

  const result = await core.applyMessages([...messages].reverse());
  t.strictSame(new Set(result.failed), new Set(blocked), 'the bad event and every later one of its user');
  t.equal(result.acknowledged.length, messages.length - blocked.length, 'everything else is acknowledged');
  t.match(result.stats, { failed: blocked.length, invalid: 0 });
  t.strictSame(await readModel.get(victim), applyToView(undefined, events[0]!), 'the user up to the bad event');

  // Once the bad message is gone (dead-lettered), its successors fill its version from the store.
  const retry = await core.applyMessages(events.slice(2).map((e) => message(e)));
  t.strictSame(retry.failed, []);
  t.match(retry.stats, { gapFilled: 1 });
  t.ok(await converged(readModel, eventStore, histories), 'the read model equals the fold of the store');
});

t.test('measures the lag on live events only, and logs nothing for an empty batch', async (t) => {
  const eventStore = createMemoryEventStore();
  const [history] = await seedUsers(eventStore, { users: 1, seed: 3, prefix: 'lag' });
  const [v1, v2] = await eventStore.readStream(history!.streamId);
  const { log, lines } = capturedLogger();
  const core = createMessageProjector({
    projector: createProjector({ readModel: createMemoryUserReadModel(), eventStore }),
    log,
    now: () => Date.parse(v2!.metadata.occurredAt) + 1500,
  });
  const replayed = { messageId: 'replayed', body: JSON.stringify(toCloudEvent(v1!, { replayed: true })) };
  t.equal((await core.applyMessages([replayed])).stats.lagMs, null, 'a replayed event says nothing of lag');
  const live = { messageId: 'live', body: JSON.stringify(toCloudEvent(v2!)) };
  t.equal((await core.applyMessages([live])).stats.lagMs, 1500);

  const count = lines.length;
  t.strictSame(await core.applyMessages([]), {
    acknowledged: [],
    failed: [],
    stats: { messages: 0, applied: 0, duplicates: 0, gapFilled: 0, failed: 0, invalid: 0, heldBack: 0, lagMs: null },
  });
  t.equal(lines.length, count, 'an empty batch is not news');
});

t.test('fails the whole batch, and never throws, when the projector itself throws', async (t) => {
  const { streams } = await setup(1);
  const [event] = [...streams.values()][0]!;
  const { log, lines } = capturedLogger();
  const broken = createMessageProjector({
    projector: {
      applyBatch: async () => {
        throw new Error('read model unreachable');
      },
    },
    log,
  });
  const good = message(event!);
  const result = await broken.applyMessages([good, { messageId: 'junk', body: 'junk' }]);
  t.strictSame(result.acknowledged, []);
  t.strictSame(result.failed, [good.messageId, 'junk']);
  t.match(result.stats, { failed: 1, invalid: 1, applied: 0 });
  t.match(lines.find((l) => String(l['msg']).startsWith('the projector failed the whole batch')), {
    level: 50,
    events: 1,
    err: { message: 'read model unreachable' },
  });
});

/** An SQS record as Lambda hands it over. */
function record(messageId: string, body: string, receiveCount = 1, groupId = `group-${messageId}`): SQSRecord {
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
      MessageGroupId: groupId,
      MessageDeduplicationId: messageId,
    },
    messageAttributes: {},
    md5OfBody: 'md5',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:projector.fifo',
    awsRegion: 'us-east-1',
  };
}

t.test('the Lambda handler answers exactly the poison records as batchItemFailures', async (t) => {
  const { eventStore, readModel, histories, streams, core, lines } = await setup(4);
  const handler = createSqsHandler(core);
  const events = [...streams.values()].flat();
  const good = events.map((e, i) => record(`good-${i}`, JSON.stringify(toCloudEvent(e))));
  const duplicates = good.filter((_, i) => i % 3 === 0).map((r) => ({ ...r, messageId: `dup-${r.messageId}` }));
  const poison = poisonBodies(events[0]!).map(({ body }, i) => record(`poison-${i}`, body, 2));
  const event: SQSEvent = { Records: [...poison.slice(0, 2), ...duplicates, ...[...good].reverse(), ...poison.slice(2)] };

  const response = await handler(event);
  t.strictSame(
    response.batchItemFailures.map((f) => f.itemIdentifier).sort(),
    poison.map((r) => r.messageId).sort(),
  );
  t.ok(await converged(readModel, eventStore, histories), 'the read model equals the fold of the store');
  t.match(lines.find((l) => l['msg'] === 'projected a batch of messages'), { messages: event.Records.length });
  t.ok(lines.some((l) => l['receiveCount'] === 2), 'the receive count is taken from the record');

  const again = await handler(event);
  t.strictSame(again.batchItemFailures.length, poison.length, 'a redelivery changes nothing but the duplicates');
  t.strictSame(await handler({ Records: [] }), { batchItemFailures: [] });
});

t.test('the configuration is parsed once, with defaults, and every bad variable is named', async (t) => {
  t.match(
    loadProjectorConfig({ KMS_KEY_ID: 'alias/user-data-keys', JWT_SECRET: 'a-shared-secret-of-at-least-32-bytes' }, '/srv'),
    { kmsKeyId: 'alias/user-data-keys', keySecret: 'a-shared-secret-of-at-least-32-bytes' },
    'how to reach users’ data keys: KMS, or locally the shared secret',
  );
  t.strictSame(loadWorkerConfig({ QUEUE_URL: 'http://127.0.0.1:4566/000000000000/projector.fifo' }, '/srv'), {
    readModel: { kind: 'sqlite', filename: '/srv/data/read-model.db' },
    readModelGreenTable: undefined,
    eventStore: { kind: 'sqlite', filename: '/srv/data/events.db' },
    dynamoDbEndpoint: undefined,
    logLevel: 'info',
    queueUrl: 'http://127.0.0.1:4566/000000000000/projector.fifo',
    sqsEndpoint: undefined,
    waitTimeSeconds: 20,
    concurrency: 4,
    batchWindowMs: 100,
  });
  t.strictSame(
    loadWorkerConfig({
      QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/projector.fifo',
      SQS_ENDPOINT: 'http://localhost:4566',
      READ_MODEL: 'dynamodb',
      READ_MODEL_TABLE: 'user-read-model',
      EVENT_STORE: 'dynamodb',
      EVENT_STORE_TABLE: 'user-events',
      DYNAMODB_ENDPOINT: 'http://localhost:8000',
      LOG_LEVEL: 'debug',
      WAIT_TIME_SECONDS: ' 0 ',
      WORKER_CONCURRENCY: '10',
      WORKER_BATCH_WINDOW_MS: '0',
      DATA_DIR: '/ignored',
    }),
    {
      readModel: { kind: 'dynamodb', tableName: 'user-read-model' },
      readModelGreenTable: undefined,
      eventStore: { kind: 'dynamodb', tableName: 'user-events' },
      dynamoDbEndpoint: 'http://localhost:8000',
      logLevel: 'debug',
      queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/projector.fifo',
      sqsEndpoint: 'http://localhost:4566',
      waitTimeSeconds: 0,
      concurrency: 10,
      batchWindowMs: 0,
    },
  );
  t.strictSame(loadProjectorConfig({ DATA_DIR: '/var/lib/projector', EVENT_STORE: 'dynamodb', EVENT_STORE_TABLE: 'events' }), {
    readModel: { kind: 'sqlite', filename: '/var/lib/projector/read-model.db' },
    readModelGreenTable: undefined,
    eventStore: { kind: 'dynamodb', tableName: 'events' },
    dynamoDbEndpoint: undefined,
    logLevel: 'info',
  }, 'the Lambda handler needs no queue URL');

  const problems = (env: Record<string, string>, load: (env: Record<string, string>) => unknown = loadWorkerConfig): readonly string[] => {
    try {
      load(env);
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  };
  t.strictSame(
    problems({
      QUEUE_URL: 'not a url',
      SQS_ENDPOINT: 'ftp://example.com',
      READ_MODEL: 'postgres',
      EVENT_STORE: 'dynamodb',
      DYNAMODB_ENDPOINT: ':8000',
      LOG_LEVEL: 'loud',
      WAIT_TIME_SECONDS: '21',
      WORKER_BATCH_WINDOW_MS: '5001',
    }),
    [
      'READ_MODEL="postgres" must be one of sqlite, dynamodb',
      'EVENT_STORE_TABLE is required when EVENT_STORE=dynamodb',
      'DYNAMODB_ENDPOINT=":8000" must be an http(s) URL',
      'LOG_LEVEL="loud" must be one of fatal, error, warn, info, debug, trace, silent',
      'QUEUE_URL="not a url" must be an http(s) queue URL',
      'SQS_ENDPOINT="ftp://example.com" must be an http(s) URL',
      'WAIT_TIME_SECONDS="21" must be an integer from 0 to 20',
      'WORKER_BATCH_WINDOW_MS="5001" must be an integer from 0 to 5000',
    ],
  );
  t.strictSame(problems({ WAIT_TIME_SECONDS: '  ' }), ['QUEUE_URL is required'], 'a blank variable is unset');
  t.strictSame(problems({ QUEUE_URL: 'http://sqs.us-east-1.127.0.0.1:4566/000000000000/q.fifo' }), [], 'an emulator URL');
  t.strictSame(problems({ QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com' }), [
    'QUEUE_URL="https://sqs.eu-west-1.amazonaws.com" must be an http(s) queue URL',
  ]);
  t.strictSame(problems({ READ_MODEL: 'dynamodb', READ_MODEL_TABLE: 'a b' }, loadProjectorConfig), [
    'READ_MODEL_TABLE="a b" must be a DynamoDB table name',
  ]);
  t.throws(() => loadProjectorConfig({ LOG_LEVEL: 'x' }), { message: /^invalid configuration:\n {2}- LOG_LEVEL/ });
});

/** The real Powertools Metrics of a consumer, each flush kept as its EMF document instead of printed. */
class CapturedMetrics extends Metrics {
  readonly flushed: Array<Record<string, unknown>> = [];

  constructor() {
    super({ namespace: METRICS_NAMESPACE, serviceName: PROJECTOR_CONSUMER });
  }

  override publishStoredMetrics(): this {
    this.flushed.push(this.serializeMetrics() as unknown as Record<string, unknown>);
    this.clearMetrics();
    return this;
  }
}

t.test('FIFO: after a failed message of a group, its later messages in the batch fail too; other groups go on', async (t) => {
  const { streams, readModel } = await setup(2);
  const [ann, bob] = [...streams.keys()];
  const [annEvents, bobEvents] = [...streams.values()];
  const group = (streamId: string) => ({ groupId: `g-${streamId}` });
  const annFirst = message(annEvents![0]!, group(ann!));
  const poison: QueueMessage = { messageId: 'poison', body: '{', ...group(ann!) };
  // ann's later messages: one that is new, and a redelivery of the version before the poison.
  const annLater = message(annEvents![1]!, group(ann!));
  const annAgain = message(annEvents![0]!, { ...group(ann!), messageId: 'again' });
  const bobAll = bobEvents!.map((e) => message(e, group(bob!)));
  const result = await createSqsHandler(createMessageProjector({
    projector: createProjector({ readModel, eventStore: createMemoryEventStore() }),
    log: capturedLogger().log,
  }))({
    Records: [annFirst, poison, ...bobAll, annLater, annAgain].map((m) => record(m.messageId, m.body, 1, m.groupId)),
  });
  t.strictSame(
    result.batchItemFailures.map((f) => f.itemIdentifier),
    ['poison', annLater.messageId, 'again'],
    "the poison and every later message of ann's group, in batch order",
  );
  t.strictSame(await readModel.get(ann!), applyToView(undefined, annEvents![0]!), 'ann holds only what came before the poison');
  t.ok(await readModel.get(bob!), "bob's group went on");

  // A failure the projector reports (an unknown event type) holds back a later redelivery of an earlier version.
  const { core, lines, streams: cyStreams } = await setup(1);
  const [cyEvents] = [...cyStreams.values()];
  const unknown = message(cyEvents![1]!, { groupId: 'g' });
  const teleported = { ...unknown, body: JSON.stringify({ ...JSON.parse(unknown.body), type: 'UserTeleported', dataschema: 'urn:user-service:events:UserTeleported:v1' }) };
  const earlier = message(cyEvents![0]!, { groupId: 'g' });
  const outcome = await core.applyMessages([teleported, earlier]);
  t.strictSame(outcome.failed, [teleported.messageId, earlier.messageId]);
  t.match(outcome.stats, { failed: 1, heldBack: 1, applied: 1 });
  t.match(lines.find((l) => l['msg'] === 'messages after a failed one of their group left for redelivery too'), { level: 40, heldBack: 1 });
});

t.test('each batch emits the consumer metrics as one EMF line, lag only for live events', async (t) => {
  const eventStore = createMemoryEventStore();
  const [history] = await seedUsers(eventStore, { users: 1, seed: 5, prefix: 'metric' });
  const [v1, v2, v3] = await eventStore.readStream(history!.streamId);
  const metrics = new CapturedMetrics();
  const core = createMessageProjector({
    projector: createProjector({ readModel: createMemoryUserReadModel(), eventStore }),
    log: capturedLogger().log,
    onBatch: (stats) => publishBatchMetrics(metrics, stats),
    now: () => Date.parse(v3!.metadata.occurredAt) + 250,
  });
  // v1 and v3 delivered (v2 is filled from the store), v1 twice, and a message that is no event at all.
  const live = [v1!, v1!, v3!].map((e, i) => ({ messageId: `live-${i}`, body: JSON.stringify(toCloudEvent(e)) }));
  await core.applyMessages([...live, { messageId: 'junk', body: 'junk' }]);
  await core.applyMessages([{ messageId: 'replayed', body: JSON.stringify(toCloudEvent(v2!, { replayed: true })) }]);
  await core.applyMessages([]);
  t.equal(metrics.flushed.length, 2, 'one line per non-empty batch');
  t.match(metrics.flushed[0], {
    _aws: {
      CloudWatchMetrics: [
        {
          Namespace: 'UserService',
          Dimensions: [['service']],
          Metrics: [
            { Name: 'EventsProcessed', Unit: 'Count' },
            { Name: 'EventsFailed', Unit: 'Count' },
            { Name: 'DuplicatesDropped', Unit: 'Count' },
            { Name: 'GapsFilled', Unit: 'Count' },
            { Name: 'ProjectionLagMs', Unit: 'Milliseconds' },
          ],
        },
      ],
    },
    service: 'projector',
    EventsProcessed: 2,
    EventsFailed: 1,
    DuplicatesDropped: 1,
    GapsFilled: 1,
    ProjectionLagMs: Date.parse(v3!.metadata.occurredAt) + 250 - Date.parse(v1!.metadata.occurredAt),
  });
  t.match(metrics.flushed[1], { EventsProcessed: 0, DuplicatesDropped: 1, EventsFailed: 0 });
  t.notOk('ProjectionLagMs' in metrics.flushed[1]!, 'a replayed batch has no lag data point');
  t.match(createProjectorMetrics().serializeMetrics(), { _aws: { CloudWatchMetrics: [{ Namespace: 'UserService' }] }, service: 'projector' });
});

t.test('a Lambda batch in which every record failed throws, so that the errors alarm sees it', async (t) => {
  const { core } = await setup(1);
  const handler = createSqsHandler(core);
  await t.rejects(handler({ Records: [record('a', 'junk'), record('b', '{')] }), {
    name: 'FullBatchFailureError',
    code: 'FULL_BATCH_FAILURE',
    message: 'all 2 records of the batch failed; see the log for each',
  });
  const noGroup = record('c', 'junk');
  delete (noGroup.attributes as { MessageGroupId?: string }).MessageGroupId;
  await t.rejects(handler({ Records: [noGroup] }), { name: 'FullBatchFailureError' });
});

t.test("a batch holding many events of each user costs one read-model read and one write per user", async (t) => {
  const eventStore = createMemoryEventStore();
  const histories = await seedUsers(eventStore, { users: 3, seed: 13, prefix: 'fold' });
  const inner = createMemoryUserReadModel();
  const reads: Array<readonly string[]> = [];
  const writes: number[] = [];
  const readModel: typeof inner = Object.assign(Object.create(inner) as typeof inner, {
    getMany: (ids: readonly string[]) => {
      reads.push(ids);
      return inner.getMany(ids);
    },
    putMany: (batch: Parameters<typeof inner.putMany>[0], checkpoint?: Parameters<typeof inner.putMany>[1]) => {
      writes.push(batch.length);
      return inner.putMany(batch, checkpoint);
    },
  });
  const core = createMessageProjector({ projector: createProjector({ readModel, eventStore }), log: capturedLogger().log });
  const messages: QueueMessage[] = [];
  for (const { streamId } of histories) messages.push(...(await eventStore.readStream(streamId)).map((e) => message(e, { groupId: streamId })));
  t.ok(messages.length >= 6, `${messages.length} events of 3 users`);
  const result = await core.applyMessages(messages);
  t.equal(result.stats.applied, messages.length);
  t.strictSame(reads.map((ids) => [...ids].sort()), [histories.map((h) => h.streamId).sort()], 'one read of the three views');
  t.strictSame(writes, [3], 'one conditional write per user, in one call');
  t.ok(await converged(inner, eventStore, histories));
});
