import {
  decide,
  fold,
  initialState,
  uniqueKeyChanges,
  upcast,
  type UserCommand,
  type UserState,
} from '@user-service/user-domain';
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
}

export interface LoadedUser {
  readonly state: UserState;
  readonly version: number;
  readonly events: readonly StoredEvent[];
}

export interface CommandOutcome {
  /** Every event of the stream up to and including this command's. */
  readonly history: readonly StoredEvent[];
  /** The events this command recorded; empty for a no-op or an answered retry. */
  readonly recorded: readonly StoredEvent[];
  /** True when an idempotent retry was answered from the original append. */
  readonly replayed: boolean;
  readonly state: UserState;
}

export interface CommandRunnerDeps {
  readonly eventStore: EventStore;
  readonly newEventId: () => string;
  /** Re-decisions allowed when a concurrent write gets in first and no `If-Match` pins the version. */
  readonly maxAttempts?: number;
}

/**
 * Loads a user's stream, decides a command against it and appends the result, translating storage
 * conflicts into application errors. Without `If-Match`, a concurrent write makes it decide again on the
 * fresh state, so the other write is kept and this one is not lost; with it, a stale version is refused.
 */
export function createCommandRunner(deps: CommandRunnerDeps) {
  const maxAttempts = deps.maxAttempts ?? 5;

  async function load(userId: string, toVersion?: number): Promise<LoadedUser> {
    const events = await deps.eventStore.readStream(userId, toVersion === undefined ? {} : { toVersion });
    const state = fold(events.map(upcast), initialState);
    return { state, version: events.at(-1)?.version ?? 0, events };
  }

  async function replay(userId: string, result: AppendResult): Promise<CommandOutcome> {
    const { state, events } = await load(userId, result.lastVersion);
    return { history: events, recorded: [], replayed: true, state };
  }

  async function run(
    userId: string,
    makeCommand: (state: UserState) => UserCommand | Promise<UserCommand>,
    context: CommandContext,
  ): Promise<CommandOutcome> {
    const { idempotency } = context;
    for (let attempt = 1; ; attempt++) {
      // A retry is answered before deciding again: a retried registration would otherwise meet its own user.
      if (idempotency) {
        const earlier = await recall(deps.eventStore, userId, idempotency);
        if (earlier) return replay(userId, earlier);
      }
      const loaded = await load(userId);
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
      if (decided.length === 0) {
        return { history: loaded.events, recorded: [], replayed: false, state: loaded.state };
      }

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
        if (result.duplicate) return replay(userId, result);
        const recorded = newEvents.map(
          (event, i): StoredEvent => ({ ...event, streamId: userId, version: result.firstVersion + i }),
        );
        return {
          history: [...loaded.events, ...recorded],
          recorded,
          replayed: false,
          state: fold(decided, loaded.state),
        };
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

  return { load, run };
}

export type CommandRunner = ReturnType<typeof createCommandRunner>;

async function recall(
  store: EventStore,
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
