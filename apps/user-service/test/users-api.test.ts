import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { assertProblem, buildService, TEST_JWT_SECRET, testClock, unique, type TestService } from './helper.js';

/**
 * Every route of the API: its happy path and each failure the issue lists, with status, `code` and
 * content type. Time travel (`?at`, `?version`) lives in concurrency-and-idempotency.test.ts.
 */

const env = { JWT_SECRET: TEST_JWT_SECRET };
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const USER_VIEW_KEYS = ['createdAt', 'email', 'id', 'name', 'status', 'surname', 'updatedAt', 'username', 'version'];

const eventCount = async (svc: TestService) => (await svc.allEvents()).length;
const confirmationFor = (svc: TestService, email: string) =>
  svc.mails().filter((mail) => mail.kind === 'email-confirmation' && mail.to === email.toLowerCase());
const resetFor = (svc: TestService, email: string) =>
  svc.mails().filter((mail) => mail.kind === 'password-reset' && mail.to === email.toLowerCase());

t.test('POST /users', async (t) => {
  const svc = await buildService(t, env);
  const n = unique();
  const payload = {
    email: `Mixed.Case${n}@Example.COM`,
    username: `Ada_${n}`,
    password: `correct horse ${n}`,
    name: 'Ada',
    surname: 'Lovelace',
  };

  const res = await svc.request({ method: 'POST', url: '/users', payload });
  t.equal(res.statusCode, 201, 'created');
  t.match(res.headers['content-type'], /^application\/json/);
  const user = res.json();
  t.strictSame(Object.keys(user).sort(), USER_VIEW_KEYS, 'exactly the fields of a user view');
  t.match(user, {
    id: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    email: payload.email.toLowerCase(),
    username: payload.username,
    name: 'Ada',
    surname: 'Lovelace',
    status: 'registered',
    version: 1,
    createdAt: ISO,
    updatedAt: ISO,
  });
  t.equal(res.headers.location, `/users/${user.id}`, 'Location names the new user');
  t.equal(res.headers.etag, '"1"', 'ETag is the stream version');

  const mails = svc.mails();
  t.equal(mails.length, 1, 'one mail');
  t.match(mails[0], { to: payload.email.toLowerCase(), kind: 'email-confirmation', userId: user.id, token: /\S{20,}/ });

  const withoutNames = await svc.request({
    method: 'POST',
    url: '/users',
    payload: { email: `plain${n}@example.com`, username: `plain_${n}`, password: 'abcdefgh' },
  });
  t.equal(withoutNames.statusCode, 201, 'name and surname are optional');
  t.match(withoutNames.json(), { name: null, surname: null });
  const nulls = await svc.request({
    method: 'POST',
    url: '/users',
    payload: { email: `nulls${n}@example.com`, username: `nulls_${n}`, password: 'abcdefgh', name: null, surname: null },
  });
  t.equal(nulls.statusCode, 201, 'name and surname may be null');

  t.test('400 VALIDATION_FAILED names what is wrong', async (t) => {
    const before = await eventCount(svc);
    const bad = await svc.request({
      method: 'POST',
      url: '/users',
      payload: { email: 'nope', username: 'x', password: 'short' },
    });
    assertProblem(t, bad, 400, 'VALIDATION_FAILED');
    const paths = (bad.json().errors as Array<{ path: string }>).map((error) => error.path);
    t.ok(paths.includes('body/email') && paths.includes('body/username') && paths.includes('body/password'), 'every bad field is listed', { paths });
    t.equal(await eventCount(svc), before, 'nothing written');
  });

  t.test('409 EMAIL_TAKEN, compared case-insensitively', async (t) => {
    const before = await eventCount(svc);
    const mailsBefore = svc.mails().length;
    const res = await svc.request({
      method: 'POST',
      url: '/users',
      payload: { email: payload.email.toUpperCase(), username: `other_${n}`, password: 'abcdefgh' },
    });
    assertProblem(t, res, 409, 'EMAIL_TAKEN');
    t.equal(await eventCount(svc), before, 'nothing written');
    t.equal(svc.mails().length, mailsBefore, 'no mail for a refused registration');
  });

  t.test('409 USERNAME_TAKEN, compared case-insensitively', async (t) => {
    const before = await eventCount(svc);
    const res = await svc.request({
      method: 'POST',
      url: '/users',
      payload: { email: `other${n}@example.com`, username: payload.username.toUpperCase(), password: 'abcdefgh' },
    });
    assertProblem(t, res, 409, 'USERNAME_TAKEN');
    t.equal(await eventCount(svc), before, 'nothing written');
  });
});

t.test('POST /sessions', async (t) => {
  const svc = await buildService(t, env);
  const user = await svc.signUp();

  const res = await svc.request({
    method: 'POST',
    url: '/sessions',
    payload: { email: user.email.toUpperCase(), password: user.password },
  });
  t.equal(res.statusCode, 200, 'the email is compared case-insensitively');
  t.match(res.headers['content-type'], /^application\/json/);
  const session = res.json();
  t.strictSame(Object.keys(session).sort(), ['expiresIn', 'token', 'tokenType']);
  t.match(session, { token: /^[\w-]+\.[\w-]+\.[\w-]+$/, tokenType: 'Bearer', expiresIn: 3600 });
  const me = await svc.request({ method: 'GET', url: `/users/${user.id}`, headers: { authorization: `Bearer ${session.token}` } });
  t.equal(me.statusCode, 200, 'the token opens a session');

  const wrongPassword = await svc.request({
    method: 'POST',
    url: '/sessions',
    payload: { email: user.email, password: 'not the password' },
  });
  assertProblem(t, wrongPassword, 401, 'INVALID_CREDENTIALS', 'wrong password');
  const unknownEmail = await svc.request({
    method: 'POST',
    url: '/sessions',
    payload: { email: `nobody${unique()}@example.com`, password: 'not the password' },
  });
  assertProblem(t, unknownEmail, 401, 'INVALID_CREDENTIALS', 'unknown email');
  t.strictSame(unknownEmail.json(), wrongPassword.json(), 'an unknown email and a wrong password get the same answer');
  t.equal(unknownEmail.headers['content-type'], wrongPassword.headers['content-type']);
});

