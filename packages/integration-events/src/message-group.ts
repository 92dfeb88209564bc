import { createHash } from 'node:crypto';

/** The characters SQS and SNS FIFO allow in group and deduplication ids (printable ASCII), and their length limit. */
const FIFO_ID = /^[!-~]{1,128}$/;

/** A FIFO-safe stand-in for an id: its SHA-256 digest, 43 base64url characters. */
export function fifoIdDigest(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

/** True when SNS and SQS accept `id` as a `MessageGroupId` or `MessageDeduplicationId` unchanged. */
export function isFifoSafeId(id: string): boolean {
  return FIFO_ID.test(id);
}

/**
 * The `MessageGroupId` of a user's events, on every path that publishes them (the live relay, `pnpm replay`
 * and `pnpm republish`): the user id itself, or its digest when SQS would refuse it (too long, or with
 * characters outside printable ASCII). One function, so that a user's live and replayed events always share
 * a group, and therefore an order.
 */
export function messageGroupId(streamId: string): string {
  return isFifoSafeId(streamId) ? streamId : fifoIdDigest(streamId);
}
