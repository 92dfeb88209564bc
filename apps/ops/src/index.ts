export {
  ConfigError,
  loadRebuildConfig,
  loadRedriveConfig,
  loadReplayConfig,
  loadStatusConfig,
  type DynamoDbReadModelStorage,
  type DynamoDbSlotStorage,
  type DynamoDbStorage,
  type RebuildConfig,
  type RedriveConfig,
  type ReplayConfig,
  type StatusConfig,
  type SqliteStorage,
} from './config.js';
export {
  createProgressReporter,
  formatDuration,
  formatProgress,
  silentProgress,
  type ProgressReporter,
  type ProgressReporterOptions,
  type ProgressSnapshot,
  type ProgressTotal,
} from './progress.js';
export {
  REBUILD_CHECKPOINTS,
  rebuild,
  type RebuildOptions,
  type RebuildResult,
  type RebuildSlots,
  type RebuildState,
} from './rebuild.js';
export {
  ReplayError,
  deduplicationId,
  messageGroupId,
  replay,
  resolveQueueUrl,
  type EventTotalEstimator,
  type ReplayCheckpoint,
  type ReplayErrorCode,
  type ReplayFilters,
  type ReplayOptions,
  type ReplayResult,
} from './replay.js';
export { clearDynamoDbTable } from './stores-dynamodb.js';
export {
  clearSqliteFile,
  countSqliteEventsAfter,
  openEventStore,
  openSlots,
  type OpenedEventStore,
  type OpenedSlots,
} from './stores.js';
export {
  REPUBLISH_USAGE,
  RepublishError,
  loadRepublishConfig,
  republish,
  type RepublishCheckpoint,
  type RepublishConfig,
  type RepublishErrorCode,
  type RepublishFilters,
  type RepublishOptions,
  type RepublishResult,
} from './republish.js';
export { REBUILD_LEASE_ITEM_ID, createDynamoDbLeaseStore } from './lease-dynamodb.js';
export {
  LeaseError,
  SQLITE_LEASE_FILE,
  acquireLease,
  createSqliteLeaseStore,
  isLeaseError,
  newLeaseOwner,
  type AcquireLeaseOptions,
  type HeldLease,
  type LeaseErrorCode,
  type LeaseRecord,
  type LeaseStore,
} from './lease.js';
export {
  QueueError,
  queueDepth,
  resolveConsumerQueues,
  type ConsumerQueues,
  type QueueDepth,
  type QueueRef,
} from './queues.js';
export {
  RedriveError,
  inspectDeadLetters,
  redrive,
  type DeadLetterSample,
  type DeadLetters,
  type RedriveOptions,
  type RedriveResult,
} from './redrive.js';
export {
  SERVICE_METRICS,
  cloudWatchMetrics,
  emulatorMetrics,
  formatProjectionStatus,
  projectionStatus,
  type ConsumerStatus,
  type ProjectionStatus,
  type ProjectionStatusOptions,
  type QueueMetrics,
  type ReadModelStatus,
} from './status.js';
