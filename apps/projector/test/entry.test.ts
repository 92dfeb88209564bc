/**
 * The two entry points as they run for real: the worker process (`main.ts`) against the SNS/SQS emulator
 * with SQLite stores, stopped by SIGTERM; and the Lambda handler module (`handler.ts`) cold-started from
 * its environment against DynamoDB Local.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient, SendMessageBatchCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { createDynamoDbEventStore, ensureEventStoreTable } from '@user-service/event-store/dynamodb';
import { createSqliteEventStore } from '@user-service/event-store/sqlite';
import { toCloudEvent } from '@user-service/integration-events';
import {
  dynamoDbClientConfig,
  ensureTopology,
  localClientConfig,
  startDynamoDbLocal,
  startSnsSqs,
} from '@user-service/local-aws';
import { createDynamoDbUserReadModel, ensureUserReadModelTable } from '@user-service/user-read-model/dynamodb';
import { createSqliteUserReadModel } from '@user-service/user-read-model/sqlite';
import type { SQSEvent } from 'aws-lambda';
import t from 'tap';
import { composeProjector } from '../src/composition.js';
import { capturedLogger, converged, messageOf, poisonBodies, seedUsers, waitFor } from './fixtures.js';

// DynamoDB Local and a child Node process each take seconds to start.
t.setTimeout(120_000);

const inherited = { ...process.env };
// Booted while the worker-process tests run, since java takes seconds to start.
const dynamoDbStarting = startDynamoDbLocal();
const dir = mkdtempSync(join(tmpdir(), 'projector-entry-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const LOCAL_AWS_ENV = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

interface Exit {
  readonly code: number | null;
  readonly stdout: Array<Record<string, unknown>>;
  readonly stderr: string;
}

/** Runs `main.ts` under the same TypeScript loader (and coverage) as this test. */
function runMain(env: Record<string, string>) {
  const child = spawn(process.execPath, [...process.execArgv, MAIN], {
    env: { ...inherited, ...LOCAL_AWS_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: Array<Record<string, unknown>> = [];
  let stderr = '';
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') stdout.push(JSON.parse(line));
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
  return { child, stdout, stderr: () => stderr, exited };
}

t.test('the worker process projects the queue, and SIGTERM stops it cleanly', async (t) => {
  const emulator = await startSnsSqs();
  const sqs = new SQSClient(localClientConfig(emulator.endpoint));
  const sns = new SNSClient(localClientConfig(emulator.endpoint));
  t.teardown(async () => {
    sqs.destroy();
    sns.destroy();
    await emulator.stop();
  });
  const { queueUrl } = (await ensureTopology({ sns, sqs }, { topicName: 'main.fifo', consumers: ['main'] })).consumers[
    'main'
  ]!;
  const dataDir = join(dir, 'worker');
  mkdirSync(dataDir);
  const eventStore = createSqliteEventStore({ filename: join(dataDir, 'events.db') });
  t.teardown(() => eventStore.close());
  const histories = await seedUsers(eventStore, { users: 4, seed: 11, prefix: 'main' });
  const messages = (await eventStore.readAll({ limit: 1000 })).events.map((e) => messageOf(e));
  for (let start = 0; start < messages.length; start += 10) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.slice(start, start + 10).map((m, i) => ({
          Id: String(i),
          MessageBody: m.body,
          MessageGroupId: m.groupId,
          MessageDeduplicationId: m.deduplicationId,
        })),
      }),
    );
  }

  const main = runMain({ QUEUE_URL: queueUrl, SQS_ENDPOINT: emulator.endpoint, DATA_DIR: dataDir, LOG_LEVEL: 'info' });
  t.teardown(() => void main.child.kill('SIGKILL'));
  await waitFor('the worker to start', () => {
    if (main.child.exitCode !== null) throw new Error(`main.ts exited with ${main.child.exitCode}: ${main.stderr()}`);
    return main.stdout.some((l) => l['msg'] === 'projector worker started');
  });
  t.ok(existsSync(join(dataDir, 'read-model.db')), 'the SQLite read model is created under DATA_DIR');
  const readModel = createSqliteUserReadModel({ filename: join(dataDir, 'read-model.db') });
  t.teardown(() => readModel.close());
  await waitFor('the read model to converge', () => converged(readModel, eventStore, histories));
  await waitFor('the queue to empty', async () => {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return Attributes.ApproximateNumberOfMessages === '0' && Attributes.ApproximateNumberOfMessagesNotVisible === '0';
  });

  main.child.kill('SIGTERM');
  const exit = await main.exited;
  t.equal(exit.code, 0, 'a clean exit');
  t.match(exit.stdout.find((l) => l['msg'] === 'projector composed'), { readModel: 'sqlite', eventStore: 'sqlite' });
  t.match(exit.stdout.find((l) => String(l['msg']).startsWith('stopping')), { signal: 'SIGTERM' });
  t.match(exit.stdout.at(-1), { msg: 'projector stopped', service: 'projector' });
  t.ok(
    exit.stdout.some((l) => l['msg'] === 'projected a batch of messages' && l['component'] === 'messages'),
    'the batch lines come from the core, tagged by component',
  );
});

