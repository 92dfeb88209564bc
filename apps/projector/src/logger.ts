import type { LogLevel } from '@user-service/env-config';
import { createServiceLogger } from '@user-service/logging';
import type { DestinationStream, Logger } from 'pino';

export type { LogLevel };

/**
 * The projector's root logger (one per process or Lambda execution environment). It only ever sees public
 * event data; the shared redaction of secrets is a second line of defence.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return createServiceLogger({ service: 'projector', level, ...(destination ? { destination } : {}) });
}
