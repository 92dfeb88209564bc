/**
 * Redrive, projection status and the rebuild lease against the real emulators: the SNS/SQS emulator (fauxqs)
 * in process and DynamoDB Local, with the CLIs run as processes. AWS's move task does not run here: its path
 * is driven by a client that answers the three move-task calls in front of the real emulator.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import {
  CancelMessageMoveTaskCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageBatchCommand,
  StartMessageMoveTaskCommand,
  type SendMessageBatchCommandOutput,
} from '@aws-sdk/client-sqs';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { dynamoDbClientConfig, ensureTopology, localClientConfig, startDynamoDbLocal, startSnsSqs } from '@user-service/local-aws';
import { ensureUserReadModelTable } from '@user-service/user-read-model/dynamodb';
import t from 'tap';
import { loadRedriveConfig, loadStatusConfig } from '../src/config.js';
import { createDynamoDbLeaseStore } from '../src/lease-dynamodb.js';
import { LeaseError, acquireLease, createSqliteLeaseStore, newLeaseOwner, type LeaseStore } from '../src/lease.js';
import { createProgressReporter } from '../src/progress.js';
import { QueueError, queueDepth, resolveConsumerQueues, type ConsumerQueues } from '../src/queues.js';
import { REBUILD_CHECKPOINTS } from '../src/rebuild.js';
import { inspectDeadLetters, redrive } from '../src/redrive.js';
import { cloudWatchMetrics, emulatorMetrics, formatProjectionStatus, projectionStatus } from '../src/status.js';
import { openSlots } from '../src/stores.js';
import { runCli } from './fixtures.js';

t.setTimeout(180_000);

const emulator = await startSnsSqs();
const sqs = new SQSClient(localClientConfig(emulator.endpoint));
const sns = new SNSClient(localClientConfig(emulator.endpoint));
const dynamoDb = await startDynamoDbLocal();
const accessKeyId = `t${randomUUID().replaceAll('-', '')}`;
const ddb = new DynamoDBClient(dynamoDbClientConfig(dynamoDb.endpoint, accessKeyId));
const dir = mkdtempSync(join(tmpdir(), 'ops-redrive-'));
t.teardown(async () => {
  sqs.destroy();
  sns.destroy();
  ddb.destroy();
  await emulator.stop();
  await dynamoDb.stop();
  rmSync(dir, { recursive: true, force: true });
});
await ensureUserReadModelTable(ddb, 'leases');

// A consumer per test, so that no test meets another's messages.
const topology = await ensureTopology(
  { sns, sqs },
  { consumers: ['projector', 'search', 'stop', 'none', 'task', 'status', 'cli'] },
);
const queuesOf = (consumer: string) => resolveConsumerQueues(sqs, consumer);

/** Puts `count` messages straight into a DLQ, two groups, as the queue's redrive would have left them. */
async function deadLetter(queues: ConsumerQueues, count: number, prefix: string): Promise<void> {
  for (let i = 0; i < count; i += 10) {
    const entries = Array.from({ length: Math.min(10, count - i) }, (_, j) => ({
      Id: String(j),
      MessageBody: `{"secret":"body ${prefix}-${i + j}"}`,
      MessageGroupId: `${prefix}-group-${(i + j) % 2}`,
      MessageDeduplicationId: `${prefix}-${i + j}`,
      MessageAttributes: { type: { DataType: 'String', StringValue: 'UserRegistered' } },
    }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: queues.dlq.url, Entries: entries }));
  }
}

/** Receives and deletes every message the queue gives, with its attributes, until it gives none. */
async function drain(url: string) {
  const seen = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return seen;
    seen.push(...Messages);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
}

const total = (depth: { visible: number; inFlight: number }) => depth.visible + depth.inFlight;

