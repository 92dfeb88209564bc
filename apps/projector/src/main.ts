import { composeProjector } from './composition.js';
import { loadWorkerConfig, type ConfigError } from './config.js';
import { createLogger } from './logger.js';
import { runWorkerProcess } from './worker-process.js';

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
  return runWorkerProcess('projector', log, config, async () => {
    const runtime = await composeProjector(config, log);
    return { core: runtime.core, close: () => runtime.close() };
  });
}

await main();
