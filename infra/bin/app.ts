#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { fileURLToPath } from 'node:url';
import { addUserService } from '../lib/app.js';
import { ConfigError, resolveConfig } from '../lib/config.js';

// The CDK app's entry point (`cdk.json` runs the compiled dist/bin/app.js). The environment is chosen
// with `-c env=dev|prod`; the other `-c` keys override that environment's parameters.
const app = new App();
const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return value === undefined || value === null || value === '' ? undefined : String(value);
};

try {
  const config = resolveConfig(context('env'), {
    sesFromAddress: context('sesFromAddress'),
    sesExtraIdentities: context('sesExtraIdentities'),
    consumers: context('consumers'),
    logLevel: context('logLevel'),
    publicUrl: context('publicUrl'),
    alarmEmail: context('alarmEmail'),
  });
  addUserService(app, {
    config,
    // dist/bin/app.js → the repository root.
    repositoryRoot: fileURLToPath(new URL('../../../', import.meta.url)),
    // The account and region of the CLI's credentials; no account id lives in the code.
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
