import { bufferedDestination } from '@user-service/logging';
import Fastify from 'fastify';
import { app, serverOptions } from './app.js';
import { composeRuntime } from './composition.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';

/** The listening server: owns the logger, `listen` and a graceful close on SIGINT and SIGTERM. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  const destination = bufferedDestination({ dest: 1 });
  const log = createLogger(config.logLevel, destination);
  /** A start that fails (the first catch-up, a store that cannot open, a port taken) ends in one fatal line. */
  function failedToStart(err: unknown): never {
    log.fatal({ err }, 'the service could not start');
    destination.flushSync();
    process.exit(1);
  }
  const runtime = await composeRuntime(config, log).catch(failedToStart);
  const server = Fastify({ ...serverOptions({ trustProxy: config.trustProxy }), loggerInstance: log });
  try {
    await server.register(app, runtime.appOptions);
  } catch (err) {
    failedToStart(err);
  }

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    try {
      await server.close();
      await runtime.close();
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  await server.listen({ host: config.host, port: config.port }).catch(failedToStart);
  log.info({ dataDir: config.dataDir, docs: `${config.publicUrl}/docs` }, 'user service ready');
}

await main();
