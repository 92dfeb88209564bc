import { isAbsolute, resolve } from 'node:path';

/**
 * Start-up configuration from the environment. An app's entry point hands `process.env` to its own
 * `loadConfig`, which reads every variable through an {@link EnvReader}; the reader collects every problem,
 * each naming its variable, and {@link EnvReader.done} throws them all at once. Nothing else reads the
 * environment.
 */

export type Env = Readonly<Record<string, string | undefined>>;

/** pino's levels; `silent` turns logging off. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Every problem found in the environment, each naming its variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Answers why a value is not acceptable, or undefined when it is. */
export type Check = (value: string) => string | undefined;

export interface ReadOptions {
  /** A secret's value is never repeated in an error message. @default false */
  readonly secret?: boolean;
}

export class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  /** Records a problem found by the caller (a flag, a combination of variables), to be thrown by `done`. */
  problem(message: string): void {
    this.problems.push(message);
  }

  /** Throws a {@link ConfigError} with every problem recorded so far, if any. */
  done(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }

  /** A blank value counts as unset. */
  private raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === '' ? undefined : value;
  }

  /** Records that `name` holds a value it may not, quoting the value unless it is a secret. */
  protected fail(name: string, value: string, why: string, options: ReadOptions = {}): void {
    this.problems.push(options.secret ? `${name} ${why}` : `${name}=${JSON.stringify(value)} ${why}`);
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optional(name: string, check: Check = () => undefined, options: ReadOptions = {}): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const problem = check(value);
    if (problem === undefined) return value;
    this.fail(name, value, problem, options);
    return undefined;
  }

  /** `when` says under which condition it is required, e.g. `when STORAGE=dynamodb`. */
  required(name: string, check: Check = () => undefined, options: ReadOptions & { when?: string } = {}): string {
    if (this.raw(name) === undefined) {
      this.problems.push(`${name} is required${options.when ? ` ${options.when}` : ''}`);
      return '';
    }
    return this.optional(name, check, options) ?? '';
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!/^-?\d+$/.test(value) || parsed < min || parsed > max) {
      this.fail(name, value, `must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return parsed;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const lower = value.toLowerCase();
    if (['true', '1', 'yes'].includes(lower)) return true;
    if (['false', '0', 'no'].includes(lower)) return false;
    this.fail(name, value, 'must be true or false');
    return fallback;
  }

  oneOf<const T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.fail(name, value, `must be one of ${allowed.join(', ')}`);
    return fallback;
  }

  logLevel(name = 'LOG_LEVEL', fallback: LogLevel = 'info'): LogLevel {
    return this.oneOf(name, LOG_LEVELS, fallback);
  }

  /** A directory or file, made absolute against `cwd`. */
  path(name: string, fallback: string, cwd: string): string {
    const value = this.string(name, fallback);
    return isAbsolute(value) ? value : resolve(cwd, value);
  }
}

/** Checks shared by the apps. */
export const checks = {
  httpUrl: ((value) => {
    try {
      const { protocol } = new URL(value);
      return protocol === 'http:' || protocol === 'https:' ? undefined : 'must be an http(s) URL';
    } catch {
      return 'must be an http(s) URL';
    }
  }) satisfies Check,
  /** Also accepts the emulator's `http://sqs.<region>.127.0.0.1:<port>/…`, which `URL` refuses. */
  queueUrl: ((value) => (/^https?:\/\/[^\s/]+\/\S+$/.test(value) ? undefined : 'must be an http(s) queue URL')) satisfies Check,
  tableName: ((value) =>
    /^[A-Za-z0-9_.-]{3,255}$/.test(value) ? undefined : 'must be a DynamoDB table name') satisfies Check,
  arn: ((value) => (/^arn:aws[\w-]*:[\w-]+:/.test(value) ? undefined : 'must be an ARN')) satisfies Check,
  minBytes:
    (bytes: number): Check =>
    (value) =>
      Buffer.byteLength(value) >= bytes ? undefined : `must be at least ${bytes} bytes long`,
};