t.test('GET /users/{id}', async (t) => {
  const svc = await buildService(t, env);
  const alice = await svc.signUp();
  const bob = await svc.signUp();
  const admin = svc.adminAuth();

  const self = await svc.request({ method: 'GET', url: `/users/${alice.id}`, headers: alice.auth });
  t.equal(self.statusCode, 200, 'self');
  t.equal(self.headers.etag, '"1"');
  t.match(self.json(), { id: alice.id, email: alice.email, username: alice.username, status: 'registered', version: 1 });
  t.strictSame(Object.keys(self.json()).sort(), USER_VIEW_KEYS);

  const asAdmin = await svc.request({ method: 'GET', url: `/users/${alice.id}`, headers: admin });
  t.equal(asAdmin.statusCode, 200, 'admin');
  t.strictSame(asAdmin.json(), self.json());

  assertProblem(t, await svc.request({ method: 'GET', url: `/users/${alice.id}` }), 401, 'UNAUTHORIZED', 'anonymous');
  assertProblem(
    t,
    await svc.request({ method: 'GET', url: `/users/${alice.id}`, headers: bob.auth }),
    403,
    'FORBIDDEN',
    'another user',
  );
  assertProblem(
    t,
    await svc.request({ method: 'GET', url: '/users/00000000-0000-4000-8000-000000000000', headers: admin }),
    404,
    'USER_NOT_FOUND',
    'unknown id',
  );

  t.equal((await svc.request({ method: 'DELETE', url: `/users/${bob.id}`, headers: admin })).statusCode, 204);
  assertProblem(
    t,
    await svc.request({ method: 'GET', url: `/users/${bob.id}`, headers: admin }),
    404,
    'USER_NOT_FOUND',
    'a removed user',
  );
});

t.test('GET /users?email=… and ?username=…', async (t) => {
  const svc = await buildService(t, env);
  const alice = await svc.signUp();
  const bob = await svc.signUp();

  const emailQuery = `/users?email=${encodeURIComponent(bob.email.toUpperCase())}`;
  const byEmail = await svc.request({ method: 'GET', url: emailQuery, headers: svc.adminAuth() });
  t.equal(byEmail.statusCode, 200, 'an admin may look up by email, case-insensitively');
  t.strictSame(byEmail.json(), { items: [{ id: bob.id, username: bob.username, status: 'registered' }] });
  assertProblem(t, await svc.request({ method: 'GET', url: emailQuery, headers: alice.auth }), 403, 'FORBIDDEN', 'a user may not');
  assertProblem(
    t,
    await svc.request({ method: 'GET', url: `/users?username=${bob.username}`, headers: alice.auth }),
    403,
    'EMAIL_NOT_CONFIRMED',
    'an unconfirmed account may not look anyone up',
  );
  await svc.confirmEmail(alice);

  const byUsername = await svc.request({
    method: 'GET',
    url: `/users?username=${encodeURIComponent(bob.username.toUpperCase())}`,
    headers: alice.auth,
  });
  t.equal(byUsername.statusCode, 200);
  t.strictSame(byUsername.json(), { items: [{ id: bob.id, username: bob.username, status: 'registered' }] }, 'by username, case-insensitively');

  const none = await svc.request({ method: 'GET', url: '/users?username=nobody_here', headers: alice.auth });
  t.strictSame(none.json(), { items: [] }, 'no match is an empty list');

  assertProblem(t, await svc.request({ method: 'GET', url: '/users', headers: alice.auth }), 400, 'VALIDATION_FAILED', 'no filter');
  assertProblem(
    t,
    await svc.request({
      method: 'GET',
      url: `/users?email=${encodeURIComponent(bob.email)}&username=${bob.username}`,
      headers: alice.auth,
    }),
    400,
    'VALIDATION_FAILED',
    'two filters',
  );
  assertProblem(t, await svc.request({ method: 'GET', url: `/users?username=${bob.username}` }), 401, 'UNAUTHORIZED', 'anonymous');

  await svc.request({ method: 'DELETE', url: `/users/${bob.id}`, headers: bob.auth });
  const gone = await svc.request({ method: 'GET', url: `/users?username=${bob.username}`, headers: alice.auth });
  t.strictSame(gone.json(), { items: [] }, 'a removed user is not found');
});

