import {
  CreateTopicCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';

/** The names of the event pipeline's topic and queues, as on AWS. */
export interface TopologyNames {
  /** An SNS FIFO topic; the name ends in `.fifo`. @default 'user-events.fifo' */
  readonly topicName?: string;
  /** One SQS FIFO queue per consuming service, each with its own DLQ. @default ['projector'] */
  readonly consumers?: readonly string[];
  /** Receives before a message moves to its DLQ. @default 5 */
  readonly maxReceiveCount?: number;
  /** @default 30 */
  readonly visibilityTimeoutSeconds?: number;
}

export interface ConsumerQueues {
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly dlqUrl: string;
  readonly dlqArn: string;
}

export interface Topology {
  readonly topicArn: string;
  /** By consumer name. */
  readonly consumers: Readonly<Record<string, ConsumerQueues>>;
}

export interface TopologyClients {
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
}

/**
 * Creates the SNS FIFO topic, and for each consumer an SQS FIFO queue with its DLQ (redrive after
 * `maxReceiveCount` receives), subscribed with raw message delivery — the same shape the CDK app deploys.
 * Every call is idempotent, so it can run at every start.
 */
export async function ensureTopology(clients: TopologyClients, names: TopologyNames = {}): Promise<Topology> {
  const topicName = names.topicName ?? 'user-events.fifo';
  if (!topicName.endsWith('.fifo')) throw new Error(`the topic ${topicName} must be FIFO (end in .fifo)`);
  const { TopicArn } = await clients.sns.send(
    new CreateTopicCommand({
      Name: topicName,
      Attributes: { FifoTopic: 'true', ContentBasedDeduplication: 'false' },
    }),
  );
  if (!TopicArn) throw new Error(`creating ${topicName} returned no ARN`);

  const consumers: Record<string, ConsumerQueues> = {};
  for (const consumer of names.consumers ?? ['projector']) {
    const dlq = await fifoQueue(clients.sqs, `${consumer}-dlq.fifo`, {});
    const queue = await fifoQueue(clients.sqs, `${consumer}.fifo`, {
      VisibilityTimeout: String(names.visibilityTimeoutSeconds ?? 30),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: dlq.arn,
        maxReceiveCount: names.maxReceiveCount ?? 5,
      }),
    });
    await clients.sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: queue.arn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
    consumers[consumer] = { queueUrl: queue.url, queueArn: queue.arn, dlqUrl: dlq.url, dlqArn: dlq.arn };
  }
  return { topicArn: TopicArn, consumers };
}

async function fifoQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'false', ...attributes },
    }),
  );
  if (!QueueUrl) throw new Error(`creating ${name} returned no URL`);
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.['QueueArn'];
  if (!arn) throw new Error(`${name} has no ARN`);
  return { url: QueueUrl, arn };
}

/** Client settings for a local endpoint: any fixed credentials are accepted there. */
export function localClientConfig(endpoint: string) {
  return {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
}
