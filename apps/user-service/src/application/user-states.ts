import { LRUCache } from 'lru-cache';
import {
  USER_STATE_SCHEMA_VERSION,
  evolve,
  initialState,
  upcast,
  type UserState,
} from '@user-service/user-domain';
import type { EventStore, JsonObject, Snapshot, StoredEvent } from '@user-service/event-store';
import { applyToView, type UserView } from '@user-service/user-read-model';

/**
 * A user's stream folded at a version: the domain state that commands are decided on, and the view that
 * responses show. Both come from the same events, folded by the domain's `evolve` and the read model's
 * `applyToView`, so a response built from it is exactly what the read model will hold at that version.
 */
export interface LoadedUser {
  readonly version: number;
  readonly state: UserState;
  /** Undefined only at version 0, before registration. */
  readonly view: UserView | undefined;
}

/** The view's own shape; bump it with any change to `applyToView` or {@link UserView}. */
export const USER_VIEW_SCHEMA_VERSION = 1;

/**
 * The name snapshots are kept under. It changes whenever the state's or the view's fold changes, so that a
 * new release ignores the snapshots an older one wrote and folds from the events again.
 */
export const USER_SNAPSHOT_SCHEMA = `user-state@${USER_STATE_SCHEMA_VERSION}.${USER_VIEW_SCHEMA_VERSION}`;

export interface UserStatesOptions {
  readonly eventStore: Pick<EventStore, 'readStream' | 'readSnapshot' | 'writeSnapshot'>;
  /**
   * How many users' folded states one process keeps. An entry is a state and a view, about 1–2 KB, so the
   * default of 10,000 stays under about 20 MB. @default 10000
   */
  readonly cacheEntries?: number;
  /** A snapshot is saved once this many events have been folded past the last one. @default 100 */
  readonly snapshotEvery?: number;
  /** @default {@link USER_SNAPSHOT_SCHEMA} */
  readonly snapshotSchema?: string;
  /** Saving a snapshot is best effort: a failure is logged and the events stay the truth. */
  readonly log: { warn(obj: object, msg: string): void };
}

interface Entry {
  readonly loaded: LoadedUser;
  /** The version of the newest snapshot known to be saved, so that it is not saved again and again. */
  readonly snapshotVersion: number;
}

/**
 * Loads users' current states in time independent of their streams' length. A process keeps each recent
 * user's fold in a bounded LRU cache and brings it up to date by reading only the events after it (one
 * strongly consistent tail read, which is empty when nothing changed); a cold process starts from the
 * stream's snapshot instead of version 1. Every load reads the store, so a change made by another process
 * (a password change, a removal) is seen at once.
 */
export function createUserStates(options: UserStatesOptions) {
  const { eventStore, log } = options;
  const snapshotEvery = Math.max(1, options.snapshotEvery ?? 100);
  const schema = options.snapshotSchema ?? USER_SNAPSHOT_SCHEMA;
  const cache = new LRUCache<string, Entry>({ max: Math.max(1, options.cacheEntries ?? 10_000) });
  const saving = new Set<Promise<void>>();

  /** Keeps an entry unless the cache already holds a later version: racing loads never step it back. */
  function keep(userId: string, entry: Entry): void {
    const current = cache.peek(userId);
    if (current === undefined || current.loaded.version < entry.loaded.version) cache.set(userId, entry);
  }

  function saveSnapshot(userId: string, entry: Entry): Entry {
    const { loaded } = entry;
    if (loaded.version - entry.snapshotVersion < snapshotEvery) return entry;
    const state = { state: loaded.state, view: loaded.view } as unknown as JsonObject;
    const write = eventStore
      .writeSnapshot(userId, { schema, version: loaded.version, state })
      .catch((err: unknown) => log.warn({ err, userId, version: loaded.version }, 'saving a snapshot failed'))
      .finally(() => saving.delete(write));
    saving.add(write);
    return { loaded, snapshotVersion: loaded.version };
  }

  async function start(userId: string): Promise<Entry> {
    const loaded = fromSnapshot(await eventStore.readSnapshot(userId, schema));
    return { loaded, snapshotVersion: loaded.version };
  }

  return {
    /** The user's current state: the cached or snapshotted fold, brought up to date with a tail read. */
    async load(userId: string): Promise<LoadedUser> {
      const entry = cache.get(userId) ?? (await start(userId));
      const tail = await eventStore.readStream(userId, { fromVersion: entry.loaded.version + 1 });
      const next = saveSnapshot(userId, { ...entry, loaded: foldOnto(entry.loaded, tail) });
      keep(userId, next);
      return next.loaded;
    },

    /** What this process last saw of the user, without reading the store; undefined when not cached. */
    cached(userId: string): LoadedUser | undefined {
      return cache.get(userId)?.loaded;
    },

    /** Keeps the state that a commit of this process just made. */
    remember(userId: string, loaded: LoadedUser): void {
      const snapshotVersion = cache.peek(userId)?.snapshotVersion ?? 0;
      keep(userId, saveSnapshot(userId, { loaded, snapshotVersion }));
    },

    /** Waits for snapshot writes in flight, so that the store can be closed under them. */
    async flush(): Promise<void> {
      await Promise.all([...saving]);
    },
  };
}

export type UserStates = ReturnType<typeof createUserStates>;

const NOTHING_LOADED: LoadedUser = { version: 0, state: initialState, view: undefined };

function fromSnapshot(snapshot: Snapshot | undefined): LoadedUser {
  if (snapshot === undefined) return NOTHING_LOADED;
  const { state, view } = snapshot.state as unknown as { state: UserState; view: UserView };
  return { version: snapshot.version, state, view };
}

/**
 * The user's state at `version`, read only: from the stream's snapshot when it is not past that version,
 * plus the events after it up to `version`; otherwise the history up to it. For a process that keeps no
 * fold of its own (the mailer consumer, finding where a reset mail goes) and must not write snapshots.
 */
export async function stateAtVersion(
  eventStore: Pick<EventStore, 'readStream' | 'readSnapshot'>,
  userId: string,
  version: number,
  schema: string = USER_SNAPSHOT_SCHEMA,
): Promise<UserState> {
  const snapshot = await eventStore.readSnapshot(userId, schema);
  const start = snapshot !== undefined && snapshot.version <= version ? fromSnapshot(snapshot) : NOTHING_LOADED;
  if (start.version === version) return start.state;
  return foldOnto(start, await eventStore.readStream(userId, { fromVersion: start.version + 1, toVersion: version })).state;
}

/** Folds events that follow `loaded` into the next state and view; the events must follow it exactly. */
export function foldOnto(loaded: LoadedUser, events: readonly StoredEvent[]): LoadedUser {
  let { version, state, view } = loaded;
  for (const event of events) {
    state = evolve(state, upcast(event));
    view = applyToView(view, event);
    version = event.version;
  }
  return { version, state, view };
}

/** The fold of a whole history: what a load must equal. */
export function foldAll(events: readonly StoredEvent[]): LoadedUser {
  return foldOnto(NOTHING_LOADED, events);
}