t.test('PATCH /users/{id}', async (t) => {
  const svc = await buildService(t, env);
  const alice = await svc.signUp();
  const bob = await svc.signUp();
  const url = `/users/${alice.id}`;
  const newName = `alice_${unique()}`;

  const res = await svc.request({
    method: 'PATCH',
    url,
    headers: alice.auth,
    payload: { username: newName, name: 'Alice', surname: 'Liddell' },
  });
  t.equal(res.statusCode, 200);
  t.equal(res.headers.etag, '"2"', 'a new ETag');
  t.match(res.json(), { username: newName, name: 'Alice', surname: 'Liddell', version: 2, email: alice.email });

  const partial = await svc.request({ method: 'PATCH', url, headers: alice.auth, payload: { name: null } });
  t.equal(partial.statusCode, 200);
  t.match(partial.json(), { username: newName, name: null, surname: 'Liddell', version: 3 }, 'null clears, absent stays');

  const before = await eventCount(svc);
  const noop = await svc.request({ method: 'PATCH', url, headers: alice.auth, payload: { surname: 'Liddell' } });
  t.equal(noop.statusCode, 200, 'a change to the same value is fine');
  t.equal(noop.headers.etag, '"3"', 'and keeps the version');
  t.equal(await eventCount(svc), before, 'and records nothing');

  const got = await svc.request({ method: 'GET', url, headers: alice.auth });
  t.strictSame(got.json(), partial.json(), 'the read model follows');

  const recased = await svc.request({ method: 'PATCH', url, headers: alice.auth, payload: { username: newName.toUpperCase() } });
  t.equal(recased.statusCode, 200, 'a user may change the casing of their own username');
  t.equal(recased.json().username, newName.toUpperCase());

  t.test('the old username is free, the new one taken', async (t) => {
    const freed = await svc.request({
      method: 'POST',
      url: '/users',
      payload: { email: `x${unique()}@example.com`, username: alice.username, password: 'abcdefgh' },
    });
    t.equal(freed.statusCode, 201);
    const taken = await svc.request({
      method: 'POST',
      url: '/users',
      payload: { email: `x${unique()}@example.com`, username: newName, password: 'abcdefgh' },
    });
    assertProblem(t, taken, 409, 'USERNAME_TAKEN');
  });

  t.test('409 USERNAME_TAKEN', async (t) => {
    const before = await eventCount(svc);
    const res = await svc.request({ method: 'PATCH', url, headers: alice.auth, payload: { username: bob.username.toUpperCase() } });
    assertProblem(t, res, 409, 'USERNAME_TAKEN');
    t.equal(await eventCount(svc), before, 'nothing written');
  });

  t.test('If-Match', async (t) => {
    const current = (await svc.request({ method: 'GET', url, headers: alice.auth })).headers.etag as string;
    const ok = await svc.request({ method: 'PATCH', url, headers: { ...alice.auth, 'if-match': current }, payload: { name: 'Current' } });
    t.equal(ok.statusCode, 200, 'the current ETag is accepted');
    const before = await eventCount(svc);
    const stale = await svc.request({ method: 'PATCH', url, headers: { ...alice.auth, 'if-match': current }, payload: { name: 'Stale' } });
    assertProblem(t, stale, 412, 'VERSION_CONFLICT', 'a stale ETag');
    const weak = await svc.request({ method: 'PATCH', url, headers: { ...alice.auth, 'if-match': `W/${current}` }, payload: { name: 'Stale' } });
    assertProblem(t, weak, 412, 'VERSION_CONFLICT', 'a stale weak ETag');
    const latest = (await svc.request({ method: 'GET', url, headers: alice.auth })).headers.etag as string;
    const weakCurrent = await svc.request({ method: 'PATCH', url, headers: { ...alice.auth, 'if-match': `W/${latest}` }, payload: { name: 'Weak' } });
    assertProblem(t, weakCurrent, 412, 'VERSION_CONFLICT', 'a weak ETag never matches, not even the current version (strong comparison)');
    t.equal(await eventCount(svc), before, 'nothing written');
    const any = await svc.request({ method: 'PATCH', url, headers: { ...alice.auth, 'if-match': '*' }, payload: { name: 'Any' } });
    t.equal(any.statusCode, 200, 'If-Match: * matches a user that exists');
    t.equal(any.json().name, 'Any');
  });

  t.test('412 for a stale If-Match even when the change would be a no-op at that version', async (t) => {
    // The caller saw version 2 (name "Alice"); the user has moved on since. Asking to keep what the caller
    // saw must not answer 200 with the old view, as if nothing had happened in between.
    const before = await eventCount(svc);
    const stale = await svc.request({ method: 'PATCH', url, headers: { ...alice.auth, 'if-match': '"2"' }, payload: { name: 'Alice' } });
    assertProblem(t, stale, 412, 'VERSION_CONFLICT', 'no-op at a stale version');
    const zero = await svc.request({ method: 'PATCH', url, headers: { ...alice.auth, 'if-match': '"0"' }, payload: { name: 'Zero' } });
    assertProblem(t, zero, 412, 'VERSION_CONFLICT', 'version 0 of an existing user');
    t.equal(await eventCount(svc), before, 'nothing written');
  });

  t.test('self or admin only', async (t) => {
    assertProblem(t, await svc.request({ method: 'PATCH', url, headers: bob.auth, payload: { name: 'Mallory' } }), 403, 'FORBIDDEN');
    assertProblem(t, await svc.request({ method: 'PATCH', url, payload: { name: 'Mallory' } }), 401, 'UNAUTHORIZED');
    const admin = await svc.request({ method: 'PATCH', url, headers: svc.adminAuth(), payload: { surname: 'Admin-set' } });
    t.equal(admin.statusCode, 200, 'admin');
    t.equal(admin.json().surname, 'Admin-set');
  });
});

