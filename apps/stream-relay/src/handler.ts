import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import pino from 'pino';
import { loadRelayConfig } from './config.js';
import { createLogger } from './logger.js';
import { createRelayMetrics } from './metrics.js';
import { createSqsParkingLot, unconfiguredParkingLot } from './parking.js';
import { personalDataOpener } from './personal-data.js';
import { createRelay } from './relay.js';

// Cold start: a bad configuration fails the init phase with a message that names the variable, before any
// record is taken. The client and the relay are reused by every invocation of this sandbox.
const config = loadRelayConfig(process.env);
// Synchronous writes: buffered lines could be lost when Lambda freezes the sandbox between invocations.
const log = createLogger(config.logLevel, pino.destination({ dest: 1, sync: true }));
if (config.parkingQueueUrl === undefined) {
  log.error('PARKING_QUEUE_URL is not set: a record that cannot be published will hold back its shard');
}
if (config.keys.tableName === undefined) {
  log.error('EVENT_STORE_TABLE is not set: events are published with their personal data sealed, unreadable to consumers');
}
const openPersonalData = await personalDataOpener(config.keys, new DynamoDBClient({}));
const relay = createRelay({
  ...(openPersonalData === undefined ? {} : { openPersonalData }),
  sns: new SNSClient({}),
  topicArn: config.topicArn,
  parking:
    config.parkingQueueUrl === undefined
      ? unconfiguredParkingLot
      : createSqsParkingLot({ sqs: new SQSClient({}), queueUrl: config.parkingQueueUrl }),
  metrics: createRelayMetrics(),
  log,
});

/**
 * The Lambda entry for the event-store table's DynamoDB stream. The event source mapping must enable
 * `ReportBatchItemFailures`, or Lambda ignores the partial batch response and treats it as a success, and
 * retry without a count limit (`MaximumRetryAttempts: -1`, record age bounded by the stream's retention):
 * the relay parks what can never be published, so only transient failures are ever reported.
 */
export async function handler(event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> {
  return relay.handle(event, context === undefined ? log : log.child({ requestId: context.awsRequestId }));
}
