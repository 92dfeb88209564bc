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
   * How many received batches are projected at once. SQS FIFO never hands a group's messages to a second
   * receive while some are in flight, so each user's events stay in order however many batches run. @default 4
   */
  readonly concurrency?: number;
  /**
   * The batching window: after a receive that came back with fewer than 10 messages, the next receive waits
   * this long, so that it finds a fuller batch (as the `MaximumBatchingWindowInSeconds` of Lambda's event
   * source mapping does). It costs at most this much projection lag when traffic is light and nothing when
   * the queue is backed up, since full receives follow each other at once. 0 receives again at once. @default 100
   */
  readonly batchWindowMs?: number;
  /**
   * The pause after a failed receive or batch: `initialMs`, doubled after each further failure up to `maxMs`,
   * and back to `initialMs` after a success. @default { initialMs: 200, maxMs: 20000 }
   */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
}

export interface Worker {
  /** Starts polling. Resolves when the worker has stopped; it never rejects. Idempotent. */
  start(): Promise<void>;
  /**
   * Stops polling: a long poll that holds no messages yet is cancelled, and the batches in hand are finished,
   * deletes included. Resolves once they are. Idempotent. A poll cancelled just as SQS answered it leaves
   * those messages invisible until their visibility timeout, after which they are redelivered.
   */
  stop(): Promise<void>;
}

/**
 * The long-polling queue consumer. One receiver takes up to 10 messages at a time and hands each batch to
 * the shared {@link MessageProjector}, with up to `concurrency` batches projected at once, then deletes
 * the acknowledged messages of each batch. One receiver rather than one per batch keeps receives full: on
 * a queue that is not backed up, receivers racing each other split what arrives into small batches and
 * come back empty. At least once: whatever is not deleted (a failed message, a crash before the delete, a
 * failed delete) is received again after the visibility timeout, and the projector's version gate turns
 * the repeat into a harmless duplicate.
 */
export function createWorker(options: WorkerOptions): Worker {
  const { sqs, queueUrl, core, log } = options;
  const waitTimeSeconds = options.waitTimeSeconds ?? 20;
  const batchWindowMs = Math.max(0, options.batchWindowMs ?? 100);
  const { initialMs, maxMs } = options.backoff ?? { initialMs: 200, maxMs: 20_000 };
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const name = options.name ?? 'projector';
  // Aborts only what holds no messages: the long poll and the pauses between receives.
  const stopping = new AbortController();
  // Settles once stop() is called: wakes a receiver that waits for a free slot.
  const abortion = new Promise<void>((resolve) => stopping.signal.addEventListener('abort', () => resolve(), { once: true }));
  const inHand = new Set<Promise<void>>();
  let failures = 0;
  let running: Promise<void> | undefined;

  /** Logs a failure and answers how long to pause before the next receive. */
  function failed(err: unknown): number {
    failures++;
    const retryInMs = Math.min(maxMs, initialMs * 2 ** (failures - 1));
    log.error({ err, failures, retryInMs }, 'a worker iteration failed; retrying');
    return retryInMs;
  }

  /** A pause that a stop cuts short. */
  const pause = (ms: number) => sleep(ms, undefined, { signal: stopping.signal }).catch(() => undefined);

  async function receive(): Promise<Message[]> {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: MAX_BATCH,
        WaitTimeSeconds: waitTimeSeconds,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'MessageGroupId'],
      }),
      { abortSignal: stopping.signal },
    );
    return Messages;
  }

  /** Projects one received batch and deletes what it acknowledged. A failure pauses the receiver. */
  async function project(received: readonly Message[]): Promise<number> {
    try {
      const handles = new Map(received.map((m) => [m.MessageId!, m.ReceiptHandle!]));
      const result = await core.applyMessages(received.map(toQueueMessage));
      await deleteMessages(result.acknowledged.map((messageId) => ({ messageId, receiptHandle: handles.get(messageId)! })));
      failures = 0;
      return 0;
    } catch (err) {
      return failed(err);
    }
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

  async function receiveLoop(): Promise<void> {
    // The pause a failure asks for; a batch that fails while the receiver waits sets it too.
    let retryInMs = 0;
    while (!stopping.signal.aborted) {
      // A free slot first: a batch received with none would sit invisible, its visibility timeout running.
      if (inHand.size >= concurrency) {
        await Promise.race([...inHand, abortion]);
        continue;
      }
      if (retryInMs > 0) {
        const ms = retryInMs;
        retryInMs = 0;
        await pause(ms);
        continue;
      }
      let received: Message[];
      try {
        received = await receive();
      } catch (err) {
        if (stopping.signal.aborted && isAbort(err)) break;
        retryInMs = failed(err);
        continue;
      }
      if (received.length === 0) {
        failures = 0;
        continue;
      }
      // From here on the batch is in hand: a stop waits for it to be projected and deleted.
      const batch = project(received).then((pauseMs) => {
        inHand.delete(batch);
        retryInMs = Math.max(retryInMs, pauseMs);
      });
      inHand.add(batch);
      if (received.length < MAX_BATCH && batchWindowMs > 0) await pause(batchWindowMs);
    }
    await Promise.all(inHand);
  }

  async function run(): Promise<void> {
    log.info({ queueUrl, waitTimeSeconds, concurrency, batchWindowMs }, `${name} worker started`);
    await receiveLoop();
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
