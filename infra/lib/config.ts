import { Duration } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';

/** The environments this app knows, chosen with `-c env=<name>`; each has a file in `infra/parameters/`. */
export const ENVIRONMENT_NAMES = ['dev', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/** The pino levels the three Lambda functions accept in `LOG_LEVEL`. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The consumer whose queue feeds the projector Lambda; it must always be among the consumers. */
export const PROJECTOR_CONSUMER = 'projector';

/** The consumer whose queue feeds the mailer Lambda (confirmation and reset mail); it must always be among the consumers. */
export const MAILER_CONSUMER = 'mailer';

/** The consumers this app runs itself; any other name is a queue for a service outside it. */
export const APP_CONSUMERS: readonly string[] = [PROJECTOR_CONSUMER, MAILER_CONSUMER];

/**
 * Names the app gives its own queues beside the consumers' (alarm ids, outputs): a consumer may not take
 * them, nor anything that normalises to them.
 */
export const RESERVED_QUEUE_NAMES: readonly string[] = ['relay-failures', 'relay-parking'];

/**
 * The account marker a development parameter file may use instead of an account id: the stacks then go
 * to the account of the deploying developer's credentials. Refused for every other environment.
 */
export const DEVELOPER_ACCOUNT = 'developer-credentials';

/** Requests per second, and burst, that API Gateway admits before answering 429. */
export interface Throttle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** Reserved concurrency and SQS event source limits; see infra/README.md, "Concurrency". */
export interface ConcurrencyParameters {
  /** Reserved for the relay: one concurrent batch per stream shard (parallelization factor 1). */
  readonly relayReserved: number;
  /** Reserved for the projector; its SQS event source's MaximumConcurrency stays at or below it. */
  readonly projectorReserved: number;
  /** MaximumConcurrency of the projector's SQS event source (2 to 1000). */
  readonly projectorMaximum: number;
  /** Reserved for the mailer; its SQS event source's MaximumConcurrency stays at or below it. */
  readonly mailerReserved: number;
  /** MaximumConcurrency of the mailer's SQS event source (2 to 1000). */
  readonly mailerMaximum: number;
}

/** The AWS Backup plan of the event store. */
export interface BackupParameters {
  /** How long each daily recovery point is kept. */
  readonly retention: Duration;
  /**
   * Locks the vault in compliance mode: nobody, the root user included, can delete a recovery point before
   * its retention ends. Irreversible after the grace period. @default - no lock
   */
  readonly vaultLock?: { readonly minRetention: Duration; readonly changeableForDays: number } | undefined;
  /** A vault in another account (or region) each recovery point is copied to. @default - no copy */
  readonly copyToVaultArn?: string | undefined;
}

/** The optional CloudFront + WAF front; see infra/README.md, "The edge". */
export interface EdgeParameters {
  /** Requests per client IP in any 5-minute window before WAF blocks it (100 to 2 000 000 000). */
  readonly rateLimitPer5Minutes: number;
}

/**
 * One environment's committed parameters: the shape of each file in `infra/parameters/`. Every value a
 * deploy depends on lives here, reviewed like code, so that no deploy depends on remembering a `-c` flag.
 */
export interface EnvironmentParameters {
  readonly name: EnvironmentName;
  /** The 12-digit account the environment lives in; {@link DEVELOPER_ACCOUNT} in dev only. */
  readonly account: string;
  readonly region: string;
  /**
   * Production keeps its data: tables, keys, secret, queues and logs are RETAINed on stack deletion, the
   * tables have deletion protection and both stacks termination protection. Elsewhere a destroy removes all.
   */
  readonly retainData: boolean;
  /** The SES sender of confirmation and reset mails; its address or domain must be verified in SES. */
  readonly sesFromAddress: string;
  /** SES identities the user service may also send as (in the sandbox, the verified recipients). */
  readonly sesExtraIdentities: readonly string[];
  /** Names of the services that each get an SQS FIFO queue subscribed to the event topic. */
  readonly consumers: readonly string[];
  readonly logLevel: LogLevel;
  readonly logRetention: RetentionDays;
  /** Base URL in outgoing mail. @default - the HTTP API's endpoint (or the CloudFront one with `edge`) */
  readonly publicUrl?: string | undefined;
  /** Subscribed to the alarm topic. Required in production. */
  readonly alarmEmail?: string | undefined;
  /** The whole stage. */
  readonly apiThrottle: Throttle;
  /** `POST /sessions` and `POST /password-resets*` each: the routes a password guesser or a mail flooder uses. */
  readonly sensitiveRouteThrottle: Throttle;
  /** The user service hashes passwords with scrypt, which is CPU-bound: Lambda's CPU grows with memory. */
  readonly userServiceMemoryMiB: number;
  /**
   * The projector's timeout, and the mailer's; every consumer queue's visibility timeout is derived from
   * it ({@link visibilityTimeoutFor}).
   */
  readonly projectorTimeout: Duration;
  readonly concurrency: ConcurrencyParameters;
  readonly alarms: AlarmThresholds;
  readonly backup: BackupParameters;
  /** @default - no CloudFront or WAF: clients call the HTTP API directly */
  readonly edge?: EdgeParameters | undefined;
}

/** Alarm thresholds; what each alarm means is in infra/README.md, "Alarms". */
export interface AlarmThresholds {
  /** The relay alarm fires when the oldest unrelayed stream record is older than this. */
  readonly relayIteratorAge: Duration;
  /** A consumer queue alarms when its oldest message is older than this. */
  readonly queueOldestMessageAge: Duration;
  /** The projector alarms when an event took longer than this from append to read model. */
  readonly projectionLag: Duration;
  /** The API alarms when this percentage of its requests in 5 minutes answered 5xx... */
  readonly api5xxPercent: number;
  /** ...among at least this many requests, so one failed request at night does not page anyone. */
  readonly api5xxMinimumRequests: number;
}

/** The resolved configuration the stacks are built from. */
export interface EnvironmentConfig extends Omit<EnvironmentParameters, 'account'> {
  /** The account the stacks are pinned to; undefined for a developer account synthesised without credentials. */
  readonly account: string | undefined;
  /** The optional developer suffix of the stack names (dev only). */
  readonly stage: string | undefined;
  /** Prefix of the stack and alarm names, so that environments and stages can share an account. */
  readonly stackPrefix: string;
}

/** What `-c key=value` may override, for experiments in dev only. Each is validated like the file. */
export interface ConfigOverrides {
  readonly sesFromAddress?: string | undefined;
  /** Comma-separated. */
  readonly sesExtraIdentities?: string | undefined;
  /** Comma-separated. */
  readonly consumers?: string | undefined;
  readonly logLevel?: string | undefined;
  readonly publicUrl?: string | undefined;
  readonly alarmEmail?: string | undefined;
  /** Whole seconds. */
  readonly projectorTimeoutSeconds?: string | undefined;
}

/** Where the synth runs: the stage suffix and the account of the CLI's credentials, if any. */
export interface DeployContext {
  /** `-c stage=<name>`: a developer's own copy of dev in a shared account. @default - none */
  readonly stage?: string | undefined;
  /** `CDK_DEFAULT_ACCOUNT`, set by the CLI when it has credentials. @default - offline, none */
  readonly credentialsAccount?: string | undefined;
  readonly overrides?: ConfigOverrides;
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const EMAIL = /^[^\s@,]+@([^\s@,]+\.[^\s@,]+)$/;
// SQS allows 80 characters; CloudFormation's generated names need room, so a consumer name stays short.
const CONSUMER_NAME = /^[a-z][a-z0-9-]{0,29}$/;
const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const STAGE = /^[a-z][a-z0-9]{0,11}$/;
/** Lambda's SQS event source wants the visibility timeout at six times the function timeout or more. */
const VISIBILITY_TIMEOUT_FACTOR = 6;
/** SQS allows at most 12 hours of visibility timeout. */
const MAX_VISIBILITY_TIMEOUT = Duration.hours(12);

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: readonly string[]) {
    super(`invalid infrastructure configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/**
 * The configuration of one environment: its committed parameters, with dev's `-c` experiments applied,
 * validated as a whole against each other and against the deploying credentials. Throws a
 * {@link ConfigError} naming every problem, so a bad value fails the synth, never the deploy.
 */
export function resolveConfig(parameters: EnvironmentParameters, context: DeployContext = {}): EnvironmentConfig {
  const { name } = parameters;
  const problems: string[] = [];
  const overrides = definedOverrides(context.overrides ?? {});
  const isDev = name === 'dev';

  if (!isDev && Object.keys(overrides).length > 0) {
    problems.push(
      `-c ${Object.keys(overrides).join(', -c ')} refused for env=${name}: -c is for experiments in dev; ` +
        `change infra/parameters/${name}.ts instead`,
    );
  }
  if (context.stage !== undefined && !isDev) problems.push(`stage=${context.stage} refused for env=${name}: stages are for dev only`);
  if (context.stage !== undefined && !STAGE.test(context.stage)) {
    problems.push(`stage=${JSON.stringify(context.stage)} must be a lowercase letter then letters or digits, at most 12`);
  }

  const account = resolveAccount(parameters, context.credentialsAccount, problems);
  if (!REGION.test(parameters.region)) problems.push(`region=${JSON.stringify(parameters.region)} is not an AWS region`);

  const sesFromAddress = overrides.sesFromAddress ?? parameters.sesFromAddress;
  if (!EMAIL.test(sesFromAddress)) problems.push(`sesFromAddress=${JSON.stringify(sesFromAddress)} must be an email address`);

  const sesExtraIdentities = list(overrides.sesExtraIdentities) ?? parameters.sesExtraIdentities;
  for (const identity of sesExtraIdentities) {
    if (!/^[^\s@,]+(@[^\s@,]+)?$/.test(identity) || !identity.includes('.')) {
      problems.push(`sesExtraIdentities entry ${JSON.stringify(identity)} must be an email address or a domain`);
    }
  }

  const consumers = list(overrides.consumers) ?? parameters.consumers;
  problems.push(...consumerProblems(consumers));

  const logLevel = overrides.logLevel ?? parameters.logLevel;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`logLevel=${JSON.stringify(logLevel)} must be one of ${LOG_LEVELS.join(', ')}`);
  }

  const publicUrl = overrides.publicUrl ?? parameters.publicUrl;
  if (publicUrl !== undefined && !/^https:\/\/[^\s/]+(\/[^\s]*)?$/.test(publicUrl)) {
    problems.push(`publicUrl=${JSON.stringify(publicUrl)} must be an https URL`);
  }

  const alarmEmail = overrides.alarmEmail ?? parameters.alarmEmail;
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail)) {
    problems.push(`alarmEmail=${JSON.stringify(alarmEmail)} must be an email address`);
  }
  // Without a receiver, production alarms would only change colour on a dashboard nobody watches.
  if (name === 'prod' && alarmEmail === undefined) problems.push('alarmEmail is required for env=prod');

  const projectorTimeout = resolveProjectorTimeout(overrides.projectorTimeoutSeconds, parameters.projectorTimeout, problems);
  problems.push(...concurrencyProblems(parameters.concurrency), ...backupProblems(parameters.backup));
  if (parameters.edge !== undefined) {
    const { rateLimitPer5Minutes } = parameters.edge;
    if (!Number.isInteger(rateLimitPer5Minutes) || rateLimitPer5Minutes < 100 || rateLimitPer5Minutes > 2_000_000_000) {
      problems.push(`edge.rateLimitPer5Minutes=${rateLimitPer5Minutes} must be an integer from 100 to 2000000000`);
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    ...parameters,
    account,
    stage: context.stage,
    stackPrefix: `UserService-${name}${context.stage === undefined ? '' : `-${context.stage}`}`,
    sesFromAddress,
    sesExtraIdentities,
    consumers,
    logLevel: logLevel as LogLevel,
    publicUrl: publicUrl?.replace(/\/+$/, ''),
    alarmEmail,
    projectorTimeout,
  };
}

/**
 * The visibility timeout of a queue whose consumer Lambda has this timeout: the one place both come from,
 * so that no later change can let a message reappear while its first delivery is still being processed.
 */
export function visibilityTimeoutFor(functionTimeout: Duration): Duration {
  return Duration.seconds(functionTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR);
}

/** How a name appears in CloudFormation logical ids and output keys: its letters and digits only. */
export function normalisedName(name: string): string {
  return name.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
}

/** The domain part of an email address. */
export function emailDomain(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}

function resolveAccount(parameters: EnvironmentParameters, credentialsAccount: string | undefined, problems: string[]) {
  const { name, account } = parameters;
  if (account === DEVELOPER_ACCOUNT) {
    if (name !== 'dev') problems.push(`account for env=${name} must be pinned to a 12-digit id, not ${DEVELOPER_ACCOUNT}`);
    return credentialsAccount;
  }
  if (!ACCOUNT_ID.test(account)) {
    problems.push(`account=${JSON.stringify(account)} for env=${name} must be a 12-digit id`);
  } else if (credentialsAccount !== undefined && credentialsAccount !== account) {
    problems.push(
      `the credentials are for account ${credentialsAccount}, but env=${name} is pinned to ${account} ` +
        `(infra/parameters/${name}.ts): switch profile, or change the pin in review`,
    );
  }
  return account;
}

function consumerProblems(consumers: readonly string[]): string[] {
  const problems: string[] = [];
  const reserved = new Map(RESERVED_QUEUE_NAMES.map((name) => [normalisedName(name), name]));
  const seen = new Map<string, string>();
  for (const consumer of consumers) {
    if (!CONSUMER_NAME.test(consumer)) {
      problems.push(`consumer ${JSON.stringify(consumer)} must be lowercase letters, digits and dashes, at most 30`);
      continue;
    }
    const normalised = normalisedName(consumer);
    const reservedAs = reserved.get(normalised);
    if (reservedAs !== undefined) {
      problems.push(`consumer ${JSON.stringify(consumer)} is reserved: the app names its ${reservedAs} queue so`);
    }
    const earlier = seen.get(normalised);
    if (earlier === consumer) problems.push(`consumers ${consumers.join(',')} repeat the name ${JSON.stringify(consumer)}`);
    else if (earlier !== undefined) {
      problems.push(
        `consumers ${JSON.stringify(earlier)} and ${JSON.stringify(consumer)} collide: both become ` +
          `${JSON.stringify(normalised)} in resource ids and output names`,
      );
    }
    seen.set(normalised, consumer);
  }
  if (!consumers.includes(PROJECTOR_CONSUMER)) {
    problems.push(`consumers must include ${JSON.stringify(PROJECTOR_CONSUMER)}: the projector reads the read model's events from it`);
  }
  if (!consumers.includes(MAILER_CONSUMER)) {
    problems.push(`consumers must include ${JSON.stringify(MAILER_CONSUMER)}: the mailer sends the confirmation and reset mails from it`);
  }
  return problems;
}

function resolveProjectorTimeout(overrideSeconds: string | undefined, fallback: Duration, problems: string[]): Duration {
  const timeout = overrideSeconds === undefined ? fallback : Duration.seconds(Number(overrideSeconds));
  const seconds = timeout.toSeconds({ integral: false });
  const maxSeconds = MAX_VISIBILITY_TIMEOUT.toSeconds() / VISIBILITY_TIMEOUT_FACTOR;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > Math.min(900, maxSeconds)) {
    problems.push(
      `projectorTimeout=${overrideSeconds ?? seconds}s must be whole seconds from 1 to 900 ` +
        '(its queue\'s visibility timeout is six times it)',
    );
    return fallback;
  }
  return timeout;
}

