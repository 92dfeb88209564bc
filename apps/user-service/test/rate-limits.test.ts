import { randomUUID } from 'node:crypto';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import rateLimit from '@fastify/rate-limit';
import { dynamoDbClientConfig, startDynamoDbLocal } from '@user-service/local-aws';
import Fastify from 'fastify';
import type { InjectOptions } from 'fastify';
import t, { type Test } from 'tap';

type Assert = Pick<Test, 'ok'>;
import { ApplicationError } from '../src/application/errors.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { accountLimits, hasCode } from '../src/http/account-limits.js';
import { dynamoDbRateLimitStore, ensureRateLimitTable } from '../src/infrastructure/dynamodb-rate-limit-store.js';
import { assertProblem, buildService, TEST_JWT_SECRET, unique, type SignedUp, type TestService } from './helper.js';

/**
 * Brute force: limits per address and per account hold under a burst from one address and under rotating
 * addresses against one account, every 429 says when to come back, and on AWS the counters are shared by
 * every instance. Each test prints how many guesses got through.
 */
t.setTimeout(240_000);

const env = { JWT_SECRET: TEST_JWT_SECRET, RATE_LIMIT_ACCOUNT_MAX: '3', RATE_LIMIT_ACCOUNT_WINDOW_SECONDS: '900' };
/** A different client address on every call, as a botnet or a rotating proxy pool would give. */
let nextAddress = 0;
const rotating = () => `198.51.100.${(nextAddress++ % 250) + 1}`;

/** Sends `count` requests, each from a new address, and tallies the statuses. */
async function fromEverywhere(svc: TestService, count: number, make: () => InjectOptions) {
  const statuses: number[] = [];
  let last;
  for (let i = 0; i < count; i++) {
    last = await svc.request({ ...make(), remoteAddress: rotating() });
    statuses.push(last.statusCode);
  }
  return { statuses, last: last! };
}

function retryAfterOf(t: Assert, res: Awaited<ReturnType<TestService['request']>>, what: string): void {
  const seconds = Number(res.headers['retry-after']);
  t.ok(Number.isInteger(seconds) && seconds >= 1 && seconds <= 900, `${what}: Retry-After ${res.headers['retry-after']} s`);
}

t.test('rotating addresses buy no more password guesses at one account', async (t) => {
  const svc = await buildService(t, env);
  const victim = await svc.signUp();
  const guess = () => ({ method: 'POST' as const, url: '/sessions', payload: { email: victim.email.toUpperCase(), password: 'guess-123' } });
  const { statuses, last } = await fromEverywhere(svc, 20, guess);
  const wrong = statuses.filter((status) => status === 401).length;
  t.comment(`20 guesses from 20 addresses: ${wrong} answered 401, ${statuses.filter((s) => s === 429).length} refused with 429`);
  t.same(statuses.slice(0, 3), [401, 401, 401], 'three failures are allowed');
  t.ok(statuses.slice(3).every((status) => status === 429), 'every later guess is refused, whatever its address');
  assertProblem(t, last, 429, 'RATE_LIMITED');
  retryAfterOf(t, last, 'the refusal');
  const right = await svc.request({ method: 'POST', url: '/sessions', payload: { email: victim.email, password: victim.password }, remoteAddress: rotating() });
  assertProblem(t, right, 429, 'RATE_LIMITED', 'the right password too, until the window ends: a guess that was right would have said so');

  const other = await svc.signUp();
  t.equal(
    (await svc.request({ method: 'POST', url: '/sessions', payload: { email: other.email, password: other.password }, remoteAddress: rotating() })).statusCode,
    200,
    'another account is not affected',
  );
  const successes = await fromEverywhere(svc, 5, () => ({ method: 'POST', url: '/sessions', payload: { email: other.email, password: other.password } }));
  t.same(successes.statuses, [200, 200, 200, 200, 200], 'successful logins are not counted: the owner is locked out only by failures');
});

t.test('an unknown account is limited exactly like a known one', async (t) => {
  const svc = await buildService(t, env);
  const guess = () => ({ method: 'POST' as const, url: '/sessions', payload: { email: `nobody${unique()}@example.com`, password: 'guess-123' } });
  const one = guess();
  const { statuses } = await fromEverywhere(svc, 6, () => one);
  t.same(statuses, [401, 401, 401, 429, 429, 429]);
});

