import { Duration } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { MAILER_CONSUMER, PROJECTOR_CONSUMER, type EnvironmentParameters } from '../lib/config.js';

/**
 * Production. Every value is pinned here and changed only through review: a deploy takes no `-c` flag
 * but `env=prod`, so leaving a flag out can never delete a consumer's queue or unsubscribe the alarms.
 *
 * The account, the sender and the alarm receiver are this repository's production values; a fork
 * deploying elsewhere changes them here, in review.
 */
export const prodParameters: EnvironmentParameters = {
  name: 'prod',
  account: '111122223333',
  region: 'eu-west-1',
  retainData: true,
  sesFromAddress: 'no-reply@mail.users.example.org',
  sesExtraIdentities: [],
  // Removing a name deletes nothing: the queues are retained (see infra/README.md, "Removing a consumer").
  consumers: [PROJECTOR_CONSUMER, MAILER_CONSUMER],
  logLevel: 'info',
  logRetention: RetentionDays.THREE_MONTHS,
  alarmEmail: 'user-service-oncall@ops.users.example.org',
  apiThrottle: { rateLimit: 500, burstLimit: 1000 },
  sensitiveRouteThrottle: { rateLimit: 20, burstLimit: 40 },
  userServiceMemoryMiB: 1024,
  projectorTimeout: Duration.seconds(30),
  concurrency: { relayReserved: 10, projectorReserved: 10, projectorMaximum: 10, mailerReserved: 4, mailerMaximum: 4 },
  alarms: {
    relayIteratorAge: Duration.minutes(1),
    queueOldestMessageAge: Duration.minutes(5),
    projectionLag: Duration.seconds(30),
    api5xxPercent: 1,
    api5xxMinimumRequests: 50,
  },
  backup: {
    retention: Duration.days(35),
    vaultLock: { minRetention: Duration.days(7), changeableForDays: 3 },
  },
};
