import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledge.js';
import type { ConsumerQueue } from './event-topic.js';
import { grantKeyVia } from './grants.js';
import { unwrapDataKeysStatement } from './personal-data-key.js';

/** Where the read model keeps its control items (the slot pointer, a rebuild's lease): `control#…`. */
export const READ_MODEL_CONTROL_ITEMS = 'control#*';

export interface OperatorAccessProps {
  /** Each consumer's queue and DLQs: redriven and inspected. */
  readonly consumers: readonly ConsumerQueue[];
  /** Encrypts every consumer queue and DLQ. */
  readonly queueKey: IKey;
  /** The relay's failure and parking queues: inspected. */
  readonly relayQueues: readonly IQueue[];
  /** The blue read-model slot, which holds the slot pointer and the rebuild lease. */
  readonly readModel: ITable;
  /** The green read-model slot: with blue, what `pnpm rebuild-read-model` empties, fills and switches. */
  readonly readModelGreen: ITable;
  /** Read in full by `pnpm republish`. */
  readonly eventStoreTable: ITable;
  /** Unwraps users' data keys: replay, republish and rebuild read personal data opened. */
  readonly personalDataKey: IKey;
  /** Published to by `pnpm republish`. */
  readonly topic: ITopic;
  readonly topicKey: IKey;
}

/**
 * What an operator needs to run the pipeline repairs against AWS, as one managed policy to attach to the
 * operators' role (infra/README.md, "Repairs"):
 *
 * - `pnpm redrive --consumer <name> [--dry-run]`: StartMessageMoveTask, ListMessageMoveTasks and
 *   CancelMessageMoveTask from a consumer's DLQ to its queue, with what SQS asks of the caller for the
 *   move (receive and delete on the DLQ, send on the queue, the queue key through SQS), and peeking at
 *   the DLQ for the dry run;
 * - `pnpm projection-status`: GetQueueAttributes on every queue and DLQ, GetItem of the read model's
 *   control items only, and the lag metric;
 * - `pnpm republish`: reading the event store, and publishing to the topic;
 * - `pnpm rebuild-read-model`: reading the event store, and emptying, filling and switching the read-model
 *   slots, with their lease and pointer items.
 */
export class OperatorAccess extends Construct {
  public readonly policy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: OperatorAccessProps) {
    super(scope, id);
    this.policy = new ManagedPolicy(this, 'Policy', {
      description: 'User service operators: pnpm redrive, projection-status, republish and rebuild-read-model against AWS',
    });
    const deadLetterArns = props.consumers.map(({ deadLetterQueue }) => deadLetterQueue.queueArn);
    const allQueueArns = [
      ...props.consumers.flatMap((c) => [c.queue.queueArn, c.deadLetterQueue.queueArn, c.subscriptionDeadLetterQueue.queueArn]),
      ...props.relayQueues.map((queue) => queue.queueArn),
    ];
    const statements = [
      new PolicyStatement({
        sid: 'RedriveFromDeadLetterQueues',
        actions: [
          'sqs:StartMessageMoveTask',
          'sqs:ListMessageMoveTasks',
          'sqs:CancelMessageMoveTask',
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:ChangeMessageVisibility',
        ],
        resources: deadLetterArns,
      }),
      new PolicyStatement({
        sid: 'RedriveIntoConsumerQueues',
        actions: ['sqs:SendMessage'],
        resources: props.consumers.map(({ queue }) => queue.queueArn),
      }),
      new PolicyStatement({ sid: 'InspectQueues', actions: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], resources: allQueueArns }),
      new PolicyStatement({
        sid: 'ReadReadModelControlItems',
        actions: ['dynamodb:GetItem'],
        resources: [props.readModel.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [READ_MODEL_CONTROL_ITEMS] } },
      }),
      new PolicyStatement({
        sid: 'ReadLag',
        // GetMetricData supports no resource-level permission.
        actions: ['cloudwatch:GetMetricData'],
        resources: ['*'],
      }),
      new PolicyStatement({
        sid: 'ReadEventStore',
        actions: ['dynamodb:Scan', 'dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:DescribeTable'],
        resources: [props.eventStoreTable.tableArn],
      }),
      new PolicyStatement({ sid: 'Republish', actions: ['sns:Publish'], resources: [props.topic.topicArn] }),
      new PolicyStatement({
        sid: 'RebuildReadModel',
        actions: [
          'dynamodb:BatchWriteItem',
          'dynamodb:DeleteItem',
          'dynamodb:DescribeTable',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:Scan',
          'dynamodb:UpdateItem',
        ],
        resources: [props.readModel.tableArn, props.readModelGreen.tableArn],
      }),
    ];
    statements.push(unwrapDataKeysStatement(props.personalDataKey));
    for (const statement of statements) this.policy.addStatements(statement);
    grantKeyVia(this.policy, props.queueKey, 'sqs', ['kms:Decrypt', 'kms:GenerateDataKey']);
    grantKeyVia(this.policy, props.topicKey, 'sns', ['kms:Decrypt', 'kms:GenerateDataKey']);
    const tableKey = props.eventStoreTable.encryptionKey;
    if (tableKey === undefined) throw new Error('the event-store table must have a customer-managed key');
    // Writes too: the rebuild writes the read-model tables, which the same key encrypts.
    grantKeyVia(this.policy, tableKey, 'dynamodb', ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']);
    acknowledge(
      this.policy,
      'AwsSolutions-IAM5[Resource::*]',
      "cloudwatch:GetMetricData, which pnpm projection-status reads the last lag with, supports no resource-level " +
        "permission, so AWS requires '*'; it reads metrics only, and every other statement names its resources.",
    );
  }
}
