import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import t from 'tap';
import { REPOSITORY_ROOT } from './fixtures.js';

// `pnpm synth` as a test: the real CLI, offline and without Docker, bundling the four functions with the
// local esbuild into a scratch folder. Then each bundle is checked for what must and must not be in it, and
// loaded the way Lambda loads it.
const bin = join(REPOSITORY_ROOT, 'infra', 'node_modules', '.bin');
const outdir = t.testdir();
// Without tap's own variables: NODE_OPTIONS would load tap's TypeScript and coverage hooks into the CLI.
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(NODE_OPTIONS|TAP|_TAPJS)/.test(key))),
  PATH: `${bin}${delimiter}${process.env['PATH'] ?? ''}`,
  CDK_DISABLE_CLI_TELEMETRY: 'true',
};
// A real synth with bundling takes a quarter of a minute; tap's default allows half a minute per file.
t.setTimeout(120_000);

// The CLI runs the compiled app: compile first, so that the check never runs a stale build.
execFileSync(join(bin, 'tsc'), ['-b', join(REPOSITORY_ROOT, 'infra')], { cwd: REPOSITORY_ROOT, env, stdio: 'inherit' });
const synth = spawnSync(join(bin, 'cdk'), ['synth', '--quiet', '--no-notices', '--output', outdir], {
  cwd: REPOSITORY_ROOT,
  env,
  encoding: 'utf8',
  timeout: 120_000,
});

interface FunctionResource {
  readonly Type: string;
  readonly Metadata?: Record<string, string>;
  readonly Properties: { Description: string; Environment: { Variables: Record<string, unknown> } };
}

t.test('cdk synth writes both templates', async (t) => {
  t.equal(synth.status, 0, `cdk synth exits 0\n${synth.stderr}`);
  for (const stack of ['UserService-dev-Stateful', 'UserService-dev-Service']) {
    t.ok(existsSync(join(outdir, `${stack}.template.json`)), stack);
  }
});

const template = JSON.parse(readFileSync(join(outdir, 'UserService-dev-Service.template.json'), 'utf8')) as {
  Resources: Record<string, FunctionResource>;
};
const functions = new Map(
  Object.values(template.Resources)
    .filter((resource) => resource.Type === 'AWS::Lambda::Function')
    .map((resource) => {
      const description = resource.Properties.Description;
      const name = description.startsWith('Relays')
        ? 'relay'
        : description.startsWith('Projects')
          ? 'projector'
          : description.startsWith('Sends')
            ? 'mailer'
            : 'api';
      const assetDir = join(outdir, resource.Metadata?.['aws:asset:path'] ?? 'missing');
      return [name, { resource, assetDir, code: readFileSync(join(assetDir, 'index.mjs'), 'utf8') }] as const;
    }),
);

t.test('each bundle holds what its mode uses, and nothing native', async (t) => {
  t.same([...functions.keys()].sort(), ['api', 'mailer', 'projector', 'relay']);
  for (const [name, { code }] of functions) {
    // The SQLite adapters stay dynamic imports that DynamoDB mode never reaches; the native driver is absent.
    t.notOk(code.includes('better-sqlite3'), `${name}: no better-sqlite3`);
  }
  t.notOk(functions.get('relay')!.code.includes('fastify'), 'relay: no Fastify');
  t.notOk(functions.get('projector')!.code.includes('fastify'), 'projector: no Fastify');
  t.notOk(functions.get('mailer')!.code.includes('fastify'), 'mailer: no Fastify');
  t.ok(functions.get('mailer')!.code.includes('SqsFifoPartialProcessorAsync'), "mailer: Powertools' FIFO batch processor");
  t.ok(functions.get('api')!.code.includes('fastify'), 'the user service is the Fastify app');
  t.ok(existsSync(join(functions.get('api')!.assetDir, 'static', 'logo.svg')), "Swagger UI's files ship with it");
});

