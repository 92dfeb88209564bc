import { execFile } from 'node:child_process';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createHmac, generateKeyPairSync, sign as signWithKey, type KeyObject } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import t from 'tap';
import { loadOrCreateSecret } from '../src/infrastructure/secret-file.js';
import { createLogger } from '../src/logger.js';
import {
  assertProblem,
  bearer,
  buildService,
  decodeJwt,
  TEST_JWT_SECRET,
  testClock,
  unique,
  type SignedUp,
  type TestService,
} from './helper.js';

/**
 * Who may do what, which tokens are refused, when sessions end, and that no secret ever leaves the
 * service, in a response or in a log line.
 */

const env = { JWT_SECRET: TEST_JWT_SECRET };
const eventCount = async (svc: TestService) => (await svc.allEvents()).length;

// ---- JWT forging with node:crypto, independent of the library the service uses ----

type Signer = { alg: 'HS256' | 'HS384' | 'HS512'; secret: string } | { alg: 'RS256'; key: KeyObject } | { alg: 'none' };

function forge(payload: Record<string, unknown>, signer: Signer, header: Record<string, unknown> = {}): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: signer.alg, typ: 'JWT', ...header })}.${encode(payload)}`;
  switch (signer.alg) {
    case 'none':
      return `${input}.`;
    case 'RS256':
      return `${input}.${signWithKey('sha256', Buffer.from(input), signer.key).toString('base64url')}`;
    default:
      return `${input}.${createHmac(`sha${signer.alg.slice(2)}`, signer.secret).update(input).digest('base64url')}`;
  }
}

/** The claims of a real session of `user`, to vary one thing at a time. */
function claimsOf(user: SignedUp): Record<string, unknown> {
  return decodeJwt(user.token).payload;
}

t.test('a session token is HS256 with an expiry and nothing personal', async (t) => {
  const svc = await buildService(t, env);
  const user = await svc.signUp();
  const { header, payload } = decodeJwt(user.token);
  t.match(header, { alg: 'HS256' });
  t.match(payload, { sub: user.id, role: 'user', iss: String, aud: String, exp: Number, iat: Number });
  t.equal((payload['exp'] as number) - (payload['iat'] as number), 3600, 'one hour by default');
  t.notMatch(JSON.stringify(payload), new RegExp(`${user.email}|${user.username}|${user.password}`), 'no email, username or password inside');
});

t.test('JWT_TTL_SECONDS sets the session lifetime', async (t) => {
  const svc = await buildService(t, { ...env, JWT_TTL_SECONDS: '120' });
  const user = await svc.signUp();
  const res = await svc.request({ method: 'POST', url: '/sessions', payload: { email: user.email, password: user.password } });
  t.equal(res.json().expiresIn, 120);
  const { payload } = decodeJwt(res.json().token);
  t.equal((payload['exp'] as number) - (payload['iat'] as number), 120);
});

t.test('401 and 403 on every protected route; admin may act on anyone', async (t) => {
  const svc = await buildService(t, env);
  const alice = await svc.signUp();
  const bob = await svc.signUp();
  await svc.confirmEmail(bob);
  const admin = svc.adminAuth();
  const now = encodeURIComponent(new Date(Date.now() + 60_000).toISOString());

  // Each protected route on Alice, in an order where the admin's own calls leave the next ones possible.
  const routes: Array<{ name: string; request: Omit<InjectOptions, 'headers'>; selfOrAdmin: boolean; adminStatus: number; adminCode?: string }> = [
    { name: 'GET /users/{id}', request: { method: 'GET', url: `/users/${alice.id}` }, selfOrAdmin: true, adminStatus: 200 },
    { name: 'GET /users/{id}?at', request: { method: 'GET', url: `/users/${alice.id}?at=${now}` }, selfOrAdmin: true, adminStatus: 200 },
    { name: 'GET /users/{id}/events', request: { method: 'GET', url: `/users/${alice.id}/events` }, selfOrAdmin: true, adminStatus: 200 },
    { name: 'GET /users?username', request: { method: 'GET', url: `/users?username=${alice.username}` }, selfOrAdmin: false, adminStatus: 200 },
    { name: 'PATCH /users/{id}', request: { method: 'PATCH', url: `/users/${alice.id}`, payload: { name: 'Changed' } }, selfOrAdmin: true, adminStatus: 200 },
    {
      name: 'PUT /users/{id}/email',
      request: { method: 'PUT', url: `/users/${alice.id}/email`, payload: { email: `changed${unique()}@example.com` } },
      selfOrAdmin: true,
      adminStatus: 200,
    },
    {
      name: 'PUT /users/{id}/password',
      request: { method: 'PUT', url: `/users/${alice.id}/password`, payload: { currentPassword: alice.password, newPassword: 'a new password' } },
      selfOrAdmin: true,
      // Only the user, who knows the current password, may change it.
      adminStatus: 403,
      adminCode: 'FORBIDDEN',
    },
    { name: 'DELETE /users/{id}', request: { method: 'DELETE', url: `/users/${alice.id}` }, selfOrAdmin: true, adminStatus: 204 },
  ];

  const badCredentials: Array<[string, Record<string, string>]> = [
    ['no Authorization', {}],
    ['Basic credentials', { authorization: `Basic ${Buffer.from(`${alice.email}:${alice.password}`).toString('base64')}` }],
    ['an empty Bearer', { authorization: 'Bearer ' }],
    ['Bearer without a space', { authorization: `Bearer${alice.token}` }],
    ['two tokens', { authorization: `Bearer ${alice.token} ${alice.token}` }],
    ['garbage', { authorization: 'Bearer garbage' }],
    ['a huge token', { authorization: `Bearer ${'a'.repeat(8000)}` }],
  ];

  for (const route of routes) {
    t.test(route.name, async (t) => {
      const before = await eventCount(svc);
      for (const [label, headers] of badCredentials) {
        assertProblem(t, await svc.request({ ...route.request, headers }), 401, 'UNAUTHORIZED', label);
      }
      const asBob = await svc.request({ ...route.request, headers: bob.auth });
      if (route.selfOrAdmin) assertProblem(t, asBob, 403, 'FORBIDDEN', 'another user');
      else t.equal(asBob.statusCode, 200, 'any signed-in user');
      t.equal(await eventCount(svc), before, 'nothing written by a refused request');

      const asAdmin = await svc.request({ ...route.request, headers: admin });
      if (route.adminCode) assertProblem(t, asAdmin, route.adminStatus, route.adminCode, 'admin');
      else t.equal(asAdmin.statusCode, route.adminStatus, 'admin', { body: asAdmin.body });
    });
  }
});

t.test('forged, foreign and expired tokens are refused', async (t) => {
  const clock = testClock();
  const svc = await buildService(t, env, { clock });
  const user = await svc.signUp();
  const claims = claimsOf(user);
  const url = `/users/${user.id}`;
  const nowSeconds = Math.floor(clock.now().getTime() / 1000);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

  const get = (token: string) => svc.request({ method: 'GET', url, headers: bearer(token) });

  // The forging helper is right: with the service's secret and HS256, a copy of the claims is accepted.
  t.equal((await get(forge(claims, { alg: 'HS256', secret: TEST_JWT_SECRET }))).statusCode, 200, 'control: a faithful copy works');

  const refused: Array<[string, string]> = [
    ['alg none', forge(claims, { alg: 'none' })],
    ['alg none as admin', forge({ ...claims, sub: 'admin', role: 'admin' }, { alg: 'none' })],
    ['alg "None" spelled otherwise', forge(claims, { alg: 'none' }, { alg: 'None' })],
    ['HS384 with the right secret', forge(claims, { alg: 'HS384', secret: TEST_JWT_SECRET })],
    ['HS512 with the right secret', forge(claims, { alg: 'HS512', secret: TEST_JWT_SECRET })],
    ['RS256 with a key of our own', forge(claims, { alg: 'RS256', key: privateKey })],
    ['HS256 with the wrong secret', forge(claims, { alg: 'HS256', secret: 'y'.repeat(48) })],
    ['admin with the wrong secret', forge({ ...claims, sub: 'admin', role: 'admin' }, { alg: 'HS256', secret: 'y'.repeat(48) })],
    ['expired', forge({ ...claims, iat: nowSeconds - 7200, exp: nowSeconds - 3600 }, { alg: 'HS256', secret: TEST_JWT_SECRET })],
    ['no exp', forge(withoutKey(claims, 'exp'), { alg: 'HS256', secret: TEST_JWT_SECRET })],
    ['no sub', forge(withoutKey(claims, 'sub'), { alg: 'HS256', secret: TEST_JWT_SECRET })],
    ['the confirmation audience', forge({ ...claims, aud: 'user-service:email-confirmation' }, { alg: 'HS256', secret: TEST_JWT_SECRET })],
    ['a foreign audience', forge({ ...claims, aud: 'another-service' }, { alg: 'HS256', secret: TEST_JWT_SECRET })],
    ['a foreign issuer', forge({ ...claims, iss: 'someone-else' }, { alg: 'HS256', secret: TEST_JWT_SECRET })],
    ['an unknown role', forge({ ...claims, role: 'root' }, { alg: 'HS256', secret: TEST_JWT_SECRET })],
    ['a changed payload under the old signature', tamper(user.token, { ...claims, role: 'admin' })],
    ['the signature cut off', user.token.split('.').slice(0, 2).join('.') + '.'],
    ['the email confirmation token', svc.mails()[0]!.token],
  ];
  for (const [label, token] of refused) {
    assertProblem(t, await get(token), 401, 'UNAUTHORIZED', label);
  }

  t.test('a session token is not a confirmation token', async (t) => {
    const res = await svc.request({ method: 'POST', url: `${url}/email-confirmation`, payload: { token: user.token } });
    assertProblem(t, res, 400, 'INVALID_TOKEN');
  });

  t.test('a session expires after its ttl', async (t) => {
    clock.advance(3600_000 + 1000);
    assertProblem(t, await get(user.token), 401, 'UNAUTHORIZED', 'an hour later');
  });
});

function withoutKey(claims: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = claims;
  return rest;
}

function tamper(token: string, payload: Record<string, unknown>): string {
  const [header, , signature] = token.split('.');
  return `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;
}

