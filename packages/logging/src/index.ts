import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { createLineRedactor } from './redact.js';

/** Keys that hold a secret in this system, whoever logs them, and at whatever depth. */
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

export interface ServiceLoggerOptions {
  /** Put on every line as `service`. */
  readonly service: string;
  readonly level: LoggerOptions['level'];
  /**
   * More keys to blank out at any depth, beyond {@link SECRET_KEYS}: what this app must never log, such as
   * event data.
   */
  readonly redact?: readonly string[];
  /** Where lines go. @default standard output */
  readonly destination?: DestinationStream;
  /** How this app writes some values, such as a request (Fastify's own serializers yield to these). */
  readonly serializers?: LoggerOptions['serializers'];
}

/** What a redacted value reads as. */
export const CENSOR = '[redacted]';

/**
 * The options every root logger of the system is made with. Every finished line passes through the
 * redactor, so a secret key is blanked out wherever it sits: in the merging object, in what a serializer
 * made of an error or a request, or in a child logger's bindings.
 */
export function serviceLoggerOptions(options: Omit<ServiceLoggerOptions, 'destination'>): LoggerOptions {
  const redact = createLineRedactor([...SECRET_KEYS, ...(options.redact ?? [])], CENSOR);
  return {
    level: options.level,
    hooks: { streamWrite: redact },
    base: { service: options.service },
    ...(options.serializers === undefined ? {} : { serializers: options.serializers }),
  };
}

/** The one root logger of a process (or of a Lambda execution environment); the rest are its children. */
export function createServiceLogger(options: ServiceLoggerOptions): Logger {
  const loggerOptions = serviceLoggerOptions(options);
  return options.destination ? pino(loggerOptions, options.destination) : pino(loggerOptions);
}

export interface BufferedDestinationOptions {
  /** A file descriptor (1 for standard output) or a file path. */
  readonly dest: number | string;
  /** Bytes gathered before a write. @default 4096 */
  readonly minLength?: number;
  /** The longest a line waits for its write, in milliseconds. @default 100 */
  readonly flushMs?: number;
}

/**
 * Where a long-running server logs: lines are gathered and written a few kilobytes at a time, and at least
 * every `flushMs`, instead of one system call per line, which under load costs a noticeable part of each
 * request. pino flushes what is left when the process exits; a process killed outright loses at most the
 * last `flushMs` of lines. Lambda functions log synchronously instead, since their process may freeze
 * between invocations.
 */
export function bufferedDestination(options: BufferedDestinationOptions): ReturnType<typeof pino.destination> {
  const destination = pino.destination({ dest: options.dest, sync: false, minLength: options.minLength ?? 4096 });
  const timer = setInterval(() => {
    // An ended destination must not be flushed: sonic-boom throws once it is destroyed.
    if (!(destination as { destroyed?: boolean }).destroyed) destination.flush();
  }, options.flushMs ?? 100);
  timer.unref();
  return destination;
}
