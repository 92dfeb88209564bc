import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { FifoThroughputScope, Topic } from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledge.js';

/** How long every queue of the pipeline keeps a message: 14 days, the most SQS allows. */
export const MESSAGE_RETENTION = Duration.days(14);

/**
 * One consumer's FIFO queue, the FIFO dead-letter queue its poison messages end in, and the FIFO queue
 * where SNS parks what it could not deliver to the consumer's queue at all.
 */
export interface ConsumerQueue {
  readonly name: string;
  readonly queue: Queue;
  /** The queue's redrive target: messages its consumer failed `maxReceiveCount` times. */
  readonly deadLetterQueue: Queue;
  /** The subscription's redrive target: messages SNS could not deliver (a broken key or queue policy). */
  readonly subscriptionDeadLetterQueue: Queue;
}

export interface EventTopicProps {
  /** One queue per name, subscribed with raw delivery. Names must be unique. */
  readonly consumers: readonly string[];
  /**
   * How long a received message stays invisible: at least six times the consumer's function timeout,
   * as Lambda's SQS event source recommends. Take it from `visibilityTimeoutFor` in the config.
   */
  readonly visibilityTimeout: Duration;
  /**
   * Production: RETAIN the queues, the dead-letter queues and both keys on stack deletion or replacement,
   * so undelivered and dead-lettered events are never deleted with the stack.
   */
  readonly retainData: boolean;
  /**
   * Receives before a message moves to its consumer's DLQ.
   * @default 5
   */
  readonly maxReceiveCount?: number;
}

/**
 * The integration-event fan-out: an SNS FIFO topic, and for each consumer an SQS FIFO queue (14 days'
 * retention) subscribed with raw delivery, backed by a FIFO DLQ, and its subscription by another. Order holds per message group (one user's events), and
 * duplicates are dropped by the relay's deduplication id (the event id). Another service gets its own
 * queue by adding its name to `consumers`.
 */
export class EventTopic extends Construct {
  /** Encrypts the topic; publishers are granted its use. */
  public readonly topicKey: Key;
  /**
   * Encrypts every consumer queue and DLQ; SNS is granted its use for delivery from this topic only. A
   * key apart from the topic's: that grant names the topic, and the topic names its key, so one shared key
   * would be a circular dependency.
   */
  public readonly queueKey: Key;
  public readonly topic: Topic;
  public readonly consumers: ReadonlyMap<string, ConsumerQueue>;

  constructor(scope: Construct, id: string, props: EventTopicProps) {
    super(scope, id);
    if (props.consumers.length === 0) throw new Error('EventTopic needs at least one consumer');
    if (new Set(props.consumers).size !== props.consumers.length) {
      throw new Error(`EventTopic consumers repeat a name: ${props.consumers.join(', ')}`);
    }

    // A retained queue is unreadable without its key, so the keys are kept exactly when the queues are.
    const removalPolicy = props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.topicKey = new Key(this, 'TopicKey', {
      description: 'Encrypts the user service event topic',
      enableKeyRotation: true,
      removalPolicy,
    });
    this.queueKey = new Key(this, 'QueueKey', {
      description:
        'Encrypts the user service event queues, their dead letters, the relay failure and parking queues and alarm notifications',
      enableKeyRotation: true,
      removalPolicy,
    });
    this.topic = new Topic(this, 'Topic', {
      fifo: true,
      // Throughput is counted per message group (per user), not per topic.
      fifoThroughputScope: FifoThroughputScope.MESSAGE_GROUP,
      masterKey: this.topicKey,
      enforceSSL: true,
      displayName: 'User service integration events',
    });

    const consumers = new Map<string, ConsumerQueue>();
    for (const name of props.consumers) {
      const scope = new Construct(this, `Consumer-${name}`);
      const encrypted = {
        fifo: true,
        encryption: QueueEncryption.KMS,
        encryptionMasterKey: this.queueKey,
        enforceSSL: true,
        // The most SQS keeps: a consumer down for up to two weeks loses nothing.
        retentionPeriod: MESSAGE_RETENTION,
        removalPolicy,
      };
      const deadLetterQueue = new Queue(scope, 'DeadLetterQueue', encrypted);
      const subscriptionDeadLetterQueue = new Queue(scope, 'SubscriptionDeadLetterQueue', encrypted);
      const queue = new Queue(scope, 'Queue', {
        ...encrypted,
        // High-throughput FIFO: deduplication and throughput limits apply per user, not per queue.
        deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
        fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
        visibilityTimeout: props.visibilityTimeout,
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
      });
      this.topic.addSubscription(
        new SqsSubscription(queue, { rawMessageDelivery: true, deadLetterQueue: subscriptionDeadLetterQueue }),
      );
      acknowledge(
        subscriptionDeadLetterQueue,
        'AwsSolutions-SQS3',
        "This queue is the SNS subscription's dead-letter queue (its redrive policy names it, which SQS3 cannot " +
          'see): what SNS could not deliver to the consumer queue. Its depth alarms like every DLQ\'s.',
      );
      consumers.set(name, { name, queue, deadLetterQueue, subscriptionDeadLetterQueue });
    }
    this.consumers = consumers;
  }

  /** The queue of a consumer named in the props; throws at synth for any other name. */
  consumer(name: string): ConsumerQueue {
    const consumer = this.consumers.get(name);
    if (consumer === undefined) {
      throw new Error(`no consumer queue named ${JSON.stringify(name)}; consumers: ${[...this.consumers.keys()].join(', ')}`);
    }
    return consumer;
  }
}
