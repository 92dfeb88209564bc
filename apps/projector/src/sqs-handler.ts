import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { MessageProjector } from './core.js';

/** A Lambda handler for an SQS event source that has `ReportBatchItemFailures` turned on. */
export type SqsBatchHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

/**
 * Adapts the shared {@link MessageProjector} to Lambda: the records of an SQS event go in, and the failed
 * ones come back as `batchItemFailures`, so that Lambda deletes every other record and only the failed ones
 * are delivered again (and, after `maxReceiveCount` receives, moved to the dead-letter queue).
 *
 * Records after a failed one in the same message group (one user) are not failed by position, as the usual
 * FIFO advice has it; the projector decides. It folds a user's events of a batch in version order, so it
 * fails the ones after the failed event (they cannot be applied without it) and writes the ones before.
 * Redelivered without it, for instance once it has gone to the dead-letter queue, a later event fills that
 * version from the event store.
 */
export function createSqsHandler(core: MessageProjector): SqsBatchHandler {
  return async (event) => {
    const { failed } = await core.applyMessages(
      event.Records.map((record) => ({
        messageId: record.messageId,
        body: record.body,
        receiveCount: Number(record.attributes.ApproximateReceiveCount),
      })),
    );
    return { batchItemFailures: failed.map((messageId) => ({ itemIdentifier: messageId })) };
  };
}
