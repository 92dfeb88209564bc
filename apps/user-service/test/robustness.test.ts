import { fold, isActive, upcast } from '@user-service/user-domain';
import type { StoredEvent } from '@user-service/event-store';
import { applyToView, type UserView } from '@user-service/user-read-model';
import type { InjectOptions } from 'fastify';
import t from 'tap';
import { ConfigError, loadConfig } from '../src/config.js';
import { assertProblem, buildService, TEST_JWT_SECRET, unique, type TestService } from './helper.js';

/**
 * Malformed input of every kind, on every route: each gets a 4xx problem with a code, never a 5xx, and
 * never a write to the event store. Then a seeded fuzz, and a check that the store holds only valid users.
 */

const env = { JWT_SECRET: TEST_JWT_SECRET };

interface Case {
  readonly name: string;
  readonly request: InjectOptions;
  readonly status: number;
  readonly code: string;
}

const json = (method: InjectOptions['method'], url: string, payload: unknown, headers: Record<string, string> = {}): InjectOptions => ({
  method,
  url,
  headers: { 'content-type': 'application/json', ...headers },
  payload: JSON.stringify(payload),
});
const raw = (method: InjectOptions['method'], url: string, payload: string, contentType: string, headers: Record<string, string> = {}): InjectOptions => ({
  method,
  url,
  headers: { 'content-type': contentType, ...headers },
  payload,
});

/** A fingerprint of the whole store: nothing was written when it is unchanged. */
async function storeState(svc: TestService): Promise<string> {
  const events = await svc.allEvents();
  return `${events.length}:${events.at(-1)?.eventId ?? ''}`;
}

