import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { EventStore, NewEvent, StoredEvent } from '@user-service/event-store';
import { createDynamoDbEventStore, ensureEventStoreTable } from '@user-service/event-store/dynamodb';
import { toCloudEvent } from '@user-service/integration-events';
import {
  dynamoDbClientConfig,
  ensureTopology,
  localClientConfig,
  startDynamoDbLocal,
  startSnsSqs,
} from '@user-service/local-aws';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { build } from 'esbuild';
import t, { type Test } from 'tap';
import { startLocalRunner, type LocalRunner } from '../src/local-runner.js';
import { createRelay } from '../src/relay.js';
import {
  CapturedMetrics,
  byGroup,
  capturedLogger,
  drain,
  eventIdOf,
  eventItem,
  eventually,
  observePublishBatch,
  parkingQueue,
  startOutageProxy,
  userHistory,
} from './helpers.js';

// DynamoDB Local takes a few seconds to start on a busy machine.
t.setTimeout(120_000);

const TABLE = 'events';
const root = fileURLToPath(new URL('..', import.meta.url));
const dynamoDb = await startDynamoDbLocal();
const emulator = await startSnsSqs();
t.teardown(async () => {
  await emulator.stop();
  await dynamoDb.stop();
});

/**
 * A fresh event store (its own DynamoDB Local database, by access key), topic and projector queue, and a
 * factory for local runners over them that share one checkpoint file.
 */
async function world(t: Test, options: { createTable?: boolean; snsEndpoint?: string } = {}) {
  const accessKeyId = `t${randomUUID().replaceAll('-', '')}`;
  const client = new DynamoDBClient(dynamoDbClientConfig(dynamoDb.endpoint, accessKeyId));
  const streams = new DynamoDBStreamsClient(dynamoDbClientConfig(dynamoDb.endpoint, accessKeyId));
  const sqs = new SQSClient(localClientConfig(emulator.endpoint));
  // One attempt per call: each relay attempt then meets the outage once, as a throttled Lambda would.
  const sns = new SNSClient({ ...localClientConfig(options.snsEndpoint ?? emulator.endpoint), maxAttempts: 1 });
  const admin = new SNSClient(localClientConfig(emulator.endpoint));
  const dir = await mkdtemp(join(tmpdir(), 'stream-relay-'));
  const runners: LocalRunner[] = [];
  t.teardown(async () => {
    await Promise.allSettled(runners.map((runner) => runner.stop()));
    for (const c of [client, streams, sns, sqs, admin]) c.destroy();
    await rm(dir, { recursive: true, force: true });
  });
  if (options.createTable !== false) await ensureEventStoreTable(client, TABLE);
  const store = createDynamoDbEventStore({ client, tableName: TABLE });
  const name = `r${randomUUID().slice(0, 8)}`;
  const topology = await ensureTopology({ sns: admin, sqs }, { topicName: `${name}.fifo`, consumers: [name] });
  const queueUrl = topology.consumers[name]!.queueUrl;
  const observed = observePublishBatch(sns);
  const logs = capturedLogger();
  const parked = await parkingQueue(sqs, `${name}-parking`);
  const metrics = new CapturedMetrics();
  const relay = createRelay({ sns, topicArn: topology.topicArn, parking: parked.parking, metrics, log: logs.log });
  const checkpointFile = join(dir, 'state', 'checkpoint.json');
  /** Every batch a runner delivered, and what the relay answered. */
  const deliveries: Array<{ event: DynamoDBStreamEvent; response?: DynamoDBBatchResponse }> = [];

  const start = (intercept?: (event: DynamoDBStreamEvent) => void): LocalRunner => {
    const runner = startLocalRunner({
      dynamoDb: client,
      streams,
      tableName: TABLE,
      checkpointFile,
      log: logs.log,
      idleMs: 20,
      retryBaseMs: 20,
      retryMaxMs: 200,
      handle: async (event) => {
        const delivery: (typeof deliveries)[number] = { event };
        deliveries.push(delivery);
        intercept?.(event);
        delivery.response = await relay.handle(event);
        return delivery.response;
      },
    });
    runners.push(runner);
    return runner;
  };
  return { accessKeyId, client, store, sqs, queueUrl, topicArn: topology.topicArn, observed, logs, parked, metrics, checkpointFile, deliveries, start };
}