t.test('PUT /users/{id}/email and POST /users/{id}/email-confirmation', async (t) => {
  const svc = await buildService(t, env);
  const alice = await svc.signUp();
  const bob = await svc.signUp();
  const firstToken = confirmationFor(svc, alice.email)[0]!.token;

  t.test('POST /users/{id}/email-confirmation', async (t) => {
    assertProblem(
      t,
      await svc.request({ method: 'POST', url: `/users/${bob.id}/email-confirmation`, payload: { token: firstToken } }),
      400,
      'INVALID_TOKEN',
      "another user's token",
    );
    assertProblem(
      t,
      await svc.request({ method: 'POST', url: `/users/${alice.id}/email-confirmation`, payload: { token: 'not-a-token' } }),
      400,
      'INVALID_TOKEN',
      'garbage',
    );
    // Anyone holding the token may confirm: no session needed.
    const res = await svc.request({ method: 'POST', url: `/users/${alice.id}/email-confirmation`, payload: { token: firstToken } });
    t.equal(res.statusCode, 200);
    t.equal(res.headers.etag, '"2"');
    t.match(res.json(), { id: alice.id, status: 'confirmed', version: 2 });
    const again = await svc.request({ method: 'POST', url: `/users/${alice.id}/email-confirmation`, payload: { token: firstToken } });
    assertProblem(t, again, 409, 'INVALID_STATE', 'already confirmed');
  });

  t.test('PUT /users/{id}/email', async (t) => {
    const newEmail = `New.Address${unique()}@Example.com`;
    const res = await svc.request({ method: 'PUT', url: `/users/${alice.id}/email`, headers: alice.auth, payload: { email: newEmail } });
    t.equal(res.statusCode, 200);
    t.equal(res.headers.etag, '"3"');
    t.match(res.json(), { email: newEmail.toLowerCase(), status: 'registered', version: 3 }, 'back to registered');
    const mails = confirmationFor(svc, newEmail);
    t.equal(mails.length, 1, 'a confirmation mail to the new address');

    assertProblem(
      t,
      await svc.request({ method: 'POST', url: `/users/${alice.id}/email-confirmation`, payload: { token: firstToken } }),
      400,
      'INVALID_TOKEN',
      'a token for the old address',
    );
    const confirmed = await svc.request({
      method: 'POST',
      url: `/users/${alice.id}/email-confirmation`,
      payload: { token: mails[0]!.token },
    });
    t.equal(confirmed.statusCode, 200);
    t.match(confirmed.json(), { email: newEmail.toLowerCase(), status: 'confirmed' });

    t.equal((await svc.request({ method: 'POST', url: '/sessions', payload: { email: newEmail, password: alice.password } })).statusCode, 200, 'login with the new address');
    assertProblem(
      t,
      await svc.request({ method: 'POST', url: '/sessions', payload: { email: alice.email, password: alice.password } }),
      401,
      'INVALID_CREDENTIALS',
      'not with the old one',
    );
    const reuse = await svc.request({
      method: 'POST',
      url: '/users',
      payload: { email: alice.email, username: `reuse_${unique()}`, password: 'abcdefgh' },
    });
    t.equal(reuse.statusCode, 201, 'the old address is free again');

    const before = await eventCount(svc);
    assertProblem(
      t,
      await svc.request({ method: 'PUT', url: `/users/${alice.id}/email`, headers: alice.auth, payload: { email: bob.email.toUpperCase() } }),
      409,
      'EMAIL_TAKEN',
    );
    assertProblem(
      t,
      await svc.request({ method: 'PUT', url: `/users/${alice.id}/email`, headers: bob.auth, payload: { email: `x${unique()}@example.com` } }),
      403,
      'FORBIDDEN',
    );
    assertProblem(
      t,
      await svc.request({ method: 'PUT', url: `/users/${alice.id}/email`, payload: { email: `x${unique()}@example.com` } }),
      401,
      'UNAUTHORIZED',
    );
    t.equal(await eventCount(svc), before, 'nothing written by the refusals');

    const byAdmin = await svc.request({
      method: 'PUT',
      url: `/users/${bob.id}/email`,
      headers: svc.adminAuth(),
      payload: { email: `bob.new${unique()}@example.com` },
    });
    t.equal(byAdmin.statusCode, 200, 'admin may change anyone’s address');
  });

  t.test('a confirmation token expires', async (t) => {
    const clock = testClock();
    const timed = await buildService(t, env, { clock });
    const early = await timed.signUp();
    const late = await timed.signUp();
    clock.advance(7 * 86_400_000 - 60_000);
    const inTime = await timed.request({
      method: 'POST',
      url: `/users/${early.id}/email-confirmation`,
      payload: { token: confirmationFor(timed, early.email)[0]!.token },
    });
    t.equal(inTime.statusCode, 200, 'valid for 7 days');
    clock.advance(120_000);
    assertProblem(
      t,
      await timed.request({
        method: 'POST',
        url: `/users/${late.id}/email-confirmation`,
        payload: { token: confirmationFor(timed, late.email)[0]!.token },
      }),
      400,
      'INVALID_TOKEN',
      'after 7 days',
    );
  });
});

t.test('PUT /users/{id}/password', async (t) => {
  const svc = await buildService(t, env);
  const alice = await svc.signUp();
  const bob = await svc.signUp();
  const url = `/users/${alice.id}/password`;
  const newPassword = `new password ${unique()}`;

  const before = await eventCount(svc);
  assertProblem(
    t,
    await svc.request({ method: 'PUT', url, headers: alice.auth, payload: { currentPassword: 'wrong password', newPassword } }),
    401,
    'INVALID_CREDENTIALS',
    'wrong current password',
  );
  assertProblem(
    t,
    await svc.request({ method: 'PUT', url, headers: bob.auth, payload: { currentPassword: alice.password, newPassword } }),
    403,
    'FORBIDDEN',
    'another user',
  );
  assertProblem(
    t,
    await svc.request({ method: 'PUT', url, headers: svc.adminAuth(), payload: { currentPassword: alice.password, newPassword } }),
    403,
    'FORBIDDEN',
    'not even an admin: only the user',
  );
  assertProblem(t, await svc.request({ method: 'PUT', url, payload: { currentPassword: alice.password, newPassword } }), 401, 'UNAUTHORIZED');
  t.equal(await eventCount(svc), before, 'nothing written by the refusals');

  const res = await svc.request({ method: 'PUT', url, headers: alice.auth, payload: { currentPassword: alice.password, newPassword } });
  t.equal(res.statusCode, 204);
  t.equal(res.body, '', 'no content');
  t.equal(await eventCount(svc), before + 1);
  assertProblem(
    t,
    await svc.request({ method: 'POST', url: '/sessions', payload: { email: alice.email, password: alice.password } }),
    401,
    'INVALID_CREDENTIALS',
    'the old password no longer works',
  );
  t.equal((await svc.request({ method: 'POST', url: '/sessions', payload: { email: alice.email, password: newPassword } })).statusCode, 200, 'the new one does');
});

