export {
  DYNAMODB_LOCAL_PACKAGE,
  DYNAMODB_LOCAL_PACKAGE_VERSION,
  dynamoDbClientConfig,
  ensureDynamoDbLocal,
  startDynamoDbLocal,
  type DynamoDbLocal,
  type EnsureDynamoDbLocalOptions,
  type StartDynamoDbLocalOptions,
} from './dynamodb-local.js';
export { startSnsSqs, type SnsSqsEmulator } from './sns-sqs.js';
export {
  ensureTopology,
  localClientConfig,
  type ConsumerQueues,
  type Topology,
  type TopologyClients,
  type TopologyNames,
} from './topology.js';
