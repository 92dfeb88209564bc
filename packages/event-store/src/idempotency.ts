import { IdempotencyKeyReusedError } from './errors.js';
import type { AppendResult } from './types.js';

/** How long an idempotency key is remembered, at the least. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/** What an adapter keeps for an idempotency key: enough to answer a retry without writing. */
export interface IdempotencyRecord {
  readonly streamId: string;
  readonly fingerprint?: string | undefined;
  readonly firstVersion: number;
  readonly lastVersion: number;
  readonly eventIds: readonly string[];
}

export function idempotencyRecord(result: AppendResult, fingerprint: string | undefined): IdempotencyRecord {
  return {
    streamId: result.streamId,
    fingerprint,
    firstVersion: result.firstVersion,
    lastVersion: result.lastVersion,
    eventIds: [...result.eventIds],
  };
}

/**
 * Answers a retry from the record of the first append, or refuses a key that was used for another stream
 * or another request.
 */
export function answerRetry(
  key: string,
  record: IdempotencyRecord,
  streamId: string,
  fingerprint: string | undefined,
): AppendResult {
  if (record.streamId !== streamId || record.fingerprint !== fingerprint) {
    throw new IdempotencyKeyReusedError(key);
  }
  return {
    streamId: record.streamId,
    firstVersion: record.firstVersion,
    lastVersion: record.lastVersion,
    eventIds: [...record.eventIds],
    duplicate: true,
  };
}
