import { setTimeout as sleep } from 'node:timers/promises';
import {
  CancelMessageMoveTaskCommand,
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  StartMessageMoveTaskCommand,
  type Message,
  type SQSClient,
  type SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import { silentProgress, type ProgressReporter } from './progress.js';
import { queueDepth, type ConsumerQueues } from './queues.js';

/** What an operator may see of a dead-lettered message: ids and counts, never its body or attributes. */
export interface DeadLetterSample {
  readonly messageId: string;
  /** The FIFO message group (the user, for this pipeline's queues). */
  readonly groupId: string | undefined;
  readonly deduplicationId: string | undefined;
  /** When it was first sent to the consumer's queue. */
  readonly sentAt: string | undefined;
  /** How often it was received, in its queue and in the DLQ. */
  readonly receiveCount: number | undefined;
  readonly bodyBytes: number;
}

export interface DeadLetters {
  /** The DLQ's approximate count of messages waiting. */
  readonly count: number;
  readonly inFlight: number;
  /** At most one receive's worth: SQS FIFO gives at most one group's messages per call per group. */
  readonly sample: readonly DeadLetterSample[];
}

/**
 * Lists what the consumer's DLQ holds without moving it: counts, and a sample received with a visibility
 * timeout of 0 and made visible again at once. (A DLQ has no redrive policy of its own, so the receive count
 * this adds moves nothing anywhere.)
 */
export async function inspectDeadLetters(sqs: Pick<SQSClient, 'send'>, queues: ConsumerQueues): Promise<DeadLetters> {
  const depth = await queueDepth(sqs, queues.dlq.url);
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queues.dlq.url,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 0,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId', 'SentTimestamp', 'ApproximateReceiveCount'],
    }),
  );
  if (Messages.length > 0) {
    // Visible again at once, said explicitly: an emulator may take the receive's 0 as "the queue's default".
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queues.dlq.url,
        Entries: Messages.map((message, i) => ({ Id: String(i), ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 })),
      }),
    );
  }
  return { count: depth.visible, inFlight: depth.inFlight, sample: Messages.map(sampleOf) };
}

function sampleOf(message: Message): DeadLetterSample {
  const attributes = message.Attributes ?? {};
  const sent = attributes.SentTimestamp;
  const received = attributes.ApproximateReceiveCount;
  return {
    messageId: message.MessageId ?? '',
    groupId: attributes.MessageGroupId,
    deduplicationId: attributes.MessageDeduplicationId,
    sentAt: sent === undefined ? undefined : new Date(Number(sent)).toISOString(),
    receiveCount: received === undefined ? undefined : Number(received),
    bodyBytes: Buffer.byteLength(message.Body ?? '', 'utf8'),
  };
}

export interface RedriveOptions {
  /** The caller owns it. */
  readonly sqs: Pick<SQSClient, 'send'>;
  readonly queues: ConsumerQueues;
  /** Stops after the batch in hand (copying), or cancels the move task (SQS's own). */
  readonly signal?: AbortSignal;
  /** @default silent */
  readonly progress?: ProgressReporter;
  /** How often a move task's progress is read, in milliseconds. @default 2000 */
  readonly pollMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

export interface RedriveResult {
  /** `stopped`: the signal fired; whatever was not moved is still in the DLQ, and the same command goes on. */
  readonly status: 'completed' | 'stopped';
  /** `move-task`: SQS's StartMessageMoveTask; `copy`: receive, send and delete, where SQS has no move task. */
  readonly mode: 'move-task' | 'copy';
  /** Messages moved back into the consumer's queue. */
  readonly moved: number;
  /**
   * Copying only: messages still in the DLQ when it answered empty, because another receiver held them (or,
   * in a FIFO queue, an earlier message of their group): the same command moves them once they are free.
   */
  readonly left?: number;
}

export class RedriveError extends Error {
  override readonly name = 'RedriveError';
}

/**
 * Moves every message of a consumer's DLQ back into its queue. On AWS this is SQS's own move task
 * (`StartMessageMoveTask`, which keeps FIFO group and deduplication ids); an endpoint without it, such as the
 * local emulator, answers `InvalidAction`, and the messages are then copied with receive, send and delete:
 * same body, attributes and group id, and the same deduplication id unless SQS would drop it as a repeat.
 */
export async function redrive(options: RedriveOptions): Promise<RedriveResult> {
  const { sqs, queues } = options;
  let taskHandle: string | undefined;
  try {
    ({ TaskHandle: taskHandle } = await sqs.send(
      new StartMessageMoveTaskCommand({ SourceArn: queues.dlq.arn, DestinationArn: queues.queue.arn }),
    ));
  } catch (error) {
    if ((error as { name?: unknown }).name !== 'InvalidAction') throw error;
    return copyBack(options);
  }
  return followMoveTask(options, taskHandle);
}

/** Reports a move task's progress until it ends; the signal cancels it. */
async function followMoveTask(options: RedriveOptions, taskHandle: string | undefined): Promise<RedriveResult> {
  const { sqs, queues, signal } = options;
  const progress = options.progress ?? silentProgress;
  progress.begin(`redrive ${queues.consumer} (SQS move task)`);
  let moved = 0;
  const seen = (count: number | undefined): void => {
    progress.add(Math.max(0, (count ?? moved) - moved));
    moved = Math.max(moved, count ?? moved);
  };
  try {
    for (;;) {
      try {
        await sleep(options.pollMs ?? 2000, undefined, { signal });
      } catch {
        await sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle: taskHandle }));
        return { status: 'stopped', mode: 'move-task', moved };
      }
      const { Results = [] } = await sqs.send(
        new ListMessageMoveTasksCommand({ SourceArn: queues.dlq.arn, MaxResults: 1 }),
      );
      // The most recent task of this DLQ comes first: ours.
      const task = Results[0];
      seen(task?.ApproximateNumberOfMessagesMoved);
      if (task?.Status === 'COMPLETED') return { status: 'completed', mode: 'move-task', moved };
      if (task?.Status === 'FAILED' || task?.Status === 'CANCELLED') {
        throw new RedriveError(`the move task ended ${task.Status}: ${task.FailureReason ?? 'no reason given'}`);
      }
    }
  } finally {
    progress.end();
  }
}

