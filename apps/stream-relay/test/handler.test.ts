import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { toCloudEvent } from '@user-service/integration-events';
import { ensureTopology, localClientConfig, startSnsSqs } from '@user-service/local-aws';
import t from 'tap';
import { ConfigError, loadLocalRunnerConfig, loadRelayConfig } from '../src/config.js';
import { drain, insertEvent, userHistory } from './helpers.js';

// Bundling and two child processes take a few seconds on a busy machine.
t.setTimeout(60_000);

const root = fileURLToPath(new URL('..', import.meta.url));
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:user-events.fifo';
const PARKING = 'https://sqs.us-east-1.amazonaws.com/123456789012/relay-parking';

const emulator = await startSnsSqs();
const sns = new SNSClient(localClientConfig(emulator.endpoint));
const sqs = new SQSClient(localClientConfig(emulator.endpoint));
t.teardown(async () => {
  sns.destroy();
  sqs.destroy();
  await emulator.stop();
});

function problemsOf(load: () => unknown): readonly string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

t.test('the relay configuration: TOPIC_ARN is required and must name a FIFO topic', async (t) => {
  t.same(
    loadRelayConfig({ TOPIC_ARN: ` ${TOPIC} `, PARKING_QUEUE_URL: PARKING }),
    { topicArn: TOPIC, parkingQueueUrl: PARKING, logLevel: 'info', keys: {} },
    'defaults, trimmed',
  );
  t.same(loadRelayConfig({ TOPIC_ARN: TOPIC, PARKING_QUEUE_URL: PARKING, LOG_LEVEL: 'debug' }).logLevel, 'debug');
  t.same(problemsOf(() => loadRelayConfig({})), ['TOPIC_ARN is required']);
  t.same(loadRelayConfig({ TOPIC_ARN: TOPIC }).parkingQueueUrl, undefined, 'no parking queue yet');
  t.same(
    problemsOf(() =>
      loadRelayConfig({ TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:user-events', LOG_LEVEL: 'loud', PARKING_QUEUE_URL: 'parking' }),
    ),
    [
      'TOPIC_ARN="arn:aws:sns:us-east-1:123456789012:user-events" must be the ARN of an SNS FIFO topic',
      'LOG_LEVEL="loud" must be one of fatal, error, warn, info, debug, trace, silent',
      'PARKING_QUEUE_URL="parking" must be an http(s) queue URL',
    ],
    'every bad variable is named, at once',
  );
});

t.test('the local runner configuration', async (t) => {
  const env = {
    TOPIC_ARN: TOPIC,
    DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
    SNS_ENDPOINT: 'http://127.0.0.1:4566',
    EVENT_STORE_TABLE: 'events',
    CHECKPOINT_FILE: 'state/checkpoint.json',
  };
  t.same(loadLocalRunnerConfig(env, '/srv'), {
    topicArn: TOPIC,
    logLevel: 'info',
    dynamoDbEndpoint: 'http://127.0.0.1:8000',
    snsEndpoint: 'http://127.0.0.1:4566',
    sqsEndpoint: 'http://127.0.0.1:4566',
    parkingQueueUrl: undefined,
    tableName: 'events',
    checkpointFile: '/srv/state/checkpoint.json',
    region: 'us-east-1',
    accessKeyId: 'local',
    keys: { tableName: 'events' },
  });
  t.equal(loadLocalRunnerConfig({ ...env, CHECKPOINT_FILE: '/var/cp.json' }, '/srv').checkpointFile, '/var/cp.json');
  t.same(problemsOf(() => loadLocalRunnerConfig({}, '/srv')), [
    'CHECKPOINT_FILE is required',
    'TOPIC_ARN is required',
    'DYNAMODB_ENDPOINT is required',
    'SNS_ENDPOINT is required',
    'EVENT_STORE_TABLE is required',
  ]);
  t.same(
    problemsOf(() =>
      loadLocalRunnerConfig({ ...env, DYNAMODB_ENDPOINT: 'ftp://x', SNS_ENDPOINT: 'nowhere', EVENT_STORE_TABLE: 'a' }, '/'),
    ),
    [
      'DYNAMODB_ENDPOINT="ftp://x" must be an http(s) URL',
      'SNS_ENDPOINT="nowhere" must be an http(s) URL',
      'EVENT_STORE_TABLE="a" must be a DynamoDB table name',
    ],
  );
});

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(args: readonly string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    // A clean environment: only what the child is given, so no test setting leaks into it.
    const child = spawn(process.execPath, args, { cwd: root, env: { PATH: process.env['PATH'] ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Imports the bundle in a fresh node, calls its handler with the event given, and prints the answer. */
const INVOKE = `
const { handler } = await import(process.argv[1]);
if (typeof handler !== 'function') throw new Error('no handler function');
const answer = await handler(JSON.parse(process.argv[2]), { awsRequestId: 'request-1' });
process.stdout.write('ANSWER ' + JSON.stringify(answer) + '\\n');
`;

t.test('the bundle: one ESM file without the SQLite or HTTP stacks, whose handler publishes', async (t) => {
  const outdir = await mkdtemp(join(tmpdir(), 'stream-relay-bundle-'));
  t.teardown(() => rm(outdir, { recursive: true, force: true }));
  const built = await run(['scripts/bundle.mjs', '--outdir', outdir], {});
  t.equal(built.code, 0, `the bundle builds ${built.stderr}`);

  const file = join(outdir, 'handler.mjs');
  const text = await readFile(file, 'utf8');
  for (const name of ['better-sqlite3', 'fastify', 'sqlite']) t.notOk(text.includes(name), `no ${name} in the bundle`);
  t.ok(text.includes('PublishBatch'), 'the SNS client is bundled in, not left to the runtime');

  const topology = await ensureTopology({ sns, sqs }, { topicName: 'bundle.fifo', consumers: ['bundle-projector'] });
  const [event] = userHistory('ann', 1);
  const { QueueUrl: parkingQueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'bundle-parking' }));
  const lambdaEnv = {
    TOPIC_ARN: topology.topicArn,
    PARKING_QUEUE_URL: parkingQueueUrl!,
    AWS_ENDPOINT_URL_SQS: emulator.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_SNS: emulator.endpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const invoked = await run(['--input-type=module', '-e', INVOKE, file, JSON.stringify({ Records: [insertEvent(event!)] })], lambdaEnv);
  t.equal(invoked.code, 0, `the handler runs ${invoked.stderr}`);
  t.match(invoked.stdout, /^ANSWER \{"batchItemFailures":\[\]\}$/m, 'and answers a partial batch response');
  const logLine = JSON.parse(invoked.stdout.split('\n').find((line) => line.includes('stream batch relayed')) ?? '{}');
  t.match(logLine, { requestId: 'request-1', service: 'stream-relay', published: 1 }, 'logs carry the request id');
  const emf = JSON.parse(invoked.stdout.split('\n').find((line) => line.includes('"_aws"')) ?? '{}');
  t.match(
    emf,
    {
      _aws: { CloudWatchMetrics: [{ Namespace: 'UserService', Dimensions: [['service']] }] },
      service: 'stream-relay',
      RecordsPublished: 1,
      RecordsParked: 0,
      PublishFailures: 0,
    },
    'the metrics go out as one EMF line per batch',
  );
  const [message] = await drain(sqs, topology.consumers['bundle-projector']!.queueUrl, 1);
  t.same(JSON.parse(message!.body), toCloudEvent(event!), 'the event arrives as its CloudEvent');

  const { PARKING_QUEUE_URL: _unset, ...withoutParking } = lambdaEnv;
  const unparked = await run(['--input-type=module', '-e', INVOKE, file, '{"Records":[]}'], withoutParking);
  t.equal(unparked.code, 0, 'without a parking queue the relay still starts');
  t.match(unparked.stdout, /"level":50,.*"msg":"PARKING_QUEUE_URL is not set: a record that cannot be published will hold back its shard"/);

  const { TOPIC_ARN: _omitted, ...withoutTopic } = lambdaEnv;
  const unconfigured = await run(['--input-type=module', '-e', INVOKE, file, '{"Records":[]}'], withoutTopic);
  t.not(unconfigured.code, 0, 'without TOPIC_ARN the cold start fails');
  t.match(unconfigured.stderr, /TOPIC_ARN is required/, 'naming the variable');
});

t.test('the handler module, in this process: configured once, then relaying', async (t) => {
  const topology = await ensureTopology({ sns, sqs }, { topicName: 'inproc.fifo', consumers: ['inproc-projector'] });
  // This test process stands in for a Lambda sandbox; its environment is the function's configuration.
  Object.assign(process.env, {
    TOPIC_ARN: topology.topicArn,
    PARKING_QUEUE_URL: `${emulator.endpoint}/000000000000/inproc-parking`,
    // EMF lines on this process's stdout would interleave with tap's; the bundle test reads them instead.
    POWERTOOLS_METRICS_DISABLED: 'true',
    LOG_LEVEL: 'silent',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_SNS: emulator.endpoint,
  });
  const { handler } = await import('../src/handler.js');
  const history = userHistory('bob', 2);
  t.same(await handler({ Records: history.map(insertEvent) }), { batchItemFailures: [] });
  t.same(await handler({ Records: [] }, { awsRequestId: 'r' } as never), { batchItemFailures: [] });
  const received = await drain(sqs, topology.consumers['inproc-projector']!.queueUrl, 2);
  t.same(received.map((m) => JSON.parse(m.body)), history.map((e) => toCloudEvent(e)));
});
