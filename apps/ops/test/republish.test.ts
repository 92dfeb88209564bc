/**
 * Republish against the real SNS/SQS emulator (fauxqs): a topic with two consumer queues, fed from a SQLite
 * event store and from DynamoDB Local; the library with its window, stops and resumes, and the CLI as a
 * process, stopped by SIGINT and run again.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  PublishBatchCommand,
  SNSClient,
  type PublishBatchCommandInput,
  type PublishBatchCommandOutput,
} from '@aws-sdk/client-sns';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { EventStore } from '@user-service/event-store';
import { ensureEventStoreTable } from '@user-service/event-store/dynamodb';
import { createSqliteEventStore } from '@user-service/event-store/sqlite';
import { messageGroupId, parseCloudEvent, type ReceivedUserEvent } from '@user-service/integration-events';
import { dynamoDbClientConfig, ensureTopology, localClientConfig, startDynamoDbLocal, startSnsSqs } from '@user-service/local-aws';
import t from 'tap';
import { ConfigError, loadRepublishConfig, republish, type RepublishFilters, type RepublishOptions } from '../src/republish.js';
import { messageGroupId as replayGroupId } from '../src/replay.js';
import { openEventStore } from '../src/stores.js';
import { act, runCli, seedUsers, stepTime } from './fixtures.js';

t.setTimeout(180_000);

const [emulator, dynamoDb] = await Promise.all([startSnsSqs(), startDynamoDbLocal()]);
const sqs = new SQSClient(localClientConfig(emulator.endpoint));
const sns = new SNSClient(localClientConfig(emulator.endpoint));
const dir = mkdtempSync(join(tmpdir(), 'ops-republish-'));
t.teardown(async () => {
  sqs.destroy();
  sns.destroy();
  await Promise.all([emulator.stop(), dynamoDb.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

// Two consumers subscribed to the topic, as deployed: a republish must reach both.
const topology = await ensureTopology({ sns, sqs }, { topicName: 'republish-events.fifo', consumers: ['projector', 'search'] });
const { topicArn } = topology;
const queues = ['projector', 'search'].map((name) => topology.consumers[name]!.queueUrl);

const START = Date.parse('2024-03-01T00:00:00.000Z');
const dataDir = join(dir, 'data');
mkdirSync(dataDir);
await createSqliteEventStore({ filename: join(dataDir, 'events.db') }).close();
const opened = await openEventStore({ kind: 'sqlite', dataDir });
const store: EventStore = opened.eventStore;
t.teardown(() => store.close());
// Five events per user, one step an hour apart: step 0 at START, step 4 at START + 4 h.
const users = await seedUsers(store, { users: 8, prefix: 'user', start: START });
const TOTAL = users.reduce((sum, user) => sum + user.version, 0);

let files = 0;
const newCheckpointFile = () => join(dir, `checkpoint-${++files}.json`);
const window = (filters: Partial<RepublishFilters> = {}): RepublishFilters => ({
  user: null,
  since: new Date(START).toISOString(),
  until: null,
  ...filters,
});
const options = (overrides: Partial<RepublishOptions> = {}): RepublishOptions => ({
  eventStore: store,
  sns,
  topicArn,
  filters: window(),
  checkpointFile: newCheckpointFile(),
  pageSize: 7,
  ...overrides,
});

type Received = ReceivedUserEvent & { groupId: string };

/** Receives and deletes everything in a queue; FIFO hands out a group's next message after the delete. */
async function drain(queueUrl: string): Promise<Received[]> {
  const received: Received[] = [];
  for (let empty = 0; empty < 3; ) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['MessageGroupId'] }),
    );
    if (Messages.length === 0) {
      empty++;
      continue;
    }
    empty = 0;
    for (const m of Messages) received.push({ ...parseCloudEvent(m.Body!), groupId: m.Attributes?.MessageGroupId ?? '' });
    await sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }),
    );
  }
  return received;
}

