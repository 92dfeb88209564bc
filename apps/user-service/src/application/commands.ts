import { setTimeout as sleep } from 'node:timers/promises';
import {
  UserDomainError,
  decide,
  isActive,
  isUserDomainError,
  uniqueKeyChanges,
  type UserCommand,
  type UserErrorCode,
  type UserState,
} from '@user-service/user-domain';
import {
  isConcurrencyError,
  isIdempotencyKeyReusedError,
  isUniquenessError,
  type AppendResult,
  type EventStore,
  type JsonObject,
  type NewEvent,
  type StoredEvent,
} from '@user-service/event-store';
import { Dictionary } from './dictionary.js';
import { ApplicationError, isApplicationError, type ApplicationErrorCode } from './errors.js';
import { createKeyedQueue } from './keyed-queue.js';
import { foldAll, foldOnto, type LoadedUser, type UserStates } from './user-states.js';

/** How a request wants its command recorded. */
export interface CommandContext {
  /** Ties every event of one request together in logs and downstream consumers. */
  readonly correlationId: string;
  /** The user id, `admin`, or absent for anonymous requests. */
  readonly actor?: string;
  /** From `If-Match`: the version the caller last saw. A stale one fails instead of being re-decided. */
  readonly expectedVersion?: number;
  /** From `If-Match: *`: the user must exist (registered and not removed), or the command fails. */
  readonly mustExist?: boolean;
  /** From `Idempotency-Key`: a retry of a recorded command answers the original outcome. */
  readonly idempotency?: { readonly key: string; readonly fingerprint: string };
  /**
   * The caller's own user as authentication loaded it, earlier in this same request. A command on that user
   * starts from it instead of loading again: one load per request.
   */
  readonly session?: { readonly userId: string; readonly loaded: LoadedUser };
}

export interface CommandOutcome {
  /** The user right after this command (for a no-op, as it was decided on; for a retry, as it answered). */
  readonly loaded: LoadedUser;
  /** The events this command recorded; empty for a no-op or an answered retry. */
  readonly recorded: readonly StoredEvent[];
  /** True when an idempotent retry was answered from the original append. */
  readonly replayed: boolean;
}

export interface CommandRunnerDeps {
  readonly eventStore: Pick<EventStore, 'append' | 'recallAppend' | 'recordOutcome' | 'readStream'>;
  readonly states: UserStates;
  readonly newEventId: () => string;
  /** Decisions allowed when other processes write first and no `If-Match` pins the version. @default {@link DEFAULT_MAX_ATTEMPTS} */
  readonly maxAttempts?: number;
  /**
   * Waits before re-deciding after another process wrote first: `attempt` is the attempt that lost. Losers of
   * one race that all retried at once would meet again, so the default waits a random time up to a ceiling
   * that doubles with each attempt ("full jitter"). @default {@link jitteredBackoff}
   */
  readonly backoff?: (attempt: number) => Promise<void>;
  /**
   * Whether the store applies appends in the order they are made (the SQLite writer thread and the memory
   * store do; DynamoDB requests race each other). Then a command on a user is decided and handed to the
   * store while the previous command's commit is still on its way, so that consecutive commands on one user
   * share a commit instead of waiting for one fsync each. @default false
   */
  readonly pipeline?: boolean;
}

/** A command of this process on its way to the store, and the state its commit will leave. */
interface InFlight {
  readonly loaded: LoadedUser;
  readonly lastEventId: string;
  /** True once committed, false if the append failed. */
  readonly settled: Promise<boolean>;
}

/** What a decided attempt still has to wait for, run outside the user's queue. */
type Finish = () => Promise<CommandOutcome | typeof DECIDE_AGAIN>;
const DECIDE_AGAIN = Symbol('decide again');

/** How many times a command is decided before it gives up with `WRITE_CONTENTION`, unless the deps say otherwise. */
export const DEFAULT_MAX_ATTEMPTS = 12;

/**
 * Decides a command against a user's current state and appends the result, translating storage conflicts
 * into application errors. Commands on one user are decided one at a time in this process, in arrival
 * order, so they never conflict with each other; with `pipeline`, each is decided on the state the previous
 * one's append will leave and handed to the store at once, and its outcome stands only once everything it
 * was decided on has committed. A write from another process can still conflict: then the command is
 * decided again on the fresh state (without `If-Match`), so the other write is kept and this one is not
 * lost. With `If-Match`, a stale version is refused.
 */
