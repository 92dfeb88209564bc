import { createServiceLogger } from '@user-service/logging';
import type { DestinationStream, Logger, LoggerOptions } from 'pino';

/** The user service's root logger: secrets (headers, passwords, tokens, hashes) are redacted at any depth. */
export function createLogger(level: LoggerOptions['level'], destination?: DestinationStream): Logger {
  return createServiceLogger({ service: 'user-service', level, ...(destination ? { destination } : {}) });
}