const newEvents = (history: readonly StoredEvent[]): NewEvent[] =>
  history.map(({ streamId: _s, version: _v, ...event }) => event);

/** Registers a user as the service does: the first event, its two claims and an idempotency key, at once. */
async function register(store: EventStore, userId: string, history: readonly StoredEvent[]): Promise<void> {
  await store.append(userId, newEvents(history.slice(0, 1)), {
    expectedVersion: 0,
    claims: [`email:${userId}@example.com`, `username:${userId}`],
    idempotencyKey: randomUUID(),
  });
}

const ids = (events: readonly StoredEvent[]) => events.map((e) => e.eventId);

t.test('every appended event reaches the queue as its CloudEvent, in order per user, and a restart resumes', async (t) => {
  const w = await world(t);
  const ann = userHistory('ann', 6);
  const bob = userHistory('bob', 3);
  const cid = userHistory('cid', 1);
  await register(w.store, 'ann', ann);
  await register(w.store, 'bob', bob);
  await w.store.append('ann', newEvents(ann.slice(1, 4)), { expectedVersion: 1 });
  await register(w.store, 'cid', cid);
  await w.store.append('bob', newEvents(bob.slice(1, 3)), { expectedVersion: 1 });

  const first = w.start();
  const received = await drain(w.sqs, w.queueUrl, 4 + 3 + 1);
  const groups = byGroup(received);
  for (const user of ['ann', 'bob', 'cid']) {
    const stored = await w.store.readStream(user);
    t.same(groups.get(user), stored.map((e) => toCloudEvent(e)), `${user}'s events arrive as stored, in version order`);
  }

  const [delivery] = w.deliveries;
  const [record] = delivery!.event.Records;
  t.match(record, {
    eventSource: 'aws:dynamodb',
    eventSourceARN: /^arn:aws:dynamodb:ddblocal:\d+:table\/events\/stream\//,
    dynamodb: { SequenceNumber: /^\d+$/, StreamViewType: 'NEW_IMAGE' },
  }, 'the handler gets records in the shape Lambda delivers');
  const created = record!.dynamodb!.ApproximateCreationDateTime!;
  t.ok(Number.isInteger(created) && Math.abs(created - Date.now() / 1000) < 180, 'creation time in epoch seconds');

  await first.stop();
  const checkpoint = JSON.parse(await readFile(w.checkpointFile, 'utf8')) as Record<string, string>;
  const lastDelivered = w.deliveries.at(-1)!.event.Records.at(-1)!.dynamodb!.SequenceNumber;
  t.ok(Object.values(checkpoint).includes(lastDelivered!), 'the checkpoint holds the last acknowledged record');

  // While no runner runs: more events, for a known user and a new one.
  await w.store.append('ann', newEvents(ann.slice(4, 6)), { expectedVersion: 4 });
  const dan = userHistory('dan', 2);
  await register(w.store, 'dan', dan);
  await w.store.append('dan', newEvents(dan.slice(1)), { expectedVersion: 1 });
  const publishedBefore = w.observed.calls.length;

  w.start();
  const later = await drain(w.sqs, w.queueUrl, 4);
  t.same(
    w.observed.calls.slice(publishedBefore).flat().map(eventIdOf).sort(),
    [...ids(ann.slice(4)), ...ids(dan)].sort(),
    'after the restart only the new events are published: nothing before the checkpoint, nothing missed',
  );
  const laterGroups = byGroup(later);
  t.same(laterGroups.get('ann'), (await w.store.readStream('ann', { fromVersion: 5 })).map((e) => toCloudEvent(e)));
  t.same(laterGroups.get('dan'), (await w.store.readStream('dan')).map((e) => toCloudEvent(e)));
});