t.test('queues: the DLQ is the one the redrive policy names; a queue without one is refused', async (t) => {
  const queues = await queuesOf('projector');
  t.strictSame(queues, {
    consumer: 'projector',
    queue: { url: topology.consumers['projector']!.queueUrl, arn: topology.consumers['projector']!.queueArn, name: 'projector.fifo' },
    dlq: { url: topology.consumers['projector']!.dlqUrl, arn: topology.consumers['projector']!.dlqArn, name: 'projector-dlq.fifo' },
  });
  t.strictSame(await resolveConsumerQueues(sqs, 'anything', queues.queue.url), { ...queues, consumer: 'anything' });
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'plain' }));
  await t.rejects(resolveConsumerQueues(sqs, 'plain', QueueUrl), QueueError);
  await t.rejects(queuesOf('nobody'), { code: 'QUEUE_NOT_FOUND' });

  const answering = (answer: (command: unknown) => unknown) =>
    ({ send: async (command: unknown) => answer(command) ?? sqs.send(command as never) }) as unknown as SQSClient;
  const noArn = answering((c) => (c instanceof GetQueueAttributesCommand ? { Attributes: {} } : undefined));
  await t.rejects(resolveConsumerQueues(noArn, 'projector'), /no QueueArn/);
  await t.rejects(queueDepth(noArn, queues.queue.url), /no ApproximateNumberOfMessages/);
  const noAttributes = answering((c) => (c instanceof GetQueueAttributesCommand ? {} : undefined));
  await t.rejects(queueDepth(noAttributes, queues.queue.url), /no ApproximateNumberOfMessages/);
  const noDlqUrl = answering((c) =>
    c instanceof GetQueueUrlCommand && c.input.QueueName?.includes('-dlq') ? {} : undefined,
  );
  await t.rejects(resolveConsumerQueues(noDlqUrl, 'projector'), /no URL for the dead-letter queue/);
});

t.test('dry run: counts and ids of what the DLQ holds, never bodies, and nothing moves', async (t) => {
  const queues = await queuesOf('search');
  t.strictSame(await inspectDeadLetters(sqs, queues), { count: 0, inFlight: 0, sample: [] });
  await deadLetter(queues, 3, 'dry');
  const letters = await inspectDeadLetters(sqs, queues);
  t.equal(letters.count, 3);
  t.ok(letters.sample.length >= 1, `a sample of ${letters.sample.length}`);
  t.match(letters.sample[0], { messageId: /\S/, groupId: /^dry-group-/, deduplicationId: /^dry-/, receiveCount: 1 });
  t.ok(Date.parse(letters.sample[0]!.sentAt!) > 0);
  t.notMatch(JSON.stringify(letters), /secret|UserRegistered/, 'no body, no attributes');
  t.equal((await queueDepth(sqs, queues.dlq.url)).visible, 3, 'the sample is visible again at once');

  const stripped = {
    send: async (command: unknown) =>
      command instanceof ReceiveMessageCommand
        ? { Messages: [{ ReceiptHandle: 'x' }] }
        : sqs.send(command as never),
  } as unknown as SQSClient;
  t.match((await inspectDeadLetters(stripped, queues)).sample, [{ messageId: '', sentAt: undefined, receiveCount: undefined, bodyBytes: 0 }]);
});

t.test('copy: every message back in its queue with body, group and attributes, in each group\'s order', async (t) => {
  const queues = await queuesOf('search');
  await drain(queues.dlq.url);
  const lines: string[] = [];
  await deadLetter(queues, 5, 'copy');
  const result = await redrive({ sqs, queues, progress: createProgressReporter({ write: (line) => lines.push(line) }) });
  t.match(result, { status: 'completed', mode: 'copy', moved: 5, left: 0 });
  t.match(lines.join('\n'), /redrive search \(copy\): 5\/~5 events \(100%\), .*done in/);
  const back = await drain(queues.queue.url);
  t.equal(back.length, 5);
  for (const group of ['copy-group-0', 'copy-group-1']) {
    const bodies = back.filter((m) => m.Attributes?.MessageGroupId === group).map((m) => m.Body);
    t.same(bodies, [...bodies].sort(), `${group} in order`);
  }
  t.match(back[0], { Body: /"secret"/, MessageAttributes: { type: { StringValue: 'UserRegistered' } } });
  t.match(back[0]?.Attributes?.MessageDeduplicationId, /^copy-\d-redrive-\d+$/, 'sent a moment ago: a marked id');

  // Long after the first send, the original ids are kept.
  await deadLetter(queues, 2, 'old');
  const later = Date.now() + 10 * 60_000;
  t.match(await redrive({ sqs, queues, now: () => later }), { moved: 2 });
  t.same((await drain(queues.queue.url)).map((m) => m.Attributes?.MessageDeduplicationId).sort(), ['old-0', 'old-1']);

  // Another receiver holds one message for a minute: the rest moves, and what stays is reported, not waited for.
  await deadLetter(queues, 2, 'held');
  await sqs.send(new ReceiveMessageCommand({ QueueUrl: queues.dlq.url, MaxNumberOfMessages: 1, VisibilityTimeout: 60 }));
  t.match(await redrive({ sqs, queues }), { status: 'completed', moved: 1, left: 1 });
  t.equal((await drain(queues.queue.url)).length, 1);

  // A standard queue's messages have no group and no deduplication id.
  const { QueueUrl: plainDlq } = await sqs.send(new CreateQueueCommand({ QueueName: 'plain-dlq' }));
  const { QueueUrl: plainQueue } = await sqs.send(new CreateQueueCommand({ QueueName: 'plain-queue' }));
  const arn = async (url: string | undefined) =>
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!['QueueArn']!;
  const plain: ConsumerQueues = {
    consumer: 'plain',
    queue: { url: plainQueue!, arn: await arn(plainQueue), name: 'plain-queue' },
    dlq: { url: plainDlq!, arn: await arn(plainDlq), name: 'plain-dlq' },
  };
  await sqs.send(new SendMessageBatchCommand({ QueueUrl: plainDlq, Entries: [{ Id: '0', MessageBody: 'standard' }] }));
  t.match(await redrive({ sqs, queues: plain }), { moved: 1 });
  t.match(await drain(plainQueue!), [{ Body: 'standard' }]);
});

