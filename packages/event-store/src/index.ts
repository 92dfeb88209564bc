export * from './errors.js';
export {
  IDEMPOTENCY_TTL_SECONDS,
  answerRetry,
  idempotencyRecord,
  type IdempotencyRecord,
} from './idempotency.js';
export type * from './types.js';
export {
  LIMITS,
  parsePositionCursor,
  validateAppend,
  type SerializedEvents,
  validateKey,
  validateReadAll,
  validateReadStream,
  validateRecall,
  validateSnapshot,
  validateSnapshotRead,
} from './validation.js';
