import type { Figure } from '../result.js';
import { awsRequestsPerEvent } from './aws-requests.js';
import { ddbWriteUnits } from './ddb-write-units.js';
import { projection } from './projection.js';
import { rebuildDynamoDbUnits, rebuildSqlite } from './rebuild.js';
import { storeAppend, storeAppendBatch } from './store-append.js';

/**
 * The figures that measure the stores, the projector and the AWS pipeline, in the order they run. Each is
 * independent: its own files under the run's work folder, its own DynamoDB Local or emulator.
 *
 * Not here yet: `ddb-read-units` (read units per command on a 1,000-event user), which needs a metering
 * middleware on the user service's own DynamoDB client; `composeRuntime` builds that client internally.
 */
export const storageFigures: readonly Figure[] = [
  storeAppend,
  storeAppendBatch,
  projection,
  ddbWriteUnits,
  awsRequestsPerEvent,
  rebuildSqlite,
  rebuildDynamoDbUnits,
];
