import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/**
 * Paths pino blanks out wherever they appear. The relay logs ids and counts only, never event data; these
 * are the safety net should an error or a careless call site carry an event, a message or a secret.
 */
export const REDACTED_PATHS = [
  'data',
  '*.data',
  'Message',
  '*.Message',
  'NewImage',
  '*.NewImage',
  '*.passwordHash',
  '*.tokenHash',
  '*.password',
  '*.token',
  '*.secret',
];

/** The options of every logger of the relay: its level, redaction and the service name on each line. */
export function loggerOptions(level: LoggerOptions['level']): LoggerOptions {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: 'stream-relay' },
  };
}

/** The one root logger of a process (or of a Lambda sandbox); everything else uses children of it. */
export function createLogger(level: LoggerOptions['level'], destination?: DestinationStream): Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}
