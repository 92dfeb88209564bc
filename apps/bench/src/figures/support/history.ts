import type { NewEvent } from '@user-service/event-store';
import {
  decide,
  fold,
  initialState,
  uniqueKeyChanges,
  type UserCommand,
  type UserEvent,
  type UserState,
} from '@user-service/user-domain';

/**
 * Seeded user histories for the storage figures: every event is decided by the real domain from a command,
 * with the unique-key claims and releases the service would append with it, so payload sizes and append
 * shapes are the service's own. Nothing here reads a clock or `Math.random`: the same seed gives the same
 * ids, payloads and interleaving, run after run.
 */

/** mulberry32: a tiny, fast, seedable PRNG; plenty for shuffling benchmark data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One command of one user, decided: what `append` gets, and the command's name for reports. */
export interface Step {
  readonly command: UserCommand['type'];
  readonly events: NewEvent[];
  readonly claims: string[];
  readonly releases: string[];
}

export interface UserHistory {
  readonly userId: string;
  readonly steps: Step[];
}

const BASE_TIME = Date.UTC(2026, 0, 1);
const instant = (ms: number): string => new Date(BASE_TIME + ms).toISOString();

/** `n` hex digits from the PRNG. */
const hexFrom = (random: () => number, n: number): string =>
  Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');

/** The variant digit and the 15 digits after it that end every id here (RFC 9562 variant). */
const idTail = (random: () => number): string =>
  `${(8 + Math.floor(random() * 4)).toString(16)}${hexFrom(random, 3)}-${hexFrom(random, 12)}`;

/** A deterministic UUID-shaped id (version 4 layout) from the PRNG. */
export function idFrom(random: () => number): string {
  return `${hexFrom(random, 8)}-${hexFrom(random, 4)}-4${hexFrom(random, 3)}-${idTail(random)}`;
}

/**
 * A deterministic id with UUIDv7's layout: `ms` as its 48-bit time, then PRNG bits. The service makes its
 * event ids this way (time-ordered), so ids given in the order of their `ms` reach the store's indexes in
 * order, as the service's do.
 */
export function timeOrderedIdFrom(ms: number, random: () => number): string {
  const time = ms.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8)}-7${hexFrom(random, 3)}-${idTail(random)}`;
}

/** An scrypt hash as the service stores it (`scrypt$N$r$p$salt$hash`), so events have realistic sizes. */
function passwordHash(random: () => number): string {
  const b64 = (bytes: number) =>
    Buffer.from(Array.from({ length: bytes }, () => Math.floor(random() * 256))).toString('base64url');
  return `scrypt$16384$8$1$${b64(16)}$${b64(64)}`;
}

function toNewEvent(event: UserEvent, occurredAt: string, random: () => number, actor: string): NewEvent {
  const eventId = idFrom(random);
  return {
    eventId,
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data as unknown as NewEvent['data'],
    metadata: { occurredAt, correlationId: idFrom(random), causationId: eventId, actor },
  };
}

/**
 * Decides a list of commands for one user, in order, into append steps. A command that decides no event
 * (a no-op) is a bug in the generator here, so it throws.
 */
export function decideCommands(userId: string, commands: readonly UserCommand[], random: () => number): Step[] {
  let state: UserState = initialState;
  return commands.map((command) => {
    const decided = decide(command, state);
    if (decided.length === 0) throw new Error(`${command.type} decided nothing for ${userId}`);
    const { claims, releases } = uniqueKeyChanges(state, decided);
    state = fold(decided, state);
    return {
      command: command.type,
      events: decided.map((event) => toNewEvent(event, command.now, random, userId)),
      claims,
      releases,
    };
  });
}

/**
 * The service's everyday commands, one event each, in a plausible mix: profile edits most often, then
 * password changes and resets, email changes and username changes (which claim and release keys).
 */
function nextCommand(tag: string, k: number, state: { confirmed: boolean }, random: () => number, at: string): UserCommand {
  if (!state.confirmed && (k === 1 || random() < 0.5)) {
    state.confirmed = true;
    return { type: 'ConfirmEmail', now: at };
  }
  const roll = random();
  if (roll < 0.45) return { type: 'UpdateProfile', now: at, name: `Name ${tag}.${k}`, surname: `Surname ${tag}` };
  if (roll < 0.6) return { type: 'ChangePassword', now: at, passwordHash: passwordHash(random) };
  if (roll < 0.75) {
    // Commands are at least a second apart, and a reset requested while a token is still valid decides
    // nothing: tokens of a second keep every request of the mix deciding its one event.
    const expiresAt = new Date(Date.parse(at) + 1000).toISOString();
    return { type: 'RequestPasswordReset', now: at, tokenHash: passwordHash(random).slice(-43), expiresAt };
  }
  if (roll < 0.9) {
    state.confirmed = false;
    return { type: 'ChangeEmail', now: at, email: `${tag}.${k}@example.org` };
  }
  return { type: 'UpdateProfile', now: at, username: `user_${tag}_${k}` };
}

export interface HistoryOptions {
  readonly seed: number;
  readonly users: number;
  /** Events per user, registration included; every command here decides exactly one event. */
  readonly eventsPerUser: number;
  /** The share of users whose last event is their removal. @default 0.1 */
  readonly removedShare?: number;
  /** Distinguishes the users of several histories in one store. @default 'u' */
  readonly prefix?: string;
}

/** Seeded histories of `users` users with `eventsPerUser` events each (one event per command). */
export function userHistories(options: HistoryOptions): UserHistory[] {
  const random = prng(options.seed);
  const removedShare = options.removedShare ?? 0.1;
  const prefix = options.prefix ?? 'u';
  const histories: UserHistory[] = [];
  for (let n = 0; n < options.users; n++) {
    const userId = `${prefix}-${idFrom(random)}`;
    const tag = `${prefix}${n}`;
    let t = Math.floor(random() * 86_400_000);
    const at = () => instant((t += 1000 + Math.floor(random() * 60_000)));
    const commands: UserCommand[] = [
      {
        type: 'RegisterUser',
        now: at(),
        email: `${tag}@example.com`,
        username: `user_${tag}`,
        passwordHash: passwordHash(random),
        name: `Name ${tag}`,
        surname: null,
      },
    ];
    const state = { confirmed: false };
    const removed = options.eventsPerUser > 1 && random() < removedShare;
    const ordinary = options.eventsPerUser - 1 - (removed ? 1 : 0);
    for (let k = 1; k <= ordinary; k++) commands.push(nextCommand(tag, k, state, random, at()));
    if (removed) commands.push({ type: 'RemoveUser', now: at() });
    histories.push({ userId, steps: decideCommands(userId, commands, random) });
  }
  return histories;
}

/** One event of a history in a global order: which user, and which step of theirs. */
export interface Placed {
  readonly userId: string;
  readonly version: number;
  readonly event: NewEvent;
}

/**
 * The events of all histories in one global order, as traffic would interleave them: each user's events
 * keep their order, and users are mixed at random (seeded), so one page of a global read holds events of
 * many users rather than one user's whole history.
 */
export function interleaved(histories: readonly UserHistory[], seed: number): Placed[] {
  const random = prng(seed);
  const keyed: Array<{ key: number; placed: Placed }> = [];
  for (const { userId, steps } of histories) {
    const events = steps.flatMap((step) => step.events);
    const keys = events.map(() => random()).sort((a, b) => a - b);
    events.forEach((event, i) => keyed.push({ key: keys[i]!, placed: { userId, version: i + 1, event } }));
  }
  return keyed.sort((a, b) => a.key - b.key).map(({ placed }) => placed);
}
