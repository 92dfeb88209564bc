import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PROJECTOR_CONSUMER } from '../config.js';
import { grantUnwrapDataKeys } from './personal-data-key.js';
import type { ReadModelTable } from './read-model-table.js';
import { KMS_WRITE_WILDCARDS, ServiceFunction } from './service-function.js';

/** The read-only event-store actions the projector fills gaps with: no Scan, no write. */
const EVENT_STORE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:DescribeTable'];

export interface ProjectorProps {
  readonly repositoryRoot: string;
  /** The projector's FIFO queue on the event topic; its visibility timeout must be `visibilityTimeoutFor(timeout)`. */
  readonly queue: IQueue;
  /** Written: user views and checkpoints, in whichever slot the pointer (in blue) names. */
  readonly readModel: ReadModelTable;
  /** The read model's green slot. */
  readonly readModelGreen: ReadModelTable;
  /** Read only, to fill the gaps a lost or late message leaves. */
  readonly eventStoreTable: ITable;
  /** Unwraps users' data keys (KMS_KEY_ID), for the gaps it fills from the event store. */
  readonly personalDataKey: IKey;
  readonly logLevel: string;
  readonly logRetention: RetentionDays;
  readonly retainLogs: boolean;
  /** The function's timeout; the queue's visibility timeout is derived from the same value. */
  readonly timeout: Duration;
  /** Executions reserved for the projector, so that the API cannot starve it. */
  readonly reservedConcurrency: number;
  /** The SQS event source's MaximumConcurrency: at most `reservedConcurrency`, so no poll is throttled. */
  readonly maximumConcurrency: number;
  /** @default 10, the most a FIFO event source takes */
  readonly batchSize?: number;
}

/**
 * The projector on AWS: the same core as the local worker, fed by Lambda's SQS event source. It answers
 * failed messages as `batchItemFailures`, so Lambda redelivers only those (and, on a FIFO queue, what
 * follows them in the same message group), until the queue's redrive policy moves them to the DLQ. Its
 * Powertools service name, the `service` dimension of its metrics, is the consumer name `projector`.
 */
export class Projector extends Construct {
  public readonly function: ServiceFunction;

  constructor(scope: Construct, id: string, props: ProjectorProps) {
    super(scope, id);
    this.function = new ServiceFunction(this, 'Projector', {
      repositoryRoot: props.repositoryRoot,
      entry: 'apps/projector/src/handler.ts',
      description: 'Projects user events from its SQS FIFO queue into the user read model',
      serviceName: PROJECTOR_CONSUMER,
      environment: {
        READ_MODEL: 'dynamodb',
        READ_MODEL_TABLE: props.readModel.table.tableName,
        READ_MODEL_GREEN_TABLE: props.readModelGreen.table.tableName,
        EVENT_STORE: 'dynamodb',
        EVENT_STORE_TABLE: props.eventStoreTable.tableName,
        KMS_KEY_ID: props.personalDataKey.keyArn,
        LOG_LEVEL: props.logLevel,
      },
      logRetention: props.logRetention,
      retainLogs: props.retainLogs,
      timeout: props.timeout,
      reservedConcurrency: props.reservedConcurrency,
    });

    this.function.consumeQueue(props.queue, {
      maximumConcurrency: props.maximumConcurrency,
      ...(props.batchSize === undefined ? {} : { batchSize: props.batchSize }),
    });
    props.readModel.grantReadWriteViews(this.function.role);
    props.readModelGreen.grantReadWriteViews(this.function.role);
    props.eventStoreTable.grant(this.function.role, ...EVENT_STORE_READ_ACTIONS);
    props.eventStoreTable.encryptionKey?.grantDecrypt(this.function.role);
    grantUnwrapDataKeys(this.function.role, props.personalDataKey);
    this.function.acknowledgeWildcards(KMS_WRITE_WILDCARDS);
  }
}
