import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { QueueConsumer } from './core.js';

/** A Lambda handler for an SQS event source that has `ReportBatchItemFailures` turned on. */
export type SqsBatchHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

/** Thrown when no record of a batch could be projected, so that Lambda counts an error. */
export class FullBatchFailureError extends Error {
  override readonly name = 'FullBatchFailureError';
  readonly code = 'FULL_BATCH_FAILURE';
}

/**
 * Adapts a shared {@link QueueConsumer} (the projector's core, the mailer's) to Lambda: the records of an SQS event go in, and the failed
 * ones come back as `batchItemFailures`, so that Lambda deletes every other record and only the failed ones
 * are delivered again (and, after `maxReceiveCount` receives, moved to the dead-letter queue).
 *
 * FIFO: each record carries its `MessageGroupId`, and the core fails every record after a failed one of its
 * group, so that none is deleted ahead of it. (Powertools' `SqsFifoPartialProcessor` with
 * `skipGroupOnErrors` states the same contract, but calls a handler per record, one after the other, which
 * would undo the core's folding of a user's events into one read and one write; the worker needs the same
 * rule outside Lambda, so the core owns it.)
 *
 * A batch in which every record failed throws instead, as Powertools' batch processors do: the whole batch
 * is retried either way, and the throw makes the function's `Errors` metric and alarm see it.
 */
export function createSqsHandler(core: QueueConsumer): SqsBatchHandler {
  return async (event) => {
    const { failed } = await core.applyMessages(
      event.Records.map((record) => ({
        messageId: record.messageId,
        body: record.body,
        receiveCount: Number(record.attributes.ApproximateReceiveCount),
        ...(record.attributes.MessageGroupId === undefined ? {} : { groupId: record.attributes.MessageGroupId }),
      })),
    );
    if (failed.length > 0 && failed.length === event.Records.length) {
      throw new FullBatchFailureError(`all ${failed.length} records of the batch failed; see the log for each`);
    }
    return { batchItemFailures: failed.map((messageId) => ({ itemIdentifier: messageId })) };
  };
}
