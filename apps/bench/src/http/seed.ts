import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { EventStore, NewEvent } from '@user-service/event-store';
import { createSqliteEventStore } from '@user-service/event-store/sqlite';
import { createPersonalDataEventStore } from '@user-service/personal-data';
import { openLocalDataKeys } from '@user-service/personal-data/sqlite';
import {
  decide,
  fold,
  initialState,
  uniqueKeyChanges,
  upcast,
  type UserCommand,
  type UserState,
} from '@user-service/user-domain';
import { createScryptHasher } from '@user-service/user-service';
import type { Target } from './load-protocol.js';

/**
 * The users of the HTTP figures. Registering 1,000 users through HTTP costs 1,000 scrypt hashes, and
 * logging them in 1,000 more, about 23 ms each on this kind of machine: together most of a quick run. So
 * one user registers through `POST /users`, and the others are written straight into the event store, as
 * the domain decides their registration, with a password hash the service's own hasher made at a lower
 * cost. A hash records its cost and the service verifies it at that cost, so their logins cost a sixteenth
 * of a default one; no figure measures a login. Every user then logs in through `POST /sessions`, as a
 * client would.
 */

/** A user the bench set up, with a session token of its own. */
export interface BenchUser extends Target {
  readonly id: string;
  readonly email: string;
}

/** A registered user, not yet logged in. */
export interface Registered {
  readonly id: string;
  readonly email: string;
}

/** All bench users share it; it is no secret. */
export const PASSWORD = 'bench-password-1';

/** The SQLite event store of a service's data directory (apps/user-service/src/composition.ts). */
export const EVENT_STORE_FILE = 'events.db';