t.test('sessions end with a password change, a reset and a removal', async (t) => {
  // A clock that moves between steps, so that every change happens at an instant of its own.
  const clock = testClock();
  const svc = await buildService(t, env, { clock });
  const tick = () => clock.advance(1000);
  const canRead = async (user: { id: string }, token: string) =>
    (await svc.request({ method: 'GET', url: `/users/${user.id}`, headers: bearer(token) })).statusCode;

  t.test('password change', async (t) => {
    const user = await svc.signUp();
    tick();
    const second = await svc.login(user.email, user.password);
    tick();
    const res = await svc.request({
      method: 'PUT',
      url: `/users/${user.id}/password`,
      headers: user.auth,
      payload: { currentPassword: user.password, newPassword: 'changed password' },
    });
    t.equal(res.statusCode, 204);
    assertProblem(t, await svc.request({ method: 'GET', url: `/users/${user.id}`, headers: user.auth }), 401, 'UNAUTHORIZED', 'the session used');
    t.equal(await canRead(user, second), 401, 'every other session');
    tick();
    t.equal(await canRead(user, await svc.login(user.email, 'changed password')), 200, 'a new session works');
  });

  t.test('password reset', async (t) => {
    const user = await svc.signUp();
    tick();
    await svc.request({ method: 'POST', url: '/password-resets', payload: { email: user.email } });
    t.equal(await canRead(user, user.token), 200, 'requesting a reset ends nothing');
    tick();
    const token = svc.mails().find((mail) => mail.kind === 'password-reset' && mail.userId === user.id)!.token;
    const res = await svc.request({ method: 'POST', url: '/password-resets/confirm', payload: { token, newPassword: 'reset password' } });
    t.equal(res.statusCode, 204);
    t.equal(await canRead(user, user.token), 401, 'the session opened before the reset');
    tick();
    t.equal(await canRead(user, await svc.login(user.email, 'reset password')), 200, 'a new session works');
  });

  t.test('removal, by the user or by an admin', async (t) => {
    const self = await svc.signUp();
    const other = await svc.signUp();
    tick();
    t.equal((await svc.request({ method: 'DELETE', url: `/users/${self.id}`, headers: self.auth })).statusCode, 204);
    t.equal(await canRead(self, self.token), 401, 'self-removal');
    t.equal((await svc.request({ method: 'DELETE', url: `/users/${other.id}`, headers: svc.adminAuth() })).statusCode, 204);
    t.equal(await canRead(other, other.token), 401, 'removal by an admin');
    assertProblem(
      t,
      await svc.request({ method: 'PATCH', url: `/users/${other.id}`, headers: other.auth, payload: { name: 'ghost' } }),
      401,
      'UNAUTHORIZED',
      'no command either',
    );
    // The address and the username are free again, but the old session does not open the new account.
    tick();
    const again = await svc.request({
      method: 'POST',
      url: '/users',
      payload: { email: self.email, username: self.username, password: 'abcdefgh' },
    });
    t.equal(again.statusCode, 201);
    t.equal(await canRead({ id: again.json().id }, self.token), 401, 'the old token, of the removed user, opens nothing');
  });
});