t.test('a stolen session cannot guess the current password freely', async (t) => {
  const svc = await buildService(t, env);
  const user: SignedUp = await svc.signUp();
  const change = (currentPassword: string) => ({
    method: 'PUT' as const,
    url: `/users/${user.id}/password`,
    headers: user.auth,
    payload: { currentPassword, newPassword: 'a brand new password' },
  });
  const { statuses, last } = await fromEverywhere(svc, 8, () => change('guess-123'));
  t.comment(`8 guesses of the current password: ${statuses.join(' ')}`);
  t.same(statuses, [401, 401, 401, 429, 429, 429, 429, 429]);
  retryAfterOf(t, last, 'the refusal');
  assertProblem(t, await svc.request({ ...change(user.password), remoteAddress: rotating() }), 429, 'RATE_LIMITED', 'the right one too');
  t.equal((await svc.login(user.email, user.password)).length > 0, true, 'the password is unchanged');
});

t.test('guessed reset tokens for one account, and reset requests for one address, are capped', async (t) => {
  const svc = await buildService(t, env);
  const user = await svc.signUp();
  const tokens = await fromEverywhere(svc, 6, () => ({
    method: 'POST',
    url: '/password-resets/confirm',
    payload: { token: `${user.id}.${randomUUID()}`, newPassword: 'long-enough-1' },
  }));
  t.same(tokens.statuses, [400, 400, 400, 429, 429, 429], 'three wrong tokens, then 429');
  retryAfterOf(t, tokens.last, 'the refusal');

  const requests = await fromEverywhere(svc, 5, () => ({ method: 'POST', url: '/password-resets', payload: { email: user.email } }));
  t.same(requests.statuses, [202, 202, 202, 429, 429], 'three reset requests per account and window');
  t.equal(svc.mails().filter((mail) => mail.kind === 'password-reset').length, 1, 'and one mail: the token stays pending');
});

t.test('a burst from one address is cut at RATE_LIMIT_MAX, on every anonymous route and on registrations', async (t) => {
  const svc = await buildService(t, { ...env, RATE_LIMIT_MAX: '4', RATE_LIMIT_ACCOUNT_MAX: '1000' });
  const routes: Array<[string, () => InjectOptions]> = [
    ['POST /users', () => ({ method: 'POST', url: '/users', payload: { email: `b${unique()}@example.com`, username: `b${unique()}`, password: 'long-enough-1' } })],
    ['POST /sessions', () => ({ method: 'POST', url: '/sessions', payload: { email: `b${unique()}@example.com`, password: 'guess-123' } })],
    ['POST /password-resets', () => ({ method: 'POST', url: '/password-resets', payload: { email: `b${unique()}@example.com` } })],
  ];
  for (const [name, make] of routes) {
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 10; i++) {
      // Another account every time, and a client-written X-Forwarded-For: no proxy is trusted by default.
      last = await svc.request({ ...make(), headers: { 'x-forwarded-for': rotating() }, remoteAddress: '203.0.113.7' });
      statuses.push(last.statusCode);
    }
    t.comment(`${name}, 10 from one address: ${statuses.join(' ')}`);
    t.same(statuses.filter((status) => status !== 429).length, 4, `${name}: four pass`);
    t.ok(statuses.slice(4).every((status) => status === 429), `${name}: the rest are refused`);
    retryAfterOf(t, last!, name);
  }
});

t.test('TRUST_PROXY=1 believes only the address the nearest proxy appended', async (t) => {
  const svc = await buildService(t, { ...env, RATE_LIMIT_MAX: '3', TRUST_PROXY: '1' });
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) {
    const res = await svc.request({
      method: 'POST',
      url: '/password-resets',
      payload: { email: `p${unique()}@example.com` },
      // The client wrote the first entry; the proxy at 10.0.0.1 appended the address it saw.
      headers: { 'x-forwarded-for': `${rotating()}, 192.0.2.50` },
      remoteAddress: '10.0.0.1',
    });
    statuses.push(res.statusCode);
  }
  t.same(statuses, [202, 202, 202, 429, 429, 429], 'the spoofed leftmost entries do not make new clients');
  const elsewhere = await svc.request({
    method: 'POST',
    url: '/password-resets',
    payload: { email: `p${unique()}@example.com` },
    headers: { 'x-forwarded-for': '192.0.2.51' },
    remoteAddress: '10.0.0.1',
  });
  t.equal(elsewhere.statusCode, 202, 'a client the proxy saw elsewhere has its own count');
});