t.test('an SNS outage longer than ten relay attempts loses nothing once SNS is back', async (t) => {
  // The relay reaches SNS through a proxy: taking it down makes every publish meet a refused connection.
  const proxy = await startOutageProxy(emulator.endpoint);
  t.teardown(() => proxy.close());
  const w = await world(t, { snsEndpoint: proxy.endpoint });
  const ann = userHistory('ann', 4);
  const bob = userHistory('bob', 2);
  await proxy.down();
  await register(w.store, 'ann', ann);
  await register(w.store, 'bob', bob);
  await w.store.append('ann', newEvents(ann.slice(1)), { expectedVersion: 1 });
  await w.store.append('bob', newEvents(bob.slice(1)), { expectedVersion: 1 });

  w.start();
  const attempts = 12;
  await eventually(
    () => (w.deliveries.filter((d) => (d.response?.batchItemFailures.length ?? 0) > 0).length >= attempts ? true : undefined),
    `${attempts} failed relay attempts`,
    60_000,
  );
  const failed = w.deliveries.filter((d) => d.response !== undefined);
  t.ok(failed.length >= attempts, `more than the mapping's 10 retries went by: ${failed.length}`);
  t.ok(
    failed.every((d) => d.response!.batchItemFailures.length === 1),
    'each attempt reports one record: the first it could not publish',
  );
  t.same(await w.parked.take(0), [], 'nothing was parked: an outage is transient');

  await proxy.up();
  const received = await drain(w.sqs, w.queueUrl, 6, 30_000);
  const groups = byGroup(received);
  t.same(groups.get('ann'), (await w.store.readStream('ann')).map((e) => toCloudEvent(e)), "all of ann's events, in order");
  t.same(groups.get('bob'), (await w.store.readStream('bob')).map((e) => toCloudEvent(e)), "all of bob's events, in order");
  t.ok((w.metrics.totals()['PublishFailures'] ?? 0) >= attempts, 'every failed attempt counted in PublishFailures');
  t.equal(w.metrics.totals()['RecordsPublished'], 6);
});

t.test('an undecodable record is parked with its payload while later records flow', async (t) => {
  const w = await world(t);
  const ann = userHistory('ann', 3);
  const [zed] = userHistory('zed', 1);
  const bob = userHistory('bob', 2);
  await register(w.store, 'ann', ann);
  // Written past the store: an event item whose data is not JSON, as a bug or a manual edit might leave.
  const corrupt = { ...eventItem(zed!), data: '{"email":' };
  await w.client.send(new PutItemCommand({ TableName: TABLE, Item: marshall(corrupt) }));
  await w.store.append('ann', newEvents(ann.slice(1)), { expectedVersion: 1 });
  await register(w.store, 'bob', bob);
  await w.store.append('bob', newEvents(bob.slice(1)), { expectedVersion: 1 });

  w.start();
  const received = await drain(w.sqs, w.queueUrl, 5);
  const groups = byGroup(received);
  t.same(groups.get('ann'), (await w.store.readStream('ann')).map((e) => toCloudEvent(e)), "ann's events, the later ones included");
  t.same(groups.get('bob'), (await w.store.readStream('bob')).map((e) => toCloudEvent(e)), "bob's events, written after it");
  const [parked] = await w.parked.take(1);
  t.match(parked, { parkedBy: 'stream-relay', reason: 'unreadable', streamId: 'zed', error: { message: /./ } });
  t.same(parked!.record.dynamodb?.NewImage?.['data'], { S: '{"email":' }, 'the payload is parked whole, as stored');
  t.equal(parked!.record.dynamodb?.NewImage?.['eventId']?.S, zed!.eventId);
  t.ok(
    w.deliveries.every((d) => d.response?.batchItemFailures.length === 0),
    'no delivery was held back or retried for it',
  );
  t.equal(w.metrics.totals()['RecordsParked'], 1);
});

