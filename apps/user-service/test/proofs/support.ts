import type { EventStore, StoredEvent } from '@user-service/event-store';
import type { Test } from 'tap';
import { createJwtService } from '../../src/infrastructure/jwt.js';

/**
 * Small helpers shared by the proofs: reading a whole store, minting and forging session tokens, and
 * printing a histogram. Each proof keeps its own checks; only plumbing lives here.
 */

type Tap = Pick<Test, 'comment'>;

/** Every event of every stream, in global order, paged through `readAll`. */
export async function readEverything(store: EventStore): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await store.readAll(cursor === undefined ? { limit: 500 } : { cursor, limit: 500 });
    events.push(...page.events);
    cursor = page.cursor;
    if (page.isEnd) return events;
  }
}

/** The events grouped by stream, each stream in version order. */
export function byStream(events: readonly StoredEvent[]): Map<string, StoredEvent[]> {
  const streams = new Map<string, StoredEvent[]>();
  for (const event of events) {
    const stream = streams.get(event.streamId) ?? [];
    stream.push(event);
    streams.set(event.streamId, stream);
  }
  for (const stream of streams.values()) stream.sort((a, b) => a.version - b.version);
  return streams;
}

/** The versions a stream misses or repeats between 1 and its last: empty when they are 1, 2, …, n. */
export function versionGaps(stream: readonly StoredEvent[]): number[] {
  const wrong: number[] = [];
  stream.forEach((event, index) => {
    if (event.version !== index + 1) wrong.push(index + 1);
  });
  return wrong;
}

/** The claims a session token carries, as the service's own verifier reads them. */
export interface SessionClaims {
  readonly subject: string;
  readonly role: 'user' | 'admin';
  readonly passwordSetAt?: string;
}

/**
 * Signs a session token the way the service does, with any secret and any clock: with the service's own
 * secret and the present it is a valid token; with an earlier clock it has expired, with another secret
 * its signature is wrong. Everything else about it is right, so only the one defect can get it refused.
 */
export function signSession(secret: string, claims: SessionClaims, options: { nowMs?: number; ttlSeconds?: number } = {}): string {
  const tokens = createJwtService({
    secret,
    sessionTtlSeconds: options.ttlSeconds ?? 3600,
    emailConfirmationTtlSeconds: 3600,
    ...(options.nowMs === undefined ? {} : { now: () => options.nowMs! }),
  });
  return tokens.issueSession(claims);
}

/** The same header and claims as `token`, with `alg: none` and no signature (RFC 7519 §6 "unsecured"). */
export function unsecuredCopy(token: string): string {
  const [, payload = ''] = token.split('.');
  const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  return `${header}.${payload}.`;
}

/** The claims of a session token, read without checking it. */
export function claimsOf(token: string): SessionClaims {
  const [, payload = ''] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  return {
    subject: String(claims['sub']),
    role: claims['role'] === 'admin' ? 'admin' : 'user',
    ...(typeof claims['pwd'] === 'string' ? { passwordSetAt: claims['pwd'] } : {}),
  };
}

/** Counts values and prints them as `key: count` lines, most frequent first. */
export function printHistogram(t: Tap, title: string, counts: ReadonlyMap<string | number, number>): void {
  const lines = [...counts].sort((a, b) => b[1] - a[1]).map(([key, count]) => `  ${key}: ${count}`);
  t.comment(`${title}\n${lines.join('\n')}`);
}

export function countInto<K>(counts: Map<K, number>, key: K): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
