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
  const log = createLogger(config.logLevel, bufferedDestination({ dest: 1 }));
  const runtime = await composeRuntime(config, log);
  const server = Fastify({ ...serverOptions({ trustProxy: config.trustProxy }), loggerInstance: log });
  await server.register(app, runtime.appOptions);

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

  await server.listen({ host: config.host, port: config.port });
  log.info({ dataDir: config.dataDir, docs: `${config.publicUrl}/docs` }, 'user service ready');
}

await main();
