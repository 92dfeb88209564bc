import { SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import type { QueueConsumer } from './core.js';
import { createWorker } from './worker.js';

/** Where a worker process polls, and how. */
export interface WorkerProcessConfig {
  readonly queueUrl: string;
  /** For a local emulator; absent, the SDK's regional endpoint. */
  readonly sqsEndpoint: string | undefined;
  readonly waitTimeSeconds: number;
  readonly concurrency: number;
  /** How long the worker gathers a batch (see {@link createWorker}). */
  readonly batchWindowMs: number;
}

/** A consumer wired by its composition root, and what to close once its worker has stopped. */
export interface ComposedConsumer {
  readonly core: QueueConsumer;
  close(): Promise<void>;
}

/**
 * The life of a queue worker's process (the projector's, the mailer's): composes the consumer, polls its
 * queue with {@link createWorker} until SIGTERM or SIGINT, finishes the batch in hand, closes the consumer
 * and exits 0; exits 1 when it fails. A second signal gets Node's default handling, which ends a stop that
 * takes too long. Region and credentials come from the SDK's usual sources (AWS_REGION, the task role, ...).
 */
export async function runWorkerProcess(
  name: string,
  log: Logger,
  config: WorkerProcessConfig,
  compose: () => Promise<ComposedConsumer>,
): Promise<void> {
  try {
    const consumer = await compose();
    const sqs = new SQSClient({ endpoint: config.sqsEndpoint });
    const worker = createWorker({
      sqs,
      queueUrl: config.queueUrl,
      core: consumer.core,
      log: log.child({ component: 'worker' }),
      name,
      waitTimeSeconds: config.waitTimeSeconds,
      concurrency: config.concurrency,
      batchWindowMs: config.batchWindowMs,
    });
    const stop = (signal: NodeJS.Signals) => {
      log.info({ signal }, 'stopping after the batch in hand');
      void worker.stop();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    await worker.start();
    sqs.destroy();
    await consumer.close();
    log.info(`${name} stopped`);
    process.exit(0);
  } catch (err) {
    log.fatal({ err }, `the ${name} failed`);
    process.exit(1);
  }
}
