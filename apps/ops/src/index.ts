export {
  ConfigError,
  loadRebuildConfig,
  loadReplayConfig,
  type DynamoDbSlotStorage,
  type DynamoDbStorage,
  type RebuildConfig,
  type ReplayConfig,
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
export {
  clearDynamoDbTable,
  clearSqliteFile,
  countEvents,
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
