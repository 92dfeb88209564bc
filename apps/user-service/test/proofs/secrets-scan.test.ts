import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredEvent } from '@user-service/event-store';
import { toCloudEvent } from '@user-service/integration-events';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import t from 'tap';
import { bearer, buildService, unique, type SignedUp, type TestService } from '../helper.js';
import { readEverything } from './support.js';

/**
 * Secrets scan: a whole scenario (registration, confirmation, logins good and bad, a reset, password
 * changes, admin actions, refused requests), then every response, every log line (at debug level) and
 * every published message (each stored event as the relay maps it) is searched for every secret the run
 * produced. The store's own events may hold hashes (the aggregate decides with them) but no plaintext.
 */

type Secret = { kind: string; value: string };

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

  const events = await readEverything(svc.runtime.eventStore);
  const secrets = collectSecrets(svc, events, passwords);
  const published = events.map((event) => JSON.stringify(toCloudEvent(event)));
  const logs = svc.rawLogs;

  const hits: string[] = [];
  const scan = (where: string, text: string, allowed: ReadonlySet<string> = new Set()) => {
    for (const secret of secrets) {
      if (!allowed.has(secret.value) && variants(secret.value).some((variant) => text.includes(variant))) {
        hits.push(`${secret.kind} in ${where}: …${excerpt(text, secret.value)}…`);
      }
    }
  };
  svc.responses.forEach((res, i) => scan(`response ${i} (${res.statusCode})`, responseText(res), issuedBy(res)));
  logs.forEach((line, i) => scan(`log line ${i}`, line));
  published.forEach((message, i) => scan(`published message ${i}`, message));
  // Hashes belong in the store; plaintext passwords, tokens and keys never do.
  const plaintext = secrets.filter((secret) => !secret.kind.includes('hash'));
  for (const [i, event] of events.entries()) {
    const text = JSON.stringify(event);
    for (const secret of plaintext) if (text.includes(secret.value)) hits.push(`${secret.kind} in stored event ${i} (${event.type})`);
  }

  const kinds = new Map<string, number>();
  for (const secret of secrets) kinds.set(secret.kind, (kinds.get(secret.kind) ?? 0) + 1);
  t.comment(
    `secrets scan: ${secrets.length} secrets (${[...kinds].map(([kind, n]) => `${n} ${kind}`).join(', ')}) searched in ` +
      `${svc.responses.length} responses, ${logs.length} log lines, ${published.length} published messages and ` +
      `${events.length} stored events: ${hits.length} hits`,
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

/** Everything the run produced that must stay secret, each with its parts that are secret on their own. */
function collectSecrets(svc: TestService, events: readonly StoredEvent[], passwords: readonly string[]): Secret[] {
  const secrets: Secret[] = passwords.map((value) => ({ kind: 'password', value }));
  for (const event of events) {
    const data = event.data as { passwordHash?: string; tokenHash?: string };
    // `scrypt$N$r$p$salt$key`: the whole hash, and its salt and key, which are secret on their own.
    if (data.passwordHash) {
      secrets.push({ kind: 'password hash', value: data.passwordHash });
      for (const part of data.passwordHash.split('$').filter((p) => p.length >= 16)) secrets.push({ kind: 'password hash part', value: part });
    }
    if (data.tokenHash) secrets.push({ kind: 'reset token hash', value: data.tokenHash });
  }
  for (const mail of svc.mails()) {
    if (mail.kind === 'password-reset') {
      secrets.push({ kind: 'reset token', value: mail.token });
      secrets.push({ kind: 'reset token secret part', value: mail.token.slice(mail.token.indexOf('.') + 1) });
    } else {
      secrets.push({ kind: 'confirmation token', value: mail.token }, { kind: 'confirmation token signature', value: signatureOf(mail.token) });
    }
  }
  for (const token of issuedSessions(svc)) {
    secrets.push({ kind: 'session token', value: token }, { kind: 'session token signature', value: signatureOf(token) });
  }
  const admin = svc.adminAuth().authorization.slice('Bearer '.length);
  secrets.push({ kind: 'session token', value: admin }, { kind: 'session token signature', value: signatureOf(admin) });
  const jwtSecret = svc.jwtSecret();
  secrets.push({ kind: 'jwt secret', value: jwtSecret });
  for (const purpose of ['user-ids', 'idempotency-fingerprints']) {
    secrets.push({ kind: 'derived key', value: createHmac('sha256', jwtSecret).update(purpose).digest('base64url') });
  }
  return secrets;
}

function issuedSessions(svc: TestService): string[] {
  return svc.responses.flatMap((res) => [...issuedBy(res)]);
}

/** A login's answer carries the session it opens: that one token (and its signature) is allowed there. */
function issuedBy(res: LightMyRequestResponse): Set<string> {
  if (res.statusCode !== 200) return new Set();
  try {
    const token = (res.json() as { token?: unknown }).token;
    return typeof token === 'string' ? new Set([token, signatureOf(token)]) : new Set();
  } catch {
    return new Set();
  }
}

function signatureOf(jwt: string): string {
  return jwt.split('.')[2] ?? jwt;
}

function responseText(res: LightMyRequestResponse): string {
  return `${JSON.stringify(res.headers)}\n${res.body}`;
}

/** The secret as it is, and as JSON or a URL would escape it. */
function variants(value: string): string[] {
  return [...new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)])];
}

function excerpt(text: string, value: string): string {
  const at = text.indexOf(value);
  return text.slice(Math.max(0, at - 40), at + 20);
}
