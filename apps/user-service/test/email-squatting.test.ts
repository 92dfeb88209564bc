import t from 'tap';
import { assertProblem, bearer, buildService, testClock, TEST_JWT_SECRET, unique } from './helper.js';

/**
 * An unconfirmed registration does not hold its address forever: once its confirmation window has passed, a
 * new registration of the address succeeds and the stale one is removed. A confirmed account keeps its
 * address whatever happens.
 */

const HOUR = 3600_000;
const env = { JWT_SECRET: TEST_JWT_SECRET, EMAIL_CONFIRMATION_TTL_SECONDS: '3600' };

const registration = (email: string, username = `u${unique()}`) => ({
  method: 'POST' as const,
  url: '/users',
  payload: { email, username, password: `pw-${unique()}-long` },
});

t.test('a registration never confirmed in time gives its address to the next one', async (t) => {
  const clock = testClock();
  const svc = await buildService(t, env, { clock });
  const victim = `victim${unique()}@example.com`;
  const squatter = await svc.request(registration(victim, `squat${unique()}`));
  t.equal(squatter.statusCode, 201, 'someone registers another person’s address and never confirms it');
  const squatterId = squatter.json().id as string;
  const squatterName = squatter.json().username as string;

  clock.advance(HOUR - 1);
  assertProblem(t, await svc.request(registration(victim)), 409, 'EMAIL_TAKEN', 'inside the window the address is taken');

  clock.advance(1);
  const owner = await svc.request(registration(victim.toUpperCase()));
  t.equal(owner.statusCode, 201, 'once the window has passed, the owner registers it');
  t.not(owner.json().id, squatterId, 'as a new user');
  const stale = await svc.stream(squatterId);
  t.match(stale.at(-1), { type: 'UserRemoved', data: { reason: 'confirmation-expired' }, metadata: { actor: 'system:registration-expiry' } }, 'the stale registration is removed, saying why');
  const mail = svc.mails().findLast((m) => m.userId === owner.json().id && m.kind === 'email-confirmation');
  t.equal(mail?.to, victim.toLowerCase(), 'the confirmation goes to the owner');
  t.equal((await svc.request(registration(`other${unique()}@example.com`, squatterName))).statusCode, 201, 'the stale username is free again');
  const admin = svc.adminAuth();
  assertProblem(t, await svc.request({ method: 'GET', url: `/users/${squatterId}`, headers: admin }), 404, 'USER_NOT_FOUND', 'the stale user is gone');
});

t.test('a confirmed account keeps its address, and a confirmation in time keeps it too', async (t) => {
  const clock = testClock();
  const svc = await buildService(t, env, { clock });
  const user = await svc.signUp();
  await svc.confirmEmail(user);
  clock.advance(48 * HOUR);
  assertProblem(t, await svc.request(registration(user.email)), 409, 'EMAIL_TAKEN', 'a confirmed address is never taken over');

  const late = `late${unique()}@example.com`;
  const created = await svc.request(registration(late));
  clock.advance(HOUR / 2);
  const token = svc.mails().findLast((m) => m.userId === created.json().id)!.token;
  t.equal((await svc.request({ method: 'POST', url: `/users/${created.json().id}/email-confirmation`, payload: { token } })).statusCode, 200);
  clock.advance(2 * HOUR);
  assertProblem(t, await svc.request(registration(late)), 409, 'EMAIL_TAKEN', 'confirmed within the window: kept');

  // A confirmed user who moves to an address and leaves it unconfirmed is no squatter to remove: see the note
  // in the README. The address stays theirs.
  const moved = `moved${unique()}@example.com`;
  t.equal((await svc.request({ method: 'PUT', url: `/users/${user.id}/email`, headers: bearer(await svc.login(user.email, user.password)), payload: { email: moved } })).statusCode, 200);
  clock.advance(48 * HOUR);
  assertProblem(t, await svc.request(registration(moved)), 409, 'EMAIL_TAKEN');
});