t.test('POST /password-resets and /password-resets/confirm', async (t) => {
  const clock = testClock();
  const svc = await buildService(t, env, { clock });
  const alice = await svc.signUp();
  const newPassword = `reset password ${unique()}`;

  const res = await svc.request({ method: 'POST', url: '/password-resets', payload: { email: alice.email.toUpperCase() } });
  t.equal(res.statusCode, 202);
  const mails = resetFor(svc, alice.email);
  t.equal(mails.length, 1, 'a reset mail');
  const token = mails[0]!.token;

  t.test('an unknown address gets the same answer, and no mail', async (t) => {
    const before = await eventCount(svc);
    const mailCount = svc.mails().length;
    const unknown = await svc.request({ method: 'POST', url: '/password-resets', payload: { email: `nobody${unique()}@example.com` } });
    t.equal(unknown.statusCode, res.statusCode);
    t.equal(unknown.body, res.body);
    t.equal(unknown.headers['content-type'], res.headers['content-type']);
    t.equal(svc.mails().length, mailCount, 'no mail');
    t.equal(await eventCount(svc), before, 'nothing written');
  });

  t.test('confirm', async (t) => {
    assertProblem(
      t,
      await svc.request({ method: 'POST', url: '/password-resets/confirm', payload: { token: `${alice.id}.forged`, newPassword } }),
      400,
      'INVALID_TOKEN',
      'a guessed token',
    );
    assertProblem(
      t,
      await svc.request({ method: 'POST', url: '/password-resets/confirm', payload: { token: 'garbage', newPassword } }),
      400,
      'INVALID_TOKEN',
      'garbage',
    );
    clock.advance(30 * 60_000);
    const ok = await svc.request({ method: 'POST', url: '/password-resets/confirm', payload: { token, newPassword } });
    t.equal(ok.statusCode, 204);
    t.equal(ok.body, '');
    t.equal((await svc.request({ method: 'POST', url: '/sessions', payload: { email: alice.email, password: newPassword } })).statusCode, 200, 'the new password works');
    assertProblem(
      t,
      await svc.request({ method: 'POST', url: '/sessions', payload: { email: alice.email, password: alice.password } }),
      401,
      'INVALID_CREDENTIALS',
      'the old one does not',
    );
    const before = await eventCount(svc);
    assertProblem(
      t,
      await svc.request({ method: 'POST', url: '/password-resets/confirm', payload: { token, newPassword: 'yet another one' } }),
      400,
      'INVALID_TOKEN',
      'single use',
    );
    t.equal(await eventCount(svc), before, 'nothing written');
  });

  t.test('a reset token expires after one hour', async (t) => {
    const bob = await svc.signUp();
    const carol = await svc.signUp();
    await svc.request({ method: 'POST', url: '/password-resets', payload: { email: bob.email } });
    await svc.request({ method: 'POST', url: '/password-resets', payload: { email: carol.email } });
    clock.advance(59 * 60_000);
    const inTime = await svc.request({
      method: 'POST',
      url: '/password-resets/confirm',
      payload: { token: resetFor(svc, bob.email)[0]!.token, newPassword },
    });
    t.equal(inTime.statusCode, 204, 'valid after 59 minutes');
    clock.advance(60_000 + 1000);
    assertProblem(
      t,
      await svc.request({
        method: 'POST',
        url: '/password-resets/confirm',
        payload: { token: resetFor(svc, carol.email)[0]!.token, newPassword },
      }),
      400,
      'INVALID_TOKEN',
      'expired after an hour',
    );
    t.equal((await svc.request({ method: 'POST', url: '/sessions', payload: { email: carol.email, password: carol.password } })).statusCode, 200, 'the password is unchanged');
  });

  t.test('a password change voids an outstanding reset token', async (t) => {
    const dave = await svc.signUp();
    await svc.request({ method: 'POST', url: '/password-resets', payload: { email: dave.email } });
    const changed = await svc.request({
      method: 'PUT',
      url: `/users/${dave.id}/password`,
      headers: dave.auth,
      payload: { currentPassword: dave.password, newPassword },
    });
    t.equal(changed.statusCode, 204);
    assertProblem(
      t,
      await svc.request({
        method: 'POST',
        url: '/password-resets/confirm',
        payload: { token: resetFor(svc, dave.email)[0]!.token, newPassword: 'attacker password' },
      }),
      400,
      'INVALID_TOKEN',
    );
  });
});

t.test('DELETE /users/{id}', async (t) => {
  const svc = await buildService(t, env);
  const alice = await svc.signUp();
  const bob = await svc.signUp();
  const admin = svc.adminAuth();

  assertProblem(t, await svc.request({ method: 'DELETE', url: `/users/${alice.id}`, headers: bob.auth }), 403, 'FORBIDDEN');
  assertProblem(t, await svc.request({ method: 'DELETE', url: `/users/${alice.id}` }), 401, 'UNAUTHORIZED');

  const res = await svc.request({ method: 'DELETE', url: `/users/${alice.id}`, headers: alice.auth });
  t.equal(res.statusCode, 204, 'self');
  t.equal(res.body, '');
  assertProblem(
    t,
    await svc.request({ method: 'POST', url: '/sessions', payload: { email: alice.email, password: alice.password } }),
    401,
    'INVALID_CREDENTIALS',
    'login fails afterwards',
  );
  assertProblem(t, await svc.request({ method: 'GET', url: `/users/${alice.id}`, headers: admin }), 404, 'USER_NOT_FOUND');
  assertProblem(t, await svc.request({ method: 'DELETE', url: `/users/${alice.id}`, headers: admin }), 404, 'USER_NOT_FOUND', 'twice');
  assertProblem(
    t,
    await svc.request({ method: 'DELETE', url: '/users/00000000-0000-4000-8000-000000000000', headers: admin }),
    404,
    'USER_NOT_FOUND',
    'unknown id',
  );

  const again = await svc.request({
    method: 'POST',
    url: '/users',
    payload: { email: alice.email.toUpperCase(), username: alice.username.toUpperCase(), password: 'abcdefgh' },
  });
  t.equal(again.statusCode, 201, 'email and username are free to register again');
  t.not(again.json().id, alice.id, 'as a new user');

  t.equal((await svc.request({ method: 'DELETE', url: `/users/${bob.id}`, headers: admin })).statusCode, 204, 'admin');
});

