import type { Figure } from '../result.js';
import { awsRequestsPerEvent } from './aws-requests.js';
import { DDB_READ_UNITS_IDS, ddbReadUnits } from './ddb-read-units.js';
import { DOCUMENTED_WRITE_UNITS, ddbWriteUnits } from './ddb-write-units.js';
import { projection } from './projection.js';
import { rebuildDynamoDbUnits, rebuildSqlite } from './rebuild.js';
import { storeAppend, storeAppendBatch } from './store-append.js';

/** A figure with the ids of the results it reports, so that `pnpm bench --only` can skip it unrun. */
export type DeclaredFigure = Figure & { readonly ids: readonly string[] };

const declared = (figure: Figure, ids: readonly string[]): DeclaredFigure => Object.assign(figure, { ids });

/**
 * The figures that measure the stores, the projector and the AWS pipeline, in the order they run. Each is
 * independent: its own files under the run's work folder, its own DynamoDB Local or emulator.
 */
export const storageFigures: readonly DeclaredFigure[] = [
  declared(storeAppend, ['store-append']),
  declared(storeAppendBatch, ['store-append-batch']),
  declared(projection, ['projection']),
  declared(
    ddbWriteUnits,
    Object.keys(DOCUMENTED_WRITE_UNITS).map((shape) => `ddb-write-units:${shape}`),
  ),
  declared(ddbReadUnits, DDB_READ_UNITS_IDS),
  declared(awsRequestsPerEvent, ['read-model-writes-per-event', 'aws-requests-per-event']),
  declared(rebuildSqlite, ['rebuild-sqlite']),
  declared(rebuildDynamoDbUnits, ['rebuild-dynamodb-units']),
];
