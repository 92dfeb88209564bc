import { SQSClient } from '@aws-sdk/client-sqs';
import type { ConfigError } from '@user-service/env-config';
import { createWorker } from '@user-service/projector';
import { jwtSecret } from '../composition.js';
import { createLogger } from '../logger.js';
import { MAILER_CONSUMER } from './batch.js';
import { composeMailer } from './composition.js';
import { loadMailerWorkerConfig } from './config.js';

/**
 * The mailer worker (`pnpm start:local-aws` runs it): parses the environment once, polls the mailer's
 * queue with the projector's worker loop until SIGTERM or SIGINT, finishes the batch in hand and exits 0.
 * Without `JWT_SECRET` it uses the secret the user service generated in the same `DATA_DIR`.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadMailerWorkerConfig(process.env);
  } catch (error) {
    process.stderr.write(`${(error as ConfigError).message}\n`);
    process.exit(78); // EX_CONFIG
  }
  const log = createLogger(config.logLevel).child({ component: MAILER_CONSUMER });
  try {
    const runtime = await composeMailer({ ...config, jwtSecret: jwtSecret(config, log) }, log);
    const sqs = new SQSClient(config.sqsEndpoint === undefined ? {} : { endpoint: config.sqsEndpoint });
    const worker = createWorker({
      sqs,
      queueUrl: config.queueUrl,
      core: runtime.batch.queueConsumer,
      log: log.child({ component: 'worker' }),
      name: MAILER_CONSUMER,
      waitTimeSeconds: config.waitTimeSeconds,
      concurrency: config.concurrency,
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
    log.info('mailer stopped');
    process.exit(0);
  } catch (err) {
    log.fatal({ err }, 'the mailer failed');
    process.exit(1);
  }
}

await main();
