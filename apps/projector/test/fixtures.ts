import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventStore, JsonObject, StoredEvent } from '@user-service/event-store';
import { toCloudEvent } from '@user-service/integration-events';
import {
  decide,
  fold,
  initialState,
  isUserDomainError,
  type UserCommand,
  type UserState,
} from '@user-service/user-domain';
import { applyToView, type UserReadModel, type UserView } from '@user-service/user-read-model';
import fc from 'fast-check';
import type { Logger } from 'pino';
import { createLogger } from '../src/logger.js';

/** A user as the test knows it: its stream id and the domain's own fold of its history. */
export interface UserHistory {
  readonly streamId: string;
  readonly state: UserState;
}

const EMAILS = ['ann@example.com', 'ben@example.com', 'cy@example.com'];
const USERNAMES = ['ann', 'Ben', 'cy'];

/** A random but valid life of one user: a registration, then commands of every kind, a minute apart. */
const commandsArbitrary = (start: number): fc.Arbitrary<UserCommand[]> => {
  const at = (minute: number) => new Date(start + minute * 60_000).toISOString();
  const kinds = [
    'ConfirmEmail',
    'UpdateProfile',
    'ChangeEmail',
    'ChangePassword',
    'RequestPasswordReset',
    'CompletePasswordReset',
    'RemoveUser',
  ] as const;
  return fc
    .tuple(fc.nat({ max: 2 }), fc.array(fc.tuple(fc.constantFrom(...kinds), fc.nat({ max: 2 })), { maxLength: 8 }))
    .map(([first, steps]) => [
      { type: 'RegisterUser', now: at(0), email: EMAILS[first]!, username: USERNAMES[first]!, passwordHash: 'hash-0' },
      // Always valid right after a registration: every user gets at least two events.
      { type: 'UpdateProfile', now: at(1), surname: 'First' },
      ...steps.map(([type, pick], i): UserCommand => {
        const now = at(i + 2);
        switch (type) {
          case 'UpdateProfile':
            return pick === 0 ? { type, now, name: null } : { type, now, username: USERNAMES[pick]!, name: `Name ${pick}` };
          case 'ChangeEmail':
            return { type, now, email: EMAILS[pick]! };
          case 'RequestPasswordReset':
            return { type, now, tokenHash: `token-${pick}`, expiresAt: at(i + 40) };
          case 'CompletePasswordReset':
            return { type, now, tokenHash: `token-${pick}`, passwordHash: `hash-${i}` };
          case 'ChangePassword':
            return { type, now, passwordHash: `hash-${i}` };
          default:
            return { type, now };
        }
      }),
    ]);
};

/**
 * Decides random lives for `users` users with the real domain and appends them through the event store,
 * as the user service would; the store then holds the truth. Deterministic for a given seed. Commands the
 * domain rejects are skipped; every user has at least two events.
 */
export async function seedUsers(
  store: EventStore,
  options: { readonly users: number; readonly seed: number; readonly prefix: string },
): Promise<UserHistory[]> {
  const start = Date.now() - 3_600_000;
  const [lives] = fc.sample(fc.array(commandsArbitrary(start), { minLength: options.users, maxLength: options.users }), {
    seed: options.seed,
    numRuns: 1,
  });
  const histories: UserHistory[] = [];
  for (const [i, commands] of (lives ?? []).entries()) {
    const streamId = `${options.prefix}-${i}`;
    let state: UserState = initialState;
    let version = 0;
    for (const command of commands) {
      let events;
      try {
        events = decide(command, state);
      } catch (error) {
        if (isUserDomainError(error)) continue;
        throw error;
      }
      if (events.length === 0) continue;
      await store.append(
        streamId,
        events.map((event, n) => ({
          eventId: `${streamId}/${version + n + 1}`,
          type: event.type,
          schemaVersion: event.schemaVersion,
          data: event.data as unknown as JsonObject,
          metadata: { occurredAt: command.now, correlationId: `corr-${streamId}`, causationId: `cmd-${version}` },
        })),
        { expectedVersion: version },
      );
      version += events.length;
      state = fold(events, state);
    }
    histories.push({ streamId, state });
  }
  return histories;
}

/** The message the relay would publish for a stored event. */
export interface OutgoingMessage {
  readonly body: string;
  readonly groupId: string;
  readonly deduplicationId: string;
  readonly streamId: string;
  readonly version: number;
}

export function messageOf(event: StoredEvent, deduplicationId: string = event.eventId): OutgoingMessage {
  return {
    body: JSON.stringify(toCloudEvent(event)),
    groupId: event.streamId,
    deduplicationId,
    streamId: event.streamId,
    version: event.version,
  };
}

/** Bodies that are not user events, each of a different kind, for poison-message tests. */
export function poisonBodies(template: StoredEvent): Array<{ readonly kind: string; readonly body: string }> {
  const good = toCloudEvent(template) as unknown as Record<string, unknown>;
  return [
    { kind: 'not JSON', body: '{"specversion": "1.0", "id": ' },
    { kind: 'wrong specversion', body: JSON.stringify({ ...good, specversion: '0.3', subject: 'ghost-specversion' }) },
    {
      kind: 'unknown event type',
      body: JSON.stringify({
        ...good,
        type: 'UserTeleported',
        dataschema: 'urn:user-service:events:UserTeleported:v1',
        subject: 'ghost-teleported',
        streamversion: 1,
      }),
    },
    { kind: 'not an object', body: '["UserRegistered"]' },
  ];
}

/** The reference every view must equal: the plain fold of the stream the event store holds. */
export async function expectedView(store: EventStore, streamId: string): Promise<UserView | undefined> {
  const events = await store.readStream(streamId);
  return events.reduce<UserView | undefined>((view, event) => applyToView(view, event), undefined);
}

/** True once the read model holds, for every user, the fold of the event store. */
export async function converged(
  readModel: UserReadModel,
  store: EventStore,
  histories: readonly UserHistory[],
): Promise<boolean> {
  for (const { streamId } of histories) {
    const [view, expected] = await Promise.all([readModel.get(streamId), expectedView(store, streamId)]);
    if (JSON.stringify(view) !== JSON.stringify(expected)) return false;
  }
  return true;
}

/** Polls `condition` until it holds, or fails after `timeoutMs` naming what it waited for. */
export async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** A pino logger whose lines are parsed into `lines`, as tests assert on logs. */
export function capturedLogger(level: 'debug' | 'info' = 'info'): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: createLogger(level, stream), lines };
}

/** A promise with its resolve function, to gate or signal a step of a test. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A small deterministic random source in [0, 1), so that a failing fault scenario can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    // A 32-bit linear congruential step (Numerical Recipes constants): plenty for shuffling test input.
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}
