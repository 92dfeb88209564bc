import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { resolveQueueUrl } from './replay.js';

/** One SQS queue, by both of its names. */
export interface QueueRef {
  readonly url: string;
  readonly arn: string;
  /** The last part of the ARN, e.g. `projector.fifo`. */
  readonly name: string;
}

/** A consumer's queue and the dead-letter queue its redrive policy names. */
export interface ConsumerQueues {
  readonly consumer: string;
  readonly queue: QueueRef;
  readonly dlq: QueueRef;
}

/** How many messages a queue holds, as SQS approximates them. */
export interface QueueDepth {
  /** Waiting to be received. */
  readonly visible: number;
  /** Received and not yet deleted (being processed, or waiting out their visibility timeout). */
  readonly inFlight: number;
  /** Sent with a delay that has not passed yet. */
  readonly delayed: number;
}

export class QueueError extends Error {
  override readonly name = 'QueueError';
}

/**
 * Finds a consumer's queue (`<consumer>.fifo`, or `queueUrl` where CloudFormation named it) and, through its
 * redrive policy, its dead-letter queue: the DLQ is whatever the deployed queue says, never a guessed name.
 */
export async function resolveConsumerQueues(
  sqs: Pick<SQSClient, 'send'>,
  consumer: string,
  queueUrl?: string,
): Promise<ConsumerQueues> {
  const url = queueUrl ?? (await resolveQueueUrl(sqs, consumer));
  const attributes = await queueAttributes(sqs, url, ['QueueArn', 'RedrivePolicy']);
  const arn = required(attributes, 'QueueArn', url);
  let dlqArn: unknown;
  try {
    dlqArn = (JSON.parse(attributes['RedrivePolicy'] ?? '') as { deadLetterTargetArn?: unknown }).deadLetterTargetArn;
  } catch {
    dlqArn = undefined;
  }
  if (typeof dlqArn !== 'string') throw new QueueError(`the queue ${url} has no redrive policy naming a dead-letter queue`);
  // arn:aws:sqs:<region>:<account>:<name>
  const [, , , , account, dlqName = ''] = dlqArn.split(':');
  const { QueueUrl: dlqUrl } = await sqs.send(
    new GetQueueUrlCommand({ QueueName: dlqName, QueueOwnerAWSAccountId: account }),
  );
  if (dlqUrl === undefined) throw new QueueError(`SQS returned no URL for the dead-letter queue ${dlqArn}`);
  return {
    consumer,
    queue: { url, arn, name: nameOf(arn) },
    dlq: { url: dlqUrl, arn: dlqArn, name: dlqName },
  };
}

/** The queue's approximate message counts. */
export async function queueDepth(sqs: Pick<SQSClient, 'send'>, url: string): Promise<QueueDepth> {
  const attributes = await queueAttributes(sqs, url, [
    'ApproximateNumberOfMessages',
    'ApproximateNumberOfMessagesNotVisible',
    'ApproximateNumberOfMessagesDelayed',
  ]);
  const count = (name: string) => Number(required(attributes, name, url));
  return {
    visible: count('ApproximateNumberOfMessages'),
    inFlight: count('ApproximateNumberOfMessagesNotVisible'),
    delayed: count('ApproximateNumberOfMessagesDelayed'),
  };
}

async function queueAttributes(
  sqs: Pick<SQSClient, 'send'>,
  url: string,
  names: Array<NonNullable<ConstructorParameters<typeof GetQueueAttributesCommand>[0]['AttributeNames']>[number]>,
): Promise<Record<string, string>> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: names }));
  return Attributes ?? {};
}

function required(attributes: Record<string, string>, name: string, url: string): string {
  const value = attributes[name];
  if (value === undefined) throw new QueueError(`SQS returned no ${name} for ${url}`);
  return value;
}

const nameOf = (arn: string): string => arn.slice(arn.lastIndexOf(':') + 1);