t.test('copy: a stop ends it between batches, a refused message stays in the DLQ', async (t) => {
  const queues = await queuesOf('stop');
  await deadLetter(queues, 4, 'stop');
  const stopped = new AbortController();
  stopped.abort();
  t.match(await redrive({ sqs, queues, signal: stopped.signal }), { status: 'stopped', moved: 0 });

  // SQS accepts the first of a batch and refuses the rest: the first is deleted from the DLQ, the rest stay.
  const refusing = {
    send: async (command: unknown) => {
      if (!(command instanceof SendMessageBatchCommand)) return sqs.send(command as never);
      const [first, ...rest] = command.input.Entries!;
      await sqs.send(new SendMessageBatchCommand({ ...command.input, Entries: [first!] }));
      return {
        Successful: [{ Id: first!.Id, MessageId: 'm', MD5OfMessageBody: '' }],
        Failed: rest.map((entry, i) => ({ Id: entry.Id, Code: i === 0 ? 'InternalError' : undefined, SenderFault: false })),
        $metadata: {},
      } satisfies SendMessageBatchCommandOutput;
    },
  } as unknown as SQSClient;
  await t.rejects(redrive({ sqs: refusing, queues }), /the queue refused message \S+: InternalError/);
  t.equal((await drain(queues.queue.url)).length, 1, 'the accepted one reached the queue');
  const left = await queueDepth(sqs, queues.dlq.url);
  t.equal(total(left), 3, 'the refused ones are still in the DLQ');

  // A message without system attributes (no group, no deduplication id), refused under an id SQS made up.
  const none = {
    send: async (command: unknown) => {
      if (command instanceof ReceiveMessageCommand) return { Messages: [{ MessageId: 'bare', ReceiptHandle: 'r', Body: 'b' }] };
      if (!(command instanceof SendMessageBatchCommand)) return sqs.send(command as never);
      t.strictSame(command.input.Entries, [{ Id: '0', MessageBody: 'b', MessageAttributes: undefined, MessageGroupId: undefined }]);
      return { Failed: [{ Id: '9', SenderFault: true, Code: 'InvalidParameterValue', Message: 'too big' }], $metadata: {} };
    },
  } as unknown as SQSClient;
  const refused = await queuesOf('none');
  await t.rejects(redrive({ sqs: none, queues: refused }), /^the queue refused message 9: InvalidParameterValue too big$/);

});