t.test('GET /users/{id}/events', async (t) => {
  const svc = await buildService(t, env);
  const alice = await svc.signUp();
  const bob = await svc.signUp();
  const token = confirmationFor(svc, alice.email)[0]!.token;
  await svc.request({ method: 'POST', url: `/users/${alice.id}/email-confirmation`, payload: { token } });
  await svc.request({ method: 'PATCH', url: `/users/${alice.id}`, headers: alice.auth, payload: { name: 'Alice' } });
  const email = `alice.new${unique()}@example.com`;
  await svc.request({ method: 'PUT', url: `/users/${alice.id}/email`, headers: alice.auth, payload: { email } });
  await svc.request({ method: 'POST', url: '/password-resets', payload: { email } });
  const reset = resetFor(svc, email)[0]!.token;
  t.equal(
    (await svc.request({ method: 'POST', url: '/password-resets/confirm', payload: { token: reset, newPassword: 'after reset 1' } })).statusCode,
    204,
  );
  const session = await svc.login(email, 'after reset 1');
  t.equal(
    (
      await svc.request({
        method: 'PUT',
        url: `/users/${alice.id}/password`,
        headers: { authorization: `Bearer ${session}` },
        payload: { currentPassword: 'after reset 1', newPassword: 'after change 2' },
      })
    ).statusCode,
    204,
  );
  const fresh = { authorization: `Bearer ${await svc.login(email, 'after change 2')}` };

  const res = await svc.request({ method: 'GET', url: `/users/${alice.id}/events`, headers: fresh });
  t.equal(res.statusCode, 200);
  const { items } = res.json() as { items: Array<Record<string, unknown>> };
  t.strictSame(
    items.map((item) => item['type']),
    [
      'UserRegistered',
      'UserEmailConfirmed',
      'UserProfileUpdated',
      'UserEmailChanged',
      'PasswordResetRequested',
      'UserPasswordChanged',
      'UserPasswordChanged',
    ],
  );
  items.forEach((item, i) => {
    t.strictSame(Object.keys(item).sort(), ['data', 'eventId', 'occurredAt', 'type', 'version']);
    t.match(item, { eventId: String, version: i + 1, occurredAt: ISO, data: Object });
  });
  t.match(items[0]!['data'], { email: alice.email, username: alice.username, name: null, surname: null });
  t.match(items[3]!['data'], { email, previousEmail: alice.email });
  t.match(items[5]!['data'], { method: 'reset' });
  t.match(items[6]!['data'], { method: 'change' });
  t.notMatch(res.body, /passwordHash|tokenHash|scrypt\$/, 'no secret in any event');

  t.equal((await svc.request({ method: 'GET', url: `/users/${alice.id}/events`, headers: svc.adminAuth() })).statusCode, 200, 'admin');
  assertProblem(t, await svc.request({ method: 'GET', url: `/users/${alice.id}/events`, headers: bob.auth }), 403, 'FORBIDDEN');
  assertProblem(t, await svc.request({ method: 'GET', url: `/users/${alice.id}/events` }), 401, 'UNAUTHORIZED');
  assertProblem(
    t,
    await svc.request({ method: 'GET', url: '/users/00000000-0000-4000-8000-000000000000/events', headers: svc.adminAuth() }),
    404,
    'USER_NOT_FOUND',
  );
});

t.test('GET /health and GET /ready', async (t) => {
  const svc = await buildService(t, env);
  const health = await svc.request({ method: 'GET', url: '/health' });
  t.equal(health.statusCode, 200);
  t.strictSame(health.json(), { status: 'ok' });
  const ready = await svc.request({ method: 'GET', url: '/ready' });
  t.equal(ready.statusCode, 200);
  t.strictSame(ready.json(), { status: 'ready' });

  await svc.runtime.eventStore.close();
  assertProblem(t, await svc.request({ method: 'GET', url: '/ready' }), 503, 'NOT_READY', 'the store is unreachable');
  t.equal((await svc.request({ method: 'GET', url: '/health' })).statusCode, 200, 'the process is still alive');
});

