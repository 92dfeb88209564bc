import type { Figure } from '../result.js';
import { ddbWriteUnits } from './ddb-write-units.js';
import { projection } from './projection.js';
import { storeAppend, storeAppendBatch } from './store-append.js';

/** The figures that measure the stores, the projector and the AWS pipeline, in the order they run. */
export const storageFigures: readonly Figure[] = [storeAppend, storeAppendBatch, projection, ddbWriteUnits];
