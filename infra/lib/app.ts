import { Annotations, type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { emailDomain, type EnvironmentConfig } from './config.js';
import { EDGE_REGION, EdgeStack } from './stacks/edge-stack.js';
import { ServiceStack } from './stacks/service-stack.js';
import { StatefulStack } from './stacks/stateful-stack.js';

export interface UserServiceAppProps {
  readonly config: EnvironmentConfig;
  /** The repository root, where the Lambda entries and `pnpm-lock.yaml` are. */
  readonly repositoryRoot: string;
}

export interface UserServiceStacks {
  readonly stateful: StatefulStack;
  readonly service: ServiceStack;
  /** Only when the environment's parameters have `edge`. */
  readonly edge: EdgeStack | undefined;
}

/** Reserved domains (RFC 2606, RFC 6761): a sender there can never be verified in SES. */
const PLACEHOLDER_DOMAIN = /(^|\.)(example\.(com|net|org)|example|invalid|test|localhost)$/;

/**
 * Adds the user service's stacks for one environment to an app, pinned to the environment's account
 * and region, and checks the whole app against the cdk-nag AWS Solutions rules: an unacknowledged
 * finding fails the synth. The CLI entry and the tests both build the app through here.
 */
export function addUserService(app: App, props: UserServiceAppProps): UserServiceStacks {
  const { config } = props;
  const common = {
    env: { account: config.account, region: config.region },
    tags: { service: 'user-service', environment: config.name, ...(config.stage === undefined ? {} : { stage: config.stage }) },
    // Production keeps both stacks: the tables, and the queues with undelivered events.
    terminationProtection: config.retainData,
  };
  const stateful = new StatefulStack(app, `${config.stackPrefix}-Stateful`, {
    ...common,
    description: `User service (${config.name}): event store and its backups, read model, JWT secret, data key`,
    retainData: config.retainData,
    backup: config.backup,
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
    personalDataKey: stateful.personalDataKey.key,
  });
  const edge =
    config.edge === undefined
      ? undefined
      : new EdgeStack(app, `${config.stackPrefix}-Edge`, {
          ...common,
          env: { account: config.account, region: EDGE_REGION },
          description: `User service (${config.name}): CloudFront and WAF in front of the API`,
          edge: config.edge,
          apiUrl: service.api.url,
          metricPrefix: config.stackPrefix,
        });
  if (PLACEHOLDER_DOMAIN.test(emailDomain(config.sesFromAddress))) {
    Annotations.of(service).addWarningV2(
      'user-service:placeholder-sender',
      `sesFromAddress is the placeholder ${config.sesFromAddress}: mail will fail until infra/parameters/` +
        `${config.name}.ts names an address you verified in SES (or, in dev, -c sesFromAddress=<address>)`,
    );
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { stateful, service, edge };
}