/** The malformed bodies every JSON route must refuse, whatever its fields. */
function bodyCases(route: string, method: InjectOptions['method'], url: string, valid: Record<string, unknown>, headers: Record<string, string>): Case[] {
  const at = (name: string) => `${route}: ${name}`;
  return [
    { name: at('malformed JSON'), request: raw(method, url, '{"a":', 'application/json', headers), status: 400, code: 'MALFORMED_JSON' },
    { name: at('an empty JSON body'), request: raw(method, url, '', 'application/json', headers), status: 400, code: 'MALFORMED_JSON' },
    { name: at('a __proto__ key'), request: raw(method, url, '{"__proto__":{"admin":true}}', 'application/json', headers), status: 400, code: 'MALFORMED_JSON' },
    { name: at('a JSON array'), request: raw(method, url, '[]', 'application/json', headers), status: 400, code: 'VALIDATION_FAILED' },
    { name: at('a JSON string'), request: raw(method, url, '"text"', 'application/json', headers), status: 400, code: 'VALIDATION_FAILED' },
    { name: at('JSON null'), request: raw(method, url, 'null', 'application/json', headers), status: 400, code: 'VALIDATION_FAILED' },
    { name: at('no body at all'), request: { method, url, headers }, status: 400, code: 'VALIDATION_FAILED' },
    { name: at('an unknown field'), request: json(method, url, { ...valid, role: 'admin' }, headers), status: 400, code: 'VALIDATION_FAILED' },
    {
      name: at('a body over 16 KB'),
      request: json(method, url, { ...valid, padding: 'x'.repeat(17 * 1024) }, headers),
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    },
    { name: at('text/plain'), request: raw(method, url, JSON.stringify(valid), 'text/plain', headers), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
    { name: at('application/xml'), request: raw(method, url, '<user/>', 'application/xml', headers), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
    { name: at('a form'), request: raw(method, url, 'email=a%40b.co', 'application/x-www-form-urlencoded', headers), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  ];
}

t.test('malformed requests on every route', async (t) => {
  const svc = await buildService(t, env);
  const alice = await svc.signUp();
  const bob = await svc.signUp();
  const self = alice.auth;
  const id = alice.id;
  const confirmation = svc.mails().find((mail) => mail.userId === id)!.token;
  const n = unique();
  const register = { email: `new${n}@example.com`, username: `new_${n}`, password: 'abcdefgh' };
  const v = 'VALIDATION_FAILED';
  const long = (length: number) => 'a'.repeat(length);

  const routes: Array<[string, InjectOptions['method'], string, Record<string, unknown>, Record<string, string>]> = [
    ['POST /users', 'POST', '/users', register, {}],
    ['POST /sessions', 'POST', '/sessions', { email: alice.email, password: alice.password }, {}],
    ['PATCH /users/{id}', 'PATCH', `/users/${id}`, { name: 'Valid' }, self],
    ['PUT /users/{id}/email', 'PUT', `/users/${id}/email`, { email: `valid${n}@example.com` }, self],
    ['POST /users/{id}/email-confirmation', 'POST', `/users/${id}/email-confirmation`, { token: confirmation }, {}],
    ['PUT /users/{id}/password', 'PUT', `/users/${id}/password`, { currentPassword: alice.password, newPassword: 'abcdefgh' }, self],
    ['POST /password-resets', 'POST', '/password-resets', { email: alice.email }, {}],
    ['POST /password-resets/confirm', 'POST', '/password-resets/confirm', { token: `${id}.x`, newPassword: 'abcdefgh' }, {}],
  ];

  const specific: Case[] = [
    // POST /users: types, lengths, formats
    { name: 'register: empty object', request: json('POST', '/users', {}), status: 400, code: v },
    { name: 'register: email missing', request: json('POST', '/users', { ...register, email: undefined }), status: 400, code: v },
    { name: 'register: email a number', request: json('POST', '/users', { ...register, email: 42 }), status: 400, code: v },
    { name: 'register: email not an address', request: json('POST', '/users', { ...register, email: 'not-an-email' }), status: 400, code: v },
    { name: 'register: email with blanks', request: json('POST', '/users', { ...register, email: ` a${n}@example.com ` }), status: 400, code: v },
    { name: 'register: email with two @', request: json('POST', '/users', { ...register, email: 'a@b@example.com' }), status: 400, code: v },
    { name: 'register: email too long', request: json('POST', '/users', { ...register, email: `${long(250)}@example.com` }), status: 400, code: v },
    { name: 'register: username too short', request: json('POST', '/users', { ...register, username: 'ab' }), status: 400, code: v },
    { name: 'register: username too long', request: json('POST', '/users', { ...register, username: long(33) }), status: 400, code: v },
    { name: 'register: username with a blank', request: json('POST', '/users', { ...register, username: 'bad name' }), status: 400, code: v },
    { name: 'register: username with an umlaut', request: json('POST', '/users', { ...register, username: 'ümlaut' }), status: 400, code: v },
    { name: 'register: username with a slash', request: json('POST', '/users', { ...register, username: 'a/b/c' }), status: 400, code: v },
    { name: 'register: username with a newline', request: json('POST', '/users', { ...register, username: 'abc\n' }), status: 400, code: v },
    { name: 'register: username with an @', request: json('POST', '/users', { ...register, username: 'me@there' }), status: 400, code: v },
    { name: 'register: username an array', request: json('POST', '/users', { ...register, username: ['abc'] }), status: 400, code: v },
    { name: 'register: password too short', request: json('POST', '/users', { ...register, password: long(7) }), status: 400, code: v },
    { name: 'register: password too long', request: json('POST', '/users', { ...register, password: long(129) }), status: 400, code: v },
    { name: 'register: password a number', request: json('POST', '/users', { ...register, password: 12345678 }), status: 400, code: v },
    { name: 'register: password null', request: json('POST', '/users', { ...register, password: null }), status: 400, code: v },
    { name: 'register: name too long', request: json('POST', '/users', { ...register, name: long(101) }), status: 400, code: v },
    { name: 'register: name empty', request: json('POST', '/users', { ...register, name: '' }), status: 400, code: v },
    { name: 'register: name a number', request: json('POST', '/users', { ...register, name: 7 }), status: 400, code: v },
    { name: 'register: surname an object', request: json('POST', '/users', { ...register, surname: { first: 'x' } }), status: 400, code: v },
    { name: 'register: surname too long', request: json('POST', '/users', { ...register, surname: '😀'.repeat(101) }), status: 400, code: v },
    { name: 'register: a status field', request: json('POST', '/users', { ...register, status: 'confirmed' }), status: 400, code: v },
    { name: 'register: an id field', request: json('POST', '/users', { ...register, id: 'chosen-id' }), status: 400, code: v },
    { name: 'register: Idempotency-Key too long', request: json('POST', '/users', register, { 'idempotency-key': long(129) }), status: 400, code: v },
    { name: 'register: Idempotency-Key with a blank', request: json('POST', '/users', register, { 'idempotency-key': 'two words' }), status: 400, code: v },
    { name: 'register: Idempotency-Key empty', request: json('POST', '/users', register, { 'idempotency-key': '' }), status: 400, code: v },
    { name: 'register: a bad If-Match', request: json('POST', '/users', register, { 'if-match': 'not-an-etag' }), status: 400, code: v },

    // POST /sessions
    { name: 'login: empty object', request: json('POST', '/sessions', {}), status: 400, code: v },
    { name: 'login: bad email', request: json('POST', '/sessions', { email: 'nope', password: 'abcdefgh' }), status: 400, code: v },
    { name: 'login: empty password', request: json('POST', '/sessions', { email: alice.email, password: '' }), status: 400, code: v },
    { name: 'login: password too long', request: json('POST', '/sessions', { email: alice.email, password: long(129) }), status: 400, code: v },
    { name: 'login: password an object', request: json('POST', '/sessions', { email: alice.email, password: { $ne: null } }), status: 400, code: v },

    // GET /users/{id}
    { name: 'get: an id with a blank', request: { method: 'GET', url: '/users/bad%20id', headers: self }, status: 400, code: v },
    { name: 'get: an id with a dot', request: { method: 'GET', url: '/users/a.b', headers: self }, status: 400, code: v },
    { name: 'get: an id too long', request: { method: 'GET', url: `/users/${long(65)}`, headers: self }, status: 400, code: v },
    { name: 'get: at not a time', request: { method: 'GET', url: `/users/${id}?at=yesterday`, headers: self }, status: 400, code: v },
    { name: 'get: at an impossible date', request: { method: 'GET', url: `/users/${id}?at=2030-02-30T00:00:00Z`, headers: self }, status: 400, code: v },
    { name: 'get: at a date only', request: { method: 'GET', url: `/users/${id}?at=2030-01-01`, headers: self }, status: 400, code: v },
    { name: 'get: at without a zone', request: { method: 'GET', url: `/users/${id}?at=2030-01-01T00:00:00`, headers: self }, status: 400, code: v },
    { name: 'get: at empty', request: { method: 'GET', url: `/users/${id}?at=`, headers: self }, status: 400, code: v },
    { name: 'get: version 0', request: { method: 'GET', url: `/users/${id}?version=0`, headers: self }, status: 400, code: v },
    { name: 'get: version negative', request: { method: 'GET', url: `/users/${id}?version=-1`, headers: self }, status: 400, code: v },
    { name: 'get: version a word', request: { method: 'GET', url: `/users/${id}?version=abc`, headers: self }, status: 400, code: v },
    { name: 'get: version a fraction', request: { method: 'GET', url: `/users/${id}?version=1.5`, headers: self }, status: 400, code: v },
    { name: 'get: version huge', request: { method: 'GET', url: `/users/${id}?version=99999999999999999999`, headers: self }, status: 400, code: v },
    { name: 'get: version twice', request: { method: 'GET', url: `/users/${id}?version=1&version=2`, headers: self }, status: 400, code: v },
    {
      name: 'get: both at and version',
      request: { method: 'GET', url: `/users/${id}?version=1&at=${encodeURIComponent(new Date().toISOString())}`, headers: self },
      status: 400,
      code: v,
    },
    { name: 'get: an unknown parameter', request: { method: 'GET', url: `/users/${id}?expand=all`, headers: self }, status: 400, code: v },

    // GET /users
    { name: 'find: no filter', request: { method: 'GET', url: '/users', headers: self }, status: 400, code: v },
    { name: 'find: both filters', request: { method: 'GET', url: `/users?email=${encodeURIComponent(bob.email)}&username=${bob.username}`, headers: self }, status: 400, code: v },
    { name: 'find: a bad email', request: { method: 'GET', url: '/users?email=nope', headers: self }, status: 400, code: v },
    { name: 'find: a bad username', request: { method: 'GET', url: '/users?username=a', headers: self }, status: 400, code: v },
    { name: 'find: an email twice', request: { method: 'GET', url: `/users?email=a%40b.co&email=c%40d.co`, headers: self }, status: 400, code: v },
    { name: 'find: an unknown filter', request: { method: 'GET', url: '/users?name=Alice', headers: self }, status: 400, code: v },

    // PATCH /users/{id}
    { name: 'patch: username too short', request: json('PATCH', `/users/${id}`, { username: 'x' }, self), status: 400, code: v },
    { name: 'patch: username null', request: json('PATCH', `/users/${id}`, { username: null }, self), status: 400, code: v },
    { name: 'patch: username with a blank', request: json('PATCH', `/users/${id}`, { username: 'a b c' }, self), status: 400, code: v },
    { name: 'patch: name too long', request: json('PATCH', `/users/${id}`, { name: long(101) }, self), status: 400, code: v },
    { name: 'patch: name empty', request: json('PATCH', `/users/${id}`, { name: '' }, self), status: 400, code: v },
    { name: 'patch: name a number', request: json('PATCH', `/users/${id}`, { name: 5 }, self), status: 400, code: v },
    { name: 'patch: surname a list', request: json('PATCH', `/users/${id}`, { surname: ['a'] }, self), status: 400, code: v },
    { name: 'patch: email is not patchable', request: json('PATCH', `/users/${id}`, { email: `p${n}@example.com` }, self), status: 400, code: v },
    { name: 'patch: status is not patchable', request: json('PATCH', `/users/${id}`, { status: 'confirmed' }, self), status: 400, code: v },
    { name: 'patch: version is not patchable', request: json('PATCH', `/users/${id}`, { version: 99 }, self), status: 400, code: v },
    { name: 'patch: password is not patchable', request: json('PATCH', `/users/${id}`, { password: 'abcdefgh' }, self), status: 400, code: v },
    { name: 'patch: a bad id', request: json('PATCH', '/users/bad%2Fid', { name: 'x' }, self), status: 400, code: v },
    { name: 'patch: If-Match not an ETag', request: json('PATCH', `/users/${id}`, { name: 'x' }, { ...self, 'if-match': 'abc' }), status: 400, code: v },
    { name: 'patch: If-Match unquoted', request: json('PATCH', `/users/${id}`, { name: 'x' }, { ...self, 'if-match': '1' }), status: 400, code: v },
    { name: 'patch: If-Match negative', request: json('PATCH', `/users/${id}`, { name: 'x' }, { ...self, 'if-match': '"-1"' }), status: 400, code: v },
    { name: 'patch: If-Match a fraction', request: json('PATCH', `/users/${id}`, { name: 'x' }, { ...self, 'if-match': '"1.0"' }), status: 400, code: v },
    { name: 'patch: If-Match too big', request: json('PATCH', `/users/${id}`, { name: 'x' }, { ...self, 'if-match': `"${'9'.repeat(20)}"` }), status: 400, code: v },
    { name: 'patch: If-Match stale', request: json('PATCH', `/users/${id}`, { name: 'x' }, { ...self, 'if-match': '"7"' }), status: 412, code: 'VERSION_CONFLICT' },
    { name: 'patch: Idempotency-Key too long', request: json('PATCH', `/users/${id}`, { name: 'x' }, { ...self, 'idempotency-key': long(129) }), status: 400, code: v },
    { name: 'patch: Idempotency-Key with a control character', request: json('PATCH', `/users/${id}`, { name: 'x' }, { ...self, 'idempotency-key': 'a\tb' }), status: 400, code: v },

    // PUT /users/{id}/email
    { name: 'email: empty object', request: json('PUT', `/users/${id}/email`, {}, self), status: 400, code: v },
    { name: 'email: not an address', request: json('PUT', `/users/${id}/email`, { email: 'nope' }, self), status: 400, code: v },
    { name: 'email: null', request: json('PUT', `/users/${id}/email`, { email: null }, self), status: 400, code: v },
    { name: 'email: two addresses', request: json('PUT', `/users/${id}/email`, { email: ['a@b.co', 'c@d.co'] }, self), status: 400, code: v },
    { name: 'email: a bad If-Match', request: json('PUT', `/users/${id}/email`, { email: `e${n}@example.com` }, { ...self, 'if-match': 'W/abc' }), status: 400, code: v },

    // POST /users/{id}/email-confirmation
    { name: 'confirm: no token', request: json('POST', `/users/${id}/email-confirmation`, {}), status: 400, code: v },
    { name: 'confirm: an empty token', request: json('POST', `/users/${id}/email-confirmation`, { token: '' }), status: 400, code: v },
    { name: 'confirm: a token too long', request: json('POST', `/users/${id}/email-confirmation`, { token: long(4097) }), status: 400, code: v },
    { name: 'confirm: a token a number', request: json('POST', `/users/${id}/email-confirmation`, { token: 5 }), status: 400, code: v },
    { name: 'confirm: a garbage token', request: json('POST', `/users/${id}/email-confirmation`, { token: 'a.b.c' }), status: 400, code: 'INVALID_TOKEN' },
    { name: 'confirm: a token for another user', request: json('POST', `/users/${bob.id}/email-confirmation`, { token: confirmation }), status: 400, code: 'INVALID_TOKEN' },

    // PUT /users/{id}/password
    { name: 'password: empty object', request: json('PUT', `/users/${id}/password`, {}, self), status: 400, code: v },
    { name: 'password: new too short', request: json('PUT', `/users/${id}/password`, { currentPassword: alice.password, newPassword: 'short' }, self), status: 400, code: v },
    { name: 'password: new too long', request: json('PUT', `/users/${id}/password`, { currentPassword: alice.password, newPassword: long(129) }, self), status: 400, code: v },
    { name: 'password: current empty', request: json('PUT', `/users/${id}/password`, { currentPassword: '', newPassword: 'abcdefgh' }, self), status: 400, code: v },
    { name: 'password: current missing', request: json('PUT', `/users/${id}/password`, { newPassword: 'abcdefgh' }, self), status: 400, code: v },

    // POST /password-resets and /confirm
    { name: 'reset: empty object', request: json('POST', '/password-resets', {}), status: 400, code: v },
    { name: 'reset: not an address', request: json('POST', '/password-resets', { email: 'nope' }), status: 400, code: v },
    { name: 'reset: a bad Idempotency-Key', request: json('POST', '/password-resets', { email: alice.email }, { 'idempotency-key': long(200) }), status: 400, code: v },
    { name: 'reset confirm: no token', request: json('POST', '/password-resets/confirm', { newPassword: 'abcdefgh' }), status: 400, code: v },
    { name: 'reset confirm: an empty token', request: json('POST', '/password-resets/confirm', { token: '', newPassword: 'abcdefgh' }), status: 400, code: v },
    { name: 'reset confirm: a short password', request: json('POST', '/password-resets/confirm', { token: `${id}.x`, newPassword: 'short' }), status: 400, code: v },
    { name: 'reset confirm: a token without a user', request: json('POST', '/password-resets/confirm', { token: 'no-dot-here', newPassword: 'abcdefgh' }), status: 400, code: 'INVALID_TOKEN' },
    { name: 'reset confirm: a token of nobody', request: json('POST', '/password-resets/confirm', { token: 'nobody.abc', newPassword: 'abcdefgh' }), status: 400, code: 'INVALID_TOKEN' },
    { name: 'reset confirm: a token with characters no token has', request: json('POST', '/password-resets/confirm', { token: '../../x.abc', newPassword: 'abcdefgh' }), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'reset confirm: a guessed token', request: json('POST', '/password-resets/confirm', { token: `${id}.guess`, newPassword: 'abcdefgh' }), status: 400, code: 'INVALID_TOKEN' },

    // DELETE /users/{id}, GET /users/{id}/events
    { name: 'delete: a bad id', request: { method: 'DELETE', url: '/users/a%20b', headers: self }, status: 400, code: v },
    { name: 'delete: a bad If-Match', request: { method: 'DELETE', url: `/users/${id}`, headers: { ...self, 'if-match': 'nope' } }, status: 400, code: v },
    { name: 'delete: a stale If-Match', request: { method: 'DELETE', url: `/users/${id}`, headers: { ...self, 'if-match': '"9"' } }, status: 412, code: 'VERSION_CONFLICT' },
    { name: 'delete: a bad Idempotency-Key', request: { method: 'DELETE', url: `/users/${id}`, headers: { ...self, 'idempotency-key': long(129) } }, status: 400, code: v },
    { name: 'events: a bad id', request: { method: 'GET', url: `/users/${long(65)}/events`, headers: self }, status: 400, code: v },

    // Routes that do not exist
    { name: 'an unknown path', request: { method: 'GET', url: '/admin' }, status: 404, code: 'ROUTE_NOT_FOUND' },
    { name: 'a method a path does not have', request: json('POST', `/users/${id}`, {}), status: 404, code: 'ROUTE_NOT_FOUND' },
    { name: 'a trailing slash', request: { method: 'GET', url: `/users/${id}/`, headers: self }, status: 404, code: 'ROUTE_NOT_FOUND' },
  ];

  const cases = [...routes.flatMap(([name, method, url, valid, headers]) => bodyCases(name, method, url, valid, headers)), ...specific];
  const viewBefore = (await svc.request({ method: 'GET', url: `/users/${id}`, headers: self })).json();

  for (const c of cases) {
    const before = await storeState(svc);
    const res = await svc.request(c.request);
    assertProblem(t, res, c.status, c.code, c.name);
    // Extra failures only for what the line above does not already say.
    if (res.statusCode >= 500) t.fail(`${c.name}: a 5xx`, { body: res.body.slice(0, 300) });
    if ((await storeState(svc)) !== before) t.fail(`${c.name}: the event store was written`);
  }
  t.strictSame(
    (await svc.request({ method: 'GET', url: `/users/${id}`, headers: self })).json(),
    viewBefore,
    'the user is as it was',
  );
  t.equal((await svc.request({ method: 'POST', url: '/sessions', payload: { email: alice.email, password: alice.password } })).statusCode, 200, 'and can still log in');
});

t.test('bodies up to 16 KB are accepted', async (t) => {
  const svc = await buildService(t, env);
  const n = unique();
  const body = JSON.stringify({ email: `edge${n}@example.com`, username: `edge_${n}`, password: 'abcdefgh' });
  const limit = 16 * 1024;
  const exact = body.slice(0, -1) + ' '.repeat(limit - body.length) + '}';
  t.equal(Buffer.byteLength(exact), limit);
  const res = await svc.request(raw('POST', '/users', exact, 'application/json'));
  t.equal(res.statusCode, 201, 'exactly 16 KB');
  const over = body.slice(0, -1) + ' '.repeat(limit - body.length + 1) + '}';
  assertProblem(t, await svc.request(raw('POST', '/users', over, 'application/json')), 413, 'PAYLOAD_TOO_LARGE', 'one byte more');
  const boundaries = await svc.request(
    json('POST', '/users', { email: `b${n}@example.com`, username: 'a'.repeat(32), password: 'p'.repeat(128), name: '😀'.repeat(100), surname: 'z' }),
  );
  t.equal(boundaries.statusCode, 201, 'the longest username, password and name are fine');
});

// ---- a seeded fuzz: random bodies, headers and queries on every route ----

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

const STRINGS = [
  '', ' ', 'a', 'abc', 'valid_name', 'x'.repeat(33), 'x'.repeat(101), 'x'.repeat(300), 'ümlaut', '😀'.repeat(40),
  'a@b', 'a@b.co', 'UPPER@EXAMPLE.COM', ' spaced@example.com ', 'user name', '\u0000', 'line\nbreak', '<script>alert(1)</script>',
  "' OR 1=1 --", '../../etc/passwd', '__proto__', 'constructor', 'null', 'true', '1e400', '-1', '2030-01-01T00:00:00Z',
  '%00', '${jndi:ldap://x}', 'a.b.c', 'abcdefgh', 'Bearer x',
];
const SCALARS: unknown[] = [null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, 42];

function randomValue(rand: () => number, depth = 0): unknown {
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
  const roll = rand();
  if (roll < 0.45 || depth > 2) return pick(STRINGS);
  if (roll < 0.7) return pick(SCALARS);
  if (roll < 0.85) return Array.from({ length: Math.floor(rand() * 3) }, () => randomValue(rand, depth + 1));
  return Object.fromEntries(Array.from({ length: Math.floor(rand() * 3) }, () => [pick(STRINGS), randomValue(rand, depth + 1)]));
}

/** JSON text of an object with these entries, written by hand so that `__proto__` stays a plain key. */
function objectText(entries: Array<[string, unknown]>): string {
  return `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}`).join(',')}}`;
}

t.test('a seeded fuzz never gets a 5xx, and the store holds only valid users', async (t) => {
  const svc = await buildService(t, env);
  const target = await svc.signUp();
  const admin = svc.adminAuth();
  const rand = mulberry32(20_260_101);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
  const ETAGS = ['"1"', '"2"', '"0"', 'W/"1"', '*', 'abc', '"999999999999999"', '""', ' "1" '];

  const routes: Array<{ method: InjectOptions['method']; url: string; fields: string[]; headers: Record<string, string> }> = [
    { method: 'POST', url: '/users', fields: ['email', 'username', 'password', 'name', 'surname'], headers: {} },
    { method: 'POST', url: '/sessions', fields: ['email', 'password'], headers: {} },
    { method: 'PATCH', url: `/users/${target.id}`, fields: ['username', 'name', 'surname'], headers: admin },
    { method: 'PUT', url: `/users/${target.id}/email`, fields: ['email'], headers: admin },
    { method: 'POST', url: `/users/${target.id}/email-confirmation`, fields: ['token'], headers: {} },
    { method: 'PUT', url: `/users/${target.id}/password`, fields: ['currentPassword', 'newPassword'], headers: target.auth },
    { method: 'POST', url: '/password-resets', fields: ['email'], headers: {} },
    { method: 'POST', url: '/password-resets/confirm', fields: ['token', 'newPassword'], headers: {} },
  ];

  const failures: string[] = [];
  const check = async (request: InjectOptions) => {
    const res = await svc.request(request);
    const problem = res.statusCode >= 400;
    const wellFormed = !problem || (/^application\/problem\+json/.test(String(res.headers['content-type'])) && typeof res.json().code === 'string');
    if (res.statusCode >= 500 || !wellFormed) {
      failures.push(`${request.method} ${request.url} ${String(request.payload ?? '').slice(0, 200)} -> ${res.statusCode} ${res.body.slice(0, 200)}`);
    }
  };

  for (const route of routes) {
    for (let i = 0; i < 40; i++) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...route.headers };
      if (rand() < 0.25) headers['if-match'] = pick(ETAGS);
      if (rand() < 0.25) headers['idempotency-key'] = pick(STRINGS.filter((s) => !/[\u0000\n]/.test(s)));
      const payload =
        rand() < 0.2
          ? JSON.stringify(randomValue(rand))
          : objectText(
              Array.from({ length: 1 + Math.floor(rand() * 4) }, (): [string, unknown] => [
                rand() < 0.8 ? pick(route.fields) : pick(['role', 'id', '__proto__', 'constructor', 'extra']),
                randomValue(rand),
              ]),
            );
      await check({ method: route.method, url: route.url, headers, payload });
    }
  }
  for (let i = 0; i < 40; i++) {
    const query = new URLSearchParams();
    if (rand() < 0.6) query.set('at', String(pick([...STRINGS, new Date().toISOString(), '2030-06-30T23:59:60Z'])));
    if (rand() < 0.6) query.set('version', String(pick([...SCALARS, ...STRINGS])));
    await check({ method: 'GET', url: `/users/${target.id}?${query}`, headers: admin });
    const find = new URLSearchParams();
    if (rand() < 0.6) find.set('email', pick(STRINGS));
    if (rand() < 0.6) find.set('username', pick(STRINGS));
    await check({ method: 'GET', url: `/users?${find}`, headers: target.auth });
  }
  t.strictSame(failures, [], 'every answer is below 500, and every 4xx a problem with a code');

  t.test('a DELETE with a deeply nested body and an Idempotency-Key', async (t) => {
    // DELETE has no body schema, so whatever JSON arrives reaches the idempotency fingerprint.
    const victim = await svc.signUp();
    const deep = '['.repeat(8000) + ']'.repeat(8000);
    const res = await svc.request({
      method: 'DELETE',
      url: `/users/${victim.id}`,
      headers: { ...victim.auth, 'content-type': 'application/json', 'idempotency-key': 'deep-body' },
      payload: deep,
    });
    t.ok(res.statusCode < 500, 'no 5xx', { status: res.statusCode, body: res.body.slice(0, 200) });
  });

  t.test('every stream folds, and holds only valid data', async (t) => {
    const streams = new Map<string, StoredEvent[]>();
    for (const event of await svc.allEvents()) streams.set(event.streamId, [...(streams.get(event.streamId) ?? []), event]);
    t.ok(streams.size >= 1);
    const problems: string[] = [];
    for (const [id, events] of streams) {
      events.forEach((event, i) => {
        if (event.version !== i + 1) problems.push(`${id}: version ${event.version} at ${i}`);
      });
      let state;
      try {
        state = fold(events.map(upcast));
      } catch (error) {
        problems.push(`${id}: does not fold: ${(error as Error).message}`);
        continue;
      }
      if (!isActive(state)) continue;
      if (!/^[^\s@A-Z]+@[^\s@A-Z]+$/.test(state.email) || state.email.length > 254) problems.push(`${id}: email ${state.email}`);
      if (!/^[A-Za-z0-9_.-]{3,32}$/.test(state.username)) problems.push(`${id}: username ${state.username}`);
      for (const [field, value] of [['name', state.name], ['surname', state.surname]] as const) {
        if (value !== null && (value.length === 0 || [...value].length > 100)) problems.push(`${id}: ${field} ${value}`);
      }
      if (!state.passwordHash.startsWith('scrypt$')) problems.push(`${id}: password hash`);
    }
    t.strictSame(problems, [], 'nothing invalid reached the store');

    // The read model was fed each commit as the command runner recorded it: it must hold what the store's
    // events fold to, field for field.
    const diverged: string[] = [];
    for (const [id, events] of streams) {
      let expected: UserView | undefined;
      for (const event of events) expected = applyToView(expected, event);
      const held = await svc.runtime.readModel.get(id);
      if (JSON.stringify(held) !== JSON.stringify(expected)) diverged.push(`${id}: ${JSON.stringify(held)} != ${JSON.stringify(expected)}`);
    }
    t.strictSame(diverged, [], 'the read model holds the fold of the store for every user');
  });
});

t.test('configuration fails fast, naming the variable', async (t) => {
  const problemOf = (env: Record<string, string>): ConfigError | undefined => {
    try {
      loadConfig(env, '/srv');
    } catch (error) {
      if (error instanceof ConfigError) return error;
      throw error;
    }
    return undefined;
  };

  const port = problemOf({ PORT: 'x' });
  t.ok(port instanceof ConfigError, 'PORT=x throws a ConfigError');
  t.match(port?.message, /PORT/);
  t.match(problemOf({ PORT: '70000' })?.message, /PORT/, 'out of range');
  t.match(problemOf({ PORT: '80.5' })?.message, /PORT/, 'not an integer');

  const secretValue = 'short-but-secret';
  const secret = problemOf({ JWT_SECRET: secretValue });
  t.ok(secret instanceof ConfigError, 'a short JWT_SECRET throws');
  t.match(secret?.message, /JWT_SECRET/);
  t.notOk(secret?.message.includes(secretValue), 'without echoing the value');
  t.notOk(secret?.problems.some((problem) => problem.includes(secretValue)), 'not in the list of problems either');
  t.ok(problemOf({ JWT_SECRET: 'x'.repeat(31) }), '31 bytes are too few');
  t.notOk(problemOf({ JWT_SECRET: 'x'.repeat(32) }), '32 bytes are enough');

  const many = problemOf({ PORT: 'x', LOG_LEVEL: 'loud', RATE_LIMIT_MAX: '0', TRUST_PROXY: 'maybe', PUBLIC_URL: 'ftp://x', MAILER: 'ses' });
  for (const name of ['PORT', 'LOG_LEVEL', 'RATE_LIMIT_MAX', 'TRUST_PROXY', 'PUBLIC_URL', 'SES_FROM_ADDRESS']) {
    t.match(many?.message, new RegExp(name), `all problems at once: ${name}`);
  }

  const config = loadConfig({}, '/srv');
  t.match(config, {
    port: 3000,
    dataDir: '/srv/data',
    jwtSecret: undefined,
    jwtTtlSeconds: 3600,
    passwordResetTtlSeconds: 3600,
    mailer: { kind: 'outbox' },
    trustProxy: false,
  }, 'defaults');
  t.equal(config.anonymousAnswerFloorMs, undefined, 'no answer floor unless asked (the Lambda host sets its own)');
  t.equal(loadConfig({ ANONYMOUS_ANSWER_FLOOR_MS: '300' }, '/srv').anonymousAnswerFloorMs, 300, 'ANONYMOUS_ANSWER_FLOOR_MS sets it');
  t.match(problemOf({ ANONYMOUS_ANSWER_FLOOR_MS: '0' })?.message, /ANONYMOUS_ANSWER_FLOOR_MS/, 'and must be at least 1 ms');
  t.equal(config.legacyPlaintextClaims, false, 'plaintext claims of an older store do not count unless asked');
  t.match(problemOf({ LEGACY_PLAINTEXT_CLAIMS: 'maybe' })?.message, /LEGACY_PLAINTEXT_CLAIMS/);
});
