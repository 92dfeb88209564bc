import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureEventStoreTable } from '@user-service/event-store/dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  ensureTopology,
  localClientConfig,
  startDynamoDbLocal,
  startSnsSqs,
} from '@user-service/local-aws';
import { ensureUserReadModelTable } from '@user-service/user-read-model/dynamodb';

/**
 * `pnpm start:local-aws`: DynamoDB Local and the SNS/SQS emulator, the tables, the topic and the queues, and
 * the three processes of the AWS design — the user service, the stream relay (through its local runner,
 * which feeds the Lambda handler's code) and the projector worker — all on this machine. The services learn
 * only endpoints and names from their environment, exactly as on AWS.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '3000' },
    'dynamodb-port': { type: 'string', default: '8000' },
    'sns-sqs-port': { type: 'string', default: '4566' },
    'data-dir': { type: 'string', default: './data/local-aws' },
    'event-store-table': { type: 'string', default: 'user-events' },
    'read-model-table': { type: 'string', default: 'user-read-model' },
    topic: { type: 'string', default: 'user-events.fifo' },
    consumer: { type: 'string', default: 'user-projector' },
  },
});

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const dataDir = resolve(values['data-dir']);
const children: ChildProcess[] = [];
let stopping = false;

async function main(): Promise<void> {
  // The emulators keep their state in memory, so the relay's stream checkpoints start afresh with them.
  rmSync(join(dataDir, 'relay-checkpoints.json'), { force: true });
  mkdirSync(dataDir, { recursive: true });

  const dynamodb = await startDynamoDbLocal({ port: Number(values['dynamodb-port']) });
  const snsSqs = await startSnsSqs({ port: Number(values['sns-sqs-port']) });
  // One access key for every process: DynamoDB Local keeps a database per key.
  const credentials = { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_REGION: 'us-east-1' };

  const ddb = new DynamoDBClient(localClientConfig(dynamodb.endpoint));
  await ensureEventStoreTable(ddb, values['event-store-table']);
  // Two read-model tables: queries use one while `pnpm rebuild` fills the other (blue/green).
  await ensureUserReadModelTable(ddb, values['read-model-table']);
  await ensureUserReadModelTable(ddb, `${values['read-model-table']}-green`);
  ddb.destroy();
  const sns = new SNSClient(localClientConfig(snsSqs.endpoint));
  const sqs = new SQSClient(localClientConfig(snsSqs.endpoint));
  const topology = await ensureTopology({ sns, sqs }, { topicName: values.topic, consumers: [values.consumer] });
  const queues = topology.consumers[values.consumer];
  if (!queues) throw new Error(`no queue for ${values.consumer}`);

  const common = {
    ...credentials,
    DYNAMODB_ENDPOINT: dynamodb.endpoint,
    EVENT_STORE_TABLE: values['event-store-table'],
    READ_MODEL_TABLE: values['read-model-table'],
    READ_MODEL_GREEN_TABLE: `${values['read-model-table']}-green`,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  start('user-service', 'apps/user-service/dist/server.js', {
    ...common,
    STORAGE: 'dynamodb',
    PORT: values.port,
    DATA_DIR: dataDir,
  });
  start('stream-relay', 'apps/stream-relay/dist/local-runner-cli.js', {
    ...common,
    SNS_ENDPOINT: snsSqs.endpoint,
    TOPIC_ARN: topology.topicArn,
    CHECKPOINT_FILE: join(dataDir, 'relay-checkpoints.json'),
  });
  start('projector', 'apps/projector/dist/main.js', {
    ...common,
    SQS_ENDPOINT: snsSqs.endpoint,
    QUEUE_URL: queues.queueUrl,
    READ_MODEL: 'dynamodb',
    EVENT_STORE: 'dynamodb',
    DATA_DIR: dataDir,
  });

  await waitForHealth(`http://127.0.0.1:${values.port}/health`);
  process.stdout.write(
    [
      '',
      'Local AWS topology is up:',
      `  user service        http://127.0.0.1:${values.port} (API docs at /docs)`,
      `  DynamoDB Local      ${dynamodb.endpoint}  tables ${values['event-store-table']}, ${values['read-model-table']}(-green)`,
      `  SNS/SQS emulator    ${snsSqs.endpoint}`,
      `  topic               ${topology.topicArn}`,
      `  queue               ${queues.queueUrl}`,
      `  dead-letter queue   ${queues.dlqUrl}`,
      `  data                ${dataDir} (mail outbox, relay checkpoints)`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );

  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await Promise.all(children.map(stopChild));
    sns.destroy();
    sqs.destroy();
    await snsSqs.stop();
    await dynamodb.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  for (const child of children) {
    child.once('exit', (code, signal) => {
      if (stopping) return;
      process.stderr.write(`a process stopped unexpectedly (${code ?? signal}); stopping everything\n`);
      void shutdown(1);
    });
  }
}

/** Waits until the user service answers, so that the banner is only printed once everything is usable. */
async function waitForHealth(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (children.some((child) => child.exitCode !== null)) throw new Error('a process exited during start-up');
    const ok = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

/** Runs one app with its own environment, prefixing each line of its output with its name. */
function start(name: string, entry: string, env: Record<string, string>): void {
  const child = spawn(process.execPath, [join(root, entry)], {
    env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => process.stdout.write(`[${name}] ${line}\n`));
  }
  children.push(child);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}

await main();