t.test('the worker process refuses a bad configuration, and logs a failed start as fatal', async (t) => {
  const notADirectory = join(dir, 'a-file');
  writeFileSync(notADirectory, '');
  const [refused, failed] = await Promise.all([
    runMain({ QUEUE_URL: '', DATA_DIR: join(dir, 'refused'), READ_MODEL: 'dynamodb' }).exited,
    runMain({ QUEUE_URL: 'http://127.0.0.1:1/000000000000/q.fifo', DATA_DIR: notADirectory }).exited,
  ]);
  t.equal(refused.code, 78, 'EX_CONFIG');
  t.match(refused.stderr, /QUEUE_URL is required/);
  t.match(refused.stderr, /READ_MODEL_TABLE is required when READ_MODEL=dynamodb/, 'every bad variable, by name');
  t.strictSame(refused.stdout, [], 'nothing else happened');

  t.equal(failed.code, 1);
  t.match(failed.stdout, [{ level: 60, msg: 'the projector failed', err: { message: /a-file/ } }]);
});

t.test('the Lambda handler cold-starts from its environment onto DynamoDB, gap filling included', async (t) => {
  const dynamoDb = await dynamoDbStarting;
  const client = new DynamoDBClient(dynamoDbClientConfig(dynamoDb.endpoint));
  t.teardown(async () => {
    client.destroy();
    await dynamoDb.stop();
  });
  await ensureEventStoreTable(client, 'user-events');
  await ensureUserReadModelTable(client, 'user-views');
  await ensureUserReadModelTable(client, 'user-views-green');
  const eventStore = createDynamoDbEventStore({ client, tableName: 'user-events' });
  const histories = await seedUsers(eventStore, { users: 3, seed: 13, prefix: 'lambda' });

  Object.assign(process.env, LOCAL_AWS_ENV, {
    READ_MODEL: 'dynamodb',
    READ_MODEL_TABLE: 'user-views',
    EVENT_STORE: 'dynamodb',
    EVENT_STORE_TABLE: 'user-events',
    DYNAMODB_ENDPOINT: dynamoDb.endpoint,
    LOG_LEVEL: 'silent',
  });
  const { handler } = await import('../src/handler.js');

  // Only each user's latest event (the rest comes from the event store), twice, and poison.
  const latest = await Promise.all(histories.map(async ({ streamId }) => (await eventStore.readStream(streamId)).at(-1)!));
  const records = [
    ...latest.map((e) => ({ messageId: `latest-${e.streamId}`, body: JSON.stringify(toCloudEvent(e)) })),
    ...latest.map((e) => ({ messageId: `again-${e.streamId}`, body: messageOf(e).body })),
    ...poisonBodies(latest[0]!).map(({ body }, i) => ({ messageId: `poison-${i}`, body })),
  ];
  const event = {
    Records: records.map(({ messageId, body }) => ({ messageId, body, attributes: { ApproximateReceiveCount: '1' } })),
  } as unknown as SQSEvent;
  const response = await handler(event);
  t.strictSame(
    response.batchItemFailures.map((f) => f.itemIdentifier),
    records.filter((r) => r.messageId.startsWith('poison-')).map((r) => r.messageId),
  );
  const readModel = createDynamoDbUserReadModel({ client, tableName: 'user-views' });
  t.ok(await converged(readModel, eventStore, histories), 'the DynamoDB read model equals the fold of the store');

  // The composition root shares one DynamoDB client between both stores, and closes it.
  const { log, lines } = capturedLogger();
  const runtime = await composeProjector(
    {
      readModel: { kind: 'dynamodb', tableName: 'user-views' },
      readModelGreenTable: 'user-views-green',
      eventStore: { kind: 'dynamodb', tableName: 'user-events' },
      dynamoDbEndpoint: dynamoDb.endpoint,
      logLevel: 'info',
    },
    log,
  );
  t.strictSame(await runtime.readModel.get(histories[0]!.streamId), await readModel.get(histories[0]!.streamId));
  t.equal((await runtime.eventStore.readStream(histories[0]!.streamId)).length, latest[0]!.version);
  t.match(lines, [{ msg: 'projector composed', readModel: 'dynamodb', eventStore: 'dynamodb' }]);
  await runtime.close();
  await t.rejects(runtime.readModel.get(histories[0]!.streamId), 'closed');
});