t.test('move task: where SQS has one, it moves the messages and its progress is followed', async (t) => {
  const queues = await queuesOf('task');
  const calls: string[] = [];
  /** Answers the move-task calls as AWS would, from a script of task states. */
  const withMoveTask = (states: Array<{ Status: string; ApproximateNumberOfMessagesMoved?: number; FailureReason?: string }>) =>
    ({
      send: async (command: unknown) => {
        if (command instanceof StartMessageMoveTaskCommand) {
          calls.push(`start ${command.input.SourceArn} -> ${command.input.DestinationArn}`);
          return { TaskHandle: 'handle-1' };
        }
        if (command instanceof ListMessageMoveTasksCommand) return { Results: states.length > 1 ? [states.shift()] : states };
        if (command instanceof CancelMessageMoveTaskCommand) {
          calls.push(`cancel ${command.input.TaskHandle}`);
          return {};
        }
        return sqs.send(command as never);
      },
    }) as unknown as SQSClient;
  const lines: string[] = [];
  const done = await redrive({
    sqs: withMoveTask([{ Status: 'RUNNING', ApproximateNumberOfMessagesMoved: 2 }, { Status: 'RUNNING' }, { Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 5 }]),
    queues,
    pollMs: 1,
    progress: createProgressReporter({ write: (line) => lines.push(line) }),
  });
  t.strictSame(done, { status: 'completed', mode: 'move-task', moved: 5 });
  t.same(calls, [`start ${queues.dlq.arn} -> ${queues.queue.arn}`]);
  t.match(lines.at(-1), /redrive task \(SQS move task\): 5 events/);

  await t.rejects(
    redrive({ sqs: withMoveTask([{ Status: 'FAILED', FailureReason: 'AccessDenied' }]), queues, pollMs: 1 }),
    /ended FAILED: AccessDenied/,
  );
  await t.rejects(redrive({ sqs: withMoveTask([{ Status: 'CANCELLED' }]), queues, pollMs: 1 }), /no reason given/);
  const stop = new AbortController();
  // At the default pace (a poll every 2 s), stopped before the first poll.
  const stopping = redrive({ sqs: withMoveTask([{ Status: 'RUNNING' }]), queues, signal: stop.signal });
  setTimeout(() => stop.abort(), 20);
  t.match(await stopping, { status: 'stopped', mode: 'move-task' });
  t.equal(calls.at(-1), 'cancel handle-1', 'a stop cancels the task');

  const denied = {
    send: async (command: unknown) => {
      if (command instanceof StartMessageMoveTaskCommand) throw Object.assign(new Error('denied'), { name: 'AccessDenied' });
      return sqs.send(command as never);
    },
  } as unknown as SQSClient;
  await t.rejects(redrive({ sqs: denied, queues }), /denied/, 'other errors are not taken for a missing move task');
});

t.test('lease: one owner at a time, renewed while held, taken over only once expired', async (t) => {
  for (const [name, store] of [
    ['sqlite', createSqliteLeaseStore(join(dir, 'lease.db'))],
    ['dynamodb', createDynamoDbLeaseStore(ddb, 'leases')],
  ] as Array<[string, LeaseStore]>) {
    let clock = 1_000_000;
    const now = () => clock;
    const first = await acquireLease(store, { owner: 'first', ttlMs: 60_000, now });
    t.match(await store.read(), { owner: 'first', expiresAt: clock + 60_000 }, `${name}: stored`);
    const refused = await acquireLease(store, { owner: 'second', now }).catch((error: unknown) => error);
    t.ok(refused instanceof LeaseError && refused.code === 'LEASE_HELD' && refused.holder?.owner === 'first', `${name}: held`);
    t.match((refused as Error).message, /another rebuild \(first\) holds the lease until 1970-01-01T00:17:40\.000Z/);
    clock += 30_000;
    await first.check();
    t.equal((await store.read())?.expiresAt, clock + 60_000, `${name}: a check renews it`);
    const again = await acquireLease(store, { owner: 'first', now });
    t.equal(again.owner, 'first', `${name}: the holder may take it again`);
    await again.release();
    await first.release();

    // The holder stalls past its expiry; another takes over; the first finds out at its next check.
    const stalled = await acquireLease(store, { owner: 'stalled', ttlMs: 1000, now });
    clock += 2000;
    const taker = await acquireLease(store, { owner: 'taker', ttlMs: 60_000, now });
    await t.rejects(stalled.check(), { code: 'LEASE_LOST' }, `${name}: lost`);
    await stalled.release();
    t.equal((await store.read())?.owner, 'taker', `${name}: releasing a lost lease leaves the new holder's`);
    await taker.release();
    t.equal(await store.read(), undefined, `${name}: released`);
    await store.close();
  }

  // Renewed in the background every third of its time; a renewal that fails loses it.
  let renewals = 0;
  const base = createSqliteLeaseStore(join(dir, 'lease-timer.db'));
  let failing = false;
  const flaky: LeaseStore = {
    ...base,
    renew: async (owner, expiresAt) => {
      renewals++;
      if (failing) throw new Error('throttled');
      return base.renew(owner, expiresAt);
    },
  };
  const held = await acquireLease(flaky, { ttlMs: 30 });
  while (renewals < 2) await new Promise((resolve) => setTimeout(resolve, 5));
  await held.check();
  failing = true;
  await t.rejects(held.check(), { code: 'LEASE_LOST' });
  await held.release();
  await base.close();
  t.match(newLeaseOwner(), /^.+:\d+:[0-9a-f]{8}$/);

  // DynamoDB errors other than a failed condition are not taken for a lost or held lease.
  const broken = createDynamoDbLeaseStore(
    { send: async () => Promise.reject(Object.assign(new Error('throttled'), { name: 'ThrottlingException' })) },
    'leases',
  );
  await t.rejects(broken.acquire('a', 1, 0), /throttled/);
  await t.rejects(broken.renew('a', 1), /throttled/);
  await t.rejects(broken.release('a'), /throttled/);
  await ddb.send(new PutItemCommand({ TableName: 'leases', Item: { id: { S: 'control#bare' }, owner: { S: 'old' } } }));
  t.match(await createDynamoDbLeaseStore(ddb, 'leases', 'control#bare').read(), { owner: 'old', acquiredAt: '' });
});

