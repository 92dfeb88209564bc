import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/**
 * Paths pino blanks out wherever they appear in a log line: credentials in headers, and any password,
 * token or hash that an error or a careless child logger might carry.
 */
const SECRET_KEYS = ['password', 'currentPassword', 'newPassword', 'passwordHash', 'token', 'tokenHash', 'secret', 'jwtSecret'];

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  // At the top of a log object, and one or two levels down (`{ user: { token } }`, `{ req: { body: {…} } }`).
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
];

export function loggerOptions(level: LoggerOptions['level']): LoggerOptions {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: 'user-service' },
  };
}

/** The one root logger of a process; everything else uses children of it. */
export function createLogger(level: LoggerOptions['level'], destination?: DestinationStream): Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}
