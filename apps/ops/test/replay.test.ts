/**
 * Replay against the real SNS/SQS emulator (fauxqs) from a SQLite event store: the library with its filters,
 * stops and resumes, and the CLI as a process, stopped by SIGINT and run again.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SNSClient } from '@aws-sdk/client-sns';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  type SendMessageBatchCommandOutput,
} from '@aws-sdk/client-sqs';
import type { EventStore } from '@user-service/event-store';
import { createSqliteEventStore } from '@user-service/event-store/sqlite';
import { parseCloudEvent, type ReceivedUserEvent } from '@user-service/integration-events';
import { ensureTopology, localClientConfig, startSnsSqs } from '@user-service/local-aws';
import t from 'tap';
import { createProgressReporter } from '../src/progress.js';
import {
  deduplicationId,
  messageGroupId,
  replay,
  resolveQueueUrl,
  type ReplayCheckpoint,
  type ReplayOptions,
} from '../src/replay.js';
import { openEventStore } from '../src/stores.js';
import { act, runCli, seedUsers, stepTime } from './fixtures.js';

t.setTimeout(120_000);

const emulator = await startSnsSqs();
const sqs = new SQSClient(localClientConfig(emulator.endpoint));
const sns = new SNSClient(localClientConfig(emulator.endpoint));
const dir = mkdtempSync(join(tmpdir(), 'ops-replay-'));
t.teardown(async () => {
  sqs.destroy();
  sns.destroy();
  await emulator.stop();
  rmSync(dir, { recursive: true, force: true });
});

// Two consumers subscribed to the topic, as deployed: a replay to one must leave the other's queue empty.
const topology = await ensureTopology({ sns, sqs }, { consumers: ['projector', 'search'] });
const projectorQueue = topology.consumers['projector']!.queueUrl;
const searchQueue = topology.consumers['search']!.queueUrl;

const START = Date.parse('2024-03-01T00:00:00.000Z');
const dataDir = join(dir, 'data');
mkdirSync(dataDir);
await createSqliteEventStore({ filename: join(dataDir, 'events.db') }).close();
const opened = await openEventStore({ kind: 'sqlite', dataDir });
const store: EventStore = opened.eventStore;
t.teardown(() => store.close());
const users = await seedUsers(store, { users: 12, prefix: 'user', start: START });
const TOTAL = users.reduce((sum, user) => sum + user.version, 0);

let files = 0;
const newCheckpointFile = () => join(dir, `checkpoint-${++files}.json`);

/** Receives and deletes everything in a queue; FIFO hands out one group's next message after the delete. */
async function drain(queueUrl: string): Promise<Array<ReceivedUserEvent & { groupId: string; dedupId: string }>> {
  const received: Array<ReceivedUserEvent & { groupId: string; dedupId: string }> = [];
  for (let empty = 0; empty < 3; ) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId'],
      }),
    );
    if (Messages.length === 0) {
      empty++;
      continue;
    }
    empty = 0;
    for (const message of Messages) {
      received.push({
        ...parseCloudEvent(message.Body!),
        groupId: message.Attributes?.MessageGroupId ?? '',
        dedupId: message.Attributes?.MessageDeduplicationId ?? '',
      });
    }
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
  return received;
}

async function queueDepth(queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
}

/** Every stream's versions arrived in order, each once. */
function assertPerUserOrder(t: Tap, received: readonly ReceivedUserEvent[]): void {
  const byUser = new Map<string, number[]>();
  for (const event of received) byUser.set(event.streamId, [...(byUser.get(event.streamId) ?? []), event.version]);
  for (const [streamId, versions] of byUser) {
    t.ok(
      versions.every((v, i) => i === 0 || v > versions[i - 1]!),
      `${streamId}: versions arrive in order (${versions.join(',')})`,
    );
  }
}

type Tap = Parameters<Parameters<typeof t.test>[0]>[0];

