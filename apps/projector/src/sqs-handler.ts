import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { MessageProjector } from './core.js';

/** A Lambda handler for an SQS event source that has `ReportBatchItemFailures` turned on. */
export type SqsBatchHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

/**
 * Adapts the shared {@link MessageProjector} to Lambda: the records of an SQS event go in, and the failed
 * ones come back as `batchItemFailures`, so that Lambda deletes every other record and only the failed ones
 * are delivered again (and, after `maxReceiveCount` receives, moved to the dead-letter queue).
 *
 * Unlike the usual FIFO advice, records after a failed one in the same message group are not failed with
 * it: the projector is order-insensitive (a later event fills its gap from the event store), so holding
 * them back would only delay the read model.
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