/** SQS FIFO drops a message whose deduplication id it saw in the last 5 minutes. */
const DEDUPLICATION_WINDOW_MS = 5 * 60_000;

/**
 * Receive, send, delete, ten at a time, until the DLQ answers empty. A message is deleted from the DLQ only
 * once the queue has accepted it, so a crash in between sends it twice (the consumer is idempotent) and
 * never loses it.
 */
async function copyBack(options: RedriveOptions): Promise<RedriveResult> {
  const { sqs, queues, signal } = options;
  const progress = options.progress ?? silentProgress;
  const now = options.now ?? Date.now;
  const depth = await queueDepth(sqs, queues.dlq.url);
  progress.begin(`redrive ${queues.consumer} (copy)`, { total: { count: depth.visible, estimate: true } });
  let moved = 0;
  try {
    for (;;) {
      if (signal?.aborted === true) return { status: 'stopped', mode: 'copy', moved };
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queues.dlq.url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) {
        // Not waited for: a receiver may hold its messages for as long as their visibility timeout.
        const left = await queueDepth(sqs, queues.dlq.url);
        return { status: 'completed', mode: 'copy', moved, left: left.visible + left.inFlight };
      }
      const entries = Messages.map((message, i) => copyEntry(message, String(i), now()));
      const output = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queues.queue.url, Entries: entries }));
      const accepted = (output.Successful ?? []).map((entry) => Messages[Number(entry.Id)] as Message);
      if (accepted.length > 0) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queues.dlq.url,
            Entries: accepted.map((message, i) => ({ Id: String(i), ReceiptHandle: message.ReceiptHandle })),
          }),
        );
      }
      moved += accepted.length;
      progress.add(accepted.length);
      const failed = output.Failed?.[0];
      if (failed !== undefined) {
        // Left in the DLQ, visible again after its timeout: the same command moves it later.
        const refused = Messages[Number(failed.Id)]?.MessageId ?? failed.Id;
        throw new RedriveError(
          [`the queue refused message ${refused}:`, failed.Code, failed.Message].filter(Boolean).join(' '),
        );
      }
    }
  } finally {
    progress.end();
  }
}

function copyEntry(message: Message, id: string, now: number): SendMessageBatchRequestEntry {
  const attributes = message.Attributes ?? {};
  const entry: SendMessageBatchRequestEntry = {
    Id: id,
    MessageBody: message.Body,
    MessageAttributes: message.MessageAttributes,
    MessageGroupId: attributes.MessageGroupId,
  };
  const original = attributes.MessageDeduplicationId;
  if (original === undefined) return entry;
  // Within the window the original id would make SQS acknowledge the send and drop the message, which is
  // then deleted from the DLQ: lost. A marked id keeps it; the consumer's version gate absorbs a repeat.
  // An unknown send time (NaN) counts as recent: a marked id is the safe side.
  const old = now - Number(attributes.SentTimestamp) >= DEDUPLICATION_WINDOW_MS;
  return { ...entry, MessageDeduplicationId: old ? original : `${original.slice(0, 100)}-redrive-${now}` };
}