t.test('no password, hash, token or secret in any response or log line', async (t) => {
  const svc = await buildService(t, env);
  const passwords: string[] = [];
  const sessions = new Set<string>();
  const track = (user: SignedUp) => {
    passwords.push(user.password);
    sessions.add(user.token);
    return user;
  };
  const session = async (email: string, password: string) => {
    const token = await svc.login(email, password);
    sessions.add(token);
    return bearer(token);
  };
  const alice = track(await svc.signUp());
  const bob = track(await svc.signUp());

  // A full scenario, failures included.
  const wrongPassword = `wrong-${unique()}-password`;
  passwords.push(wrongPassword);
  await svc.request({ method: 'POST', url: '/sessions', payload: { email: alice.email, password: wrongPassword } });
  const tooLong = `too-long-${unique()}-`.padEnd(129, 'q');
  passwords.push(tooLong);
  await svc.request({ method: 'POST', url: '/users', payload: { email: `x${unique()}@example.com`, username: `x_${unique()}`, password: tooLong } });
  const idempotentPassword = `idem-${unique()}-password`;
  passwords.push(idempotentPassword);
  const carol = { email: `carol${unique()}@example.com`, username: `carol_${unique()}`, password: idempotentPassword };
  for (let i = 0; i < 2; i++) {
    await svc.request({ method: 'POST', url: '/users', headers: { 'idempotency-key': 'register-once' }, payload: carol });
  }
  await svc.request({ method: 'POST', url: '/users', headers: { 'idempotency-key': 'register-once' }, payload: { ...carol, name: 'Other' } });
  const confirmation = svc.mails().find((mail) => mail.userId === alice.id)!.token;
  await svc.request({ method: 'POST', url: `/users/${alice.id}/email-confirmation`, payload: { token: confirmation } });
  await svc.request({ method: 'POST', url: `/users/${alice.id}/email-confirmation`, payload: { token: confirmation } });
  await svc.request({ method: 'GET', url: `/users/${alice.id}`, headers: bearer(confirmation) });
  await svc.request({ method: 'PATCH', url: `/users/${alice.id}`, headers: alice.auth, payload: { name: 'Alice', surname: 'Liddell' } });
  const newEmail = `alice.new${unique()}@example.com`;
  await svc.request({ method: 'PUT', url: `/users/${alice.id}/email`, headers: alice.auth, payload: { email: newEmail } });
  await svc.request({ method: 'GET', url: `/users?email=${encodeURIComponent(bob.email)}`, headers: alice.auth });
  const changed = `changed-${unique()}-password`;
  passwords.push(changed);
  await svc.request({
    method: 'PUT',
    url: `/users/${alice.id}/password`,
    headers: alice.auth,
    payload: { currentPassword: wrongPassword, newPassword: changed },
  });
  await svc.request({
    method: 'PUT',
    url: `/users/${alice.id}/password`,
    headers: alice.auth,
    payload: { currentPassword: alice.password, newPassword: changed },
  });
  await svc.request({ method: 'GET', url: `/users/${alice.id}`, headers: alice.auth });
  await svc.request({ method: 'POST', url: '/password-resets', payload: { email: newEmail } });
  const reset = svc.mails().find((mail) => mail.kind === 'password-reset')!.token;
  const afterReset = `after-reset-${unique()}-password`;
  passwords.push(afterReset);
  await svc.request({ method: 'POST', url: '/password-resets/confirm', payload: { token: reset, newPassword: afterReset } });
  await svc.request({ method: 'POST', url: '/password-resets/confirm', payload: { token: reset, newPassword: afterReset } });
  const aliceAgain = await session(newEmail, afterReset);
  await svc.request({ method: 'GET', url: `/users/${alice.id}/events`, headers: aliceAgain });
  await svc.request({ method: 'GET', url: `/users/${alice.id}/events`, headers: svc.adminAuth() });
  await svc.request({ method: 'DELETE', url: `/users/${bob.id}`, headers: bob.auth });
  await svc.request({ method: 'GET', url: `/users/${bob.id}`, headers: bob.auth });

  // Everything secret the scenario produced, including what only the store holds.
  const hashes: string[] = [];
  for (const event of await svc.allEvents()) {
    for (const key of ['passwordHash', 'tokenHash'] as const) {
      const value = event.data[key];
      if (typeof value === 'string') hashes.push(value, value.split('$').at(-1)!);
    }
  }
  t.ok(hashes.length >= 8, 'the store holds password and token hashes to look for', { count: hashes.length });
  const mailTokens = svc.mails().map((mail) => mail.token);
  const resetSecrets = svc.mails().filter((mail) => mail.kind === 'password-reset').map((mail) => mail.token.split('.')[1]!);
  const derived = ['user-ids', 'idempotency-fingerprints'].map((purpose) =>
    createHmac('sha256', TEST_JWT_SECRET).update(purpose).digest('base64url'),
  );
  const secrets: Array<[string, string[]]> = [
    ['password', passwords],
    ['password hash', hashes],
    ['mailed token', [...mailTokens, ...resetSecrets]],
    ['session token', [...sessions, svc.adminAuth().authorization.slice('Bearer '.length)]],
    ['JWT secret or a key derived from it', [TEST_JWT_SECRET, ...derived]],
  ];
  const words = /passwordHash|tokenHash|scrypt\$/;

  t.ok(svc.responses.length > 20 && svc.rawLogs.length > 40, 'the scan has material', {
    responses: svc.responses.length,
    logLines: svc.rawLogs.length,
  });
  const leaks: string[] = [];
  svc.responses.forEach((res, i) => {
    let body = res.body;
    // The login answer carries the session it opens, by design; nothing else may.
    if (res.statusCode === 200 && /"tokenType":"Bearer"/.test(body)) body = body.replace(/"token":"[^"]+"/, '"token":"…"');
    const text = `${JSON.stringify(res.headers)}\n${body}`;
    for (const [kind, values] of secrets) {
      for (const value of values) if (text.includes(value)) leaks.push(`response ${i}: ${kind}`);
    }
    if (words.test(text)) leaks.push(`response ${i}: ${words.exec(text)![0]}`);
  });
  svc.rawLogs.forEach((line, i) => {
    for (const [kind, values] of secrets) {
      for (const value of values) if (line.includes(value)) leaks.push(`log line ${i}: ${kind}`);
    }
    if (words.test(line)) leaks.push(`log line ${i}: ${words.exec(line)![0]}`);
  });
  t.strictSame(leaks, [], 'no secret anywhere');
  t.notOk(
    svc.logs.some((line) => JSON.stringify(line).toLowerCase().includes('bearer ')),
    'no Authorization header in any log line',
  );
});

