import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { addUserService, type UserServiceStacks } from '../lib/app.js';
import { resolveConfig, type ConfigOverrides, type DeployContext, type EnvironmentName } from '../lib/config.js';
import { PARAMETERS } from '../parameters/index.js';

export const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The developer's account, as the CLI would give it from their credentials; any account id will do in a test. */
export const TEST_ENV = { account: '123456789012', region: 'eu-west-1' } as const;

/** Not a reserved example domain, so the placeholder-sender warning stays out of test output. */
export const TEST_SENDER = 'no-reply@mail.user-service.internal';

/** The context `cdk synth` gets from the root cdk.json: the same feature flags, so the same templates. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL('cdk.json', `file://${REPOSITORY_ROOT}`), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

export interface Synthesised extends UserServiceStacks {
  readonly app: App;
  readonly statefulTemplate: Template;
  readonly serviceTemplate: Template;
}

/**
 * An app for in-process tests: the CLI's context, but no bundling (these tests are about templates, and
 * bundling three functions costs seconds per app) and no built-in CloudFormation template checks (their
 * WebAssembly engine costs seconds per process; synth.test.ts runs them through the real CLI).
 */
export function testApp(): App {
  return new App({
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
}

/**
 * The configuration of an environment from its committed parameter file, as the CLI resolves it. Dev
 * gets the test sender and the developer's account unless told otherwise; prod takes no overrides.
 */
export function testConfig(envName: EnvironmentName, overrides: ConfigOverrides = {}, context: Omit<DeployContext, 'overrides'> = {}) {
  return resolveConfig(PARAMETERS[envName], {
    ...(envName === 'dev' ? { credentialsAccount: TEST_ENV.account } : {}),
    ...context,
    overrides: envName === 'dev' ? { sesFromAddress: TEST_SENDER, ...overrides } : overrides,
  });
}

/**
 * The app as the CLI builds it, cdk-nag included. `Template.fromStack` synthesises the app, so an
 * unacknowledged nag finding throws here.
 */
export function synthesise(
  envName: EnvironmentName = 'dev',
  overrides: ConfigOverrides = {},
  context: Omit<DeployContext, 'overrides'> = {},
): Synthesised {
  const app = testApp();
  const stacks = addUserService(app, { config: testConfig(envName, overrides, context), repositoryRoot: REPOSITORY_ROOT });
  return {
    app,
    ...stacks,
    statefulTemplate: Template.fromStack(stacks.stateful),
    serviceTemplate: Template.fromStack(stacks.service),
  };
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** The single resource of a type whose properties contain `match`, by logical id. */
export function only(template: Template, type: string, match: Record<string, unknown> = {}): [string, Resources[string]] {
  const found = Object.entries(template.findResources(type, { Properties: match }) as Resources);
  if (found.length !== 1) throw new Error(`expected one ${type} matching ${JSON.stringify(match)}, found ${found.length}`);
  return found[0]!;
}

/** The Lambda function with this description, by logical id and properties. */
export function lambda(template: Template, description: string): { logicalId: string; properties: Record<string, unknown> } {
  const [logicalId, resource] = only(template, 'AWS::Lambda::Function', { Description: description });
  return { logicalId, properties: resource.Properties ?? {} };
}

interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Effect: string;
  readonly Condition?: unknown;
}

/** Every statement of every IAM policy attached to the role of a function. */
export function roleStatements(template: Template, functionProperties: Record<string, unknown>): Statement[] {
  const role = functionProperties['Role'] as { 'Fn::GetAtt': [string, string] };
  const roleId = role['Fn::GetAtt'][0];
  const policies = Object.values(template.findResources('AWS::IAM::Policy') as Resources).filter((policy) =>
    JSON.stringify(policy.Properties?.['Roles']).includes(`"${roleId}"`),
  );
  return policies.flatMap(
    (policy) => (policy.Properties?.['PolicyDocument'] as { Statement: Statement[] }).Statement,
  );
}

/** The actions a function's role is allowed, sorted. */
export function allowedActions(template: Template, functionProperties: Record<string, unknown>): string[] {
  const actions = roleStatements(template, functionProperties)
    .filter((statement) => statement.Effect === 'Allow')
    .flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]));
  return [...new Set(actions)].sort();
}

/**
 * A template with what churns without the infrastructure changing masked: every 64-hex digest (asset
 * hashes in S3 keys, and anything else derived from file contents or paths) becomes a placeholder.
 */
export function normalised(template: Template): unknown {
  const json = JSON.stringify(template.toJSON());
  return JSON.parse(json.replace(/\b[0-9a-f]{64}\b/g, '[asset hash]'));
}