t.test('status: depths, ages, lag and the read model\'s slots and lease', async (t) => {
  const dataDir = join(dir, 'status');
  const opened = await openSlots({ kind: 'sqlite', dataDir });
  t.teardown(() => opened.close());
  const queues = await queuesOf('status');
  await deadLetter(queues, 3, 'status');
  // One of them held by a receiver: the emulator lists it among the in-flight ones, still counted in the age.
  await sqs.send(new ReceiveMessageCommand({ QueueUrl: queues.dlq.url, MaxNumberOfMessages: 1, VisibilityTimeout: 60 }));
  const now = Date.now() + 5000;
  const options = {
    sqs,
    consumers: [queues],
    metrics: emulatorMetrics(`${emulator.endpoint}/`, () => now),
    pointer: opened.pointer,
    lease: opened.lease,
    slots: opened.slots.models,
    now: () => now,
  };
  const idle = await projectionStatus(options);
  t.match(idle.consumers, [
    {
      consumer: 'status',
      queue: { name: 'status.fifo', oldestMessageAgeSeconds: 0 },
      dlq: { name: 'status-dlq.fifo', visible: 2, inFlight: 1 },
      lastLagMs: 0,
      lagSource: 'oldest queued message',
    },
  ]);
  t.ok(idle.consumers[0]!.dlq.oldestMessageAgeSeconds! >= 4, 'the DLQ message is seconds old');
  t.strictSame(idle.readModel, { activeSlot: 'blue', fillingSlot: null, rebuildPhase: null, lease: null });
  t.match(formatProjectionStatus(idle), /read model: active slot blue, no rebuild in progress/);
  t.match(formatProjectionStatus(idle), /dlq   status-dlq\.fifo: 2 waiting, 1 in flight, oldest \d+s/);

  // A rebuild into green, stopped: the slot says where it stands, no lease is held.
  await opened.pointer.setFilling('green');
  const rebuilding = await projectionStatus(options);
  t.match(rebuilding.readModel, { fillingSlot: 'green', rebuildPhase: null });
  t.match(formatProjectionStatus(rebuilding), /rebuild into green \(starting\), stopped: run pnpm rebuild-read-model/);
  await opened.slots.models.green.setCheckpoint(REBUILD_CHECKPOINTS.state, JSON.stringify({ phase: 'filling' }));
  const lease = await acquireLease(opened.lease, { owner: 'host:1:ab', ttlMs: 1000, now: () => now - 5000 });
  const running = await projectionStatus(options);
  t.match(running.readModel, { rebuildPhase: 'filling', lease: { owner: 'host:1:ab', expired: true } });
  t.match(formatProjectionStatus(running), /rebuild into green \(filling\), lease held by host:1:ab until .* \(expired\)/);
  await lease.release();
  const live = await acquireLease(opened.lease, { owner: 'host:2:cd', now: () => now });
  t.notMatch(formatProjectionStatus(await projectionStatus(options)), /expired/);
  await live.release();
  await opened.pointer.setFilling(undefined);

  // A lease without a fill (a rebuild just starting) shows too.
  const starting = await acquireLease(opened.lease, { owner: 'host:3:ef', now: () => now });
  t.match(formatProjectionStatus(await projectionStatus(options)), /rebuild into \? \(starting\), lease held by host:3:ef/);
  await starting.release();

  const unknownQueue = await emulatorMetrics(emulator.endpoint).oldestMessageAgeSeconds({ url: '', arn: '', name: 'gone' });
  t.equal(unknownQueue, undefined, 'a queue the emulator does not know has no age');
  const unknown = await projectionStatus({
    ...options,
    metrics: { source: 'nothing', oldestMessageAgeSeconds: async () => undefined, lastLagMs: async () => undefined },
  });
  t.match(unknown.consumers[0], { lastLagMs: null, lagSource: 'unknown', queue: { oldestMessageAgeSeconds: null } });
  t.match(formatProjectionStatus(unknown), /oldest n\/a[\s\S]*last lag: n\/a \(unknown\)/);

  // CloudWatch, as on AWS: the latest datapoint of each metric, for the consumer and for each queue.
  const queries: unknown[] = [];
  const cloudWatch = {
    send: async (command: GetMetricDataCommand) => {
      queries.push(command.input.MetricDataQueries?.[0]?.MetricStat?.Metric);
      const metric = command.input.MetricDataQueries?.[0]?.MetricStat?.Metric?.MetricName;
      return { MetricDataResults: [{ Values: metric === 'ProjectionLagMs' ? [1234, 99] : [] }] };
    },
  };
  const measured = await projectionStatus({ ...options, metrics: cloudWatchMetrics(cloudWatch as never, () => now) });
  t.match(measured, { metrics: 'CloudWatch', consumers: [{ lastLagMs: 1234, lagSource: 'ProjectionLagMs', dlq: { oldestMessageAgeSeconds: null } }] });
  t.match(formatProjectionStatus(measured), /last lag: 1234 ms \(ProjectionLagMs\)/);
  t.match(queries, [
    { Namespace: 'AWS/SQS', MetricName: 'ApproximateAgeOfOldestMessage', Dimensions: [{ Name: 'QueueName', Value: /\.fifo$/ }] },
    { Namespace: 'AWS/SQS' },
    { Namespace: 'UserService', MetricName: 'ProjectionLagMs', Dimensions: [{ Name: 'service', Value: 'status' }] },
  ]);
  const empty = cloudWatchMetrics({ send: async () => ({}) } as never);
  t.equal(await empty.lastLagMs('projector'), undefined);
});

