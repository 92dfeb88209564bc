/**
 * The event-store port. It speaks only of streams, versions, events and keys: no SQL row, no DynamoDB
 * attribute and no SDK client appears here, so the domain and the apps can run on any adapter.
 */

/** A JSON value, as stored and returned exactly. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Where an event came from and why; set by the application, never by the store. */
export interface EventMetadata {
  /** When the command that caused the event was decided: an RFC 3339 date-time, as `toISOString()` writes. */
  readonly occurredAt: string;
  /** Shared by every event caused, however indirectly, by one request. */
  readonly correlationId: string;
  /** The id of the request or event that directly caused this one. */
  readonly causationId: string;
  /** Who acted, when known (a user id, `admin`, a system name). */
  readonly actor?: string;
}

/** An event as the application hands it to {@link EventStore.append}. */
export interface NewEvent {
  /** Globally unique; consumers use it to drop duplicates. */
  readonly eventId: string;
  readonly type: string;
  /** The version of the schema `data` was written in, so readers can upcast old events. */
  readonly schemaVersion: number;
  readonly data: JsonObject;
  readonly metadata: EventMetadata;
}

/** An event as it was recorded: the stored envelope. */
export interface StoredEvent extends NewEvent {
  readonly streamId: string;
  /** 1 for the first event of a stream, then gap-free. */
  readonly version: number;
  /** A global, gap-free position, where the adapter keeps one (memory and SQLite do; DynamoDB does not). */
  readonly position?: number;
}

export interface AppendOptions {
  /**
   * The version the stream must be at for the append to succeed; 0 means the stream must not exist.
   * The events get versions `expectedVersion + 1` onwards.
   */
  readonly expectedVersion: number;
  /**
   * When set, the event at `expectedVersion` must also have this id, or the append fails with
   * `CONCURRENCY_CONFLICT` as a wrong version does. It lets a writer append on top of an append of its own
   * that has not completed yet: should that one fail and another writer take its version, this one fails
   * too, instead of landing on a history it never saw. Needs `expectedVersion` of at least 1.
   */
  readonly expectedEventId?: string;
  /**
   * When set, an append whose key was already used (for at least 24 hours) writes nothing and answers the
   * original result, with `duplicate: true`.
   */
  readonly idempotencyKey?: string;
  /**
   * A digest of the request behind the append. A retry with the same key but another fingerprint, or
   * another stream, fails with an `IDEMPOTENCY_KEY_REUSED` error instead of answering the original.
   */
  readonly idempotencyFingerprint?: string;
  /** Unique keys (such as `email:a@b.c`) this stream takes in the same atomic write. */
  readonly claims?: readonly string[];
  /** Unique keys this stream holds and gives up in the same atomic write. */
  readonly releases?: readonly string[];
}

export interface AppendResult {
  readonly streamId: string;
  /** Version of the first appended event. */
  readonly firstVersion: number;
  /** Version of the last appended event: the stream's version right after this append. */
  readonly lastVersion: number;
  readonly eventIds: readonly string[];
  /**
   * The global position of the first appended event, where the adapter keeps positions (memory and SQLite
   * do); the others follow it without a gap. Absent where none is kept, and in an answer that wrote nothing
   * (`duplicate`, or an outcome).
   */
  readonly firstPosition?: number;
  /** True when this answers an earlier append with the same idempotency key, and nothing was written. */
  readonly duplicate: boolean;
  /**
   * Present only in an answer from an outcome recorded with {@link EventStore.recordOutcome}: the recorded
   * object. Such an answer wrote no events: `eventIds` is empty, `lastVersion` is the recorded version and
   * `firstVersion` is `lastVersion + 1` (an empty range, so `lastVersion - firstVersion + 1` is 0).
   */
  readonly outcome?: JsonObject;
}

/**
 * The outcome of a request that wrote no events (a no-op, a rejection), kept under its idempotency key so
 * that a retry is answered from it instead of being decided again.
 */
export interface OutcomeRecord {
  readonly streamId: string;
  /** The request's digest, as {@link AppendOptions.idempotencyFingerprint}. */
  readonly fingerprint?: string;
  /** The stream version the outcome was decided at (0 before the stream exists). Not checked by the store. */
  readonly version: number;
  /** What the caller needs to answer a retry as it answered the request: a plain JSON object of at most 64 KB. */
  readonly outcome: JsonObject;
}

/** Identifies the request a retry must match. */
export interface RecallRequest {
  readonly streamId: string;
  readonly fingerprint?: string;
}

export interface ReadStreamOptions {
  /** First version to return, inclusive. @default 1 */
  readonly fromVersion?: number;
  /** Last version to return, inclusive. @default the end of the stream */
  readonly toVersion?: number;
}

