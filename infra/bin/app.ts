#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { fileURLToPath } from 'node:url';
import { addUserService } from '../lib/app.js';
import { ConfigError, ENVIRONMENT_NAMES, resolveConfig, type EnvironmentName } from '../lib/config.js';
import { PARAMETERS } from '../parameters/index.js';

// The CDK app's entry point (`cdk.json` runs the compiled dist/bin/app.js). The environment is chosen
// with `-c env=dev|prod` and its parameters come from infra/parameters/<env>.ts; in dev, `-c stage=<name>`
// and the other `-c` keys allow experiments.
const app = new App();
const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return value === undefined || value === null || value === '' ? undefined : String(value);
};

try {
  const envName = context('env') ?? 'dev';
  if (!(ENVIRONMENT_NAMES as readonly string[]).includes(envName)) {
    throw new ConfigError([`env=${JSON.stringify(envName)} must be one of ${ENVIRONMENT_NAMES.join(', ')}`]);
  }
  const config = resolveConfig(PARAMETERS[envName as EnvironmentName], {
    stage: context('stage'),
    // Set by the CLI when it has credentials; offline it is absent, and the pins alone decide.
    credentialsAccount: process.env.CDK_DEFAULT_ACCOUNT,
    overrides: {
      sesFromAddress: context('sesFromAddress'),
      sesExtraIdentities: context('sesExtraIdentities'),
      consumers: context('consumers'),
      logLevel: context('logLevel'),
      publicUrl: context('publicUrl'),
      alarmEmail: context('alarmEmail'),
      projectorTimeoutSeconds: context('projectorTimeoutSeconds'),
    },
  });
  addUserService(app, {
    config,
    // dist/bin/app.js → the repository root.
    repositoryRoot: fileURLToPath(new URL('../../../', import.meta.url)),
  });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