/** An SQS client that records every entry SQS accepted, and can meddle with batches. */
function recordingSqs(
  meddle?: (
    input: SendMessageBatchCommandInput,
    call: number,
  ) => SendMessageBatchCommandOutput | undefined | Promise<SendMessageBatchCommandOutput | undefined>,
) {
  const accepted: string[] = [];
  let calls = 0;
  const client: ReplayOptions['sqs'] = {
    send: (async (command: { input: unknown }) => {
      if (!(command instanceof SendMessageBatchCommand)) return sqs.send(command as never);
      const input = command.input;
      const meddled = await meddle?.(input, ++calls);
      const output = meddled ?? (await sqs.send(command));
      const byId = new Map(input.Entries!.map((entry) => [entry.Id, entry]));
      for (const ok of output.Successful ?? []) accepted.push(JSON.parse(byId.get(ok.Id)!.MessageBody!).id as string);
      return output;
    }) as ReplayOptions['sqs']['send'],
  };
  return { client, accepted };
}

const options = (overrides: Partial<ReplayOptions> = {}): ReplayOptions => ({
  eventStore: store,
  sqs,
  queueUrl: projectorQueue,
  consumer: 'projector',
  checkpointFile: newCheckpointFile(),
  pageSize: 7,
  ...overrides,
});

t.test('replays every event into the chosen queue only, marked replayed, in per-user order', async (t) => {
  const lines: string[] = [];
  const checkpointFile = newCheckpointFile();
  const result = await replay(
    options({
      checkpointFile,
      newRunId: () => 'run1',
      progress: createProgressReporter({ write: (line) => lines.push(line) }),
      estimateTotal: opened.estimateTotal,
    }),
  );
  t.match(result, { runId: 'run1', status: 'completed', resumed: false, scanned: TOTAL, sent: TOTAL });

  const received = await drain(projectorQueue);
  t.equal(received.length, TOTAL, 'every event arrived');
  t.equal(new Set(received.map((e) => e.eventId)).size, TOTAL, 'each once');
  t.ok(received.every((e) => e.replayed), 'every message is marked replayed');
  t.ok(received.every((e) => e.groupId === e.streamId), 'grouped by user');
  t.ok(received.every((e) => e.dedupId === `${e.streamId}:${e.version}-rrun1`), 'deduplicated by user and version, per run');
  assertPerUserOrder(t, received);
  t.equal(await queueDepth(searchQueue), 0, "the other consumer's queue saw nothing");

  const checkpoint = JSON.parse(readFileSync(checkpointFile, 'utf8')) as ReplayCheckpoint;
  t.match(checkpoint, { runId: 'run1', consumer: 'projector', done: true, sent: TOTAL, scanned: TOTAL });
  t.match(lines[0], new RegExp(`^replay to projector: 0/${TOTAL} events \\(0%\\)`), 'a first line at once');
  t.match(lines.at(-1), new RegExp(`^replay to projector: ${TOTAL}/${TOTAL} events \\(100%\\).*done in.*sent ${TOTAL}$`));
});

t.test('--user replays one stream, --since the events that occurred from an instant on', async (t) => {
  const target = users[4]!;
  const one = await replay(options({ user: target.streamId }));
  t.match(one, { status: 'completed', sent: target.version, scanned: target.version });
  const mine = await drain(projectorQueue);
  t.same(mine.map((e) => e.eventId), Array.from({ length: target.version }, (_, i) => `${target.streamId}/${i + 1}`));

  // Steps 3 and 4 of every user: the email change and the last step.
  const since = stepTime(START, 3);
  const recent = await replay(options({ since }));
  t.match(recent, { status: 'completed', scanned: TOTAL, sent: users.length * 2 });
  const late = await drain(projectorQueue);
  t.ok(late.every((e) => e.version >= 4), 'only events at or after the instant');
  t.equal(late.length, users.length * 2);
  assertPerUserOrder(t, late);

  const both = await replay(options({ user: target.streamId, since: stepTime(START, 4) }));
  t.match(both, { sent: 1, scanned: target.version });
  t.same((await drain(projectorQueue)).map((e) => e.version), [5]);

  // One user's stream in pages of 2, stopped after the first page and resumed.
  const checkpointFile = newCheckpointFile();
  const stop = new AbortController();
  const firstPage = recordingSqs(() => {
    stop.abort();
    return undefined;
  });
  const firstRun = options({ checkpointFile, user: target.streamId, pageSize: 2, sqs: firstPage.client, signal: stop.signal });
  t.match(await replay(firstRun), { status: 'stopped', sent: 2 });
  t.match(await replay(options({ checkpointFile, user: target.streamId, pageSize: undefined })), {
    status: 'completed',
    resumed: true,
    sent: target.version,
  });
  t.same((await drain(projectorQueue)).map((e) => e.version), [1, 2, 3, 4, 5], 'each version once, in order');
  const other = await replay(options({ checkpointFile, user: target.streamId, signal: stop.signal }));
  await t.rejects(replay(options({ checkpointFile })), {
    code: 'CHECKPOINT_MISMATCH',
    message: new RegExp(`user ${target.streamId}, since the start`),
  });
  t.match(other, { status: 'stopped', resumed: false });

  const nobody = await replay(options({ user: 'nobody' }));
  t.match(nobody, { status: 'completed', sent: 0, scanned: 0 });
  t.equal(await queueDepth(searchQueue), 0);
});