export interface ReadAllOptions {
  /** Where the previous page ended; absent to start from the beginning. */
  readonly cursor?: string;
  /** The most events one page returns. */
  readonly limit: number;
}

export interface ReadAllPage {
  readonly events: readonly StoredEvent[];
  /**
   * Where this page ended: pass it as the next call's `cursor`. It is absent only while nothing has been
   * read at all. With a global position (memory, SQLite) it also lets a reader follow new events later.
   */
  readonly cursor?: string;
  /** True when this page reached the end of what the store held when it was read. */
  readonly isEnd: boolean;
}

/**
 * A stream's state folded up to a version, kept so that a cold reader need not fold the whole history.
 * Snapshots are derived data: the events stay the truth, and a reader folds the events after `version` on
 * top of `state`.
 */
export interface Snapshot {
  /**
   * Names the fold and its schema version, such as `user-state@3`. A reader asks for the schema it
   * understands, so a change to the fold (a new schema name) makes every older snapshot ignored.
   */
  readonly schema: string;
  /** The stream version `state` includes: the fold of events 1 to `version`. */
  readonly version: number;
  /** The folded state, as JSON. */
  readonly state: JsonObject;
}

/**
 * The store of every stream's events. Implementations must pass the shared contract suite in
 * `@user-service/event-store/testing`.
 */
export interface EventStore {
  /**
   * Atomically appends `events` as the next versions of the stream, takes `claims` and frees `releases`,
   * or does nothing at all and throws. When an append breaks several rules at once, the first of these
   * decides, on every adapter:
   *
   * 1. `INVALID_ARGUMENT`: malformed input (an event id repeated within the append included), checked
   *    before the store is read.
   * 2. The idempotency key's record, when it holds one: the recorded result (`duplicate: true`), or
   *    `IDEMPOTENCY_KEY_REUSED` for another stream or fingerprint.
   * 3. `CONCURRENCY_CONFLICT`: the stream is not at `expectedVersion`, or its event there is not
   *    `expectedEventId`.
   * 4. `DUPLICATE_EVENT_ID`: an event's id is already in the stream (see docs/event-store.md for what the
   *    DynamoDB adapter can check).
   * 5. `UNIQUENESS_VIOLATION`: a claimed key is held by another stream (the first such claim is named).
   * 6. `CLAIM_NOT_HELD`: a released key is not held by this stream (the first such release is named).
   */
  append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult>;

  /** Every event of the stream in version order, however long it is; an empty array for no stream. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;

  /**
   * Pages through every event of every stream, each exactly once. Within a stream, events come in version
   * order; the order across streams is the adapter's (see docs/event-store.md).
   */
  readAll(options: ReadAllOptions): Promise<ReadAllPage>;

  /**
   * The result of an earlier append made with this idempotency key, as a retry of it would get, or
   * undefined when the key is unused or expired. Throws `IDEMPOTENCY_KEY_REUSED` when the key was used for
   * another stream or fingerprint. It lets a caller answer a retry before deciding again (a retried
   * registration would otherwise meet its own user); the append itself stays the atomic guard.
   */
  recallAppend(idempotencyKey: string, request: RecallRequest): Promise<AppendResult | undefined>;

  /**
   * Keeps, under an idempotency key, the outcome of a request that wrote no events, so that a retry of it
   * (through `recallAppend` or `append` with the key) is answered from the record instead of writing. The
   * first record of a key wins for the key's lifetime: when the key already holds one (an append's or an
   * outcome's), nothing is written and this answers as a retry would, the existing record with
   * `duplicate: true`, or `IDEMPOTENCY_KEY_REUSED` for another stream or fingerprint. Of an append and an
   * outcome racing on one key, exactly one is recorded, and the other is answered from it.
   */
  recordOutcome(idempotencyKey: string, record: OutcomeRecord): Promise<AppendResult>;

  /**
   * The latest snapshot of the stream saved under `schema`, or undefined when there is none. A snapshot
   * saved under any other schema is never returned.
   */
  readSnapshot(streamId: string, schema: string): Promise<Snapshot | undefined>;

  /**
   * Keeps `snapshot` as the stream's snapshot under its schema, unless one at the same or a later version is
   * kept already (then it does nothing). The caller promises that `state` is the fold of versions 1 to
   * `snapshot.version`. It never conflicts with appends and is never published to consumers.
   */
  writeSnapshot(streamId: string, snapshot: Snapshot): Promise<void>;

  /** The stream that holds a unique key now, read with strong consistency. */
  lookupClaim(key: string): Promise<string | undefined>;

  /** Releases connections and handles. The store is unusable afterwards. */
  close(): Promise<void>;
}
