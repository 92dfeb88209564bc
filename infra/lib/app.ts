import { Annotations, type App, type Environment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { emailDomain, type EnvironmentConfig } from './config.js';
import { ServiceStack } from './stacks/service-stack.js';
import { StatefulStack } from './stacks/stateful-stack.js';

export interface UserServiceAppProps {
  readonly config: EnvironmentConfig;
  /** The repository root, where the Lambda entries and `pnpm-lock.yaml` are. */
  readonly repositoryRoot: string;
  /** @default - environment-agnostic stacks */
  readonly env?: Environment;
}

export interface UserServiceStacks {
  readonly stateful: StatefulStack;
  readonly service: ServiceStack;
}

/**
 * Adds the user service's stacks for one environment to an app, and checks the whole app against the
 * cdk-nag AWS Solutions rules: an unacknowledged finding fails the synth. The CLI entry and the tests
 * both build the app through here.
 */
export function addUserService(app: App, props: UserServiceAppProps): UserServiceStacks {
  const { config } = props;
  const common = {
    ...(props.env === undefined ? {} : { env: props.env }),
    tags: { service: 'user-service', environment: config.name },
  };
  const stateful = new StatefulStack(app, `${config.stackPrefix}-Stateful`, {
    ...common,
    description: `User service (${config.name}): event store, read model, JWT secret and their key`,
    retainData: config.retainData,
    terminationProtection: config.retainData,
  });
  const service = new ServiceStack(app, `${config.stackPrefix}-Service`, {
    ...common,
    description: `User service (${config.name}): stream relay, event topic and queues, API, projector, alarms`,
    config,
    repositoryRoot: props.repositoryRoot,
    eventStoreTable: stateful.eventStore.table,
    readModel: stateful.readModel,
    readModelGreen: stateful.readModelGreen,
    jwtSecret: stateful.jwtSecret.secret,
  });
  if (emailDomain(config.sesFromAddress) === 'example.com') {
    Annotations.of(service).addWarningV2(
      'user-service:placeholder-sender',
      `sesFromAddress is the placeholder ${config.sesFromAddress}: mail will fail until you deploy with ` +
        '-c sesFromAddress=<an address you verified in SES>',
    );
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { stateful, service };
}