t.test('snapshots written through the store pass the relay unpublished, and the checkpoint moves past them', async (t) => {
  const w = await world(t);
  const ann = userHistory('ann', 3);
  await register(w.store, 'ann', ann.slice(0, 1));
  await w.store.writeSnapshot('ann', { schema: 'user-state@1', version: 1, state: { status: 'registered' } });
  await w.store.append('ann', newEvents(ann.slice(1)), { expectedVersion: 1 });
  await w.store.writeSnapshot('ann', { schema: 'user-state@1', version: 3, state: { status: 'active' } });
  await w.store.writeSnapshot('ann', { schema: 'user-state@2', version: 3, state: { status: 'active' } });

  const runner = w.start();
  const received = await drain(w.sqs, w.queueUrl, 3);
  t.same(byGroup(received).get('ann'), (await w.store.readStream('ann')).map((e) => toCloudEvent(e)), "ann's three events, and nothing else");
  // Until every record has been delivered and answered: the last write is a snapshot.
  const records = await eventually(() => {
    const all = w.deliveries.flatMap((d) => d.event.Records);
    const answered = w.deliveries.every((d) => d.response !== undefined);
    return answered && all.filter((r) => r.dynamodb?.Keys?.['pk']?.S?.startsWith('snapshot#')).length === 3 ? all : undefined;
  }, 'the three snapshot writes on the stream, answered');
  const snapshots = records.filter((r) => r.dynamodb?.Keys?.['pk']?.S?.startsWith('snapshot#'));
  t.same(snapshots.map((r) => r.eventName), ['INSERT', 'MODIFY', 'INSERT'], 'the table streamed each snapshot write');
  t.ok(
    w.deliveries.every((d) => d.response?.batchItemFailures.length === 0),
    'no delivery reported a failure',
  );
  t.notOk(w.logs.entries().some((e) => e['msg'] === 'stream record holds an unreadable event'));
  t.same(
    w.observed.calls.flat().map(eventIdOf),
    ann.map((e) => e.eventId),
    'only the events were published',
  );
  await runner.stop();
  const checkpoint = JSON.parse(await readFile(w.checkpointFile, 'utf8')) as Record<string, string>;
  t.ok(
    Object.values(checkpoint).includes(snapshots.at(-1)!.dynamodb!.SequenceNumber!),
    'the checkpoint acknowledges the last snapshot record too, so it is never delivered again',
  );
});

t.test('a failed batch is retried from its first failed record, and the checkpoint waits for it', async (t) => {
  const w = await world(t);
  const ann = userHistory('ann', 3);
  const bob = userHistory('bob', 1);
  await w.store.append('ann', newEvents(ann), { expectedVersion: 0 });
  await register(w.store, 'bob', bob);
  // The first delivery fails whole (the function crashes); in the second, SNS refuses bob's event.
  w.observed.refuse.add(bob[0]!.eventId);
  let checkpointAtThird: string | undefined;
  w.start(() => {
    const n = w.deliveries.length;
    if (n === 1) throw new Error('injected: the function crashed');
    if (n === 3) {
      w.observed.refuse.clear();
      checkpointAtThird = readFileSync(w.checkpointFile, 'utf8');
    }
  });

  const received = await drain(w.sqs, w.queueUrl, 4);
  t.same(byGroup(received).get('ann'), ann.map((e) => toCloudEvent(e)), "ann's events, once each, in order");
  t.same(byGroup(received).get('bob'), bob.map((e) => toCloudEvent(e)), "bob's event, after its retry");

  const [crashed, partial, retried] = w.deliveries;
  const seqs = (d: typeof crashed) => d!.event.Records.map((r) => r.dynamodb?.SequenceNumber);
  t.same(seqs(partial), seqs(crashed), 'after a crash the whole batch is delivered again');
  const records = partial!.event.Records;
  const failedAt = records.findIndex((r) => r.dynamodb?.NewImage?.['eventId']?.S === bob[0]!.eventId);
  const bobSeq = records[failedAt]!.dynamodb!.SequenceNumber!;
  t.same(partial!.response, { batchItemFailures: [{ itemIdentifier: bobSeq }] }, "bob's record is reported");
  t.equal(retried!.event.Records[0]!.dynamodb!.SequenceNumber, bobSeq, 'the retry starts at the failed record');
  t.same(
    checkpointAtThird === undefined ? undefined : Object.values(JSON.parse(checkpointAtThird) as object),
    [records[failedAt - 1]!.dynamodb!.SequenceNumber],
    'the checkpoint stopped just before the failed record',
  );
  t.ok(w.logs.entries().some((e) => e['msg'] === 'the handler failed the whole batch'));
  t.match(
    w.logs.entries().filter((e) => e['msg'] === 'batch not fully acknowledged; retrying from the first failed record'),
    [{ acknowledged: 0, attempt: 1 }, { acknowledged: failedAt, attempt: 2 }],
    'each retry is logged with how far the batch was acknowledged',
  );
});