/** Per user, the versions received, in arrival order. */
const versionsByUser = (received: readonly Received[]): Record<string, number[]> => {
  const byUser: Record<string, number[]> = {};
  for (const event of received) (byUser[event.streamId] ??= []).push(event.version);
  return byUser;
};
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** An SNS client in front of the emulator that can meddle with PublishBatch calls. */
function meddlingSns(meddle: (input: PublishBatchCommandInput, call: number) => PublishBatchCommandOutput | undefined) {
  let calls = 0;
  const client: RepublishOptions['sns'] = {
    send: (async (command: { input: unknown }) => {
      if (!(command instanceof PublishBatchCommand)) return sns.send(command as never);
      return meddle(command.input, ++calls) ?? sns.send(command);
    }) as RepublishOptions['sns']['send'],
  };
  return { client, calls: () => calls };
}

const CLI = new URL('../src/republish-cli.ts', import.meta.url);
const cliEnv = (extra: Record<string, string> = {}) => ({
  STORAGE: 'sqlite',
  DATA_DIR: dataDir,
  TOPIC_ARN: topicArn,
  SNS_ENDPOINT: emulator.endpoint,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  ...extra,
});

t.test('pnpm republish --since delivers the events from then on to both consumer queues, marked replayed', async (t) => {
  const since = stepTime(START, 2);
  const run = await runCli(CLI, ['--since', since], cliEnv()).exited;
  t.equal(run.code, 0, run.stderr);
  const expected = users.length * 3;
  t.match(JSON.parse(run.stdout), { status: 'completed', resumed: false, scanned: TOTAL, sent: expected, topicArn });
  t.match(run.stderr, /^republish to republish-events\.fifo: 0\/40 events/m, 'progress on stderr, with the exact total');
  for (const [i, queueUrl] of queues.entries()) {
    const received = await drain(queueUrl);
    t.equal(received.length, expected, `consumer ${i + 1} got every event of the window`);
    t.ok(received.every((e) => e.replayed), 'each marked replayed');
    t.ok(received.every((e) => Date.parse(e.metadata.occurredAt) >= Date.parse(since)), 'none from before --since');
    t.ok(received.every((e) => e.groupId === messageGroupId(e.streamId)), "grouped by user, as the relay groups");
    t.same(versionsByUser(received), Object.fromEntries(users.map((u) => [u.streamId, [3, 4, 5]])), 'in order per user');
  }
});

t.test('--until ends the window (exclusive), --user takes one stream', async (t) => {
  const since = stepTime(START, 1);
  const until = stepTime(START, 3);
  const all = await republish(options({ filters: window({ since, until }) }));
  t.match(all, { status: 'completed', sent: users.length * 2 });
  const [first, second] = await Promise.all(queues.map(drain));
  t.same(versionsByUser(first!), Object.fromEntries(users.map((u) => [u.streamId, [2, 3]])));
  t.equal(second!.length, users.length * 2);

  const one = await republish(options({ filters: window({ user: 'user-1', since }), pageSize: 2 }));
  t.match(one, { status: 'completed', scanned: 5, sent: 4 });
  for (const queueUrl of queues) t.same(versionsByUser(await drain(queueUrl)), { 'user-1': [2, 3, 4, 5] });

  const nobody = await republish(options({ filters: window({ user: 'nobody' }) }));
  t.match(nobody, { status: 'completed', scanned: 0, sent: 0 });
  const emptyDir = join(dir, 'empty');
  mkdirSync(emptyDir);
  const empty = createSqliteEventStore({ filename: join(emptyDir, 'events.db') });
  t.teardown(() => empty.close());
  t.match(await republish(options({ eventStore: empty })), { status: 'completed', scanned: 0, sent: 0 }, 'an empty store');
});