t.test('a stopped run resumes where it stopped: every event sent, none twice', async (t) => {
  const checkpointFile = newCheckpointFile();
  const controller = new AbortController();
  // Stops once 10 events went out: mid-way through the second page of 7.
  const first = recordingSqs((_input, call) => {
    if (call === 2) controller.abort();
    return undefined;
  });
  const stopped = await replay(
    options({ checkpointFile, sqs: first.client, signal: controller.signal, newRunId: () => 'stopme' }),
  );
  t.match(stopped, { status: 'stopped', runId: 'stopme', scanned: 14, sent: 14 }, 'the page in hand was finished');
  t.match(JSON.parse(readFileSync(checkpointFile, 'utf8')), { done: false, sent: 14, runId: 'stopme' });

  const second = recordingSqs();
  const resumed = await replay(options({ checkpointFile, sqs: second.client, newRunId: () => 'other' }));
  t.match(resumed, { status: 'completed', resumed: true, runId: 'stopme', sent: TOTAL, scanned: TOTAL });

  const sent = [...first.accepted, ...second.accepted];
  const counts = new Map<string, number>();
  for (const id of sent) counts.set(id, (counts.get(id) ?? 0) + 1);
  t.equal(counts.size, TOTAL, 'every event was sent');
  t.same([...counts.values()].filter((n) => n > 1), [], 'none twice within the run');
  t.equal((await drain(projectorQueue)).length, TOTAL);

  // A finished run's checkpoint starts a new run; an aborted signal stops before the first page.
  const aborted = new AbortController();
  aborted.abort();
  t.match(await replay(options({ checkpointFile, signal: aborted.signal, newRunId: () => 'fresh' })), {
    status: 'stopped',
    resumed: false,
    runId: 'fresh',
    sent: 0,
  });
  t.match(await replay(options({ user: users[0]!.streamId, signal: aborted.signal })), {
    status: 'stopped',
    sent: 0,
  });
});

t.test('an unfinished run is resumed only with its own filters, unless --restart', async (t) => {
  const checkpointFile = newCheckpointFile();
  const controller = new AbortController();
  controller.abort();
  await replay(options({ checkpointFile, since: stepTime(START, 2), signal: controller.signal, newRunId: () => 'a' }));
  await t.rejects(replay(options({ checkpointFile })), { code: 'CHECKPOINT_MISMATCH' });
  await t.rejects(replay(options({ checkpointFile, since: stepTime(START, 2), consumer: 'search' })), {
    code: 'CHECKPOINT_MISMATCH',
  });
  await t.rejects(replay(options({ checkpointFile, user: 'x', since: stepTime(START, 2) })), {
    code: 'CHECKPOINT_MISMATCH',
  });
  const restarted = await replay(options({ checkpointFile, restart: true, newRunId: () => 'b' }));
  t.match(restarted, { runId: 'b', resumed: false, status: 'completed', sent: TOTAL });
  await drain(projectorQueue);

  for (const content of ['{"runId":"x"}', '[]', 'null', '{']) {
    writeFileSync(checkpointFile, content);
    await t.rejects(replay(options({ checkpointFile })), content === '{' ? /not JSON/ : { code: 'INVALID_CHECKPOINT' });
  }
  t.match(await replay(options({ checkpointFile, restart: true, user: users[1]!.streamId })), { status: 'completed' });
  await drain(projectorQueue);
});

