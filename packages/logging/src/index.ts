import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/** Keys that hold a secret in this system, whoever logs them. */
export const SECRET_KEYS: readonly string[] = [
  'authorization',
  'cookie',
  'password',
  'currentPassword',
  'newPassword',
  'passwordHash',
  'token',
  'tokenHash',
  'secret',
  'jwtSecret',
];

/**
 * Where pino blanks secrets out: at the top of a log object and up to three levels down, which covers
 * `{ req: { headers: { authorization } } }` and `{ req: { body: { password } } }`. pino's paths match a fixed
 * depth, so each depth is listed.
 */
export const SECRET_PATHS: readonly string[] = SECRET_KEYS.flatMap((key) => [
  key,
  `*.${key}`,
  `*.*.${key}`,
  `*.*.*.${key}`,
]);

export interface ServiceLoggerOptions {
  /** Put on every line as `service`. */
  readonly service: string;
  readonly level: LoggerOptions['level'];
  /** More paths to blank out, beyond {@link SECRET_PATHS}: what this app must never log, such as event data. */
  readonly redact?: readonly string[];
  /** Where lines go. @default standard output */
  readonly destination?: DestinationStream;
}

/** The options every root logger of the system is made with. */
export function serviceLoggerOptions(options: Omit<ServiceLoggerOptions, 'destination'>): LoggerOptions {
  return {
    level: options.level,
    redact: { paths: [...SECRET_PATHS, ...(options.redact ?? [])], censor: '[redacted]' },
    base: { service: options.service },
  };
}

/** The one root logger of a process (or of a Lambda execution environment); the rest are its children. */
export function createServiceLogger(options: ServiceLoggerOptions): Logger {
  const loggerOptions = serviceLoggerOptions(options);
  return options.destination ? pino(loggerOptions, options.destination) : pino(loggerOptions);
}
