import type { ConfigError } from '@user-service/env-config';
import { runWorkerProcess } from '@user-service/projector';
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
  return runWorkerProcess(MAILER_CONSUMER, log, config, async () => {
    const runtime = await composeMailer({ ...config, jwtSecret: jwtSecret(config, log) }, log);
    return { core: runtime.batch.queueConsumer, close: () => runtime.close() };
  });
}

await main();