t.test('the logger redacts credentials and secrets', async (t) => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const log = createLogger('info', sink);
  const secret = 'SECRET-VALUE-123';
  log.info({ req: { headers: { authorization: `Bearer ${secret}`, cookie: `sid=${secret}` } } }, 'request headers');
  log.info({ headers: { authorization: `Bearer ${secret}` } }, 'bare headers');
  log.info(
    { body: { password: secret, currentPassword: secret, newPassword: secret, token: secret, passwordHash: secret, tokenHash: secret } },
    'one level down',
  );
  log.info({ config: { secret, jwtSecret: secret } }, 'config');
  log.child({ component: 'x' }).info({ user: { passwordHash: secret } }, 'child logger');
  t.equal(lines.length, 5);
  for (const line of lines) {
    t.notOk(line.includes(secret), `redacted: ${(JSON.parse(line) as { msg: string }).msg}`);
    t.match(line, /\[redacted\]/);
  }

  t.test('also at the top level of the merging object', async (t) => {
    // logger.ts promises to blank these "wherever they appear in a log line".
    lines.length = 0;
    log.info({ password: secret, token: secret, passwordHash: secret, secret }, 'top level');
    log.info({ req: { body: { password: secret } } }, 'two levels down');
    t.notOk(lines[0]?.includes(secret), 'top-level keys are redacted', { line: lines[0] });
    t.notOk(lines[1]?.includes(secret), 'a password in a request body is redacted', { line: lines[1] });
  });
});