export function createCommandRunner(deps: CommandRunnerDeps) {
  const { states } = deps;
  const maxAttempts = deps.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const backoff = deps.backoff ?? jitteredBackoff();
  const pipeline = deps.pipeline ?? false;
  const queue = createKeyedQueue();
  /** Refusals thrown from an outcome record: already recorded, so not recorded again. */
  const answeredFromRecord = new WeakSet<object>();
  const inFlight = new Dictionary<InFlight>();

  /**
   * The committed state to decide on. Only a read made during this request may back a decision (a no-op
   * decided on an older cached state could hide another process's write): the session's load, or a newer
   * state that a command of this process recorded since, or else a fresh load.
   */
  async function current(userId: string, context: CommandContext, attempt: number): Promise<LoadedUser> {
    const session = context.session?.userId === userId ? context.session.loaded : undefined;
    if (attempt > 1 || session === undefined) return states.load(userId);
    const cached = states.cached(userId);
    return cached !== undefined && cached.version > session.version ? cached : session;
  }

  /** Waits until this process has no command of the user in flight (called inside the user's queue). */
  async function drain(userId: string): Promise<void> {
    for (let ahead = inFlight.get(userId); ahead !== undefined; ahead = inFlight.get(userId)) await ahead.settled;
  }

  /**
   * The outcome an answered retry reports: the user as the original append left it. Retries mostly come
   * right after the original, when the committed state loaded for this request is still at its version; a
   * later one folds the prefix, which reads the stream up to that version.
   */
  async function replay(userId: string, result: AppendResult, committed?: LoadedUser): Promise<CommandOutcome> {
    const refusal = refusalIn(result);
    if (refusal !== undefined) {
      answeredFromRecord.add(refusal);
      throw refusal;
    }
    const loaded =
      committed?.version === result.lastVersion
        ? committed
        : foldAll(await deps.eventStore.readStream(userId, { toVersion: result.lastVersion }));
    return { loaded, recorded: [], replayed: true };
  }

  /** A storage failure as the caller sees it, or a sign to decide again on fresh state. */
  function failed(error: unknown, context: CommandContext): typeof DECIDE_AGAIN {
    if (isUniquenessError(error)) {
      const taken = error.key.startsWith('email:') ? 'EMAIL_TAKEN' : 'USERNAME_TAKEN';
      const what = taken === 'EMAIL_TAKEN' ? 'email address' : 'username';
      throw new ApplicationError(taken, `this ${what} is already taken`, { cause: error });
    }
    if (isIdempotencyKeyReusedError(error)) throw keyReused(error);
    if (!isConcurrencyError(error)) throw error;
    if (context.expectedVersion !== undefined) {
      throw new ApplicationError('VERSION_CONFLICT', `the user is no longer at version ${context.expectedVersion}`, {
        cause: error,
      });
    }
    return DECIDE_AGAIN;
  }

  /** Decides one attempt and hands its events to the store; runs inside the user's queue. */
  async function decideAndAppend(
    userId: string,
    makeCommand: (state: UserState) => UserCommand | Promise<UserCommand>,
    context: CommandContext,
    attempt: number,
    decidedOn: { version: number },
  ): Promise<Finish> {
    const { idempotency } = context;
    // A precondition, and a second attempt, are decided on what is committed, not on what is in flight.
    if (context.expectedVersion !== undefined || context.mustExist || attempt > 1) await drain(userId);
    const ahead = inFlight.get(userId);
    const base = ahead?.loaded ?? (await current(userId, context, attempt));
    decidedOn.version = base.version;
    /**
     * An outcome decided on a state still in flight stands only if that state commits. With an idempotency
     * key it never stands: the command in flight may be this request's original, whose record the next
     * attempt then finds.
     */
    const once = (outcome: () => CommandOutcome | Promise<CommandOutcome>): Finish => async () => {
      if (ahead === undefined) return outcome();
      return (await ahead.settled) && idempotency === undefined ? outcome() : DECIDE_AGAIN;
    };

    // A retry is answered before deciding again: a retried registration would otherwise meet its own user.
    if (idempotency) {
      const earlier = await recall(deps.eventStore, userId, idempotency);
      if (earlier) {
        const outcome = await replay(userId, earlier, ahead === undefined ? base : undefined);
        return async () => outcome;
      }
    }
    // With If-Match the caller decided on what it saw: if the stream moved on since, that decision is
    // refused, even if deciding again would change nothing.
    if (context.expectedVersion !== undefined && base.version !== context.expectedVersion) {
      throw new ApplicationError('VERSION_CONFLICT', `the user is at version ${base.version}, not ${context.expectedVersion}`);
    }
    if (context.mustExist && !isActive(base.state)) {
      throw new ApplicationError('VERSION_CONFLICT', 'If-Match: * asks for a user that exists, and this one does not');
    }
    let command: UserCommand;
    let decided: ReturnType<typeof decide>;
    try {
      command = await makeCommand(base.state);
      decided = decide(command, base.state);
    } catch (error) {
      if (ahead === undefined) throw error;
      return once(() => {
        throw error;
      });
    }
    if (decided.length === 0) return once(() => ({ loaded: base, recorded: [], replayed: false }));

    const occurredAt = command.now;
    const newEvents: NewEvent[] = decided.map((event) => {
      const eventId = deps.newEventId();
      return {
        eventId,
        type: event.type,
        schemaVersion: event.schemaVersion,
        data: event.data as unknown as NewEvent['data'],
        metadata: {
          occurredAt,
          correlationId: context.correlationId,
          causationId: context.correlationId,
          ...(context.actor === undefined ? {} : { actor: context.actor }),
        },
      };
    });
    // The stream's fields first, then the event's: built the other way round (a spread, then fields added),
    // such objects were, in isolation on Node 20, three times slower to build, and they outlived the young
    // generation (docs/benchmarks.md, `memory-peak`).
    const recorded = newEvents.map(
      (event, i): StoredEvent => ({ streamId: userId, version: base.version + i + 1, ...event }),
    );
    const appended = deps.eventStore.append(userId, newEvents, {
      expectedVersion: base.version,
      // On top of a command still in flight: should that one fail, this one must not land elsewhere.
      ...(ahead === undefined ? {} : { expectedEventId: ahead.lastEventId }),
      ...uniqueKeyChanges(base.state, decided),
      ...(idempotency && { idempotencyKey: idempotency.key, idempotencyFingerprint: idempotency.fingerprint }),
    });
    const next = foldOnto(base, recorded);
    const settled = appended.then(
      () => true,
      () => false,
    );
    if (pipeline) {
      const mine: InFlight = { loaded: next, lastEventId: newEvents.at(-1)!.eventId, settled };
      inFlight.set(userId, mine);
      void settled.then(() => {
        if (inFlight.get(userId) === mine) inFlight.delete(userId);
      });
    } else {
      // Without pipelining, the next command on the user waits for this one's commit.
      await settled;
    }
    return async () => {
      let result: AppendResult;
      try {
        result = await appended;
      } catch (error) {
        return failed(error, context);
      }
      if (result.duplicate) return replay(userId, result);
      states.remember(userId, next);
      return { loaded: next, recorded: positioned(recorded, result.firstPosition), replayed: false };
    };
  }

  async function attempts(
    userId: string,
    makeCommand: (state: UserState) => UserCommand | Promise<UserCommand>,
    context: CommandContext,
    decidedOn: { version: number },
  ): Promise<CommandOutcome> {
    for (let attempt = 1; ; attempt++) {
      // The wait before a new attempt holds the user's place in the queue: commands of this process that
      // came later stay behind it, so they are still decided in arrival order.
      const finish = await queue.run(userId, async () => {
        if (attempt > 1) await backoff(attempt - 1);
        return decideAndAppend(userId, makeCommand, context, attempt, decidedOn);
      });
      const outcome = await finish();
      if (outcome !== DECIDE_AGAIN) return outcome;
      if (attempt >= maxAttempts) {
        throw new ApplicationError('WRITE_CONTENTION', 'too many concurrent changes; try again');
      }
    }
  }

  /** Records, under the key, an outcome that wrote nothing; answers the key's first record if it had one. */
  async function remember(
    userId: string,
    idempotency: NonNullable<CommandContext['idempotency']>,
    version: number,
    outcome: JsonObject,
  ): Promise<AppendResult> {
    try {
      return await deps.eventStore.recordOutcome(idempotency.key, {
        streamId: userId,
        fingerprint: idempotency.fingerprint,
        version,
        outcome,
      });
    } catch (error) {
      if (isIdempotencyKeyReusedError(error)) throw keyReused(error);
      throw error;
    }
  }

  return {
    async run(
      userId: string,
      makeCommand: (state: UserState) => UserCommand | Promise<UserCommand>,
      context: CommandContext,
    ): Promise<CommandOutcome> {
      const decidedOn = { version: 0 };
      let outcome: CommandOutcome;
      try {
        outcome = await attempts(userId, makeCommand, context, decidedOn);
      } catch (error) {
        const refusal = context.idempotency && !answeredFromRecord.has(error as object) ? recordedRefusal(error) : undefined;
        if (refusal === undefined) throw error;
        // A refusal is an outcome too: a retry with the key hears it again, and never decides anew.
        return replay(userId, await remember(userId, context.idempotency!, decidedOn.version, refusal));
      }
      if (context.idempotency === undefined || outcome.replayed || outcome.recorded.length > 0) return outcome;
      // So is a command that changed nothing: a retry of it later must not write what it did not.
      const kept = await remember(userId, context.idempotency, outcome.loaded.version, { kind: 'unchanged' });
      return kept.outcome?.['kind'] === 'unchanged' && kept.lastVersion === outcome.loaded.version
        ? outcome
        : replay(userId, kept);
    },
  };
}

