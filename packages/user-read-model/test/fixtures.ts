import type { EventStore, JsonObject, StoredEvent } from '@user-service/event-store';
import {
  decide,
  fold,
  initialState,
  isUserDomainError,
  type UserCommand,
  type UserState,
} from '@user-service/user-domain';
import fc from 'fast-check';
import type { ProjectableEvent, UserView } from '../src/index.js';
import { applyToView } from '../src/index.js';

/** A user's stream as the service would have recorded it, and the domain's own fold of it. */
export interface UserHistory {
  readonly streamId: string;
  readonly events: readonly StoredEvent[];
  readonly state: UserState;
}

/**
 * Decides the commands one after the other with the real domain, as the service would, and records the
 * events with the metadata the service gives them. A command the domain rejects is skipped, so random
 * command lists still make valid histories.
 */
export function decideHistory(streamId: string, commands: readonly UserCommand[]): UserHistory {
  let state: UserState = initialState;
  const events: StoredEvent[] = [];
  for (const command of commands) {
    let decided;
    try {
      decided = decide(command, state);
    } catch (error) {
      if (isUserDomainError(error)) continue;
      throw error;
    }
    state = fold(decided, state);
    for (const event of decided) {
      const version = events.length + 1;
      events.push({
        eventId: `${streamId}/${version}`,
        streamId,
        version,
        type: event.type,
        schemaVersion: event.schemaVersion,
        data: event.data as unknown as JsonObject,
        metadata: { occurredAt: command.now, correlationId: `corr-${streamId}`, causationId: `cmd-${version}` },
      });
    }
  }
  return { streamId, events, state };
}

/** Appends the histories to a store, interleaving the users so that global positions mix them. */
export async function seed(store: EventStore, histories: readonly UserHistory[]): Promise<void> {
  const longest = Math.max(0, ...histories.map((h) => h.events.length));
  for (let i = 0; i < longest; i++) {
    for (const { streamId, events } of histories) {
      const event = events[i];
      if (event === undefined) continue;
      const { streamId: _s, version: _v, position: _p, ...newEvent } = event;
      await store.append(streamId, [newEvent], { expectedVersion: i });
    }
  }
}

/** The reference the projection must equal: the plain fold of a stream's events. */
export function foldView(events: readonly ProjectableEvent[]): UserView | undefined {
  return events.reduce<UserView | undefined>((view, event) => applyToView(view, event), undefined);
}

const minutes = (n: number) => new Date(Date.parse('2024-03-01T09:00:00.000Z') + n * 60_000).toISOString();

/** One event of every type, in one user's life: registered, confirmed, edited, reset, moved and removed. */
export const LIFECYCLE: readonly UserCommand[] = [
  {
    type: 'RegisterUser',
    now: minutes(0),
    email: 'Alice@Example.com',
    username: 'Alice',
    passwordHash: 'argon2:secret-hash-1',
    name: 'Alice',
  },
  { type: 'ConfirmEmail', now: minutes(1) },
  { type: 'UpdateProfile', now: minutes(2), name: null, surname: 'Liddell' },
  { type: 'RequestPasswordReset', now: minutes(3), tokenHash: 'sha256:secret-token', expiresAt: minutes(33) },
  {
    type: 'CompletePasswordReset',
    now: minutes(4),
    tokenHash: 'sha256:secret-token',
    passwordHash: 'argon2:secret-hash-2',
  },
  { type: 'ChangeEmail', now: minutes(5), email: 'alice@example.org' },
  { type: 'UpdateProfile', now: minutes(6), username: 'alice_l' },
  { type: 'ChangePassword', now: minutes(7), passwordHash: 'argon2:secret-hash-3' },
  { type: 'RemoveUser', now: minutes(8) },
];

/** {@link LIFECYCLE} and its erasure: one event of every type. */
export const ERASED_LIFECYCLE: readonly UserCommand[] = [...LIFECYCLE, { type: 'EraseUser', now: minutes(9) }];

const EMAILS = ['ann@example.com', 'ANN@example.com', 'ben@example.com', 'cy@example.com'];
const USERNAMES = ['ann', 'Ann', 'ben', 'cy'];

/**
 * A random but valid life of one user: a registration followed by commands drawn from every type, a
 * minute apart. Small pools of emails and usernames make lookups collide across users.
 */
export const commandsArbitrary: fc.Arbitrary<UserCommand[]> = fc
  .tuple(
    fc.nat({ max: 3 }),
    fc.array(
      fc.tuple(
        fc.constantFrom<UserCommand['type']>(
          'ConfirmEmail',
          'UpdateProfile',
          'ChangeEmail',
          'ChangePassword',
          'RequestPasswordReset',
          'CompletePasswordReset',
          'RemoveUser',
        ),
        fc.nat({ max: 3 }),
      ),
      { maxLength: 10 },
    ),
  )
  .map(([first, steps]) => [
    {
      type: 'RegisterUser',
      now: minutes(0),
      email: EMAILS[first] ?? 'x@example.com',
      username: USERNAMES[first] ?? 'x',
      passwordHash: 'hash-0',
    },
    ...steps.map(([type, pick], i): UserCommand => {
      const now = minutes(i + 1);
      switch (type) {
        case 'UpdateProfile':
          return pick === 0
            ? { type, now, name: null }
            : { type, now, username: USERNAMES[pick] ?? 'x', name: `Name ${pick}` };
        case 'ChangeEmail':
          return { type, now, email: EMAILS[pick] ?? 'x@example.com' };
        case 'RequestPasswordReset':
          return { type, now, tokenHash: `token-${pick}`, expiresAt: minutes(i + 30) };
        case 'CompletePasswordReset':
          return { type, now, tokenHash: `token-${pick}`, passwordHash: `hash-${i}` };
        case 'ChangePassword':
          return { type, now, passwordHash: `hash-${i}` };
        default:
          return { type, now } as UserCommand;
      }
    }),
  ]);

/** Several users' histories, each decided by the domain. */
export const historiesArbitrary = (maxUsers = 4): fc.Arbitrary<UserHistory[]> =>
  fc
    .array(commandsArbitrary, { minLength: 1, maxLength: maxUsers })
    .map((lives) => lives.map((commands, i) => decideHistory(`user-${i}`, commands)));

/**
 * Deliveries of every event at least once, in any order, with duplicates, cut into batches: what a
 * standard SQS queue may do to a feed.
 */
export const deliveriesArbitrary = (events: readonly StoredEvent[]): fc.Arbitrary<StoredEvent[][]> =>
  fc
    .tuple(
      fc.array(fc.nat({ max: 2 }), { minLength: events.length, maxLength: events.length }),
      fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 20 }),
    )
    .chain(([copies, sizes]) => {
      const all = events.flatMap((event, i) => Array.from({ length: 1 + (copies[i] ?? 0) }, () => event));
      return fc
        .shuffledSubarray(all, { minLength: all.length, maxLength: all.length })
        .map((shuffled) => cut(shuffled, sizes));
    });

/** Cuts a list into consecutive batches of the given sizes, cycling through them. */
export function cut<T>(items: readonly T[], sizes: readonly number[]): T[][] {
  const batches: T[][] = [];
  for (let i = 0, n = 0; i < items.length; n++) {
    const size = sizes[n % sizes.length] ?? 1;
    batches.push(items.slice(i, i + size));
    i += size;
  }
  return batches;
}