t.test('GET /users?… returns only id, username and status', async (t) => {
  const svc = await buildService(t, env);
  const alice = await svc.signUp();
  await svc.confirmEmail(alice);
  const bob = await svc.signUp();
  await svc.request({ method: 'PATCH', url: `/users/${bob.id}`, headers: bob.auth, payload: { name: 'Bob', surname: 'Builder' } });
  for (const [query, headers] of [[`email=${encodeURIComponent(bob.email)}`, svc.adminAuth()], [`username=${bob.username}`, alice.auth]] as const) {
    const res = await svc.request({ method: 'GET', url: `/users?${query}`, headers });
    t.equal(res.statusCode, 200);
    const items = res.json().items as Array<Record<string, unknown>>;
    t.equal(items.length, 1);
    t.strictSame(Object.keys(items[0]!).sort(), ['id', 'status', 'username'], query);
    t.notMatch(res.body, new RegExp(`${bob.email}|Builder|createdAt|version`), 'no other personal data');
  }
});

t.test('login and password resets are rate limited', async (t) => {
  const limited: Array<[string, (user: SignedUp) => InjectOptions]> = [
    ['POST /sessions', (user) => ({ method: 'POST', url: '/sessions', payload: { email: user.email, password: 'wrong password' } })],
    ['POST /password-resets', (user) => ({ method: 'POST', url: '/password-resets', payload: { email: user.email } })],
    ['POST /password-resets/confirm', (user) => ({ method: 'POST', url: '/password-resets/confirm', payload: { token: `${user.id}.guess`, newPassword: 'a new password' } })],
  ];
  for (const [name, request] of limited) {
    t.test(name, async (t) => {
      const svc = await buildService(t, { ...env, RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_SECONDS: '60' });
      // Registered directly: signUp would log in, and spend one of the three logins.
      const n = unique();
      const created = await svc.request({
        method: 'POST',
        url: '/users',
        payload: { email: `limited${n}@example.com`, username: `limited_${n}`, password: `pw-${n}-limited` },
      });
      const user = { id: created.json().id, email: `limited${n}@example.com`, password: `pw-${n}-limited` } as SignedUp;
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        // A client that claims another address each time is still the same client: no proxy is trusted.
        statuses.push((await svc.request({ ...request(user), headers: { 'x-forwarded-for': `10.0.0.${i}` } })).statusCode);
      }
      t.notOk(statuses.includes(429), 'the first three pass', { statuses });
      const limitedRes = await svc.request({ ...request(user), headers: { 'x-forwarded-for': '10.0.0.99' } });
      assertProblem(t, limitedRes, 429, 'RATE_LIMITED', 'the fourth');
      if (name === 'POST /sessions') {
        const right = await svc.request({ method: 'POST', url: '/sessions', payload: { email: user.email, password: user.password } });
        assertProblem(t, right, 429, 'RATE_LIMITED', 'even with the right password');
      }
    });
  }
});