export type CommandRunner = ReturnType<typeof createCommandRunner>;

/**
 * Exponential backoff with full jitter: after the n-th lost race, a random wait in [0, min(cap, base·2ⁿ⁻¹)).
 * Writers that collided spread out instead of colliding again. With the defaults, 20 writers racing on one user on
 * DynamoDB Local needed at most 6–8 attempts; with a 5 ms base and a 250 ms cap they needed 8–10, and with a budget
 * of 10 the last one sometimes gave up. The expected wait over all twelve attempts is about 3 s.
 */
export function jitteredBackoff({
  baseMs = 20,
  capMs = 1_000,
  random = Math.random,
  wait = sleep,
}: {
  baseMs?: number;
  capMs?: number;
  random?: () => number;
  wait?: (ms: number) => Promise<unknown>;
} = {}): (attempt: number) => Promise<void> {
  return async (attempt) => void (await wait(random() * Math.min(capMs, baseMs * 2 ** (attempt - 1))));
}

async function recall(
  store: Pick<EventStore, 'recallAppend'>,
  streamId: string,
  idempotency: NonNullable<CommandContext['idempotency']>,
): Promise<AppendResult | undefined> {
  try {
    return await store.recallAppend(idempotency.key, { streamId, fingerprint: idempotency.fingerprint });
  } catch (error) {
    if (isIdempotencyKeyReusedError(error)) throw keyReused(error);
    throw error;
  }
}

