import { decide, uniqueKeyChanges, type UserCommand, type UserState } from '@user-service/user-domain';
import {
  isConcurrencyError,
  isIdempotencyKeyReusedError,
  isUniquenessError,
  type AppendResult,
  type EventStore,
  type NewEvent,
  type StoredEvent,
} from '@user-service/event-store';
import { ApplicationError } from './errors.js';
import { createKeyedQueue } from './keyed-queue.js';
import { foldAll, type LoadedUser, type UserStates } from './user-states.js';

/** How a request wants its command recorded. */
export interface CommandContext {
  /** Ties every event of one request together in logs and downstream consumers. */
  readonly correlationId: string;
  /** The user id, `admin`, or absent for anonymous requests. */
  readonly actor?: string;
  /** From `If-Match`: the version the caller last saw. A stale one fails instead of being re-decided. */
  readonly expectedVersion?: number;
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
  readonly eventStore: Pick<EventStore, 'append' | 'recallAppend' | 'readStream'>;
  readonly states: UserStates;
  readonly newEventId: () => string;
  /** Re-decisions allowed when another process writes first and no `If-Match` pins the version. */
  readonly maxAttempts?: number;
}

/**
 * Decides a command against a user's current state and appends the result, translating storage conflicts
 * into application errors. Commands on one user run one at a time in this process, so they never conflict
 * with each other; a write from another process still can, and then the command is decided again on the
 * fresh state (without `If-Match`), so the other write is kept and this one is not lost. With `If-Match`,
 * a stale version is refused.
 */
export function createCommandRunner(deps: CommandRunnerDeps) {
  const { states } = deps;
  const maxAttempts = deps.maxAttempts ?? 5;
  const queue = createKeyedQueue();

  /**
   * The state to decide on. Only a read made during this request may back a decision (a no-op decided on
   * an older cached state could hide another process's write): the session's load, or a newer state that a
   * command of this process recorded since, or else a fresh load.
   */
  async function current(userId: string, context: CommandContext, attempt: number): Promise<LoadedUser> {
    const session = context.session?.userId === userId ? context.session.loaded : undefined;
    if (attempt > 1 || session === undefined) return states.load(userId);
    const cached = states.cached(userId);
    return cached !== undefined && cached.version > session.version ? cached : session;
  }

  /**
   * The outcome an answered retry reports: the user as the original append left it. Retries mostly come
   * right after the original, when the user loaded for this request is still at its version; a later one
   * folds the prefix, which reads the stream up to that version.
   */
  async function replay(userId: string, result: AppendResult, now: LoadedUser): Promise<CommandOutcome> {
    const loaded =
      now.version === result.lastVersion
        ? now
        : foldAll(await deps.eventStore.readStream(userId, { toVersion: result.lastVersion }));
    return { loaded, recorded: [], replayed: true };
  }

  async function attemptCommand(
    userId: string,
    makeCommand: (state: UserState) => UserCommand | Promise<UserCommand>,
    context: CommandContext,
  ): Promise<CommandOutcome> {
    const { idempotency } = context;
    for (let attempt = 1; ; attempt++) {
      const loaded = await current(userId, context, attempt);
      // A retry is answered before deciding again: a retried registration would otherwise meet its own user.
      if (idempotency) {
        const earlier = await recall(deps.eventStore, userId, idempotency);
        if (earlier) return replay(userId, earlier, loaded);
      }
      // With If-Match the caller decided on what it saw: if the stream moved on since, that decision is
      // refused, even if deciding again would change nothing.
      if (context.expectedVersion !== undefined && loaded.version !== context.expectedVersion) {
        throw new ApplicationError(
          'VERSION_CONFLICT',
          `the user is at version ${loaded.version}, not ${context.expectedVersion}`,
        );
      }
      const expectedVersion = loaded.version;
      const command = await makeCommand(loaded.state);
      const decided = decide(command, loaded.state);
      if (decided.length === 0) return { loaded, recorded: [], replayed: false };

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
      try {
        const result = await deps.eventStore.append(userId, newEvents, {
          expectedVersion,
          ...uniqueKeyChanges(loaded.state, decided),
          ...(idempotency && {
            idempotencyKey: idempotency.key,
            idempotencyFingerprint: idempotency.fingerprint,
          }),
        });
        if (result.duplicate) return replay(userId, result, loaded);
        const recorded = newEvents.map(
          (event, i): StoredEvent => ({ ...event, streamId: userId, version: result.firstVersion + i }),
        );
        return { loaded: states.recorded(userId, loaded, recorded), recorded, replayed: false };
      } catch (error) {
        if (isUniquenessError(error)) {
          const taken = error.key.startsWith('email:') ? 'EMAIL_TAKEN' : 'USERNAME_TAKEN';
          const what = taken === 'EMAIL_TAKEN' ? 'email address' : 'username';
          throw new ApplicationError(taken, `this ${what} is already taken`, { cause: error });
        }
        if (isIdempotencyKeyReusedError(error)) throw keyReused(error);
        if (!isConcurrencyError(error)) throw error;
        if (context.expectedVersion !== undefined) {
          throw new ApplicationError(
            'VERSION_CONFLICT',
            `the user is no longer at version ${context.expectedVersion}`,
            { cause: error },
          );
        }
        if (attempt >= maxAttempts) {
          throw new ApplicationError('WRITE_CONTENTION', 'too many concurrent changes; try again', {
            cause: error,
          });
        }
      }
    }
  }

  return {
    run(
      userId: string,
      makeCommand: (state: UserState) => UserCommand | Promise<UserCommand>,
      context: CommandContext,
    ): Promise<CommandOutcome> {
      return queue.run(userId, () => attemptCommand(userId, makeCommand, context));
    },
  };
}

export type CommandRunner = ReturnType<typeof createCommandRunner>;

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

function keyReused(cause: unknown): ApplicationError {
  return new ApplicationError(
    'IDEMPOTENCY_KEY_REUSED',
    'this Idempotency-Key was already used for a different request',
    { cause },
  );
}
