import { Duration } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DEVELOPER_ACCOUNT, MAILER_CONSUMER, PROJECTOR_CONSUMER, type EnvironmentParameters } from '../lib/config.js';

/**
 * Development: each developer's own account (or a shared one, each with `-c stage=<name>`), destroyed
 * freely. The only environment that accepts `-c` experiments.
 */
export const devParameters: EnvironmentParameters = {
  name: 'dev',
  // Explicitly unpinned: the stacks go to the account of the deploying credentials. Refused outside dev.
  account: DEVELOPER_ACCOUNT,
  region: 'eu-west-1',
  retainData: false,
  // RFC 2606's reserved domain: dev synthesises out of the box, and the synth warns until it is replaced.
  sesFromAddress: 'no-reply@example.com',
  sesExtraIdentities: [],
  consumers: [PROJECTOR_CONSUMER, MAILER_CONSUMER],
  logLevel: 'debug',
  logRetention: RetentionDays.ONE_WEEK,
  apiThrottle: { rateLimit: 50, burstLimit: 100 },
  sensitiveRouteThrottle: { rateLimit: 5, burstLimit: 10 },
  userServiceMemoryMiB: 1024,
  projectorTimeout: Duration.seconds(30),
  concurrency: { relayReserved: 2, projectorReserved: 2, projectorMaximum: 2, mailerReserved: 2, mailerMaximum: 2 },
  alarms: {
    relayIteratorAge: Duration.minutes(5),
    queueOldestMessageAge: Duration.minutes(15),
    projectionLag: Duration.minutes(1),
    api5xxPercent: 5,
    api5xxMinimumRequests: 20,
  },
  backup: { retention: Duration.days(7) },
};
