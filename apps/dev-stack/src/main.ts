import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { ConfigError } from '@user-service/env-config';
import { ensureEventStoreTable } from '@user-service/event-store/dynamodb';
import { ensureTopology, localClientConfig, startDynamoDbLocal, startSnsSqs } from '@user-service/local-aws';
import { ensureUserReadModelTable } from '@user-service/user-read-model/dynamodb';
import { MAILER_CONSUMER, ensureSentMailTable } from '@user-service/user-service/mailer';
import { DEV_STACK_USAGE, loadDevStackConfig, type DevStackConfig } from './config.js';

/**
 * `pnpm start:local-aws`: DynamoDB Local and the SNS/SQS emulator, the tables, the topic and the queues, and
 * the four processes of the AWS design — the user service, the stream relay (through its local runner,
 * which feeds the Lambda handler's code), the projector worker and the mailer worker (the topic's second
 * consumer, writing mail to the outbox) — all on this machine. The services learn
 * only endpoints and names from their environment, exactly as on AWS. Configured by the environment alone
 * (see {@link DEV_STACK_USAGE}), so that it runs beside another stack on other ports and another DATA_DIR.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const children: ChildProcess[] = [];
let stopping = false;

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(`${DEV_STACK_USAGE}\n`);
    return;
  }
  let config: DevStackConfig;
  try {
    config = loadDevStackConfig(process.env, process.cwd());
  } catch (error) {
    process.stderr.write(`${(error as ConfigError).message}\n\n${DEV_STACK_USAGE}\n`);
    process.exit(78); // EX_CONFIG
  }
  const { dataDir, host, port, consumer } = config;
  const greenTable = `${config.readModelTable}-green`;
  // The emulators keep their state in memory, so the relay's stream checkpoints start afresh with them.
  rmSync(join(dataDir, 'relay-checkpoints.json'), { force: true });
  mkdirSync(dataDir, { recursive: true });

  // 0 lets each pick a free port; the announcement shows which.
  const dynamodb = await startDynamoDbLocal(config.dynamoDbPort === 0 ? {} : { port: config.dynamoDbPort });
  const snsSqs = await startSnsSqs({ port: config.snsSqsPort });
  // One access key for every process: DynamoDB Local keeps a database per key.
  const credentials = { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_REGION: 'us-east-1' };

  const ddb = new DynamoDBClient(localClientConfig(dynamodb.endpoint));
  await ensureEventStoreTable(ddb, config.eventStoreTable);
  // Two read-model tables: queries use one while `pnpm rebuild-read-model` fills the other (blue/green).
  await ensureUserReadModelTable(ddb, config.readModelTable);
  await ensureUserReadModelTable(ddb, greenTable);
  await ensureSentMailTable(ddb, config.sentMailTable);
  ddb.destroy();
  const sns = new SNSClient(localClientConfig(snsSqs.endpoint));
  const sqs = new SQSClient(localClientConfig(snsSqs.endpoint));
  const topology = await ensureTopology(
    { sns, sqs },
    {
      topicName: config.topicName,
      consumers: [consumer, MAILER_CONSUMER],
      visibilityTimeoutSeconds: config.visibilityTimeoutSeconds,
      maxReceiveCount: config.maxReceiveCount,
    },
  );
  const queues = topology.consumers[consumer];
  const mailerQueues = topology.consumers[MAILER_CONSUMER];
  if (!queues || !mailerQueues) throw new Error(`no queue for ${consumer} or ${MAILER_CONSUMER}`);

  const common = {
    ...credentials,
    // One secret for the service and the processes that read users' keys without KMS (see sharedSecret).
    JWT_SECRET: sharedSecret(dataDir),
    DYNAMODB_ENDPOINT: dynamodb.endpoint,
    EVENT_STORE_TABLE: config.eventStoreTable,
    READ_MODEL_TABLE: config.readModelTable,
    READ_MODEL_GREEN_TABLE: greenTable,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  start('user-service', 'apps/user-service/dist/server.js', {
    ...common,
    STORAGE: 'dynamodb',
    HOST: host,
    PORT: String(port),
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

  // A service bound to every interface still answers on the loopback one.
  const probeHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const serviceUrl = `http://${probeHost.includes(':') ? `[${probeHost}]` : probeHost}:${port}`;
  await waitForHealth(`${serviceUrl}/health`);
  // After the service is up: it generated the secret in DATA_DIR that the mailer signs tokens with.
  start('mailer', 'apps/user-service/dist/mailer/main.js', {
    ...common,
    SQS_ENDPOINT: snsSqs.endpoint,
    QUEUE_URL: mailerQueues.queueUrl,
    SENT_MAIL_TABLE: config.sentMailTable,
    DATA_DIR: dataDir,
    PUBLIC_URL: serviceUrl,
    // A dead delivery's claim must expire before its message comes back, after the visibility timeout.
    MAIL_LEASE_SECONDS: String(Math.max(1, Math.floor(config.visibilityTimeoutSeconds / 2))),
  });
  process.stdout.write(
    [
      '',
      'Local AWS topology is up:',
      `  user service        ${serviceUrl} (HOST=${host} PORT=${port}; API docs at /docs)`,
      `  DynamoDB Local      ${dynamodb.endpoint}  tables ${config.eventStoreTable}, ${config.readModelTable}(-green)`,
      `  SNS/SQS emulator    ${snsSqs.endpoint}`,
      `  topic               ${topology.topicArn}`,
      `  queue               ${queues.queueUrl} (visibility ${config.visibilityTimeoutSeconds} s, DLQ after ${config.maxReceiveCount} receives)`,
      `  dead-letter queue   ${queues.dlqUrl}`,
      `  mailer queue        ${mailerQueues.queueUrl} (DLQ ${mailerQueues.dlqUrl}; sent mails in ${config.sentMailTable})`,
      `  data                ${dataDir} (mail outbox in outbox/mail.jsonl, relay checkpoints)`,
      'Operator commands against this stack need:',
      `  STORAGE=dynamodb DYNAMODB_ENDPOINT=${dynamodb.endpoint} SQS_ENDPOINT=${snsSqs.endpoint} DATA_DIR=${dataDir} \\`,
      `  EVENT_STORE_TABLE=${config.eventStoreTable} READ_MODEL_TABLE=${config.readModelTable} \\`,
      '  AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local',
      `  (pnpm projection-status --consumer ${consumer} --consumer ${MAILER_CONSUMER}; pnpm redrive --consumer ${MAILER_CONSUMER})`,
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

/**
 * The service's secret, kept in `DATA_DIR/jwt-secret` (as the service itself would keep it): without KMS,
 * users' data keys are wrapped under a key derived from it, so the relay and the projector need it too.
 */
function sharedSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt-secret');
  try {
    writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(file, 'utf8').trim();
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
