import t from 'tap';
import type { Mailer } from '../src/application/ports.js';
import { assertProblem, buildService, TEST_JWT_SECRET, unique, type TestService } from './helper.js';

/**
 * Anonymous answers are the same, in status, body and headers, whether an account exists or not. Each case
 * below told the two apart before it was fixed (issue 9, defect 3).
 */

const env = { JWT_SECRET: TEST_JWT_SECRET };

/**
 * What an anonymous caller sees of an answer, without what differs on every request anyway: its id, the date,
 * and the address's remaining requests (which count down with each call, account or not).
 */
function seen(res: Awaited<ReturnType<TestService['request']>>) {
  const { 'x-request-id': _id, date: _date, 'x-ratelimit-remaining': _left, 'x-ratelimit-reset': _reset, ...headers } = res.headers;
  return { status: res.statusCode, headers, body: res.body };
}

t.test('the same answers for a known and an unknown address, on every anonymous route', async (t) => {
  const svc = await buildService(t, env);
  const alice = await svc.signUp();
  const unknown = `nobody${unique()}@example.com`;
  const both = async (make: (email: string, id: string) => Parameters<TestService['request']>[0]) => {
    const known = seen(await svc.request(make(alice.email, alice.id)));
    const other = seen(await svc.request(make(unknown, 'no-such-user')));
    return { known, other };
  };

  const cases: Array<[string, (email: string, id: string) => Parameters<TestService['request']>[0]]> = [
    ['a reset request', (email) => ({ method: 'POST', url: '/password-resets', payload: { email } })],
    ['a reset request with If-Match', (email) => ({ method: 'POST', url: '/password-resets', headers: { 'if-match': '"1"' }, payload: { email } })],
    ['a reset request with If-Match: *', (email) => ({ method: 'POST', url: '/password-resets', headers: { 'if-match': '*' }, payload: { email } })],
    ['a confirmation of <id>.bogus', (_email, id) => ({ method: 'POST', url: '/password-resets/confirm', payload: { token: `${id}.bogus`, newPassword: 'long-enough-1' } })],
    [
      'a confirmation of <id>.bogus with If-Match',
      (_email, id) => ({ method: 'POST', url: '/password-resets/confirm', headers: { 'if-match': '"2"' }, payload: { token: `${id}.bogus`, newPassword: 'long-enough-1' } }),
    ],
    ['a login', (email) => ({ method: 'POST', url: '/sessions', payload: { email, password: 'wrong-password' } })],
    [
      'an email confirmation with If-Match',
      (_email, id) => ({ method: 'POST', url: `/users/${id}/email-confirmation`, headers: { 'if-match': '"1"' }, payload: { token: 'a.b.c' } }),
    ],
  ];
  for (const [name, make] of cases) {
    const { known, other } = await both(make);
    t.same(known, other, `${name}: ${known.status} for both`);
    t.notMatch(known.body, /version/i, `${name}: no version in the text`);
  }
  const ifMatch = await svc.request({ method: 'POST', url: '/password-resets', headers: { 'if-match': '"1"' }, payload: { email: alice.email } });
  assertProblem(t, ifMatch, 400, 'VALIDATION_FAILED', 'If-Match where the route does not document it');
});

t.test('an Idempotency-Key reused on a reset answers 202, whatever the address and its case', async (t) => {
  const svc = await buildService(t, env);
  const alice = await svc.signUp();
  const unknown = `nobody${unique()}@example.com`;
  for (const [first, second] of [
    [alice.email, alice.email.toUpperCase()],
    [unknown, unknown.toUpperCase()],
    [alice.email, unknown],
    [unknown, alice.email],
  ] as const) {
    const headers = { 'idempotency-key': `k-${unique()}` };
    const answers = [];
    for (const email of [first, second]) {
      answers.push(seen(await svc.request({ method: 'POST', url: '/password-resets', headers, payload: { email } })));
    }
    t.same(answers.map((a) => a.status), [202, 202], `${first === alice.email ? 'known' : 'unknown'} then ${second === alice.email || second === alice.email.toUpperCase() ? 'known' : 'unknown'}`);
    t.same(answers[0], answers[1], 'two identical answers');
  }
});