t.test('the generated JWT secret', async (t) => {
  const svc = await buildService(t); // no JWT_SECRET: the service generates one in its data directory
  const file = join(svc.dataDir, 'jwt-secret');
  t.equal(statSync(file).mode & 0o777, 0o600, 'the file is readable by its owner only');
  const secret = readFileSync(file, 'utf8').trim();
  t.ok(Buffer.byteLength(secret) >= 32, 'at least 32 bytes');
  t.ok(svc.rawLogs.some((line) => line.includes('JWT_SECRET is not set')), 'a warning says so');
  t.notOk(svc.rawLogs.some((line) => line.includes(secret)), 'without the secret');
  const user = await svc.signUp();
  t.equal(decodeJwt(user.token).header['alg'], 'HS256');
  t.equal((await svc.request({ method: 'GET', url: `/users/${user.id}`, headers: svc.adminAuth() })).statusCode, 200, 'sessions are signed with it');

  t.test('a secret file others can read is refused', async (t) => {
    chmodSync(file, 0o644);
    t.throws(() => loadOrCreateSecret(svc.dataDir, 'jwt-secret'), /chmod 600/);
    chmodSync(file, 0o600);
    t.equal(loadOrCreateSecret(svc.dataDir, 'jwt-secret').secret, secret, 'and the same secret is read back');
  });

  t.test('pnpm admin-token names its operator, lasts 15 minutes, and the events record who acted', async (t) => {
    // Run the built script as `pnpm admin-token` does (`pnpm test` builds first): loading it from source
    // through the TypeScript loader costs seconds per run on a loaded machine.
    const script = fileURLToPath(new URL('../dist/admin-token.js', import.meta.url));
    const childEnv: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: svc.dataDir };
    delete childEnv['JWT_SECRET'];
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, [script, ...args], { env: childEnv }).then(
        ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );

    const { stdout } = await run(['--operator', 'alice.ops']);
    const token = stdout.trim();
    const { payload } = decodeJwt(token);
    t.match(payload, { role: 'admin', sub: 'alice.ops', exp: Number, iat: Number });
    t.equal((payload['exp'] as number) - (payload['iat'] as number), 900, 'a short default lifetime: 15 minutes');
    const res = await svc.request({ method: 'GET', url: `/users/${user.id}`, headers: bearer(token) });
    t.equal(res.statusCode, 200, 'the service accepts it');
    const patch = await svc.request({ method: 'PATCH', url: `/users/${user.id}`, headers: bearer(token), payload: { name: 'Set By Ops' } });
    t.equal(patch.statusCode, 200);
    t.match((await svc.stream(user.id)).at(-1)?.metadata, { actor: 'admin:alice.ops' }, 'the event names the operator');

    const longer = decodeJwt((await run(['--operator', 'bob', '--ttl', '3600'])).stdout.trim()).payload;
    t.equal((longer['exp'] as number) - (longer['iat'] as number), 3600, '--ttl sets the lifetime');
    const help = await run(['--help']);
    t.match(help, { code: 0, stdout: /Usage: pnpm admin-token --operator <name>/ }, '--help prints usage');
    for (const bad of [[], ['--operator', 'a b'], ['--operator', 'x', '--ttl', '1e9'], ['--who', 'x']]) {
      const refused = await run(bad);
      t.match(refused, { code: 64, stdout: '', stderr: /Usage: pnpm admin-token/ }, `refused, printing no token: ${bad.join(' ') || '(no flags)'}`);
    }
  });
});

