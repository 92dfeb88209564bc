export {
  ConfigError,
  loadProjectorConfig,
  loadWorkerConfig,
  type ProjectorConfig,
  type StoreLocation,
  type WorkerConfig,
} from './config.js';
export { composeProjector, type ProjectorRuntime } from './composition.js';
export {
  createMessageProjector,
  type BatchStats,
  type MessageBatchResult,
  type MessageProjector,
  type MessageProjectorOptions,
  type QueueConsumer,
  type QueueMessage,
} from './core.js';
export { createLogger, type LogLevel } from './logger.js';
export {
  CONSUMER_METRICS,
  METRICS_NAMESPACE,
  PROJECTOR_CONSUMER,
  PROJECTOR_METRICS,
  createProjectorMetrics,
  publishBatchMetrics,
} from './metrics.js';
export { FullBatchFailureError, createSqsHandler, type SqsBatchHandler } from './sqs-handler.js';
export { createWorker, type Worker, type WorkerOptions } from './worker.js';
export { runWorkerProcess, type ComposedConsumer, type WorkerProcessConfig } from './worker-process.js';
