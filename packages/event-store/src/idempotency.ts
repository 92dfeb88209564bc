import { IdempotencyKeyReusedError } from './errors.js';
import type { AppendResult, JsonObject, OutcomeRecord } from './types.js';

/** How long an idempotency key is remembered, at the least. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/**
 * What an adapter keeps for an idempotency key: enough to answer a retry without writing. A record of an
 * outcome (`recordOutcome`) has no event ids, an `outcome`, and the empty range `lastVersion + 1 ..
 * lastVersion`.
 */
export interface IdempotencyRecord {
  readonly streamId: string;
  readonly fingerprint?: string | undefined;
  readonly firstVersion: number;
  readonly lastVersion: number;
  readonly eventIds: readonly string[];
  readonly outcome?: JsonObject | undefined;
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

/** The idempotency record of an outcome that wrote no events. */
export function outcomeIdempotencyRecord(record: OutcomeRecord): IdempotencyRecord {
  return {
    streamId: record.streamId,
    fingerprint: record.fingerprint,
    firstVersion: record.version + 1,
    lastVersion: record.version,
    eventIds: [],
    outcome: record.outcome,
  };
}

/** The result a record answers: `duplicate` for a retry, not for the call that recorded it. */
export function recordedResult(record: IdempotencyRecord, duplicate: boolean): AppendResult {
  return {
    streamId: record.streamId,
    firstVersion: record.firstVersion,
    lastVersion: record.lastVersion,
    eventIds: [...record.eventIds],
    duplicate,
    ...(record.outcome === undefined ? {} : { outcome: structuredClone(record.outcome) }),
  };
}

/**
 * Answers a retry from the record of the first append or outcome, or refuses a key that was used for
 * another stream or another request.
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
  return recordedResult(record, true);
}
