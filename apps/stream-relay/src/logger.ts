import { createServiceLogger } from '@user-service/logging';
import type { DestinationStream, Logger, LoggerOptions } from 'pino';

/**
 * The relay logs ids and counts only, never event data; these keys are the safety net should an error or a
 * careless call site carry an event, a message or a stream image. Secrets are redacted by the shared logger.
 */
const EVENT_KEYS = ['data', 'Message', 'NewImage'];

/** The relay's root logger (one per process or Lambda execution environment). */
export function createLogger(level: LoggerOptions['level'], destination?: DestinationStream): Logger {
  return createServiceLogger({
    service: 'stream-relay',
    level,
    redact: EVENT_KEYS,
    ...(destination ? { destination } : {}),
  });
}