t.test('entries SQS fails are resent until accepted; one it refuses stops the run before its checkpoint', async (t) => {
  // Half of every first attempt fails, as a throttled SQS may answer.
  const flaky = recordingSqs(async (input, call) => {
    if (call % 2 === 0) return undefined;
    const entries = input.Entries!;
    const keep = entries.slice(0, Math.ceil(entries.length / 2));
    await sqs.send(new SendMessageBatchCommand({ ...input, Entries: keep }));
    return {
      Successful: keep.map((e) => ({ Id: e.Id!, MessageId: 'm', MD5OfMessageBody: '' })),
      Failed: entries.slice(keep.length).map((e) => ({ Id: e.Id!, Code: 'InternalError', SenderFault: false })),
      $metadata: {},
    };
  });
  const result = await replay(options({ sqs: flaky.client, retry: { initialMs: 1, maxMs: 2 } }));
  t.match(result, { status: 'completed', sent: TOTAL });
  t.equal(new Set(flaky.accepted).size, TOTAL, 'every event accepted once');
  const received = await drain(projectorQueue);
  t.equal(new Set(received.map((e) => e.eventId)).size, TOTAL, 'every event arrived');

  // Neither listed as accepted nor as failed: still resent. Then refused for good: the run stops.
  const checkpointFile = newCheckpointFile();
  const refusing = recordingSqs((input, call) => {
    if (call === 1) return { $metadata: {} } as unknown as SendMessageBatchCommandOutput;
    if (call === 2) return undefined;
    return {
      Successful: [],
      Failed: input.Entries!.map((e) => ({ Id: e.Id!, Code: 'InvalidMessageContents', Message: 'no', SenderFault: true })),
      $metadata: {},
    };
  });
  await t.rejects(replay(options({ checkpointFile, sqs: refusing.client, retry: { initialMs: 1 } })), {
    code: 'SEND_FAILED',
    message: /refused event user-\d+\/\d+: InvalidMessageContents no/,
  });
  t.match(JSON.parse(readFileSync(checkpointFile, 'utf8')), { sent: 7, done: false }, 'only the sent page counts');

  // No Successful list at all, though the SDK's type promises one.
  const failing = recordingSqs(
    (input) =>
      ({
        Failed: input.Entries!.map((e) => ({ Id: e.Id!, Code: 'InternalError', SenderFault: false })),
        $metadata: {},
      }) as unknown as SendMessageBatchCommandOutput,
  );
  await t.rejects(replay(options({ checkpointFile, sqs: failing.client, retry: { initialMs: 1, maxAttempts: 3 } })), {
    code: 'SEND_FAILED',
    message: /failed 3 times to take events user-\d+\/\d+, /,
  });
  await drain(projectorQueue);
});

t.test('an empty store replays nothing; a checkpoint path that is a folder fails', async (t) => {
  await t.rejects(openEventStore({ kind: 'sqlite', dataDir: join(dir, 'empty') }), /no event store at .*events\.db: check DATA_DIR/);
  mkdirSync(join(dir, 'empty'));
  await createSqliteEventStore({ filename: join(dir, 'empty', 'events.db') }).close();
  const empty = await openEventStore({ kind: 'sqlite', dataDir: join(dir, 'empty') });
  t.teardown(() => empty.close());
  t.same(await empty.estimateTotal(undefined, 0), { count: 0, estimate: false });
  t.match(await replay(options({ eventStore: empty.eventStore, estimateTotal: empty.estimateTotal })), {
    status: 'completed',
    sent: 0,
    scanned: 0,
  });
  await t.rejects(replay(options({ checkpointFile: dir })), { code: 'EISDIR' });
});