t.test('a checkpoint file that cannot be read stops the runner instead of starting over', async (t) => {
  const w = await world(t);
  await mkdir(dirname(w.checkpointFile), { recursive: true });
  for (const text of ['{"shardId-1": 42}', '{"shardId-1": "4', '["1"]']) {
    await writeFile(w.checkpointFile, text);
    await t.rejects(w.start().done, /is not a checkpoint file/, text);
  }
});

t.test('a runner started before the table exists waits for it', async (t) => {
  const w = await world(t, { createTable: false });
  w.start();
  await eventually(
    () => (w.logs.entries().some((e) => e['msg'] === 'cannot describe the table; retrying') ? true : undefined),
    'the runner to look for the table',
  );
  await ensureEventStoreTable(w.client, TABLE);
  const ann = userHistory('ann', 1);
  await register(w.store, 'ann', ann);
  const [message] = await drain(w.sqs, w.queueUrl, 1);
  t.same(JSON.parse(message!.body), toCloudEvent((await w.store.readStream('ann'))[0]!));
});

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The CLI compiled from its source with esbuild (in a tenth of a second, where a TypeScript loader takes
 * seconds per process), next to this package's node_modules so that its dependencies resolve.
 */
async function buildCli(t: Test): Promise<string> {
  const cache = join(root, 'node_modules', '.cache');
  await mkdir(cache, { recursive: true });
  const outdir = await mkdtemp(join(cache, 'cli-test-'));
  t.teardown(() => rm(outdir, { recursive: true, force: true }));
  await build({
    entryPoints: [join(root, 'src', 'local-runner-cli.ts')],
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    logLevel: 'warning',
  });
  return join(outdir, 'local-runner-cli.mjs');
}

/** Runs the CLI in a clean environment. */
function cli(file: string, args: readonly string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [file, ...args], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<Exit>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  return { child, exited, stdout: () => stdout };
}

t.test('the CLI relays until SIGTERM, then stops cleanly; bad input exits with a usage code', async (t) => {
  const [w, file] = await Promise.all([world(t), buildCli(t)]);
  const env = {
    DYNAMODB_ENDPOINT: dynamoDb.endpoint,
    SNS_ENDPOINT: emulator.endpoint,
    LOCAL_ACCESS_KEY_ID: w.accessKeyId,
    TOPIC_ARN: w.topicArn,
  };
  const run = cli(file, ['--table', TABLE, '--checkpoint-file', w.checkpointFile], env);
  t.teardown(() => void run.child.kill('SIGKILL'));
  const ann = userHistory('ann', 2);
  await register(w.store, 'ann', ann);
  await w.store.append('ann', newEvents(ann.slice(1)), { expectedVersion: 1 });
  const received = await drain(w.sqs, w.queueUrl, 2);
  t.same(byGroup(received).get('ann'), ann.map((e) => toCloudEvent(e)));
  await eventually(() => (existsSync(w.checkpointFile) ? true : undefined), 'the checkpoint file');

  run.child.kill('SIGTERM');
  const exit = await run.exited;
  t.equal(exit.code, 0, `stopped cleanly ${exit.stderr}`);
  t.match(exit.stdout, /"msg":"local runner stopped"/);

  const unconfigured = await cli(file, ['--table', TABLE], {}).exited;
  t.equal(unconfigured.code, 78);
  t.match(unconfigured.stderr, /TOPIC_ARN is required/);
  const misused = await cli(file, ['--tabel', TABLE], env).exited;
  t.equal(misused.code, 64);
  t.match(misused.stderr, /usage: local-runner-cli/);
});
