import type { InjectOptions } from 'fastify';
import t from 'tap';
import { bearer, buildService, TEST_JWT_SECRET, unique, type SignedUp, type TestService } from '../helper.js';
import { claimsOf, signSession, unsecuredCopy } from './support.js';

/**
 * The access matrix: every route, called by each kind of caller, against a fresh target user V. Each cell
 * is the documented answer. Tokens that should be refused are otherwise perfect copies of V's own session
 * (same claims), so only the one defect in each can be what gets them refused.
 *
 * Callers: none = no Authorization; expired = V's claims, signed an hour after they expired; foreign = V's
 * claims signed with another secret; alg-none = V's token as an unsecured JWT; other = another user's valid
 * session; stale = V's session from before V changed the password; removed = the session of a user since
 * removed; admin = an admin session; self = V's own valid session (the control row: it must succeed).
 * `other` has confirmed their email and V has not: looking users up by username takes a confirmed email
 * (`403*` is 403 EMAIL_NOT_CONFIRMED), and by email an admin.
 */
const MATRIX = `
route                                   | none | expired | foreign | alg-none | other | stale | removed | admin | self
GET    /health                          | 200  | 200     | 200     | 200      | 200   | 200   | 200     | 200   | 200
GET    /ready                           | 200  | 200     | 200     | 200      | 200   | 200   | 200     | 200   | 200
POST   /users                           | 201  | 201     | 201     | 201      | 201   | 201   | 201     | 201   | 201
GET    /users?username                  | 401  | 401     | 401     | 401      | 200   | 401   | 401     | 200   | 403*
GET    /users?email                     | 401  | 401     | 401     | 401      | 403   | 401   | 401     | 200   | 403
GET    /users/{V}                       | 401  | 401     | 401     | 401      | 403   | 401   | 401     | 200   | 200
GET    /users/{V}/events                | 401  | 401     | 401     | 401      | 403   | 401   | 401     | 200   | 200
PATCH  /users/{V}                       | 401  | 401     | 401     | 401      | 403   | 401   | 401     | 200   | 200
PUT    /users/{V}/email                 | 401  | 401     | 401     | 401      | 403   | 401   | 401     | 200   | 200
PUT    /users/{V}/password              | 401  | 401     | 401     | 401      | 403   | 401   | 401     | 403   | 204
DELETE /users/{V}                       | 401  | 401     | 401     | 401      | 403   | 401   | 401     | 204   | 204
POST   /users/{V}/erasure               | 401  | 401     | 401     | 401      | 403   | 401   | 401     | 204   | 204
POST   /users/{V}/email-confirmation    | 200  | 200     | 200     | 200      | 200   | 200   | 200     | 200   | 200
POST   /sessions                        | 200  | 200     | 200     | 200      | 200   | 200   | 200     | 200   | 200
POST   /password-resets                 | 202  | 202     | 202     | 202      | 202   | 202   | 202     | 202   | 202
POST   /password-resets/confirm         | 204  | 204     | 204     | 204      | 204   | 204   | 204     | 204   | 204
POST   /email-confirmations             | 202  | 202     | 202     | 202      | 202   | 202   | 202     | 202   | 202
`;

const CODE_OF: Record<number, string> = { 401: 'UNAUTHORIZED', 403: 'FORBIDDEN' };
const OTHER_SECRET = 'another-secret-'.padEnd(48, 'y');
const HOUR_MS = 3_600_000;

/** The target user, with what a legitimate caller of each route would know about it. */
interface Target extends SignedUp {
  confirmationToken: string;
}

type Route = (svc: TestService, v: Target) => Promise<InjectOptions> | InjectOptions;

const ROUTES: Record<string, Route> = {
  'GET /health': () => ({ method: 'GET', url: '/health' }),
  'GET /ready': () => ({ method: 'GET', url: '/ready' }),
  'POST /users': () => {
    const n = unique();
    return { method: 'POST', url: '/users', payload: { email: `m${n}@example.com`, username: `m_${n}`, password: `pw-${n}-matrix` } };
  },
  'GET /users?username': (_svc, v) => ({ method: 'GET', url: `/users?username=${v.username}` }),
  'GET /users?email': (_svc, v) => ({ method: 'GET', url: `/users?email=${encodeURIComponent(v.email)}` }),
  'GET /users/{V}': (_svc, v) => ({ method: 'GET', url: `/users/${v.id}` }),
  'GET /users/{V}/events': (_svc, v) => ({ method: 'GET', url: `/users/${v.id}/events` }),
  'PATCH /users/{V}': (_svc, v) => ({ method: 'PATCH', url: `/users/${v.id}`, payload: { name: 'Matrix' } }),
  'PUT /users/{V}/email': (_svc, v) => ({ method: 'PUT', url: `/users/${v.id}/email`, payload: { email: `e${unique()}@example.com` } }),
  'PUT /users/{V}/password': (_svc, v) => ({
    method: 'PUT',
    url: `/users/${v.id}/password`,
    payload: { currentPassword: v.password, newPassword: `new-${unique()}-password` },
  }),
  'DELETE /users/{V}': (_svc, v) => ({ method: 'DELETE', url: `/users/${v.id}` }),
  'POST /users/{V}/erasure': (_svc, v) => ({ method: 'POST', url: `/users/${v.id}/erasure`, payload: { currentPassword: v.password } }),
  'POST /users/{V}/email-confirmation': (_svc, v) => ({
    method: 'POST',
    url: `/users/${v.id}/email-confirmation`,
    payload: { token: v.confirmationToken },
  }),
  'POST /sessions': (_svc, v) => ({ method: 'POST', url: '/sessions', payload: { email: v.email, password: v.password } }),
  'POST /password-resets': (_svc, v) => ({ method: 'POST', url: '/password-resets', payload: { email: v.email } }),
  'POST /email-confirmations': (_svc, v) => ({ method: 'POST', url: '/email-confirmations', payload: { email: v.email } }),
  'POST /password-resets/confirm': async (svc, v) => {
    await svc.request({ method: 'POST', url: '/password-resets', payload: { email: v.email } });
    const mail = svc.mails().findLast((m) => m.kind === 'password-reset' && m.userId === v.id);
    return { method: 'POST', url: '/password-resets/confirm', payload: { token: mail?.token, newPassword: `reset-${unique()}-pw` } };
  },
};