/** Answers the JSON body of a request to the service, failing on an unexpected status. */
async function call(origin: string, method: string, path: string, expected: number, body?: unknown): Promise<unknown> {
  const response = await fetch(`${origin}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status !== expected) {
    throw new Error(`${method} ${path} answered ${response.status}, not ${expected}: ${text.slice(0, 500)}`);
  }
  return text === '' ? undefined : JSON.parse(text);
}

/** Runs `work` over `items`, at most `concurrency` at a time; results in the order of the items. */
async function pool<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** Names unique to this run, so that two runs on one data directory could never collide. */
export function userNames(run: string, i: number): { email: string; username: string } {
  return { email: `bench-${run}-${i}@example.com`, username: `b${run}_${i}` };
}

/** Registers one user through `POST /users`. */
export async function registerThroughHttp(origin: string, run: string, i: number): Promise<Registered> {
  const names = userNames(run, i);
  const body = { ...names, password: PASSWORD, name: 'Bench', surname: `User ${i}` };
  const user = (await call(origin, 'POST', '/users', 201, body)) as { id: string };
  return { id: user.id, email: names.email };
}

/**
 * Opens the event store of a data directory as the service does, with personal data sealed under the users'
 * keys in the same directory; no service may be using it meanwhile.
 */
async function withStore<R>(dataDir: string, work: (store: EventStore) => Promise<R>): Promise<R> {
  const store = createPersonalDataEventStore(createSqliteEventStore({ filename: join(dataDir, EVENT_STORE_FILE) }), {
    keys: openLocalDataKeys({ dataDir }),
  });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Decides `command` on `state` and appends its events as the service would, answering the new state. */
async function record(
  store: EventStore,
  userId: string,
  state: UserState,
  version: number,
  commands: readonly UserCommand[],
): Promise<{ state: UserState; version: number }> {
  const events: NewEvent[] = [];
  const correlationId = randomUUID();
  let next = state;
  const claims: string[] = [];
  const releases: string[] = [];
  for (const command of commands) {
    const decided = decide(command, next);
    if (decided.length !== 1) throw new Error(`${command.type} decided ${decided.length} events, not 1`);
    const keys = uniqueKeyChanges(next, decided);
    claims.push(...keys.claims);
    releases.push(...keys.releases);
    next = fold(decided, next);
    const event = decided[0]!;
    events.push({
      eventId: randomUUID(),
      type: event.type,
      schemaVersion: event.schemaVersion,
      data: event.data as unknown as NewEvent['data'],
      // As the service records them: anonymous registration, updates by the user themself.
      metadata: {
        occurredAt: command.now,
        correlationId,
        causationId: correlationId,
        ...(version > 0 ? { actor: userId } : {}),
      },
    });
  }
  const result = await store.append(userId, events, { expectedVersion: version, claims, releases });
  return { state: next, version: result.lastVersion };
}

/** scrypt's cost for the seeded users' password: 2^10, where the service hashes at 2^14. */
const SEEDED_PASSWORD_COST = 1024;

/**
 * Registers `count` users straight into the event store of `dataDir`, all with one hash of {@link PASSWORD}
 * at {@link SEEDED_PASSWORD_COST}. The next service started on the directory projects them at start-up.
 */
export function registerThroughStore(dataDir: string, run: string, from: number, count: number): Promise<Registered[]> {
  return withStore(dataDir, async (store) => {
    const passwordHash = await createScryptHasher({ cost: SEEDED_PASSWORD_COST }).hash(PASSWORD);
    const users: Registered[] = [];
    for (let i = from; i < from + count; i++) {
      const id = randomUUID();
      const names = userNames(run, i);
      const now = new Date().toISOString();
      await record(store, id, initialState, 0, [
        { type: 'RegisterUser', now, ...names, passwordHash, name: 'Bench', surname: `User ${i}` },
      ]);
      users.push({ id, email: names.email });
    }
    return users;
  });
}

/**
 * Appends `count` profile updates to a user's stream, straight into the event store of `dataDir`:
 * through HTTP this would take minutes while the service folds the whole stream on every request. Two
 * names in turn, so each update changes the profile and is one event. Answers the stream's version.
 */
export function appendProfileUpdates(dataDir: string, userId: string, count: number): Promise<number> {
  return withStore(dataDir, async (store) => {
    const history = await store.readStream(userId);
    if (history.length === 0) throw new Error(`user ${userId} has no stream in ${dataDir}`);
    let state = fold(history.map(upcast), initialState);
    let version = history.at(-1)!.version;
    // The port caps one append at 100 items (events, claims and releases together).
    const batch = 50;
    for (let appended = 0; appended < count; appended += batch) {
      const now = new Date().toISOString();
      const commands: UserCommand[] = Array.from({ length: Math.min(batch, count - appended) }, (_, i) => ({
        type: 'UpdateProfile',
        now,
        name: (appended + i) % 2 === 0 ? 'Even' : 'Odd',
      }));
      ({ state, version } = await record(store, userId, state, version, commands));
    }
    return version;
  });
}

/** Logs every user in through `POST /sessions` (the server's login rate limit must allow it). */
export function logIn(
  origin: string,
  users: readonly Registered[],
  onProgress: (done: number) => void,
): Promise<BenchUser[]> {
  let done = 0;
  // scrypt runs on libuv's thread pool (4 threads): a few requests in flight keep it busy.
  return pool(users, 8, async (user) => {
    const body = { email: user.email, password: PASSWORD };
    const session = (await call(origin, 'POST', '/sessions', 200, body)) as { token: string };
    if (++done % 250 === 0) onProgress(done);
    return { ...user, path: `/users/${user.id}`, token: session.token };
  });
}

/** A response of the service, as the bare baseline must reproduce it. */
export interface CapturedResponse {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string>;
}

/** Node and Fastify set these on every response themselves; the baseline gets them for free as well. */
const TRANSPORT_HEADERS = new Set(['content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding']);

/** `GET /users/{id}` as the user, with the headers that the application (not the transport) set. */
export async function captureRead(origin: string, user: BenchUser): Promise<CapturedResponse> {
  const response = await fetch(`${origin}${user.path}`, { headers: { authorization: `Bearer ${user.token}` } });
  const body = await response.text();
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!TRANSPORT_HEADERS.has(name)) headers[name] = value;
  });
  return { status: response.status, body, headers };
}

/**
 * Reads each user once through `GET /users/{id}` with its own token, 10 at a time, as each client would
 * right after its login: the figures then measure a service that has met its users, not its first pass
 * over them (each first request of a user loads its state and its data key).
 */
export async function readEach(origin: string, users: readonly BenchUser[]): Promise<void> {
  await pool(users, 10, async (user) => {
    const response = await fetch(`${origin}${user.path}`, { headers: { authorization: `Bearer ${user.token}` } });
    await response.text();
    if (response.status !== 200) throw new Error(`GET ${user.path} answered ${response.status}, not 200`);
  });
}