t.test('a stopped run resumes where it stopped: every event published, none lost, none twice', async (t) => {
  const checkpointFile = newCheckpointFile();
  const controller = new AbortController();
  const lines: string[] = [];
  const progress = {
    begin: (label: string) => lines.push(label),
    add: () => controller.abort(),
    note: (text: string) => lines.push(text),
    end: () => lines.push('end'),
  };
  const first = await republish(options({ checkpointFile, signal: controller.signal, progress }));
  t.match(first, { status: 'stopped', resumed: false, scanned: 7, sent: 7 });
  t.same(lines, ['republish to republish-events.fifo', 'published 7', 'end']);
  const second = await republish(options({ checkpointFile, estimateTotal: opened.estimateTotal }));
  t.match(second, { status: 'completed', resumed: true, runId: first.runId, scanned: TOTAL, sent: TOTAL });
  for (const queueUrl of queues) {
    const received = await drain(queueUrl);
    t.equal(new Set(received.map((e) => e.eventId)).size, TOTAL, 'every event, each once');
    t.same(versionsByUser(received), Object.fromEntries(users.map((u) => [u.streamId, range(1, 5)])));
  }
  const third = await republish(options({ checkpointFile }));
  t.not(third.runId, first.runId, 'a finished run is not resumed: the next one starts afresh');
  await Promise.all(queues.map(drain));

  // A user run stopped between its pages resumes after the last version it published.
  const userFile = newCheckpointFile();
  const stopping = new AbortController();
  const stopAfterPage = { begin() {}, add: () => stopping.abort(), note() {}, end() {} };
  const filters = window({ user: 'user-2' });
  t.match(await republish(options({ checkpointFile: userFile, filters, pageSize: 2, signal: stopping.signal, progress: stopAfterPage })), {
    status: 'stopped',
    sent: 2,
  });
  t.match(await republish(options({ checkpointFile: userFile, filters, pageSize: 2 })), { status: 'completed', resumed: true, sent: 5 });
  for (const queueUrl of queues) t.same(versionsByUser(await drain(queueUrl)), { 'user-2': range(1, 5) });
});

t.test('an unfinished run is resumed only with its own topic and filters, unless --restart', async (t) => {
  const checkpointFile = newCheckpointFile();
  const controller = new AbortController();
  controller.abort();
  await republish(options({ checkpointFile, signal: controller.signal }));
  await t.rejects(republish(options({ checkpointFile, filters: window({ user: 'user-1' }) })), { code: 'CHECKPOINT_MISMATCH' });
  await t.rejects(republish(options({ checkpointFile, topicArn: `${topicArn.slice(0, -5)}-other.fifo` })), {
    code: 'CHECKPOINT_MISMATCH',
    message: /user any, since 2024-03-01T00:00:00.000Z, until now/,
  });
  const restarted = await republish(options({ checkpointFile, filters: window({ user: 'user-1', until: stepTime(START, 1) }), restart: true }));
  t.match(restarted, { status: 'completed', resumed: false, sent: 1 });
  await Promise.all(queues.map(drain));

  for (const text of ['[]', 'null', '{"runId":"x"}', JSON.stringify({ runId: 'r', topicArn, filters: null })]) {
    const file = newCheckpointFile();
    writeFileSync(file, text);
    await t.rejects(republish(options({ checkpointFile: file })), { code: 'INVALID_CHECKPOINT' }, text);
  }
});

t.test('entries SNS fails are resent until accepted; one it refuses, or keeps failing, stops the run', async (t) => {
  const [user0] = users;
  const filters = window({ user: user0!.streamId });
  const flaky = meddlingSns((input, call) => {
    const entries = input.PublishBatchRequestEntries!;
    if (call === 1) return { Successful: [], Failed: [{ Id: entries[0]!.Id, Code: 'Throttled', SenderFault: false }], $metadata: {} };
    return undefined;
  });
  const resent = await republish(options({ sns: flaky.client, filters, retry: { initialMs: 1, maxMs: 2 } }));
  t.match(resent, { status: 'completed', sent: 5 });
  t.equal(flaky.calls(), 2, 'the unconfirmed entries went again');
  for (const queueUrl of queues) t.same(versionsByUser(await drain(queueUrl)), { [user0!.streamId]: range(1, 5) });

  const refusing = meddlingSns((input) => ({
    Successful: [],
    Failed: [{ Id: input.PublishBatchRequestEntries![1]!.Id, Code: 'InvalidParameter', Message: 'too big', SenderFault: true }],
    $metadata: {},
  }));
  const checkpointFile = newCheckpointFile();
  await t.rejects(republish(options({ sns: refusing.client, filters, checkpointFile })), {
    code: 'PUBLISH_FAILED',
    message: `SNS refused event ${user0!.streamId}/2: InvalidParameter too big`,
  });
  const failing = meddlingSns(() => ({ $metadata: {} }));
  await t.rejects(republish(options({ sns: failing.client, filters, checkpointFile, retry: { initialMs: 1, maxAttempts: 3 } })), {
    code: 'PUBLISH_FAILED',
    message: /SNS failed 3 times to take events user-0\/1, user-0\/2/,
  });
  t.equal(failing.calls(), 3);
});

