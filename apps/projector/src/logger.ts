import type { LogLevel } from '@user-service/env-config';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { LogLevel };

/**
 * Paths pino blanks out wherever they appear. The projector only ever sees public event data, so this is a
 * second line of defence against a careless child logger or an error that carries a secret.
 */
export const REDACTED_PATHS = ['*.password', '*.passwordHash', '*.token', '*.tokenHash', '*.secret', '*.authorization'];

export function loggerOptions(level: LogLevel): LoggerOptions {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: 'user-projector' },
  };
}

/** The one root logger of a process (or of a Lambda execution environment); the rest are its children. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}
