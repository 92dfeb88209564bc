export { createAppendFeed, type AppendFeed, type AppendFeedOptions } from './append-feed.js';
export * from './errors.js';
export {
  IDEMPOTENCY_TTL_SECONDS,
  answerRetry,
  idempotencyRecord,
  outcomeIdempotencyRecord,
  recordedResult,
  type IdempotencyRecord,
} from './idempotency.js';
export { isInstant } from './instant.js';
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
  validateOutcomeRecord,
  validateSnapshot,
  validateSnapshotRead,
} from './validation.js';
