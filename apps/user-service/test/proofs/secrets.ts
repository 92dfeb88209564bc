import { FORGOTTEN } from '@user-service/user-domain';
import { createHmac } from 'node:crypto';
import type { StoredEvent } from '@user-service/event-store';
import { toCloudEvent } from '@user-service/integration-events';
import type { LightMyRequestResponse } from 'fastify';
import type { TestService } from '../helper.js';
import { readEverything } from './support.js';

/**
 * The secrets scanner: what a run produced that must stay secret, and where it must never appear. Any
 * proof that drives a {@link TestService} can scan its own run with {@link scanRun}.
 */

export interface Secret {
  readonly kind: string;
  readonly value: string;
}

export interface Scan {
  readonly secrets: readonly Secret[];
  readonly hits: readonly string[];
  readonly searched: { responses: number; logLines: number; published: number; storedEvents: number };
  readonly events: readonly StoredEvent[];
}

/** Kinds that belong in the store: the aggregate decides with them. Everything else is plaintext. */
const STORED_KINDS = new Set(['password hash', 'password hash part', 'reset token hash']);

/**
 * Searches every response, log line and published message of the run (each stored event as the relay
 * maps it) for every secret, and the stored events for every plaintext secret. `passwords` are the
 * plaintext passwords the run used; the rest is found in the run itself.
 */
export async function scanRun(svc: TestService, passwords: readonly string[]): Promise<Scan> {
  const events = await readEverything(svc.runtime.eventStore);
  const secrets = secretsOf(svc, events, passwords);
  const plaintext = secrets.filter((secret) => !STORED_KINDS.has(secret.kind));
  const published = events.map((event) => JSON.stringify(toCloudEvent(event)));
  const hits = [
    ...search(secrets, 'response', svc.responses.map(responseText)),
    ...search(secrets, 'log line', svc.rawLogs),
    ...search(secrets, 'published message', published),
    ...search(plaintext, 'stored event', events.map((event) => JSON.stringify(event))),
  ];
  return {
    secrets,
    hits,
    events,
    searched: { responses: svc.responses.length, logLines: svc.rawLogs.length, published: published.length, storedEvents: events.length },
  };
}

/** `12 password, 5 session token, …` */
export function describeSecrets(secrets: readonly Secret[]): string {
  const kinds = new Map<string, number>();
  for (const secret of secrets) kinds.set(secret.kind, (kinds.get(secret.kind) ?? 0) + 1);
  return [...kinds].map(([kind, n]) => `${n} ${kind}`).join(', ');
}

/** Everything the run produced that must stay secret, each with its parts that are secret on their own. */
export function secretsOf(svc: TestService, events: readonly StoredEvent[], passwords: readonly string[]): Secret[] {
  const secrets: Secret[] = passwords.map((value) => ({ kind: 'password', value }));
  for (const event of events) {
    const data = event.data as { passwordHash?: string; tokenHash?: string };
    // An erased user's hashes read as the placeholder: forgotten, and no secret. (Their answers and logs from
    // before the erasure cannot be checked against the hashes any more; the other users' still are.)
    if (data.passwordHash === FORGOTTEN) delete data.passwordHash;
    if (data.tokenHash === FORGOTTEN) delete data.tokenHash;
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
  const admin = svc.adminAuth().authorization.slice('Bearer '.length);
  for (const token of [...svc.responses.map(issuedBy).filter((t): t is string => t !== undefined), admin]) {
    secrets.push({ kind: 'session token', value: token }, { kind: 'session token signature', value: signatureOf(token) });
  }
  const jwtSecret = svc.jwtSecret();
  secrets.push({ kind: 'jwt secret', value: jwtSecret });
  for (const purpose of ['user-ids', 'idempotency-fingerprints']) {
    secrets.push({ kind: 'derived key', value: createHmac('sha256', jwtSecret).update(purpose).digest('base64url') });
  }
  return dedupe(secrets);
}

/**
 * One search per secret over all texts of a source joined, so that thousands of responses cost thousands
 * of native substring searches, not millions. A hit names the text it is in.
 */
function search(secrets: readonly Secret[], where: string, texts: readonly string[]): string[] {
  const separator = '\n\u0000\n';
  const joined = texts.join(separator);
  const starts: number[] = [];
  let at = 0;
  for (const text of texts) {
    starts.push(at);
    at += text.length + separator.length;
  }
  const hits: string[] = [];
  for (const secret of secrets) {
    for (const variant of variants(secret.value)) {
      const index = joined.indexOf(variant);
      if (index === -1) continue;
      const which = starts.findLastIndex((start) => start <= index);
      hits.push(`${secret.kind} in ${where} ${which}: …${joined.slice(Math.max(0, index - 60), index + 20)}…`);
      break;
    }
  }
  return hits;
}

/** A login's answer carries the session it opens, the one place that token may be: it is masked there. */
function responseText(res: LightMyRequestResponse): string {
  const text = `${JSON.stringify(res.headers)}\n${res.body}`;
  const issued = issuedBy(res);
  return issued === undefined ? text : text.replaceAll(issued, '[the session this answer opens]');
}

function issuedBy(res: LightMyRequestResponse): string | undefined {
  if (res.statusCode !== 200) return undefined;
  try {
    const token = (res.json() as { token?: unknown; tokenType?: unknown }).token;
    return typeof token === 'string' ? token : undefined;
  } catch {
    return undefined;
  }
}

function signatureOf(jwt: string): string {
  return jwt.split('.')[2] ?? jwt;
}

/** The secret as it is, and as JSON or a URL would escape it. */
function variants(value: string): string[] {
  return [...new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)])];
}

function dedupe(secrets: readonly Secret[]): Secret[] {
  const seen = new Set<string>();
  return secrets.filter((secret) => !seen.has(secret.value) && (seen.add(secret.value), true));
}
