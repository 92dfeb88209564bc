/** The stream relay, its configuration, and the local stand-in for Lambda's event source mapping. */
export { ConfigError, loadLocalRunnerConfig, loadRelayConfig, type LocalRunnerConfig, type RelayConfig } from './config.js';
export { createLogger } from './logger.js';
export { METRICS_NAMESPACE, RELAY_METRICS, RELAY_SERVICE, createRelayMetrics, type RelayCounts } from './metrics.js';
export {
  createSqsParkingLot,
  unconfiguredParkingLot,
  type ParkReason,
  type ParkedRecord,
  type ParkingLot,
  type SqsParkingLotOptions,
} from './parking.js';
export { MAX_BATCH_BYTES, MAX_BATCH_ENTRIES, createRelay, type Relay, type RelayOptions } from './relay.js';
export {
  startLocalRunner,
  toLambdaRecord,
  type LocalRunner,
  type LocalRunnerOptions,
} from './local-runner.js';