t.test('config: redrive and status flags', async (t) => {
  t.strictSame(loadRedriveConfig({}, ['--consumer', 'projector', '--dry-run']), {
    sqsEndpoint: undefined,
    consumer: 'projector',
    queueUrl: undefined,
    dryRun: true,
  });
  t.throws(() => loadRedriveConfig({ SQS_ENDPOINT: 'ftp://x' }, ['--queue-url', 'nope']), /--consumer is required/);
  t.throws(() => loadRedriveConfig({}, ['--consumer', 'a'.repeat(72)]), /must be a queue name/);
  t.strictSame(loadStatusConfig({}, [], '/srv').consumers, [
    { consumer: 'projector', queueUrl: undefined },
    { consumer: 'mailer', queueUrl: undefined },
  ], 'both consumers of the topic by default: the read model and the mail');
  t.match(loadStatusConfig({}, [], '/srv'), { storage: { kind: 'sqlite', dataDir: '/srv/data' }, json: false });
  t.match(
    loadStatusConfig({ STORAGE: 'dynamodb', READ_MODEL_TABLE: 'views' }, [
      '--consumer', 'projector', '--queue-url', 'https://sqs.eu-west-1.amazonaws.com/1/p',
      '--consumer', 'search', '--queue-url', 'https://sqs.eu-west-1.amazonaws.com/1/s', '--json',
    ]),
    {
      storage: { kind: 'dynamodb', readModelTables: { blue: 'views', green: 'views-green' } },
      consumers: [{ consumer: 'projector', queueUrl: /\/p$/ }, { consumer: 'search', queueUrl: /\/s$/ }],
      json: true,
    },
  );
  t.throws(
    () => loadStatusConfig({}, ['--consumer', 'a', '--consumer', 'b', '--queue-url', 'https://x/q']),
    /--queue-url must be given once per --consumer/,
  );
});