t.test('TRUST_PROXY takes a hop count or addresses, never "every hop"', async (t) => {
  t.equal(loadConfig({}).trustProxy, false);
  t.equal(loadConfig({ TRUST_PROXY: 'false' }).trustProxy, false);
  t.equal(loadConfig({ TRUST_PROXY: '2' }).trustProxy, 2);
  t.same(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.1, ::1' }).trustProxy, ['10.0.0.0/8', '192.168.1.1', '::1']);
  for (const bad of ['true', 'yes', '10.0.0.0/33', 'proxy.example.com', '-1', '1.2.3.4/8/9']) {
    t.throws(() => loadConfig({ TRUST_PROXY: bad }), ConfigError, bad);
  }
});

t.test('on DynamoDB the counters are shared by every instance', async (t) => {
  const dynamoDb = await startDynamoDbLocal();
  t.teardown(() => dynamoDb.stop());
  const client = new DynamoDBClient(dynamoDbClientConfig(dynamoDb.endpoint, `t${randomUUID().replaceAll('-', '')}`));
  t.teardown(() => client.destroy());
  await ensureRateLimitTable(client, 'rate-limits');
  await ensureRateLimitTable(client, 'rate-limits'); // a second call finds it and does nothing

  // Windows are aligned to the clock: a fixed clock keeps the run inside one of them.
  const startedAt = Date.now();
  const store = dynamoDbRateLimitStore({ client, tableName: 'rate-limits', keySecret: 'k'.repeat(32), now: () => startedAt });

  /** One Lambda instance: its own Fastify and plugin, the shared table. */
  async function instance() {
    const app = Fastify();
    await app.register(rateLimit, { global: false, store });
    app.post('/sessions', { config: { rateLimit: { max: 5, timeWindow: 60_000 } } }, async () => ({ ok: true }));
    const attempt = accountLimits(app, { max: 2, windowMs: 60_000 }).failures('login', () => 'alice@example.com', hasCode('INVALID_CREDENTIALS'));
    app.post('/account', async (_request, reply) => {
      try {
        await attempt(_request, async () => {
          throw new ApplicationError('INVALID_CREDENTIALS', 'wrong');
        });
      } catch (error) {
        return reply.code(hasCode('RATE_LIMITED')(error) ? 429 : 401).send();
      }
    });
    t.teardown(() => app.close());
    return app;
  }
  const instances = [await instance(), await instance(), await instance()];
  const statuses: number[] = [];
  for (let i = 0; i < 9; i++) {
    const res = await instances[i % 3]!.inject({ method: 'POST', url: '/sessions', remoteAddress: '203.0.113.9' });
    statuses.push(res.statusCode);
    if (res.statusCode === 429) t.ok(Number(res.headers['retry-after']) >= 1, 'with Retry-After');
  }
  t.comment(`9 requests from one address spread over 3 instances: ${statuses.join(' ')}`);
  t.same(statuses, [200, 200, 200, 200, 200, 429, 429, 429, 429], 'five in all pass, not five per instance');
  const account: number[] = [];
  for (let i = 0; i < 4; i++) account.push((await instances[i % 3]!.inject({ method: 'POST', url: '/account' })).statusCode);
  t.same(account, [401, 401, 429, 429], 'failures per account are counted across instances, and a refusal counts none');
  const { Items = [] } = await client.send(new ScanCommand({ TableName: 'rate-limits' }));
  t.ok(Items.length >= 2, 'the counters are items of the table');
  t.notOk(JSON.stringify(Items).match(/alice|203\.0\.113/), 'under keyed hashes: no address or email in the clear');
});

t.test('RATE_LIMIT_TABLE is read with the DynamoDB settings', async (t) => {
  const dynamo = { STORAGE: 'dynamodb', EVENT_STORE_TABLE: 'events', READ_MODEL_TABLE: 'users' };
  t.match(loadConfig({ ...dynamo, RATE_LIMIT_TABLE: 'rate-limits' }).storage, { rateLimitTable: 'rate-limits' });
  t.notOk('rateLimitTable' in loadConfig(dynamo).storage, 'optional');
  t.throws(() => loadConfig({ ...dynamo, RATE_LIMIT_TABLE: 'x' }), ConfigError, 'a table name is checked');
});
