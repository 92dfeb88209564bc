import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { fifoIdDigest, messageGroupId } from '@user-service/integration-events';
import type { DynamoDBRecord } from 'aws-lambda';
import type { Logger } from 'pino';

/** Why a record is parked. */
export interface ParkReason {
  /** `unreadable`: it does not decode into an event; `refused`: SNS refuses its message for good. */
  readonly reason: 'unreadable' | 'refused';
  readonly error: Error;
  /** The user it belongs to, when the record says. */
  readonly streamId: string | undefined;
}

/** A parked record: what the parking queue's messages hold, as JSON. */
export interface ParkedRecord {
  readonly parkedBy: 'stream-relay';
  readonly reason: ParkReason['reason'];
  readonly error: { readonly name: string; readonly message: string };
  readonly streamId: string | null;
  readonly sequenceNumber: string | null;
  /** The whole stream record as Lambda delivered it, image included: enough to repair and re-publish it. */
  readonly record: DynamoDBRecord;
}

/** Where the relay puts the records it can never publish, so that they do not block their shard. */
export interface ParkingLot {
  /** Answers whether the record is safely parked; never throws (a failure is logged, and retried by the caller). */
  park(record: DynamoDBRecord, why: ParkReason, log: Logger): Promise<boolean>;
}

export interface SqsParkingLotOptions {
  /** The caller owns it. */
  readonly sqs: Pick<SQSClient, 'send'>;
  /** `PARKING_QUEUE_URL`: a standard or a FIFO queue. */
  readonly queueUrl: string;
}

/**
 * Parks records as messages of an SQS queue, one message per record. The message holds the stored image,
 * which may hold secrets (password hashes): the queue is an operator's, encrypted, never a consumer's.
 */
export function createSqsParkingLot({ sqs, queueUrl }: SqsParkingLotOptions): ParkingLot {
  const fifo = queueUrl.endsWith('.fifo');
  return {
    async park(record, { reason, error, streamId }, log) {
      const sequenceNumber = record.dynamodb?.SequenceNumber ?? null;
      const parked: ParkedRecord = {
        parkedBy: 'stream-relay',
        reason,
        error: { name: error.name, message: error.message },
        streamId: streamId ?? null,
        sequenceNumber,
        record,
      };
      try {
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: queueUrl,
            MessageBody: JSON.stringify(parked),
            MessageAttributes: { reason: { DataType: 'String', StringValue: reason } },
            // A record parked twice (its batch retried for a later record) is dropped by SQS within 5 minutes.
            ...(fifo
              ? {
                  MessageGroupId: messageGroupId(streamId ?? 'unknown-stream'),
                  MessageDeduplicationId: fifoIdDigest(record.eventID ?? sequenceNumber ?? JSON.stringify(record)),
                }
              : {}),
          }),
        );
        log.warn({ streamId, sequenceNumber, reason }, 'stream record parked');
        return true;
      } catch (err) {
        log.error({ err, streamId, sequenceNumber, reason }, 'could not park a stream record; it will be retried');
        return false;
      }
    },
  };
}

/**
 * The parking lot of a relay that has no parking queue: it parks nothing, so each unpublishable record is
 * retried like a transient failure and holds back its shard until a queue is configured. Every refusal is
 * logged as an error naming `PARKING_QUEUE_URL`.
 */
export const unconfiguredParkingLot: ParkingLot = {
  async park(record, { reason, streamId }, log) {
    const sequenceNumber = record.dynamodb?.SequenceNumber;
    log.error({ streamId, sequenceNumber, reason }, 'no parking queue (PARKING_QUEUE_URL): the record is retried and holds back its shard');
    return false;
  },
};