type Caller = (svc: TestService, v: Target, others: { other: SignedUp }) => Promise<Record<string, string>>;

const CALLERS: Record<string, Caller> = {
  none: async () => ({}),
  expired: async (svc, v) => bearer(signSession(svc.jwtSecret(), claimsOf(v.token), { nowMs: Date.now() - 2 * HOUR_MS, ttlSeconds: 3600 })),
  foreign: async (_svc, v) => bearer(signSession(OTHER_SECRET, claimsOf(v.token))),
  'alg-none': async (_svc, v) => bearer(unsecuredCopy(v.token)),
  other: async (_svc, _v, { other }) => other.auth,
  stale: async (svc, v) => {
    const before = v.token;
    const newPassword = `changed-${unique()}-pw`;
    const res = await svc.request({
      method: 'PUT',
      url: `/users/${v.id}/password`,
      headers: v.auth,
      payload: { currentPassword: v.password, newPassword },
    });
    if (res.statusCode !== 204) throw new Error(`password change failed: ${res.statusCode} ${res.body}`);
    v.password = newPassword;
    return bearer(before);
  },
  removed: async (svc) => {
    const gone = await svc.signUp();
    const res = await svc.request({ method: 'DELETE', url: `/users/${gone.id}`, headers: gone.auth });
    if (res.statusCode !== 204) throw new Error(`removal failed: ${res.statusCode} ${res.body}`);
    return gone.auth;
  },
  admin: async (svc) => svc.adminAuth(),
  self: async (_svc, v) => v.auth,
};

t.test('every route answers each kind of caller as documented', async (t) => {
  const svc = await buildService(t, { JWT_SECRET: TEST_JWT_SECRET });
  const other = await svc.signUp();
  await svc.confirmEmail(other);
  const [header = '', ...rows] = MATRIX.trim().split('\n');
  const callers = header.split('|').slice(1).map((cell) => cell.trim());
  t.strictSame(new Set(callers), new Set(Object.keys(CALLERS)), 'the matrix has a column for every kind of caller');
  t.strictSame(
    new Set(rows.map((row) => row.split('|')[0]!.trim().replace(/\s+/, ' '))),
    new Set(Object.keys(ROUTES)),
    'and a row for every route',
  );

  const wrong: string[] = [];
  const answered: string[] = [];
  let cells = 0;
  for (const row of rows) {
    const [label = '', ...expected] = row.split('|').map((cell) => cell.trim());
    const route = label.replace(/\s+/, ' ');
    const statuses: number[] = [];
    for (const [column, caller] of callers.entries()) {
      const cell = expected[column] ?? '';
      const status = Number(cell.replace('*', ''));
      const wantedCode = cell.endsWith('*') ? 'EMAIL_NOT_CONFIRMED' : CODE_OF[status];
      const target = await newTarget(svc);
      const headers = await CALLERS[caller]!(svc, target, { other });
      const request = await ROUTES[route]!(svc, target);
      const res = await svc.request({ ...request, headers: { ...(request.headers as object), ...headers } });
      cells++;
      statuses.push(res.statusCode);
      const code = res.statusCode >= 400 ? (res.json() as { code?: string }).code : undefined;
      if (res.statusCode !== status || (wantedCode !== undefined && code !== wantedCode)) {
        wrong.push(`${route} as ${caller}: expected ${status} ${wantedCode ?? ''}, got ${res.statusCode} ${code ?? ''}`);
      }
    }
    answered.push(`${label.padEnd(40)}| ${statuses.join(' | ')}`);
  }
  t.comment(`answers (columns: ${callers.join(', ')})\n${answered.join('\n')}`);
  t.comment(`access matrix: ${rows.length} routes × ${callers.length} callers = ${cells} cells, ${wrong.length} wrong`);
  t.strictSame(wrong, [], 'every cell gets the documented answer');
});

/** A fresh user V for one cell, so that no cell sees another's removal or password change. */
async function newTarget(svc: TestService): Promise<Target> {
  const user = await svc.signUp();
  const mail = svc.mails().findLast((m) => m.kind === 'email-confirmation' && m.userId === user.id);
  if (mail === undefined) throw new Error('no confirmation mail');
  return { ...user, confirmationToken: mail.token };
}
