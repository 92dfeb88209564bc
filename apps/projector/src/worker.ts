import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import type { QueueConsumer, QueueMessage } from './core.js';

/** SQS's limit for one `ReceiveMessage` and for one `DeleteMessageBatch`. */
const MAX_BATCH = 10;

export interface WorkerOptions {
  /** The caller owns it and destroys it after the worker has stopped. */
  readonly sqs: Pick<SQSClient, 'send'>;
  readonly queueUrl: string;
  readonly core: QueueConsumer;
  readonly log: Logger;
  /** Names the worker in its start and stop lines. @default 'projector' */
  readonly name?: string;
  /** How long one `ReceiveMessage` long-polls, 0 to 20 seconds. @default 20 */
  readonly waitTimeSeconds?: number;
  /**
   * How many receive loops run at once. SQS FIFO never hands a group's messages to a second receiver while
   * some are in flight, so each user's events stay in order however many loops run. @default 4
   */
  readonly concurrency?: number;
  /**
   * The pause after a failed iteration: `initialMs`, doubled after each further failure up to `maxMs`, and
   * back to `initialMs` after a success. @default { initialMs: 200, maxMs: 20000 }
   */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
}

export interface Worker {
  /** Starts polling. Resolves when the worker has stopped; it never rejects. Idempotent. */
  start(): Promise<void>;
  /**
   * Stops polling: a long poll that holds no messages yet is cancelled, and a batch in hand is finished,
   * deletes included. Resolves once the loop has ended. Idempotent. A poll cancelled just as SQS answered
   * it leaves those messages invisible until their visibility timeout, after which they are redelivered.
   */
  stop(): Promise<void>;
}

/**
 * The long-polling queue consumer: receive up to 10 messages, project them with the shared
 * {@link MessageProjector}, delete the acknowledged ones, and loop; `concurrency` loops at once, so that
 * several message groups are projected at a time. At least once: whatever is not deleted
 * (a failed message, a crash before the delete, a failed delete) is received again after the visibility
 * timeout, and the projector's version gate turns the repeat into a harmless duplicate.
 */
export function createWorker(options: WorkerOptions): Worker {
  const { sqs, queueUrl, core, log } = options;
  const waitTimeSeconds = options.waitTimeSeconds ?? 20;
  const { initialMs, maxMs } = options.backoff ?? { initialMs: 200, maxMs: 20_000 };
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const name = options.name ?? 'projector';
  // Aborts only what holds no messages: the long poll and the pause after a failure.
  const stopping = new AbortController();
  let running: Promise<void> | undefined;

  async function iteration(): Promise<void> {
    const { Messages: received = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: MAX_BATCH,
        WaitTimeSeconds: waitTimeSeconds,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'MessageGroupId'],
      }),
      { abortSignal: stopping.signal },
    );
    if (received.length === 0) return;
    // From here on the batch is in hand: a stop waits for it to be projected and deleted.
    const handles = new Map(received.map((m) => [m.MessageId!, m.ReceiptHandle!]));
    const result = await core.applyMessages(received.map(toQueueMessage));
    await deleteMessages(result.acknowledged.map((messageId) => ({ messageId, receiptHandle: handles.get(messageId)! })));
  }

  async function deleteMessages(messages: ReadonlyArray<{ messageId: string; receiptHandle: string }>): Promise<void> {
    for (let start = 0; start < messages.length; start += MAX_BATCH) {
      const chunk = messages.slice(start, start + MAX_BATCH);
      const { Failed = [] } = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map(({ receiptHandle }, i) => ({ Id: String(i), ReceiptHandle: receiptHandle })),
        }),
      );
      for (const failure of Failed) {
        const messageId = chunk[Number(failure.Id)]?.messageId;
        log.warn(
          { messageId, code: failure.Code, senderFault: failure.SenderFault, reason: failure.Message },
          'could not delete a projected message; it will be redelivered and acknowledged as a duplicate',
        );
      }
    }
  }

  async function loop(): Promise<void> {
    let failures = 0;
    while (!stopping.signal.aborted) {
      try {
        await iteration();
        failures = 0;
      } catch (err) {
        if (stopping.signal.aborted && isAbort(err)) break;
        failures++;
        const retryInMs = Math.min(maxMs, initialMs * 2 ** (failures - 1));
        log.error({ err, failures, retryInMs }, 'a worker iteration failed; retrying');
        await sleep(retryInMs, undefined, { signal: stopping.signal }).catch(() => undefined);
      }
    }
  }

  async function run(): Promise<void> {
    log.info({ queueUrl, waitTimeSeconds, concurrency }, `${name} worker started`);
    await Promise.all(Array.from({ length: concurrency }, loop));
    log.info({ queueUrl }, `${name} worker stopped`);
  }

  return {
    start() {
      running ??= run();
      return running;
    },
    stop() {
      stopping.abort();
      return running ?? Promise.resolve();
    },
  };
}

function toQueueMessage(message: Message): QueueMessage {
  const receiveCount = Number(message.Attributes?.ApproximateReceiveCount);
  return {
    // SQS always sets the id, the body and the receipt handle; its types merely mark every member optional.
    messageId: message.MessageId!,
    body: message.Body ?? '',
    ...(Number.isSafeInteger(receiveCount) ? { receiveCount } : {}),
    ...(message.Attributes?.MessageGroupId === undefined ? {} : { groupId: message.Attributes.MessageGroupId }),
  };
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}
