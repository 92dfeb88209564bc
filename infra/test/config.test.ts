import { Duration } from 'aws-cdk-lib';
import t from 'tap';
import {
  ConfigError,
  DEVELOPER_ACCOUNT,
  resolveConfig,
  visibilityTimeoutFor,
  type DeployContext,
  type EnvironmentParameters,
} from '../lib/config.js';
import { devParameters } from '../parameters/dev.js';
import { PARAMETERS } from '../parameters/index.js';
import { prodParameters } from '../parameters/prod.js';
import { TEST_SENDER } from './fixtures.js';

/** The problems a configuration is refused with, or none. */
function problems(parameters: EnvironmentParameters, context: DeployContext = {}): readonly string[] {
  try {
    resolveConfig(parameters, context);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const dev = (overrides: DeployContext['overrides'] = {}, context: Omit<DeployContext, 'overrides'> = {}) =>
  problems(devParameters, { ...context, overrides: { sesFromAddress: TEST_SENDER, ...overrides } });

t.test('each environment has a committed parameter file that resolves as it is', async (t) => {
  t.same(Object.keys(PARAMETERS).sort(), ['dev', 'prod']);
  for (const [name, parameters] of Object.entries(PARAMETERS)) {
    t.equal(parameters.name, name, `${name}: the file names its environment`);
    t.same(problems(parameters), [], `${name} resolves offline, without credentials`);
  }
});

t.test('prod is pinned to its account and region; dev is explicitly the developer\'s', async (t) => {
  t.match(prodParameters.account, /^\d{12}$/);
  t.equal(prodParameters.region, 'eu-west-1');
  t.equal(resolveConfig(prodParameters).account, prodParameters.account, 'offline, the pin decides');
  t.equal(resolveConfig(prodParameters, { credentialsAccount: prodParameters.account }).account, prodParameters.account);
  t.match(problems(prodParameters, { credentialsAccount: '999999999999' }), [
    /credentials are for account 999999999999, but env=prod is pinned to 111122223333/,
  ]);

  t.equal(devParameters.account, DEVELOPER_ACCOUNT);
  t.equal(resolveConfig(devParameters).account, undefined, 'offline: environment-agnostic account');
  t.equal(resolveConfig(devParameters, { credentialsAccount: '123456789012' }).account, '123456789012');
  // The marker is accepted for dev only.
  t.match(problems({ ...prodParameters, account: DEVELOPER_ACCOUNT }), [/env=prod must be pinned to a 12-digit id/]);
  t.match(problems({ ...prodParameters, account: '1234' }), [/account="1234" for env=prod must be a 12-digit id/]);
  t.match(problems({ ...devParameters, region: 'mars' }), [/region="mars" is not an AWS region/]);
});

t.test('prod takes no -c overrides and no stage, and requires an alarm receiver', async (t) => {
  t.match(problems(prodParameters, { overrides: { consumers: 'projector' } }), [
    /-c consumers refused for env=prod: .*change infra\/parameters\/prod.ts instead/,
  ]);
  t.match(problems(prodParameters, { overrides: { alarmEmail: 'x@y.example.org', logLevel: 'debug' } }), [
    /-c alarmEmail, -c logLevel refused/,
  ]);
  t.match(problems(prodParameters, { stage: 'alice' }), [/stage=alice refused for env=prod/]);
  const { alarmEmail: _, ...withoutReceiver } = prodParameters;
  t.match(problems(withoutReceiver), [/alarmEmail is required for env=prod/]);
  // An empty -c (as `-c consumers=` gives) is no override at all.
  t.same(problems(prodParameters, { overrides: { consumers: '' } }), []);
});

t.test('a stage suffix separates developers in one dev account', async (t) => {
  t.equal(resolveConfig(devParameters).stackPrefix, 'UserService-dev');
  t.equal(resolveConfig(devParameters, { stage: 'alice' }).stackPrefix, 'UserService-dev-alice');
  t.match(dev({}, { stage: 'Alice!' }), [/stage="Alice!" must be a lowercase letter/]);
});

t.test('consumer names are refused when they collide after normalisation or are reserved', async (t) => {
  t.same(resolveConfig(devParameters, { overrides: { consumers: ' projector , mailer, billing,' } }).consumers, ['projector', 'mailer', 'billing']);
  t.match(dev({ consumers: 'projector,billing,bill-ing,mailer' }), [
    /consumers "billing" and "bill-ing" collide: both become "billing" in resource ids and output names/,
  ]);
  t.match(dev({ consumers: 'projector,relay-failures,mailer' }), [/consumer "relay-failures" is reserved/]);
  t.match(dev({ consumers: 'projector,relayparking,mailer' }), [/consumer "relayparking" is reserved: .*relay-parking/]);
  t.match(dev({ consumers: 'projector,projector,mailer' }), [/repeat the name "projector"/]);
  t.match(dev({ consumers: 'billing' }), [/consumers must include "projector"/, /consumers must include "mailer": the mailer sends/]);
  t.match(dev({ consumers: 'projector,Bad_Name,mailer' }), [/consumer "Bad_Name" must be lowercase/]);
});

t.test('the projector timeout and its queue visibility come from one value, overrides included', async (t) => {
  const defaults = resolveConfig(devParameters);
  t.equal(defaults.projectorTimeout.toSeconds(), 30);
  t.equal(visibilityTimeoutFor(defaults.projectorTimeout).toSeconds(), 180);
  const overridden = resolveConfig(devParameters, { overrides: { projectorTimeoutSeconds: '60' } });
  t.equal(overridden.projectorTimeout.toSeconds(), 60);
  t.equal(visibilityTimeoutFor(overridden.projectorTimeout).toSeconds(), 360);
  t.match(dev({ projectorTimeoutSeconds: '0' }), [/projectorTimeout=0s must be whole seconds from 1 to 900/]);
  t.match(dev({ projectorTimeoutSeconds: '1.5' }), [/projectorTimeout=1.5s/]);
  t.match(problems({ ...devParameters, projectorTimeout: Duration.minutes(20) }), [/projectorTimeout=1200s/]);
});

t.test('concurrency, backups and the edge are validated', async (t) => {
  const concurrency = (values: Partial<EnvironmentParameters['concurrency']>) =>
    problems({ ...devParameters, concurrency: { ...devParameters.concurrency, ...values } });
  t.match(concurrency({ projectorMaximum: 5, projectorReserved: 2 }), [/projectorMaximum=5 must not exceed projectorReserved=2/]);
  t.match(concurrency({ projectorMaximum: 1, projectorReserved: 2 }), [/projectorMaximum=1 must be from 2 to 1000/]);
  t.match(concurrency({ mailerMaximum: 3, mailerReserved: 2 }), [/mailerMaximum=3 must not exceed mailerReserved=2/]);
  t.match(concurrency({ mailerMaximum: 1, mailerReserved: 1 }), [/mailerMaximum=1 must be from 2 to 1000/]);
  t.match(concurrency({ relayReserved: 0 }), [/relayReserved=0 must be a positive integer/]);
  const backup = (values: Partial<EnvironmentParameters['backup']>) =>
    problems({ ...devParameters, backup: { ...devParameters.backup, ...values } });
  t.match(backup({ vaultLock: { minRetention: Duration.days(30), changeableForDays: 3 } }), [/minRetention must not exceed/]);
  t.match(backup({ vaultLock: { minRetention: Duration.days(1), changeableForDays: 1 } }), [/changeableForDays .* at least 3/]);
  t.match(backup({ copyToVaultArn: 'vault' }), [/copyToVaultArn="vault" must be a backup vault ARN/]);
  t.same(backup({ copyToVaultArn: 'arn:aws:backup:eu-central-1:444455556666:backup-vault:user-service-copies' }), []);
  t.match(problems({ ...devParameters, edge: { rateLimitPer5Minutes: 10 } }), [/edge.rateLimitPer5Minutes=10/]);
});

t.test('every other value is validated, and every problem reported at once', async (t) => {
  t.match(dev({ sesFromAddress: 'nobody' }), [/sesFromAddress="nobody" must be an email address/]);
  t.match(dev({ logLevel: 'loud' }), [/logLevel="loud" must be one of/]);
  t.match(dev({ publicUrl: 'http://api.example.net' }), [/publicUrl=.* must be an https URL/]);
  t.match(dev({ alarmEmail: 'ops' }), [/alarmEmail="ops" must be an email address/]);
  t.match(dev({ sesExtraIdentities: 'localhost' }), [/must be an email address or a domain/]);
  t.equal(dev({ sesFromAddress: 'x', logLevel: 'loud', consumers: 'billing' }).length, 4);
  t.equal(resolveConfig(devParameters, { overrides: { publicUrl: 'https://users.example.net/' } }).publicUrl, 'https://users.example.net');
});
