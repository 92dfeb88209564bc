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

/**
 * What identifies a stored event on every path that publishes it: its stream and version. They are unique by
 * construction on every adapter, where an event id is unique within a stream only as far as the store checks
 * (on DynamoDB, against the stream's last event only): two events that shared an id, deduplicated by it, would
 * lose the second to SNS and SQS's five-minute window.
 */
export function eventIdentity(event: { readonly streamId: string; readonly version: number }): string {
  return `${event.streamId}:${event.version}`;
}

/**
 * The `MessageDeduplicationId` of a live published event: its {@link eventIdentity}, or its digest when SNS
 * would refuse it (a stream id too long, or outside printable ASCII). A redelivered stream record yields the
 * same id, so SNS drops the repeat.
 */
export function deduplicationIdOf(event: { readonly streamId: string; readonly version: number }): string {
  const identity = eventIdentity(event);
  return isFifoSafeId(identity) ? identity : fifoIdDigest(identity);
}
