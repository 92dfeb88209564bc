/** The failures every adapter reports in the same way, whatever its storage said. */
export type EventStoreErrorCode =
  | 'CONCURRENCY_CONFLICT'
  | 'UNIQUENESS_VIOLATION'
  | 'CLAIM_NOT_HELD'
  | 'DUPLICATE_EVENT_ID'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'INVALID_ARGUMENT';

export class EventStoreError extends Error {
  override readonly name: string = 'EventStoreError';

  constructor(
    readonly code: EventStoreErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The stream was not at the expected version: someone else wrote first, or the caller's view is stale. */
export class ConcurrencyError extends EventStoreError {
  override readonly name = 'ConcurrencyError';

  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
    options?: ErrorOptions,
  ) {
    super('CONCURRENCY_CONFLICT', `stream ${streamId} is not at version ${expectedVersion}`, options);
  }
}

/** A claimed unique key is held by another stream. The holder is not named: that would leak it. */
export class UniquenessError extends EventStoreError {
  override readonly name = 'UniquenessError';

  constructor(
    readonly key: string,
    options?: ErrorOptions,
  ) {
    super('UNIQUENESS_VIOLATION', `unique key ${key} is held by another stream`, options);
  }
}

/** A stream tried to release a unique key it does not hold. */
export class ClaimNotHeldError extends EventStoreError {
  override readonly name = 'ClaimNotHeldError';

  constructor(
    readonly key: string,
    readonly streamId: string,
    options?: ErrorOptions,
  ) {
    super('CLAIM_NOT_HELD', `stream ${streamId} does not hold unique key ${key}`, options);
  }
}

/**
 * An event of the append has the id of an event the stream already holds. Retrying cannot succeed: the
 * caller must give the event a new id (or, for a retry of an append that did commit, use an idempotency key).
 */
export class DuplicateEventIdError extends EventStoreError {
  override readonly name = 'DuplicateEventIdError';

  constructor(
    readonly streamId: string,
    readonly eventId: string,
    options?: ErrorOptions,
  ) {
    super('DUPLICATE_EVENT_ID', `stream ${streamId} already holds an event with id ${eventId}`, options);
  }
}

/** An idempotency key was used again for a different request. */
export class IdempotencyKeyReusedError extends EventStoreError {
  override readonly name = 'IdempotencyKeyReusedError';

  constructor(
    readonly idempotencyKey: string,
    options?: ErrorOptions,
  ) {
    super('IDEMPOTENCY_KEY_REUSED', `idempotency key ${idempotencyKey} was used for another request`, options);
  }
}

/** The call itself is malformed; nothing was written. */
export class InvalidArgumentError extends EventStoreError {
  override readonly name = 'InvalidArgumentError';

  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

function hasCode(error: unknown, code: EventStoreErrorCode): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === code;
}

/** Type guards check the code, not the class, so they hold across duplicated module instances. */
export const isConcurrencyError = (error: unknown): error is ConcurrencyError =>
  hasCode(error, 'CONCURRENCY_CONFLICT');
export const isUniquenessError = (error: unknown): error is UniquenessError =>
  hasCode(error, 'UNIQUENESS_VIOLATION');
export const isClaimNotHeldError = (error: unknown): error is ClaimNotHeldError =>
  hasCode(error, 'CLAIM_NOT_HELD');
export const isDuplicateEventIdError = (error: unknown): error is DuplicateEventIdError =>
  hasCode(error, 'DUPLICATE_EVENT_ID');
export const isIdempotencyKeyReusedError = (error: unknown): error is IdempotencyKeyReusedError =>
  hasCode(error, 'IDEMPOTENCY_KEY_REUSED');
export const isInvalidArgumentError = (error: unknown): error is InvalidArgumentError =>
  hasCode(error, 'INVALID_ARGUMENT');
