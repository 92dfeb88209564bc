import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Grant } from 'aws-cdk-lib/aws-iam';
import {
  FilterCriteria,
  FilterRule,
  StartingPosition,
  type DlqDestinationConfig,
  type IEventSourceDlq,
  type IEventSourceMapping,
  type IFunction,
} from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ITEM_TYPE_ATTRIBUTE, ITEM_TYPES } from '@user-service/event-store/dynamodb/schema';
import { KEY_ITEM_PREFIX } from '@user-service/personal-data/dynamodb/schema';
import { acknowledge } from './acknowledge.js';
import { MESSAGE_RETENTION } from './event-topic.js';
import { grantKeyVia, grantSendToEncryptedQueue } from './grants.js';
import { grantUnwrapDataKeys } from './personal-data-key.js';
import { ServiceFunction } from './service-function.js';

/** The Powertools service name of the relay: the `service` dimension of its metrics. */
export const RELAY_SERVICE_NAME = 'stream-relay';

/** How long DynamoDB Streams keeps a record: past it, no retry can reach the record anyway. */
export const STREAM_RETENTION = Duration.hours(24);

export interface StreamRelayProps {
  readonly repositoryRoot: string;
  /** The event-store table; it must have a stream. */
  readonly table: ITable;
  /**
   * Unwraps users' data keys (KMS_KEY_ID), read from the key items of `table`, so that events are published
   * with their personal data opened.
   */
  readonly personalDataKey: IKey;
  /** The SNS FIFO topic the relay publishes to; it must be encrypted with `topicKey`. */
  readonly topic: ITopic;
  readonly topicKey: IKey;
  /** Encrypts the failure and parking queues. */
  readonly encryptionKey: IKey;
  /** Production: RETAIN the failure and parking queues, so no record they hold goes with the stack. */
  readonly retainData: boolean;
  readonly logLevel: string;
  readonly logRetention: RetentionDays;
  readonly retainLogs: boolean;
  /** Executions reserved for the relay: one batch per shard runs at a time. */
  readonly reservedConcurrency: number;
  /**
   * Records older than this skip straight to the on-failure queue. At most the stream's retention.
   * @default STREAM_RETENTION
   */
  readonly maxRecordAge?: Duration;
  /** @default 100 */
  readonly batchSize?: number;
}

/**
 * The stream relay: a Lambda on the event-store table's stream that publishes each inserted event, as
 * stored, to the SNS FIFO topic.
 *
 * - It sees only INSERTs of event items (FilterCriteria on the mapping): claims, idempotency records,
 *   snapshots and TTL deletes never invoke it.
 * - It starts at TRIM_HORIZON, so nothing written before the mapping existed is skipped.
 * - Failures are retried without a count limit, bounded only by the record's age at the stream's
 *   retention: an SNS or KMS outage of hours delays events and loses none. Failing batches are bisected,
 *   and per-record failures are reported, so one bad record never fails its neighbours.
 * - A record it cannot turn into a message (undecodable) it parks, whole, in the parking queue
 *   (`PARKING_QUEUE_URL`) and moves on; only a record that outlives the stream lands, as shard and
 *   sequence numbers, in the failure queue.
 */
export class StreamRelay extends Construct {
  public readonly function: ServiceFunction;
  /** Where the event source mapping records batches it gave up on (shard and sequence numbers only). */
  public readonly failureQueue: Queue;
  /** Where the relay itself parks, with its full image, each record it cannot publish. */
  public readonly parkingQueue: Queue;
  public readonly eventSource: DynamoEventSource;