function concurrencyProblems(concurrency: ConcurrencyParameters): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(concurrency)) {
    if (!Number.isInteger(value) || value < 1) problems.push(`concurrency.${key}=${value} must be a positive integer`);
  }
  for (const consumer of ['projector', 'mailer'] as const) {
    const maximum = concurrency[`${consumer}Maximum`];
    const reserved = concurrency[`${consumer}Reserved`];
    if (maximum < 2 || maximum > 1000) {
      problems.push(`concurrency.${consumer}Maximum=${maximum} must be from 2 to 1000 (SQS event source limits)`);
    }
    // Above its reservation, the event source would poll messages the function is throttled on, and each
    // throttled receive counts toward the DLQ.
    if (maximum > reserved) {
      problems.push(`concurrency.${consumer}Maximum=${maximum} must not exceed ${consumer}Reserved=${reserved}`);
    }
  }
  return problems;
}

function backupProblems(backup: BackupParameters): string[] {
  const problems: string[] = [];
  const days = backup.retention.toDays({ integral: false });
  if (!Number.isInteger(days) || days < 1) problems.push(`backup.retention must be whole days, at least 1`);
  if (backup.vaultLock !== undefined) {
    if (backup.vaultLock.minRetention.toDays({ integral: false }) > days) {
      problems.push('backup.vaultLock.minRetention must not exceed backup.retention');
    }
    // AWS Backup's minimum grace period before a compliance lock becomes immutable.
    if (!Number.isInteger(backup.vaultLock.changeableForDays) || backup.vaultLock.changeableForDays < 3) {
      problems.push('backup.vaultLock.changeableForDays must be a whole number of days, at least 3');
    }
  }
  if (backup.copyToVaultArn !== undefined && !/^arn:aws[\w-]*:backup:[\w-]+:\d{12}:backup-vault:[\w.-]+$/.test(backup.copyToVaultArn)) {
    problems.push(`backup.copyToVaultArn=${JSON.stringify(backup.copyToVaultArn)} must be a backup vault ARN`);
  }
  return problems;
}

function definedOverrides(overrides: ConfigOverrides): Partial<Record<keyof ConfigOverrides, string>> {
  return Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined && value !== ''));
}

function list(value: string | undefined): readonly string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