t.test('from the event store on DynamoDB Local, as the local stack keeps it', async (t) => {
  const accessKeyId = `t${randomUUID().replaceAll('-', '')}`;
  const client = new DynamoDBClient(dynamoDbClientConfig(dynamoDb.endpoint, accessKeyId));
  t.teardown(() => client.destroy());
  await ensureEventStoreTable(client, 'events');
  const dynamo = await openEventStore(
    // Without KMS (DynamoDB Local), keys are wrapped under a key derived from the service's secret.
    { kind: 'dynamodb', eventStoreTable: 'events', endpoint: dynamoDb.endpoint, keySecret: 'test-secret-'.padEnd(48, 'x') },
    client,
  );
  const seeded = await seedUsers(dynamo.eventStore, { users: 3, prefix: 'dyn', start: START });
  await act(dynamo.eventStore, seeded[1]!, { type: 'UpdateProfile', now: stepTime(START, 9), surname: 'Late' });
  const result = await republish(
    options({ eventStore: dynamo.eventStore, filters: window({ since: stepTime(START, 4) }), estimateTotal: dynamo.estimateTotal, pageSize: undefined }),
  );
  t.match(result, { status: 'completed', sent: 4 });
  for (const queueUrl of queues) {
    t.same(versionsByUser(await drain(queueUrl)), { 'dyn-0': [5], 'dyn-1': [5, 6], 'dyn-2': [5] });
  }
});

t.test('the CLI: SIGINT stops it after the page in hand, and the same command resumes', async (t) => {
  const bigDir = join(dir, 'big');
  mkdirSync(bigDir);
  const bigStore = createSqliteEventStore({ filename: join(bigDir, 'events.db') });
  t.teardown(() => bigStore.close());
  const many = await seedUsers(bigStore, { users: 3, prefix: 'many', start: START });
  for (let n = 0; n < 300; n++) {
    for (const user of many.filter((u) => u.state.status !== 'removed')) {
      await act(bigStore, user, { type: 'UpdateProfile', now: stepTime(START, 5 + n), surname: `S${n}` });
    }
  }
  const bigTotal = many.reduce((sum, user) => sum + user.version, 0);
  const env = cliEnv({ DATA_DIR: bigDir });
  const args = ['--since', '2024-01-01T00:00:00Z', '--page-size', '1'];

  const run = runCli(CLI, args, env);
  t.match(await run.firstStderrLine, /^republish to republish-events\.fifo: 0\/\d+ events/);
  run.kill('SIGINT');
  const stopped = await run.exited;
  t.equal(stopped.code, 130, stopped.stderr);
  t.match(stopped.stderr, /SIGINT: stopping after the page in hand/);
  const partial = JSON.parse(stopped.stdout) as { status: string; sent: number };
  t.match(partial, { status: 'stopped', checkpointFile: join(bigDir, 'republish', 'checkpoint.json') });
  t.ok(partial.sent < bigTotal, `stopped after ${partial.sent} of ${bigTotal}`);

  const again = await runCli(CLI, [...args.slice(0, 2), '--page-size', '500'], env).exited;
  t.equal(again.code, 0, again.stderr);
  t.match(JSON.parse(again.stdout), { status: 'completed', resumed: true, sent: bigTotal });
  for (const queueUrl of queues) {
    const received = await drain(queueUrl);
    t.equal(new Set(received.map((e) => e.eventId)).size, bigTotal, 'every event arrived, each once');
    for (const versions of Object.values(versionsByUser(received))) {
      t.same(versions, range(1, versions.length), 'in order per user');
    }
  }
});