  constructor(scope: Construct, id: string, props: StreamRelayProps) {
    super(scope, id);
    if (props.table.tableStreamArn === undefined) throw new Error('StreamRelay needs a table with a stream');
    const maxRecordAge = props.maxRecordAge ?? STREAM_RETENTION;
    if (maxRecordAge.toSeconds() < 60 || maxRecordAge.toSeconds() > STREAM_RETENTION.toSeconds()) {
      throw new Error(`StreamRelay maxRecordAge must be from 60 s to the stream's 24 h, got ${maxRecordAge.toHumanString()}`);
    }
    const removalPolicy = props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const queueProps = {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: MESSAGE_RETENTION,
      removalPolicy,
    };
    this.failureQueue = new Queue(this, 'FailureQueue', queueProps);
    this.parkingQueue = new Queue(this, 'ParkingQueue', queueProps);

    this.function = new ServiceFunction(this, 'Relay', {
      repositoryRoot: props.repositoryRoot,
      entry: 'apps/stream-relay/src/handler.ts',
      description: 'Relays inserted events from the event-store stream to the SNS FIFO topic',
      serviceName: RELAY_SERVICE_NAME,
      environment: {
        TOPIC_ARN: props.topic.topicArn,
        PARKING_QUEUE_URL: this.parkingQueue.queueUrl,
        EVENT_STORE_TABLE: props.table.tableName,
        KMS_KEY_ID: props.personalDataKey.keyArn,
        LOG_LEVEL: props.logLevel,
      },
      logRetention: props.logRetention,
      retainLogs: props.retainLogs,
      timeout: Duration.seconds(60),
      reservedConcurrency: props.reservedConcurrency,
    });

    this.eventSource = new DynamoEventSource(props.table, {
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: props.batchSize ?? 100,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      // No count limit: a throttled or unavailable SNS is retried until the record would leave the stream.
      retryAttempts: -1,
      maxRecordAge,
      onFailure: new EncryptedQueueDestination(this.failureQueue),
      filters: [
        FilterCriteria.filter({
          eventName: FilterRule.isEqual('INSERT'),
          dynamodb: { NewImage: { [ITEM_TYPE_ATTRIBUTE]: { S: FilterRule.isEqual(ITEM_TYPES.event) } } },
        }),
      ],
    });
    this.function.function.addEventSource(this.eventSource);

    // Granted by hand rather than by CDK's grants: no kms:Encrypt or kms:ReEncrypt*, and each key only
    // through the service that uses it.
    const role = this.function.role;
    Grant.addToPrincipal({ grantee: role, actions: ['sns:Publish'], resourceArns: [props.topic.topicArn] });
    grantKeyVia(role, props.topicKey, 'sns', ['kms:GenerateDataKey', 'kms:Decrypt']);
    grantSendToEncryptedQueue(role, this.parkingQueue);
    // The users' key items alone, nothing else of the table: GetItem of partitions `key#...`.
    Grant.addToPrincipal({
      grantee: role,
      actions: ['dynamodb:GetItem'],
      resourceArns: [props.table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${KEY_ITEM_PREFIX}*`] } },
    });
    grantUnwrapDataKeys(role, props.personalDataKey);
    this.function.acknowledgeWildcards({
      'Resource::*':
        'dynamodb:ListStreams, granted by the DynamoDB event source, supports no resource-level permission ' +
        "either; the stream-reading actions are scoped to this table's stream ARN.",
    });
    for (const queue of [this.failureQueue, this.parkingQueue]) {
      acknowledge(
        queue,
        'AwsSolutions-SQS3',
        queue === this.failureQueue
          ? "This queue is the stream event source's on-failure destination: a dead-letter queue by role, which " +
              "SQS3 cannot see because no queue's redrive policy names it. Its depth alarms like every DLQ's."
          : 'This queue is where the relay parks the records it cannot publish: a dead-letter queue by role, which ' +
              "SQS3 cannot see because no queue's redrive policy names it. Its depth alarms like every DLQ's.",
      );
    }
  }
}

/**
 * An encrypted queue as an event source's on-failure destination, with the send grant trimmed: CDK's
 * `SqsDlq` grants kms:Encrypt and kms:ReEncrypt* besides, which sending never needs.
 */
class EncryptedQueueDestination implements IEventSourceDlq {
  constructor(private readonly queue: IQueue) {}

  bind(_target: IEventSourceMapping, targetHandler: IFunction): DlqDestinationConfig {
    grantSendToEncryptedQueue(targetHandler, this.queue);
    return { destination: this.queue.queueArn };
  }
}
