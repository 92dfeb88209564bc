import { Duration } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/** The environments this app knows, chosen with `-c env=<name>`. */
export const ENVIRONMENT_NAMES = ['dev', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/** The pino levels the three Lambda functions accept in `LOG_LEVEL`. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The consumer whose queue feeds the projector Lambda; it must always be among the consumers. */
export const PROJECTOR_CONSUMER = 'projector';

/**
 * Everything that differs between environments. No account ids live here: the account and region come
 * from the CLI's credentials (`CDK_DEFAULT_ACCOUNT`, `CDK_DEFAULT_REGION`).
 */
export interface EnvironmentConfig {
  readonly name: EnvironmentName;
  /** Prefix of the stack names, so that environments can share an account. */
  readonly stackPrefix: string;
  /**
   * Production keeps its data: tables, keys, secret and logs are RETAINed on stack deletion, and the
   * tables have deletion protection. Elsewhere a `cdk destroy` removes everything.
   */
  readonly retainData: boolean;
  /** The SES sender of confirmation and reset mails; its address or domain must be verified in SES. */
  readonly sesFromAddress: string;
  /**
   * The SES identities the user service may send as: the sender address and its domain always, plus
   * these (in the SES sandbox, SES also authorises each send against the verified recipient's identity).
   */
  readonly sesExtraIdentities: readonly string[];
  /** Names of the services that each get an SQS FIFO queue subscribed to the event topic. */
  readonly consumers: readonly string[];
  readonly logLevel: LogLevel;
  readonly logRetention: RetentionDays;
  /** Base URL in outgoing mail; when absent, the HTTP API's default endpoint. */
  readonly publicUrl: string | undefined;
  /** Where alarm notifications go; when absent, alarms only show in CloudWatch and the dashboard. */
  readonly alarmEmail: string | undefined;
  /** Steady-state requests per second and burst the API stage accepts before answering 429. */
  readonly apiThrottle: { readonly rateLimit: number; readonly burstLimit: number };
  /** The user service hashes passwords with scrypt, which is CPU-bound: Lambda's CPU grows with memory. */
  readonly userServiceMemoryMiB: number;
  /** The relay alarm fires when the oldest unrelayed stream record is older than this. */
  readonly relayIteratorAgeThreshold: Duration;
}

/** What `-c key=value` may override; each is validated like the defaults. */
export interface ConfigOverrides {
  readonly sesFromAddress?: string | undefined;
  /** Comma-separated. */
  readonly sesExtraIdentities?: string | undefined;
  /** Comma-separated. */
  readonly consumers?: string | undefined;
  readonly logLevel?: string | undefined;
  readonly publicUrl?: string | undefined;
  readonly alarmEmail?: string | undefined;
}

type Defaults = Omit<EnvironmentConfig, 'name' | 'sesFromAddress'> & { readonly sesFromAddress: string | undefined };

const DEFAULTS: Record<EnvironmentName, Defaults> = {
  dev: {
    stackPrefix: 'UserService-dev',
    retainData: false,
    // RFC 2606's reserved domain: dev synthesises out of the box, and a deploy warns until it is replaced.
    sesFromAddress: 'no-reply@example.com',
    sesExtraIdentities: [],
    consumers: [PROJECTOR_CONSUMER],
    logLevel: 'debug',
    logRetention: RetentionDays.ONE_WEEK,
    publicUrl: undefined,
    alarmEmail: undefined,
    apiThrottle: { rateLimit: 50, burstLimit: 100 },
    userServiceMemoryMiB: 1024,
    relayIteratorAgeThreshold: Duration.minutes(5),
  },
  prod: {
    stackPrefix: 'UserService-prod',
    retainData: true,
    // No default: production mail must come from an address its owner has verified.
    sesFromAddress: undefined,
    sesExtraIdentities: [],
    consumers: [PROJECTOR_CONSUMER],
    logLevel: 'info',
    logRetention: RetentionDays.THREE_MONTHS,
    publicUrl: undefined,
    alarmEmail: undefined,
    apiThrottle: { rateLimit: 500, burstLimit: 1000 },
    userServiceMemoryMiB: 1024,
    relayIteratorAgeThreshold: Duration.minutes(1),
  },
};

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const EMAIL = /^[^\s@,]+@([^\s@,]+\.[^\s@,]+)$/;
// SQS allows 80 characters; CloudFormation's generated names need room, so a consumer name stays short.
const CONSUMER_NAME = /^[a-z][a-z0-9-]{0,29}$/;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: readonly string[]) {
    super(`invalid infrastructure configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/**
 * The configuration of one environment: its defaults with the overrides applied, validated as a whole.
 * Throws a {@link ConfigError} naming every bad value, so a bad `-c` fails the synth, not the deploy.
 */
export function resolveConfig(envName: string | undefined, overrides: ConfigOverrides = {}): EnvironmentConfig {
  const name = envName ?? 'dev';
  if (!(ENVIRONMENT_NAMES as readonly string[]).includes(name)) {
    throw new ConfigError([`env=${JSON.stringify(name)} must be one of ${ENVIRONMENT_NAMES.join(', ')}`]);
  }
  const defaults = DEFAULTS[name as EnvironmentName];
  const problems: string[] = [];

  const sesFromAddress = overrides.sesFromAddress ?? defaults.sesFromAddress;
  if (sesFromAddress === undefined) problems.push(`sesFromAddress is required for env=${name}`);
  else if (!EMAIL.test(sesFromAddress)) problems.push(`sesFromAddress=${JSON.stringify(sesFromAddress)} must be an email address`);

  const sesExtraIdentities = list(overrides.sesExtraIdentities) ?? defaults.sesExtraIdentities;
  for (const identity of sesExtraIdentities) {
    if (!/^[^\s@,]+(@[^\s@,]+)?$/.test(identity) || !identity.includes('.')) {
      problems.push(`sesExtraIdentities entry ${JSON.stringify(identity)} must be an email address or a domain`);
    }
  }

  const consumers = list(overrides.consumers) ?? defaults.consumers;
  for (const consumer of consumers) {
    if (!CONSUMER_NAME.test(consumer)) {
      problems.push(`consumer ${JSON.stringify(consumer)} must be lowercase letters, digits and dashes, at most 30`);
    }
  }
  if (new Set(consumers).size !== consumers.length) problems.push(`consumers ${consumers.join(',')} repeat a name`);
  if (!consumers.includes(PROJECTOR_CONSUMER)) {
    problems.push(`consumers must include ${JSON.stringify(PROJECTOR_CONSUMER)}: the projector reads the read model's events from it`);
  }

  const logLevel = overrides.logLevel ?? defaults.logLevel;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`logLevel=${JSON.stringify(logLevel)} must be one of ${LOG_LEVELS.join(', ')}`);
  }

  const publicUrl = overrides.publicUrl ?? defaults.publicUrl;
  if (publicUrl !== undefined && !/^https:\/\/[^\s/]+(\/[^\s]*)?$/.test(publicUrl)) {
    problems.push(`publicUrl=${JSON.stringify(publicUrl)} must be an https URL`);
  }

  const alarmEmail = overrides.alarmEmail ?? defaults.alarmEmail;
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail)) {
    problems.push(`alarmEmail=${JSON.stringify(alarmEmail)} must be an email address`);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    ...defaults,
    name: name as EnvironmentName,
    sesFromAddress: sesFromAddress as string,
    sesExtraIdentities,
    consumers,
    logLevel: logLevel as LogLevel,
    publicUrl: publicUrl?.replace(/\/+$/, ''),
    alarmEmail,
  };
}

/** The domain part of an email address. */
export function emailDomain(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}

function list(value: string | undefined): readonly string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