t.test('GET /openapi.json and GET /docs', async (t) => {
  const svc = await buildService(t, env);
  const res = await svc.request({ method: 'GET', url: '/openapi.json' });
  t.equal(res.statusCode, 200);
  const doc = res.json();
  t.match(doc.openapi, /^3\./, 'OpenAPI 3');
  t.ok(doc.components?.securitySchemes?.bearerAuth, 'the bearer scheme is declared');

  const operations: Record<string, string[]> = {
    '/users': ['get', 'post'],
    '/users/{id}': ['delete', 'get', 'patch'],
    '/users/{id}/email': ['put'],
    '/users/{id}/email-confirmation': ['post'],
    '/users/{id}/password': ['put'],
    '/users/{id}/events': ['get'],
    '/sessions': ['post'],
    '/password-resets': ['post'],
    '/password-resets/confirm': ['post'],
    '/health': ['get'],
    '/ready': ['get'],
  };
  for (const [path, methods] of Object.entries(operations)) {
    const item = doc.paths?.[path];
    t.ok(item, `${path} is documented`);
    for (const method of methods) {
      const operation = item?.[method];
      t.ok(operation?.responses && Object.keys(operation.responses).length > 0, `${method.toUpperCase()} ${path} has responses`);
      if (['post', 'put', 'patch'].includes(method)) {
        const schema = operation?.requestBody?.content?.['application/json']?.schema;
        t.ok(schema?.properties, `${method.toUpperCase()} ${path} has a body schema`);
      }
    }
  }
  const register = doc.paths['/users'].post;
  t.match(register.requestBody.content['application/json'].schema, {
    type: 'object',
    required: ['email', 'username', 'password'],
    additionalProperties: false,
    properties: { email: { format: 'email' }, username: { pattern: String }, password: { minLength: 8, maxLength: 128 } },
  });
  t.ok(register.responses['201'], 'POST /users documents 201');
  const getUser = doc.paths['/users/{id}'].get;
  const params = (getUser.parameters as Array<{ name: string; in: string }>).map((p) => `${p.in}:${p.name}`).sort();
  t.strictSame(
      params,
      ['path:id', 'query:at', 'query:minVersion', 'query:version'],
      'GET /users/{id} documents id, at, minVersion and version',
    );

  const docs = await svc.request({ method: 'GET', url: '/docs' });
  t.equal(docs.statusCode, 200, 'Swagger UI');
  t.match(docs.headers['content-type'], /^text\/html/);
  t.match(docs.body, /swagger/i);
});

t.test('unknown routes are problems too', async (t) => {
  const svc = await buildService(t, env);
  assertProblem(t, await svc.request({ method: 'GET', url: '/nope' }), 404, 'ROUTE_NOT_FOUND');
  assertProblem(t, await svc.request({ method: 'PUT', url: '/users' }), 404, 'ROUTE_NOT_FOUND');
});

t.test('a mail that cannot be sent never undoes the command, and goes out once the mailer is back', async (t) => {
  const sent: Array<{ kind: string; token: string }> = [];
  let down = true;
  const svc = await buildService(t, env, {
    mailer: {
      async send(message) {
        sent.push({ kind: message.kind, token: message.token });
        if (down) throw new Error('the mail server is down');
      },
    },
  });
  const user = await svc.signUp();
  t.equal((await svc.request({ method: 'GET', url: `/users/${user.id}`, headers: user.auth })).statusCode, 200, 'registered all the same');
  const failures = svc.logs.filter((line) => line['msg'] === 'sending mail failed; it is retried');
  t.ok(failures.length >= 1, 'the failure is logged');
  t.match(failures[0], { level: 40, userId: user.id, kind: 'email-confirmation', err: { message: 'the mail server is down' } });
  down = false;
  t.equal((await svc.request({ method: 'POST', url: '/password-resets', payload: { email: user.email } })).statusCode, 202, 'a reset is answered all the same');
  t.same(
    sent.filter((mail) => mail.kind === 'password-reset').length,
    1,
    'the next round sends the reset',
  );
  t.equal(new Set(sent.filter((mail) => mail.kind === 'email-confirmation').map((mail) => mail.token)).size, 1, 'and the confirmation, retried with the same token');
  t.notOk(
    svc.rawLogs.some((line) => sent.some(({ token }) => line.includes(token))),
    'no log line carries a token a mail carried',
  );
});

