import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { FifoThroughputScope, Topic } from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** One consumer's FIFO queue and the FIFO dead-letter queue its poison messages end in. */
export interface ConsumerQueue {
  readonly name: string;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
}

export interface EventTopicProps {
  /** One queue per name, subscribed with raw delivery. Names must be unique. */
  readonly consumers: readonly string[];
  /**
   * How long a received message stays invisible: at least six times the consumer's function timeout,
   * as Lambda's SQS event source recommends.
   * @default Duration.minutes(3)
   */
  readonly visibilityTimeout?: Duration;
  /**
   * Receives before a message moves to its consumer's DLQ.
   * @default 5
   */
  readonly maxReceiveCount?: number;
}

/**
 * The integration-event fan-out: an SNS FIFO topic, and for each consumer an SQS FIFO queue subscribed
 * with raw delivery and backed by a FIFO DLQ. Order holds per message group (one user's events), and
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

    // Messages are transient: the keys go with the stack.
    this.topicKey = new Key(this, 'TopicKey', {
      description: 'Encrypts the user service event topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.queueKey = new Key(this, 'QueueKey', {
      description: 'Encrypts the user service event queues, their dead letters and alarm notifications',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
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
      const deadLetterQueue = new Queue(scope, 'DeadLetterQueue', {
        fifo: true,
        encryption: QueueEncryption.KMS,
        encryptionMasterKey: this.queueKey,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      const queue = new Queue(scope, 'Queue', {
        fifo: true,
        // High-throughput FIFO: deduplication and throughput limits apply per user, not per queue.
        deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
        fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
        encryption: QueueEncryption.KMS,
        encryptionMasterKey: this.queueKey,
        enforceSSL: true,
        visibilityTimeout: props.visibilityTimeout ?? Duration.minutes(3),
        retentionPeriod: Duration.days(4),
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
      });
      this.topic.addSubscription(new SqsSubscription(queue, { rawMessageDelivery: true }));
      consumers.set(name, { name, queue, deadLetterQueue });
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
