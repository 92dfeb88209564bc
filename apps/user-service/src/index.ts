export { app, serverOptions, type AppOptions } from './app.js';
export { composeRuntime, type Runtime, type RuntimeOverrides } from './composition.js';
export { loadConfig, ConfigError, type Config } from './config.js';
export { createLogger } from './logger.js';
export { createScryptHasher, type ScryptParameters } from './infrastructure/scrypt-hasher.js';