t.test('the CLIs as processes: dry run, a redrive stopped by SIGINT and resumed, status, usage', async (t) => {
  const queues = await queuesOf('cli');
  // Enough batches (FIFO gives one message per group per receive: two a batch here) that SIGINT lands while it copies.
  await deadLetter(queues, 200, 'cli');
  const env = {
    SQS_ENDPOINT: emulator.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    DATA_DIR: join(dir, 'cli-data'),
  };
  const redriveCli = new URL('../src/redrive-cli.ts', import.meta.url);
  const statusCli = new URL('../src/projection-status-cli.ts', import.meta.url);

  const dry = await runCli(redriveCli, ['--consumer', 'cli', '--dry-run'], env).exited;
  t.equal(dry.code, 0, dry.stderr);
  t.match(JSON.parse(dry.stdout), { consumer: 'cli', queue: 'cli.fifo', dlq: 'cli-dlq.fifo', dryRun: true, count: 200 });
  t.notMatch(dry.stdout, /secret/);

  const first = runCli(redriveCli, ['--consumer', 'cli'], env);
  await first.firstStderrLine;
  first.kill('SIGINT');
  const stopped = await first.exited;
  t.equal(stopped.code, 130, stopped.stderr);
  const partial = JSON.parse(stopped.stdout) as { status: string; moved: number };
  t.match(partial, { status: 'stopped', mode: 'copy' });
  t.ok(partial.moved < 200, `stopped after ${partial.moved}`);
  const resumed = await runCli(redriveCli, ['--consumer', 'cli'], env).exited;
  t.equal(resumed.code, 0, resumed.stderr);
  t.equal(partial.moved + (JSON.parse(resumed.stdout) as { moved: number }).moved, 200, 'every message moved once');

  const shown = await runCli(statusCli, ['--consumer', 'cli'], env).exited;
  t.equal(shown.code, 0, shown.stderr);
  t.match(shown.stdout, /queue cli\.fifo: 200 waiting/);
  t.match(shown.stdout, /dlq   cli-dlq\.fifo: 0 waiting/);
  const json = await runCli(statusCli, ['--consumer', 'cli', '--json'], env).exited;
  t.match(JSON.parse(json.stdout), { consumers: [{ queue: { visible: 200 }, dlq: { visible: 0 } }], metrics: 'the emulator' });

  // Without SQS_ENDPOINT it is AWS (CloudWatch for the figures), here endpoints that do not answer.
  const aws = await runCli(statusCli, ['--consumer', 'cli'], {
    ...env,
    SQS_ENDPOINT: ' ',
    AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9',
    AWS_ENDPOINT_URL_CLOUDWATCH: 'http://127.0.0.1:9',
    AWS_MAX_ATTEMPTS: '1',
  }).exited;
  t.equal(aws.code, 1);
  t.match(aws.stderr, /projection-status failed: /);

  for (const [cli, usage] of [[redriveCli, /^Usage: pnpm redrive --consumer/], [statusCli, /^Usage: pnpm projection-status/]] as const) {
    const help = await runCli(cli, ['--help'], {}).exited;
    t.match(help, { code: 0, stdout: usage });
    const bad = await runCli(cli, ['--nonsense'], env).exited;
    t.equal(bad.code, 78);
    t.match(bad.stderr, /Unknown option '--nonsense'[\s\S]*Usage:/);
  }
  const missing = await runCli(redriveCli, ['--consumer', 'nobody'], env).exited;
  t.match(missing, { code: 1, stderr: /redrive failed: there is no queue nobody\.fifo/ });
  const missingStatus = await runCli(statusCli, ['--consumer', 'nobody'], env).exited;
  t.match(missingStatus, { code: 1, stderr: /projection-status failed: there is no queue nobody\.fifo/ });
});
