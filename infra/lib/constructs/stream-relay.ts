import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledge.js';
import { KMS_WRITE_WILDCARDS, ServiceFunction } from './service-function.js';

export interface StreamRelayProps {
  readonly repositoryRoot: string;
  /** The event-store table; it must have a stream. */
  readonly table: ITable;
  /** The SNS FIFO topic the relay publishes to. */
  readonly topic: ITopic;
  /** Encrypts the on-failure queue. */
  readonly encryptionKey: IKey;
  readonly logLevel: string;
  readonly logRetention: RetentionDays;
  readonly retainLogs: boolean;
  /**
   * Retries of a failing batch (halved by bisection each time) before its records go to the on-failure
   * queue and the shard moves on.
   * @default 10
   */
  readonly retryAttempts?: number;
  /**
   * Records older than this skip straight to the on-failure queue. DynamoDB keeps a stream for 24 hours.
   * @default Duration.days(1)
   */
  readonly maxRecordAge?: Duration;
  /** @default 100 */
  readonly batchSize?: number;
}

/**
 * The stream relay: a Lambda on the event-store table's stream that publishes each inserted event to the
 * SNS FIFO topic. It starts at TRIM_HORIZON, so nothing written before the mapping existed is skipped;
 * it reports per-record failures and bisects failing batches, so one bad record never blocks or fails
 * its neighbours; retries are bounded, and a batch that exhausts them is recorded (shard and sequence
 * numbers) in an encrypted on-failure queue. Consumers fill any gap this leaves from the event store.
 */
export class StreamRelay extends Construct {
  public readonly function: ServiceFunction;
  /** Where the event source mapping records batches it gave up on. */
  public readonly failureQueue: Queue;
  public readonly eventSource: DynamoEventSource;

  constructor(scope: Construct, id: string, props: StreamRelayProps) {
    super(scope, id);
    if (props.table.tableStreamArn === undefined) throw new Error('StreamRelay needs a table with a stream');
    const retryAttempts = props.retryAttempts ?? 10;
    if (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > 10_000) {
      throw new Error(`StreamRelay retryAttempts must be an integer from 0 to 10000, got ${retryAttempts}`);
    }

    this.function = new ServiceFunction(this, 'Relay', {
      repositoryRoot: props.repositoryRoot,
      entry: 'apps/stream-relay/src/handler.ts',
      description: 'Relays inserted events from the event-store stream to the SNS FIFO topic',
      environment: { TOPIC_ARN: props.topic.topicArn, LOG_LEVEL: props.logLevel },
      logRetention: props.logRetention,
      retainLogs: props.retainLogs,
      timeout: Duration.seconds(60),
    });

    this.failureQueue = new Queue(this, 'FailureQueue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.eventSource = new DynamoEventSource(props.table, {
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: props.batchSize ?? 100,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      retryAttempts,
      maxRecordAge: props.maxRecordAge ?? Duration.days(1),
      onFailure: new SqsDlq(this.failureQueue),
    });
    this.function.function.addEventSource(this.eventSource);
    props.topic.grantPublish(this.function.role);

    this.function.acknowledgeWildcards({
      ...KMS_WRITE_WILDCARDS,
      'Resource::*':
        'dynamodb:ListStreams, granted by the DynamoDB event source, supports no resource-level permission, ' +
        "so AWS requires '*'; the stream-reading actions are scoped to this table's stream ARN.",
    });
    acknowledge(
      this.failureQueue,
      'AwsSolutions-SQS3',
      "This queue is the stream event source's on-failure destination: a dead-letter queue by role, which " +
        "SQS3 cannot see because no queue's redrive policy names it. Its depth alarms like every DLQ's.",
    );
  }
}
