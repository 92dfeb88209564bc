import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ConfigError, loadLocalRunnerConfig } from './config.js';
import { startLocalRunner } from './local-runner.js';
import { createLogger } from './logger.js';
import { createRelayMetrics } from './metrics.js';
import { createSqsParkingLot } from './parking.js';
import { personalDataOpener } from './personal-data.js';
import { createRelay } from './relay.js';

/** The parking queue the runner makes on the emulator when `PARKING_QUEUE_URL` names none. */
const LOCAL_PARKING_QUEUE = 'relay-parking';

/** Each flag stands in for the environment variable of the same meaning, and wins over it. */
const FLAGS = {
  'dynamodb-endpoint': 'DYNAMODB_ENDPOINT',
  'sns-endpoint': 'SNS_ENDPOINT',
  table: 'EVENT_STORE_TABLE',
  'topic-arn': 'TOPIC_ARN',
  'checkpoint-file': 'CHECKPOINT_FILE',
  'parking-queue-url': 'PARKING_QUEUE_URL',
  'log-level': 'LOG_LEVEL',
} as const;

const USAGE = `usage: local-runner-cli ${Object.entries(FLAGS)
  .map(([flag, name]) => `[--${flag} <${name}>]`)
  .join(' ')}`;

/**
 * Relays DynamoDB Local's stream of the event-store table to the SNS emulator through the relay, as the
 * Lambda event source mapping does on AWS, until SIGINT or SIGTERM.
 */
async function main(): Promise<void> {
  let config;
  try {
    const { values } = parseArgs({
      options: Object.fromEntries(Object.keys(FLAGS).map((flag) => [flag, { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    });
    const fromFlags = Object.fromEntries(
      Object.entries(FLAGS).map(([flag, name]) => [name, values[flag] as string | undefined]),
    );
    const vars = { ...process.env, ...Object.fromEntries(Object.entries(fromFlags).filter(([, v]) => v !== undefined)) };
    config = loadLocalRunnerConfig(vars, process.cwd());
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    process.exit(64); // EX_USAGE
  }

  const log = createLogger(config.logLevel);
  const local = {
    region: config.region,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: 'local' },
  };
  const dynamoDb = new DynamoDBClient({ ...local, endpoint: config.dynamoDbEndpoint });
  const streams = new DynamoDBStreamsClient({ ...local, endpoint: config.dynamoDbEndpoint });
  const sns = new SNSClient({ ...local, endpoint: config.snsEndpoint });
  const sqs = new SQSClient({ ...local, endpoint: config.sqsEndpoint });
  const parkingQueueUrl =
    config.parkingQueueUrl ?? (await sqs.send(new CreateQueueCommand({ QueueName: LOCAL_PARKING_QUEUE }))).QueueUrl!;
  log.info({ parkingQueueUrl }, 'unpublishable records are parked here');
  const parking = createSqsParkingLot({ sqs, queueUrl: parkingQueueUrl });
  const openPersonalData = await personalDataOpener(config.keys, dynamoDb);
  const relay = createRelay({
    sns,
    topicArn: config.topicArn,
    parking,
    metrics: createRelayMetrics(),
    log,
    ...(openPersonalData === undefined ? {} : { openPersonalData }),
  });
  const runner = startLocalRunner({
    dynamoDb,
    streams,
    tableName: config.tableName,
    checkpointFile: config.checkpointFile,
    handle: (event) => relay.handle(event),
    log,
  });

  let closing = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    try {
      await runner.stop();
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    await runner.done;
  } catch (err) {
    log.fatal({ err }, 'local runner failed');
    process.exit(1);
  } finally {
    for (const client of [dynamoDb, streams, sns, sqs]) client.destroy();
  }
}

await main();
