import { createHmac } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApplicationError } from '../application/errors.js';
import type { Principal } from '../application/ports.js';
import type { Authenticated, Caller, UserApplication } from '../application/users.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by {@link requireAuth} for routes that need a signed-in caller. */
    principal?: Principal;
    /** A signed-in user's own state, loaded by {@link requireAuth}, for the command to start from. */
    session?: Authenticated['session'];
  }
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]+)$/;

/** A preHandler that admits only callers with a valid, unrevoked session token. */
export function requireAuth(users: UserApplication) {
  return async (request: FastifyRequest): Promise<void> => {
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (!match?.[1]) throw new ApplicationError('UNAUTHORIZED', 'a Bearer token is required');
    const { principal, session } = await users.authenticate(match[1]);
    request.principal = principal;
    if (session !== undefined) request.session = session;
  };
}

/**
 * What the application needs to know about a request: who acts, which version the caller saw
 * (`If-Match`) and whether it is a retry (`Idempotency-Key`). The key is scoped to the caller, and the
 * request is fingerprinted with a keyed hash, since the body may hold a password.
 */
export function callerOf(request: FastifyRequest, fingerprintSecret: string): Caller {
  const principal = request.principal;
  const actor = principal === undefined ? undefined : actorOf(principal);
  const caller: {
    -readonly [K in keyof Caller]: Caller[K];
  } = { correlationId: String(request.id) };
  if (principal) caller.principal = principal;
  if (actor) caller.actor = actor;
  if (request.session) caller.session = request.session;

  const ifMatch = request.headers['if-match'];
  if (ifMatch !== undefined) {
    const value = ifMatch.trim();
    const match = /^(W\/)?"(\d{1,15})"$/.exec(value);
    if (value === '*') {
      caller.mustExist = true;
    } else if (match === null) {
      throw new ApplicationError('VALIDATION_FAILED', 'If-Match must be an ETag this API returned, like "3", or *');
    } else if (match[1] !== undefined) {
      // If-Match compares strongly (RFC 9110): a weak tag matches nothing, whatever version it names.
      throw new ApplicationError('VERSION_CONFLICT', 'a weak ETag never matches If-Match');
    } else {
      caller.expectedVersion = Number(match[2]);
    }
  }

  const key = request.headers['idempotency-key'];
  if (key !== undefined) {
    if (typeof key !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(key)) {
      throw new ApplicationError('VALIDATION_FAILED', 'Idempotency-Key must be 1–128 visible ASCII characters');
    }
    const route = `${request.method} ${request.url.split('?')[0]}`;
    caller.idempotency = {
      key: `${principal?.subject ?? 'anonymous'}:${key}`,
      fingerprint: createHmac('sha256', fingerprintSecret)
        .update(`${route}\n${ifMatch ?? ''}\n${canonicalJson(request.body)}`)
        .digest('base64url'),
    };
  }
  return caller;
}

/**
 * An onRequest hook: `If-Match` only where the route documents it (the routes that change an existing user).
 * Elsewhere it is refused before anything is looked up, so the answer is the same for every account, known
 * or not, and never names a version.
 */
export async function refuseUndocumentedIfMatch(request: FastifyRequest): Promise<void> {
  if (request.headers['if-match'] === undefined || request.is404) return;
  const headers = request.routeOptions.schema?.headers as { properties?: Record<string, unknown> } | undefined;
  if (headers?.properties?.['if-match'] === undefined) {
    throw new ApplicationError('VALIDATION_FAILED', 'this route takes no If-Match');
  }
}

export function etag(version: number): string {
  return `"${version}"`;
}

const MAX_BODY_DEPTH = 32;

/** JSON with sorted keys, so that two equal bodies always fingerprint alike. */
function canonicalJson(value: unknown, depth = 0): string {
  // No body of this API nests deeply; a deeper one is refused before it can exhaust the stack.
  if (depth > MAX_BODY_DEPTH) throw new ApplicationError('VALIDATION_FAILED', 'the body is nested too deeply');
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v, depth + 1)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v, depth + 1)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Who the events record as acting: the user's id, or `admin:<operator>` for the operator an admin token names. */
export function actorOf(principal: Principal): string {
  return principal.role === 'admin' ? `admin:${principal.subject}` : principal.subject;
}
