import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import t from 'tap';
import { bearer, buildService, unique, type SignedUp, type TestService } from '../helper.js';
import { describeSecrets, scanRun } from './secrets.js';

/**
 * Secrets scan: a whole scenario (registration, confirmation, logins good and bad, a reset, password
 * changes, admin actions, refused requests), then every response, every log line (at debug level) and
 * every published message (each stored event as the relay maps it) is searched for every secret the run
 * produced. The store's own events may hold hashes (the aggregate decides with them) but no plaintext.
 */

t.test('no response, log line or published message carries a secret', async (t) => {
  // No JWT_SECRET: the service generates its secret, and that one must not leak either.
  const svc = await buildService(t, {});
  const passwords: string[] = [];
  const pw = () => {
    const value = `Pw-${unique()}-${Math.random().toString(36).slice(2)}`;
    passwords.push(value);
    return value;
  };
  const send = (options: InjectOptions) => svc.request(options);
  const signUp = async () => svc.signUp({ password: pw() });

  const alice = await signUp();
  const bob = await signUp();
  await scenario(svc, alice, bob, pw, send);

  const { secrets, hits, searched, events } = await scanRun(svc, passwords);
  const kinds = new Set(secrets.map((secret) => secret.kind));
  t.comment(
    `secrets scan: ${secrets.length} secrets (${describeSecrets(secrets)}) searched in ${searched.responses} responses, ` +
      `${searched.logLines} log lines, ${searched.published} published messages and ${searched.storedEvents} stored events: ` +
      `${hits.length} hits`,
  );
  for (const kind of ['password', 'password hash', 'reset token', 'reset token hash', 'confirmation token', 'session token', 'jwt secret']) {
    t.ok(kinds.has(kind), `the run produced at least one ${kind} to look for`);
  }
  t.strictSame(hits, [], 'zero hits');

  // The scanner itself must find secrets where they legitimately are, or it proves nothing.
  const outbox = readFileSync(join(svc.dataDir, 'outbox', 'mail.jsonl'), 'utf8');
  const stored = JSON.stringify(events);
  t.ok(secrets.some((s) => s.kind === 'reset token' && outbox.includes(s.value)), 'the scan finds reset tokens in the mail outbox');
  t.ok(secrets.some((s) => s.kind === 'password hash' && stored.includes(s.value)), 'and password hashes in the stored events');
});

/** Every kind of request the service serves, the refused ones included. */
async function scenario(
  svc: TestService,
  alice: SignedUp,
  bob: SignedUp,
  pw: () => string,
  send: (options: InjectOptions) => Promise<LightMyRequestResponse>,
): Promise<void> {
  const n = unique();
  const keyed = { 'idempotency-key': `register-${n}` };
  const carol = { email: `carol${n}@example.com`, username: `carol_${n}`, password: pw() };
  await send({ method: 'POST', url: '/users', headers: keyed, payload: carol });
  await send({ method: 'POST', url: '/users', headers: keyed, payload: carol });
  await send({ method: 'POST', url: '/users', headers: keyed, payload: { ...carol, password: pw() } });
  await send({ method: 'POST', url: '/users', payload: { ...carol, username: 'x', password: pw() } });
  await send({ method: 'POST', url: '/users', payload: { email: alice.email, username: `dup_${n}`, password: pw() } });

  const confirmation = svc.mails().findLast((m) => m.kind === 'email-confirmation' && m.userId === alice.id)!;
  await send({ method: 'POST', url: `/users/${alice.id}/email-confirmation`, payload: { token: `${confirmation.token}x` } });
  await send({ method: 'POST', url: `/users/${alice.id}/email-confirmation`, payload: { token: confirmation.token } });
  await send({ method: 'POST', url: `/users/${alice.id}/email-confirmation`, payload: { token: confirmation.token } });

  await send({ method: 'POST', url: '/sessions', payload: { email: alice.email, password: pw() } });
  await send({ method: 'POST', url: '/sessions', payload: { email: `nobody${n}@example.com`, password: pw() } });

  await send({ method: 'POST', url: '/password-resets', payload: { email: alice.email } });
  await send({ method: 'POST', url: '/password-resets', payload: { email: `nobody${n}@example.com` } });
  const reset = svc.mails().findLast((m) => m.kind === 'password-reset' && m.userId === alice.id)!;
  await send({ method: 'POST', url: '/password-resets/confirm', payload: { token: reset.token, newPassword: 'short' } });
  await send({ method: 'POST', url: '/password-resets/confirm', payload: { token: `${alice.id}.bogus`, newPassword: pw() } });
  const afterReset = pw();
  await send({ method: 'POST', url: '/password-resets/confirm', payload: { token: reset.token, newPassword: afterReset } });
  await send({ method: 'POST', url: '/password-resets/confirm', payload: { token: reset.token, newPassword: pw() } });
  const session = await svc.login(alice.email, afterReset);

  const afterChange = pw();
  const own = bearer(session);
  await send({ method: 'PUT', url: `/users/${alice.id}/password`, headers: own, payload: { currentPassword: pw(), newPassword: pw() } });
  await send({ method: 'PUT', url: `/users/${alice.id}/password`, headers: own, payload: { currentPassword: afterReset, newPassword: afterChange } });
  await send({ method: 'GET', url: `/users/${alice.id}`, headers: own });
  const fresh = bearer(await svc.login(alice.email, afterChange));
  await send({ method: 'PATCH', url: `/users/${alice.id}`, headers: { ...fresh, 'if-match': '"1"' }, payload: { name: 'Stale' } });
  await send({ method: 'PUT', url: `/users/${alice.id}/email`, headers: fresh, payload: { email: `alice2${n}@example.com` } });
  await send({ method: 'GET', url: `/users/${alice.id}/events`, headers: fresh });
  await send({ method: 'GET', url: `/users/${bob.id}`, headers: fresh });

  const admin = svc.adminAuth();
  await send({ method: 'GET', url: `/users?email=${encodeURIComponent(bob.email)}`, headers: admin });
  await send({ method: 'PATCH', url: `/users/${bob.id}`, headers: admin, payload: { name: 'Robert', surname: 'Admin' } });
  await send({ method: 'GET', url: `/users/${bob.id}/events`, headers: admin });
  await send({ method: 'PUT', url: `/users/${bob.id}/password`, headers: admin, payload: { currentPassword: bob.password, newPassword: pw() } });
  await send({ method: 'DELETE', url: `/users/${bob.id}`, headers: admin });
  await send({ method: 'GET', url: `/users/${bob.id}`, headers: bob.auth });
  await send({ method: 'POST', url: '/sessions', payload: { email: bob.email, password: bob.password } });
  await send({ method: 'POST', url: '/sessions', headers: { 'content-type': 'text/plain' }, payload: `password=${pw()}` });
  await send({ method: 'POST', url: '/sessions', headers: { 'content-type': 'application/json' }, payload: `{"password":"${pw()}"` });
}