t.test('a mail that keeps failing is dead-lettered and holds up no other', async (t) => {
  const sent: string[] = [];
  const svc = await buildService(t, env, {
    mailer: {
      async send(message) {
        if (message.kind === 'email-confirmation' && message.to.startsWith('poison')) throw new Error('refused');
        sent.push(message.to);
      },
    },
  });
  const poisoned = await svc.request({ method: 'POST', url: '/users', payload: { email: `poison${unique()}@example.com`, username: `p${unique()}`, password: 'long-enough-1' } });
  t.equal(poisoned.statusCode, 201);
  const other = await svc.signUp();
  // Each commit that asks for a mail starts a round, and each round tries the failing mail once more.
  for (let i = 0; i < 5; i++) {
    await svc.request({ method: 'PUT', url: `/users/${other.id}/email`, headers: other.auth, payload: { email: `moved${i}${unique()}@example.com` } });
  }
  const dead = readFileSync(join(svc.dataDir, 'outbox', 'dead-letters.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  t.match(dead, [{ kind: 'email-confirmation', userId: poisoned.json().id, error: /refused/ }], 'after five attempts it is dead-lettered');
  t.ok(sent.includes(other.email), 'and the mails after it went out');
  t.equal(sent.filter((to) => to.startsWith('moved')).length, 5, 'every one of them');
  t.ok(svc.logs.some((line) => line['msg'] === 'sending mail failed too often; it is dead-lettered'));
});

t.test('with JWT_SECRET set, the service creates a data directory that does not exist yet', async (t) => {
  const { mkdtempSync, existsSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const parent = mkdtempSync(join(tmpdir(), 'user-service-fresh-'));
  const dataDir = join(parent, 'not', 'there', 'yet');
  const svc = await buildService(t, { ...env, DATA_DIR: dataDir });
  t.teardown(() => rmSync(parent, { recursive: true, force: true }));
  t.ok(existsSync(join(dataDir, 'events.db')), 'the event store was created in it');
  t.equal((await svc.request({ method: 'GET', url: '/ready' })).statusCode, 200);
});

t.test('time travel: a version past the last is 404, and ?at takes a prefix even when clocks disagree', async (t) => {
  const svc = await buildService(t, env);
  const alice = await svc.signUp();
  const url = `/users/${alice.id}`;
  const at = (await svc.stream(alice.id)).length;
  assertProblem(t, await svc.request({ method: 'GET', url: `${url}?version=${at + 1}`, headers: alice.auth }), 404, 'VERSION_NOT_FOUND', 'one past the last');
  t.equal((await svc.request({ method: 'GET', url: `${url}?version=${at}`, headers: alice.auth })).statusCode, 200, 'the last');

  // Another instance, its clock a minute behind, records two later changes with earlier instants.
  const registeredAt = Date.parse((await svc.stream(alice.id))[0]!.metadata.occurredAt);
  const event = (name: string, minutesBack: number, n: number) => ({
    eventId: `skewed-${n}-${alice.id}`,
    type: 'UserProfileUpdated',
    schemaVersion: 1,
    data: { changes: { name } },
    metadata: { occurredAt: new Date(registeredAt - minutesBack * 60_000).toISOString(), correlationId: 'c', causationId: 'c' },
  });
  await svc.runtime.eventStore.append(alice.id, [event('Skewed', 1, 1), event('Later', 0, 2)], { expectedVersion: at });
  const instant = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
  const before = await svc.request({ method: 'GET', url: `${url}?at=${instant(registeredAt - 30_000)}`, headers: alice.auth });
  assertProblem(t, before, 404, 'USER_NOT_FOUND', 'before the registration, even though a later event has an earlier instant');
  const after = await svc.request({ method: 'GET', url: `${url}?at=${instant(registeredAt + 1)}`, headers: alice.auth });
  t.equal(after.statusCode, 200);
  t.equal(after.json().name, 'Later', 'after every instant: the whole stream');
});

t.test('If-Match: * refuses a user that does not exist any more', async (t) => {
  const svc = await buildService(t, env);
  const bob = await svc.signUp();
  const admin = svc.adminAuth();
  t.equal((await svc.request({ method: 'DELETE', url: `/users/${bob.id}`, headers: admin })).statusCode, 204);
  const before = (await svc.stream(bob.id)).length;
  assertProblem(
    t,
    await svc.request({ method: 'PATCH', url: `/users/${bob.id}`, headers: { ...admin, 'if-match': '*' }, payload: { name: 'Ghost' } }),
    412,
    'VERSION_CONFLICT',
    'a removed user',
  );
  assertProblem(
    t,
    await svc.request({ method: 'PATCH', url: '/users/00000000-0000-4000-8000-000000000000', headers: { ...admin, 'if-match': '*' }, payload: { name: 'Nobody' } }),
    412,
    'VERSION_CONFLICT',
    'a user that never was',
  );
  t.equal((await svc.stream(bob.id)).length, before, 'nothing written');
});

t.test('asking again for a reset while a token is pending writes nothing and mails nothing', async (t) => {
  const svc = await buildService(t, env);
  const alice = await svc.signUp();
  const before = (await svc.stream(alice.id)).length;
  for (let i = 0; i < 5; i++) {
    const res = await svc.request({ method: 'POST', url: '/password-resets', payload: { email: alice.email } });
    t.equal(res.statusCode, 202, `request ${i + 1} is answered the same`);
  }
  t.equal((await svc.stream(alice.id)).length, before + 1, 'one reset recorded');
  const resets = svc.mails().filter((mail) => mail.kind === 'password-reset');
  t.equal(resets.length, 1, 'one mail');
  const done = await svc.request({
    method: 'POST',
    url: '/password-resets/confirm',
    payload: { token: resets[0]!.token, newPassword: 'a brand new password' },
  });
  t.equal(done.statusCode, 204, 'and its token works');
});

t.test('POST /email-confirmations sends a lost confirmation again, and answers 202 for every address', async (t) => {
  const svc = await buildService(t, { ...env, RATE_LIMIT_ACCOUNT_MAX: '3' });
  const user = await svc.signUp();
  const confirmations = () => svc.mails().filter((mail) => mail.userId === user.id && mail.kind === 'email-confirmation');
  t.equal(confirmations().length, 1, 'the first mail, from the registration');
  const resend = (email: string) => svc.request({ method: 'POST', url: '/email-confirmations', payload: { email } });
  const again = await resend(user.email.toUpperCase());
  t.same([again.statusCode, again.json()], [202, { status: 'accepted' }]);
  t.equal(confirmations().length, 2, 'a second mail');
  const unknown = await resend(`nobody${unique()}@example.com`);
  t.same([unknown.statusCode, unknown.body], [202, again.body], 'an unknown address: the same answer, and no mail');
  const token = confirmations()[1]!.token;
  t.equal((await svc.request({ method: 'POST', url: `/users/${user.id}/email-confirmation`, payload: { token } })).statusCode, 200, 'the new token confirms');
  t.equal((await resend(user.email)).statusCode, 202);
  t.equal(confirmations().length, 2, 'a confirmed address gets no more');
  t.equal((await resend(user.email)).statusCode, 202, 'the third of the window');
  const limited = await resend(user.email);
  assertProblem(t, limited, 429, 'RATE_LIMITED', 'the fourth: limited per account like resets');
  t.ok(Number(limited.headers['retry-after']) > 0, 'with Retry-After');
});

t.test('?at= with a leap second is refused, not read as now (issue 9, defect 10)', async (t) => {
  const svc = await buildService(t, env);
  const user = await svc.signUp();
  for (const at of ['2016-12-31T23:59:60Z', '2030-06-30T23:59:60Z']) {
    assertProblem(t, await svc.request({ method: 'GET', url: `/users/${user.id}?at=${at}`, headers: user.auth }), 400, 'VALIDATION_FAILED', at);
  }
});
