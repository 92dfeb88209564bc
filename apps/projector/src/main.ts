import { SQSClient } from '@aws-sdk/client-sqs';
import { composeProjector } from './composition.js';
import { loadWorkerConfig, type ConfigError } from './config.js';
import { createLogger } from './logger.js';
import { createWorker } from './worker.js';

/**
 * The worker process: parses the environment once, wires the projector, polls the queue until SIGTERM or
 * SIGINT, then finishes the batch in hand, closes the stores and exits 0.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadWorkerConfig(process.env);
  } catch (error) {
    // A ConfigError lists every bad variable by name; nothing is logged before the log level is known.
    process.stderr.write(`${(error as ConfigError).message}\n`);
    process.exit(78); // EX_CONFIG
  }
  const log = createLogger(config.logLevel);
  try {
    const runtime = await composeProjector(config, log);
    // Region and credentials come from the SDK's usual sources (AWS_REGION, the task role, ...).
    const sqs = new SQSClient({ endpoint: config.sqsEndpoint });
    const worker = createWorker({
      sqs,
      queueUrl: config.queueUrl,
      core: runtime.core,
      log: log.child({ component: 'worker' }),
      waitTimeSeconds: config.waitTimeSeconds,
      concurrency: config.concurrency,
      batchWindowMs: config.batchWindowMs,
    });
    const stop = (signal: NodeJS.Signals) => {
      log.info({ signal }, 'stopping after the batch in hand');
      void worker.stop();
    };
    // `once`: a second signal gets Node's default handling, which ends a stop that takes too long.
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);

    await worker.start();
    sqs.destroy();
    await runtime.close();
    log.info('projector stopped');
    process.exit(0);
  } catch (err) {
    log.fatal({ err }, 'the projector failed');
    process.exit(1);
  }
}

await main();