/** Stand-ins for the values CloudFormation fills in at deploy time. */
const DEPLOY_TIME_VALUES: Record<string, string> = {
  TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:UserService-dev-Service-EventsTopic.fifo',
  PARKING_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/UserService-dev-Service-StreamRelayParkingQueue',
  EVENT_STORE_TABLE: 'UserService-dev-Stateful-EventStoreTable',
  READ_MODEL_TABLE: 'UserService-dev-Stateful-ReadModelTable',
  READ_MODEL_GREEN_TABLE: 'UserService-dev-Stateful-ReadModelGreenTable',
  PUBLIC_URL: 'https://abc123.execute-api.eu-west-1.amazonaws.com/',
  RATE_LIMIT_TABLE: 'UserService-dev-Service-RateLimitsTable',
  SENT_MAIL_TABLE: 'UserService-dev-Service-MailerSentMails',
  KMS_KEY_ID: 'arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000',
};

// Loads a bundle as Lambda does (an ES module, from its own folder) and, for the API, answers GET /health.
const LOADER = `
const { handler } = await import(process.argv[1]);
if (typeof handler !== 'function') throw new Error('no handler export');
if (process.argv[2] === 'health') {
  const event = { version: '2.0', routeKey: '$default', rawPath: '/health', rawQueryString: '', headers: { host: 'api' },
    requestContext: { http: { method: 'GET', path: '/health', protocol: 'HTTP/1.1', sourceIp: '203.0.113.1', userAgent: 't' },
      requestId: 'r', stage: '$default', timeEpoch: 0 }, isBase64Encoded: false };
  const response = await handler(event, { awsRequestId: 'r' });
  console.log(JSON.stringify({ statusCode: response.statusCode, body: response.body }));
}`;

t.test('each bundle loads with the environment its template gives it', async (t) => {
  for (const [name, { resource, assetDir }] of functions) {
    const variables: Record<string, string> = {};
    for (const [key, value] of Object.entries(resource.Properties.Environment.Variables)) {
      variables[key] = typeof value === 'string' ? value : (DEPLOY_TIME_VALUES[key] ?? '');
    }
    if (variables['JWT_SECRET_ARN'] !== undefined) {
      // Offline, there is no Secrets Manager: the key the secret would hold is given directly.
      delete variables['JWT_SECRET_ARN'];
      variables['JWT_SECRET'] = 'a-test-signing-key-of-at-least-32-bytes';
    }
    t.notOk(Object.values(variables).includes(''), `${name}: every deploy-time value has a stand-in`);
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', LOADER, join(assetDir, 'index.mjs'), name === 'api' ? 'health' : ''], {
      cwd: assetDir,
      env: {
        PATH: process.env['PATH'] ?? '',
        ...variables,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'offline',
        AWS_SECRET_ACCESS_KEY: 'offline',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        // The API logs its access line, to show it carries API Gateway's request id; the others stay quiet.
        LOG_LEVEL: name === 'api' ? 'info' : 'silent',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    t.equal(run.status, 0, `${name} loads\n${run.stderr}`);
    if (name === 'api') {
      const lines = run.stdout.trim().split('\n').flatMap((line) => (line.startsWith('{') ? [JSON.parse(line) as Record<string, unknown>] : []));
      t.match(lines.find((line) => 'statusCode' in line), { statusCode: 200 }, 'GET /health answers');
      t.match(lines.find((line) => line['msg'] === 'request completed'), { apiRequestId: 'r', req: { url: '/health' } }, 'the access line names API Gateway’s request id');
    }
  }
});

// The CLI entry itself refuses what the parameter files forbid, before building anything.
const app = (context: Record<string, string>, account?: string) =>
  spawnSync(process.execPath, [join(REPOSITORY_ROOT, 'infra', 'dist', 'bin', 'app.js')], {
    cwd: REPOSITORY_ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      CDK_CONTEXT_JSON: JSON.stringify(context),
      CDK_OUTDIR: t.testdir(),
      ...(account === undefined ? {} : { CDK_DEFAULT_ACCOUNT: account }),
    },
    encoding: 'utf8',
    timeout: 60_000,
  });

t.test('the app checks the deploying account against the pin, and refuses -c in prod', async (t) => {
  const wrongAccount = app({ env: 'prod' }, '999999999999');
  t.equal(wrongAccount.status, 1);
  t.match(wrongAccount.stderr, /the credentials are for account 999999999999, but env=prod is pinned to 111122223333/);
  const override = app({ env: 'prod', consumers: 'projector' });
  t.equal(override.status, 1);
  t.match(override.stderr, /-c consumers refused for env=prod/);
  const unknown = app({ env: 'staging' });
  t.equal(unknown.status, 1);
  t.match(unknown.stderr, /env="staging" must be one of dev, prod/);
});