/**
 * The refusals a retry must hear again: business rules, stale preconditions, wrong credentials or tokens,
 * taken names. Not contention or a failing store: those are worth trying again.
 */
const RECORDED_REFUSALS = new Set<string>([
  'VERSION_CONFLICT',
  'INVALID_CREDENTIALS',
  'INVALID_TOKEN',
  'EMAIL_TAKEN',
  'USERNAME_TAKEN',
  'FORBIDDEN',
]);

/** Recorded events with the positions the store gave them, where it keeps positions. */
function positioned(recorded: readonly StoredEvent[], firstPosition: number | undefined): readonly StoredEvent[] {
  if (firstPosition === undefined) return recorded;
  return recorded.map((event, i): StoredEvent => ({ position: firstPosition + i, ...event }));
}

function recordedRefusal(error: unknown): JsonObject | undefined {
  if (isUserDomainError(error)) return { kind: 'refused', by: 'domain', code: error.code, message: error.message };
  if (isApplicationError(error) && RECORDED_REFUSALS.has(error.code)) {
    return { kind: 'refused', by: 'application', code: error.code, message: error.message };
  }
  return undefined;
}

/** The refusal an outcome record holds, as the error the original request threw. */
function refusalIn(result: AppendResult): Error | undefined {
  const outcome = result.outcome;
  if (outcome?.['kind'] !== 'refused') return undefined;
  const code = String(outcome['code']);
  const message = String(outcome['message']);
  return outcome['by'] === 'domain'
    ? new UserDomainError(code as UserErrorCode, message)
    : new ApplicationError(code as ApplicationErrorCode, message);
}

function keyReused(cause: unknown): ApplicationError {
  return new ApplicationError(
    'IDEMPOTENCY_KEY_REUSED',
    'this Idempotency-Key was already used for a different request',
    { cause },
  );
}