t.test('a token verified once is kept, and nothing that differs from it rides on that', async (t) => {
  const { createJwtService } = await import('../src/infrastructure/jwt.js');
  const secret = 'cache-test-secret-'.padEnd(48, 'y');
  const tokens = createJwtService({ secret, sessionTtlSeconds: 60, emailConfirmationTtlSeconds: 60 });
  const token = tokens.issueSession({ subject: 'u-1', role: 'user', passwordSetAt: '2030-01-01T00:00:00.000Z' });
  t.same(tokens.verifySession(token), { subject: 'u-1', role: 'user', passwordSetAt: '2030-01-01T00:00:00.000Z' });
  t.same(tokens.verifySession(token), tokens.verifySession(token), 'verified again from the cache, with the same claims');

  const [header, payload, signature] = token.split('.') as [string, string, string];
  const flipped = `${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`;
  t.throws(() => tokens.verifySession(`${header}.${payload}.${flipped}`), 'another signature is verified, and refused');
  const admin = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), role: 'admin' })).toString('base64url');
  t.throws(() => tokens.verifySession(`${header}.${admin}.${signature}`), 'so is another payload under the cached signature');
  const other = createJwtService({ secret: 'another-secret-'.padEnd(48, 'z'), sessionTtlSeconds: 60, emailConfirmationTtlSeconds: 60 });
  t.throws(() => other.verifySession(token), 'a service with another secret has its own cache');
  t.throws(() => tokens.verifyEmailConfirmation(token), 'and a session token is no confirmation token');

  let now = Date.parse('2030-01-01T00:00:00.000Z');
  const clocked = createJwtService({ secret, sessionTtlSeconds: 60, emailConfirmationTtlSeconds: 60, now: () => now });
  const short = clocked.issueSession({ subject: 'u-2', role: 'user' });
  t.equal(clocked.verifySession(short).subject, 'u-2');
  now += 59_000;
  t.equal(clocked.verifySession(short).subject, 'u-2', 'kept while it is valid');
  now += 2_000;
  t.throws(() => clocked.verifySession(short), 'a kept token still expires on time');
});

