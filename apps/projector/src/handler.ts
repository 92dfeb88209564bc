import { composeProjector } from './composition.js';
import { loadProjectorConfig } from './config.js';
import { createLogger } from './logger.js';
import { createSqsHandler, type SqsBatchHandler } from './sqs-handler.js';

// Cold start: the environment is parsed and the stores are opened once per execution environment. A bad
// configuration throws here, failing the init with a message that names each bad variable.
const config = loadProjectorConfig(process.env);
const runtime = await composeProjector(config, createLogger(config.logLevel));

/**
 * The Lambda entry point for the projector's SQS event source mapping (with `ReportBatchItemFailures`):
 * the same core as the worker, answering the failed records as `batchItemFailures`.
 */
export const handler: SqsBatchHandler = createSqsHandler(runtime.core);