t.test('the CLI: usage, bad configuration, a missing event store', async (t) => {
  const help = await runCli(CLI, ['--help'], cliEnv()).exited;
  t.equal(help.code, 0);
  t.match(help.stdout, /^Usage: pnpm republish --since <instant> \[--until <instant>\] \[--user <id>\]/);

  const bad = await runCli(CLI, ['--until', 'yesterday', '--bogus'], cliEnv({ STORAGE: 'dynamodb', TOPIC_ARN: '' })).exited;
  t.equal(bad.code, 78);
  t.match(bad.stderr, /Unknown option '--bogus'/);
  t.match(bad.stderr, /EVENT_STORE_TABLE is required when STORAGE=dynamodb/);
  t.match(bad.stderr, /Usage: pnpm republish/);

  const missing = await runCli(CLI, ['--since', '2024-01-01'], cliEnv({ DATA_DIR: join(dir, 'nowhere') })).exited;
  t.equal(missing.code, 1);
  t.match(missing.stderr, /republish failed: there is no event store at .*nowhere.*: check DATA_DIR/);
});

t.test('the configuration: every problem named at once; defaults', async (t) => {
  const problems = (env: Record<string, string>, argv: string[]): readonly string[] => {
    try {
      loadRepublishConfig(env, argv, '/srv');
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  };
  t.same(problems({}, []), ['--since is required', 'TOPIC_ARN is required']);
  t.same(problems({ TOPIC_ARN: topicArn }, ['--since=2024-13-45']), ['--since="2024-13-45" must be an ISO-8601 instant']);
  t.same(
    problems({ TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:plain' }, [
      '--since=2024-03-02T00:00:00Z',
      '--until=2024-03-01T00:00:00Z',
      '--topic-arn=2024-13-45',
      '--page-size=0',
      `--user=${'x'.repeat(300)}`,
      '--checkpoint-file= ',
    ]),
    [
      '--until must be later than --since',
      '--user="' + 'x'.repeat(300) + '" must be at most 256 characters',
      '--page-size="0" must be an integer from 1 to 1000',
      '--topic-arn="2024-13-45" must be the ARN of an SNS FIFO topic',
      'TOPIC_ARN="arn:aws:sns:us-east-1:123456789012:plain" must be the ARN of an SNS FIFO topic',
      '--checkpoint-file=" " must not be empty',
    ],
  );
  t.same(loadRepublishConfig({ TOPIC_ARN: topicArn }, ['--since', '2024-03-01']), {
    storage: { kind: 'sqlite', dataDir: join(process.cwd(), 'data') },
    topicArn,
    snsEndpoint: undefined,
    filters: { user: null, since: '2024-03-01T00:00:00.000Z', until: null },
    restart: false,
    pageSize: 100,
    checkpointFile: join(process.cwd(), 'data', 'republish', 'checkpoint.json'),
  });
  t.match(
    loadRepublishConfig({ STORAGE: 'dynamodb', EVENT_STORE_TABLE: 'events' }, [
      '--since=2024-03-01T10:00:00+02:00',
      '--until=2024-03-02',
      '--user=ann',
      '--topic-arn',
      topicArn,
      '--restart',
      '--page-size=50',
      '--checkpoint-file=cp.json',
    ], '/srv'),
    {
      storage: { kind: 'dynamodb', eventStoreTable: 'events', endpoint: undefined },
      topicArn,
      filters: { user: 'ann', since: '2024-03-01T08:00:00.000Z', until: '2024-03-02T00:00:00.000Z' },
      restart: true,
      pageSize: 50,
      checkpointFile: '/srv/cp.json',
    },
  );
});

t.test('pnpm replay groups as the relay and pnpm republish do, ids SQS refuses included', async (t) => {
  for (const id of ['ann', 'ann smith', 'añn', 'x'.repeat(200), '5d1e7f4a-0b8e-4c53-9a55-3b2b8e1f0c9d']) {
    t.equal(replayGroupId(id), messageGroupId(id), JSON.stringify(id.slice(0, 12)));
  }
});
