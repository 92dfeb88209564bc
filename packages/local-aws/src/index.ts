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