t.test('ids SQS cannot take are replaced by digests; queues are found by consumer name', async (t) => {
  t.equal(deduplicationId('e-1', 'abc'), 'e-1-rabc');
  t.match(deduplicationId('é', 'abc'), /^[\w-]{43}-rabc$/);
  t.match(deduplicationId('x'.repeat(126), 'abc'), /^[\w-]{43}-rabc$/);
  t.equal(messageGroupId('user-1'), 'user-1');
  t.match(messageGroupId('a b'), /^[\w-]{43}$/);

  t.equal(await resolveQueueUrl(sqs, 'search'), searchQueue);
  await t.rejects(resolveQueueUrl(sqs, 'nobody'), { code: 'QUEUE_NOT_FOUND', message: /nobody\.fifo/ });
  const broken = { send: async () => Promise.reject(Object.assign(new Error('denied'), { name: 'AccessDenied' })) };
  await t.rejects(resolveQueueUrl(broken, 'search'), /denied/);
  await t.rejects(resolveQueueUrl({ send: async () => ({}) }, 'search'), { code: 'QUEUE_NOT_FOUND' });
});

const CLI = new URL('../src/replay-cli.ts', import.meta.url);
const cliEnv = (extra: Record<string, string> = {}) => ({
  STORAGE: 'sqlite',
  DATA_DIR: dataDir,
  SQS_ENDPOINT: emulator.endpoint,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  ...extra,
});

t.test('the CLI: SIGINT stops it after the page in hand, and the same command resumes', async (t) => {
  // Enough single-event pages that the run is still going when the signal comes.
  mkdirSync(join(dir, 'big'));
  const bigStore = createSqliteEventStore({ filename: join(dir, 'big', 'events.db') });
  t.teardown(() => bigStore.close());
  const many = await seedUsers(bigStore, { users: 3, prefix: 'many', start: START });
  for (let n = 0; n < 300; n++) {
    for (const user of many.filter((u) => u.state.status !== 'removed')) {
      await act(bigStore, user, { type: 'UpdateProfile', now: stepTime(START, 5 + n), surname: `S${n}` });
    }
  }
  const bigTotal = many.reduce((sum, user) => sum + user.version, 0);
  const env = cliEnv({ DATA_DIR: join(dir, 'big') });

  const run = runCli(CLI, ['--consumer', 'search', '--page-size', '1'], env);
  t.match(await run.firstStderrLine, /^replay to search: 0\/\d+ events/);
  run.kill('SIGINT');
  const stopped = await run.exited;
  t.equal(stopped.code, 130, stopped.stderr);
  t.match(stopped.stderr, /SIGINT: stopping after the page in hand/);
  const partial = JSON.parse(stopped.stdout) as { status: string; sent: number; checkpointFile: string };
  t.match(partial, { status: 'stopped', consumer: 'search', checkpointFile: join(dir, 'big', 'replay', 'search.json') });
  t.ok(partial.sent < bigTotal, `stopped after ${partial.sent} of ${bigTotal}`);

  const again = await runCli(CLI, ['--consumer', 'search', '--page-size', '500'], env).exited;
  t.equal(again.code, 0, again.stderr);
  t.match(JSON.parse(again.stdout), { status: 'completed', resumed: true, sent: bigTotal });
  const received = await drain(searchQueue);
  t.equal(new Set(received.map((e) => e.eventId)).size, bigTotal, 'every event arrived, each once');
  assertPerUserOrder(t, received);
  t.equal(await queueDepth(projectorQueue), 0);
});

t.test('the CLI: usage, bad configuration, a missing event store', async (t) => {
  const help = await runCli(CLI, ['--help'], cliEnv()).exited;
  t.equal(help.code, 0);
  t.match(help.stdout, /^Usage: pnpm replay --consumer <name>/);

  const bad = await runCli(CLI, ['--since', 'yesterday', '--bogus'], cliEnv({ STORAGE: 'dynamodb' })).exited;
  t.equal(bad.code, 78);
  t.match(bad.stderr, /Unknown option '--bogus'/);
  t.match(bad.stderr, /EVENT_STORE_TABLE is required when STORAGE=dynamodb/);

  const missing = await runCli(CLI, ['--consumer', 'projector'], cliEnv({ DATA_DIR: join(dir, 'nowhere') })).exited;
  t.equal(missing.code, 1);
  t.match(missing.stderr, /replay failed: there is no event store at .*nowhere.*: check DATA_DIR/);
});