t.test('a reset request answers before its mail goes out: mail is off the request path', async (t) => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const sent: string[] = [];
  const mailer: Mailer = {
    async send(mail) {
      if (mail.kind === 'password-reset') await held;
      sent.push(mail.kind);
    },
  };
  const svc = await buildService(t, env, { mailer });
  const user = await svc.signUp();
  const answer = await svc.server.inject({ method: 'POST', url: '/password-resets', payload: { email: user.email } });
  t.equal(answer.statusCode, 202, 'answered while the mail is still held');
  t.notOk(sent.includes('password-reset'), 'the mail has not gone out yet');
  release();
  await svc.runtime.appOptions.users.flush();
  t.ok(sent.includes('password-reset'), 'and it goes out afterwards');
  t.match((await svc.stream(user.id)).at(-1), { type: 'PasswordResetRequested' }, 'with its event recorded');

  // Figures only: time is never asserted on.
  const timings = { known: [] as number[], unknown: [] as number[] };
  for (let i = 0; i < 40; i++) {
    for (const [kind, email] of [['known', user.email], ['unknown', `x${unique()}@example.com`]] as const) {
      const started = performance.now();
      await svc.server.inject({ method: 'POST', url: '/password-resets', payload: { email } });
      timings[kind].push(performance.now() - started);
    }
  }
  await svc.runtime.appOptions.users.flush();
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!.toFixed(2);
  t.comment(`reset request median: known ${median(timings.known)} ms, unknown ${median(timings.unknown)} ms (40 each)`);
});

t.test('on a host that freezes once it answers, the work is done first and every answer waits the same floor', async (t) => {
  // A clock that stands still: each answer's wait is the whole floor, so the two paths can be compared exactly.
  const waits: number[] = [];
  const floorTimer = { now: () => 1000, sleep: async (ms: number) => void waits.push(ms) };
  const confirmations: string[] = [];
  const mailer: Mailer = {
    async send(mail) {
      if (mail.kind === 'email-confirmation') confirmations.push(mail.to);
    },
  };
  const svc = await buildService(t, { ...env, ANONYMOUS_ANSWER_FLOOR_MS: '250' }, { floorTimer, mailer });
  const user = await svc.signUp();
  const unknown = `nobody${unique()}@example.com`;
  const before = (await svc.allEvents()).length;

  const reset = (email: string) => svc.server.inject({ method: 'POST', url: '/password-resets', payload: { email } });
  const known = await reset(user.email);
  t.match((await svc.stream(user.id)).at(-1), { type: 'PasswordResetRequested' }, 'the reset is recorded before the answer, with nothing flushed');
  const other = await reset(unknown);
  t.same([known.statusCode, other.statusCode], [202, 202], 'both answer 202');
  t.same(waits, [250, 250], 'and both answers waited out the same floor');
  t.equal((await svc.allEvents()).length, before + 1, 'the unknown address wrote nothing');

  await svc.runtime.appOptions.users.flush(); // the registration's own confirmation mail, sent from its event
  waits.length = 0;
  confirmations.length = 0;
  const resend = (email: string) => svc.server.inject({ method: 'POST', url: '/email-confirmations', payload: { email } });
  t.same([(await resend(user.email)).statusCode, (await resend(unknown)).statusCode], [202, 202], 'a confirmation sent again: 202 for both');
  t.same(confirmations, [user.email], 'the known address had its mail sent before the answer');
  t.same(waits, [250, 250], 'and again both waited the same floor');
});

t.test('who may look users up', async (t) => {
  const svc = await buildService(t, env);
  const fresh = await svc.signUp();
  const bob = await svc.signUp();
  const byEmail = `/users?email=${encodeURIComponent(bob.email)}`;
  const byName = `/users?username=${bob.username}`;
  assertProblem(t, await svc.request({ method: 'GET', url: byEmail, headers: fresh.auth }), 403, 'FORBIDDEN', 'by email, a user may not');
  assertProblem(t, await svc.request({ method: 'GET', url: byName, headers: fresh.auth }), 403, 'EMAIL_NOT_CONFIRMED', 'a fresh account may not');
  const unknownName = await svc.request({ method: 'GET', url: '/users?username=nobody_at_all', headers: fresh.auth });
  assertProblem(t, unknownName, 403, 'EMAIL_NOT_CONFIRMED', 'whether the name exists or not');
  await svc.confirmEmail(fresh);
  const found = await svc.request({ method: 'GET', url: byName, headers: fresh.auth });
  t.same([found.statusCode, found.json().items.length], [200, 1], 'once confirmed, by username');
  assertProblem(t, await svc.request({ method: 'GET', url: byEmail, headers: fresh.auth }), 403, 'FORBIDDEN', 'but still not by email');
  const admin = await svc.request({ method: 'GET', url: byEmail, headers: svc.adminAuth() });
  t.same([admin.statusCode, admin.json().items[0]?.id], [200, bob.id], 'an admin may, by email');
});