t.test('request ids are the server’s own; a client’s X-Request-Id only labels its access line', async (t) => {
  const svc = await buildService(t);
  const alice = await svc.signUp();
  const res = await svc.request({
    method: 'PATCH',
    url: `/users/${alice.id}`,
    headers: { ...alice.auth, 'x-request-id': 'client-chosen-id' },
    payload: { name: 'Labelled' },
  });
  t.equal(res.statusCode, 200);
  const serverId = String(res.headers['x-request-id']);
  t.match(serverId, /^[0-9a-f-]{36}$/, 'the response carries a server-generated id');
  const last = (await svc.stream(alice.id)).at(-1)!;
  t.equal(last.metadata.correlationId, serverId, 'the event is correlated by the server id');
  t.not(last.metadata.correlationId, 'client-chosen-id');
  const access = svc.logs.find((line) => line['reqId'] === serverId && line['msg'] === 'request completed');
  t.match(access, { clientRequestId: 'client-chosen-id' }, 'the access line names the client id too');

  // An over-long or odd client id is ignored, for an account that exists and for one that does not alike.
  for (const email of [alice.email, `nobody-${alice.id}@example.com`]) {
    const reset = await svc.request({
      method: 'POST',
      url: '/password-resets',
      headers: { 'x-request-id': 'x'.repeat(300) },
      payload: { email },
    });
    t.equal(reset.statusCode, 202, `an over-long X-Request-Id changes nothing (${email === alice.email ? 'known' : 'unknown'})`);
  }
  t.notOk(svc.logs.some((line) => String(line['clientRequestId'] ?? '').length > 128), 'and is not logged');
});

t.test('an email in a query string never reaches the request log', async (t) => {
  const svc = await buildService(t);
  const alice = await svc.signUp();
  const url = `/users?email=${encodeURIComponent(alice.email)}`;
  const res = await svc.request({ method: 'GET', url, headers: svc.adminAuth() });
  t.equal(res.statusCode, 200);
  const line = svc.logs.find((entry) => entry['reqId'] === res.headers['x-request-id'] && entry['msg'] === 'request completed');
  t.match(line, { req: { method: 'GET', url: '/users?email=[redacted]' } }, 'the address is blanked in the logged URL');
  const local = alice.email.split('@')[0]!;
  t.notOk(svc.rawLogs.some((raw) => raw.includes(local)), 'and appears on no log line of the whole run');
});
