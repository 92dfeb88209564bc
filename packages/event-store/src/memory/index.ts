import { ClaimNotHeldError, ConcurrencyError, DuplicateEventIdError, UniquenessError } from '../errors.js';
import {
  IDEMPOTENCY_TTL_SECONDS,
  answerRetry,
  idempotencyRecord,
  outcomeIdempotencyRecord,
  recordedResult,
  type IdempotencyRecord,
} from '../idempotency.js';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  NewEvent,
  OutcomeRecord,
  ReadAllOptions,
  ReadAllPage,
  ReadStreamOptions,
  RecallRequest,
  Snapshot,
  StoredEvent,
} from '../types.js';
import {
  parsePositionCursor,
  validateAppend,
  validateKey,
  validateOutcomeRecord,
  validateReadAll,
  validateReadStream,
  validateRecall,
  validateSnapshot,
  validateSnapshotRead,
} from '../validation.js';

export interface MemoryEventStoreOptions {
  /** Milliseconds since the epoch; replace it to test idempotency expiry. @default Date.now */
  readonly now?: () => number;
}

/**
 * An event store in process memory, for unit tests. Each append runs to completion within one turn of the
 * event loop, which makes it atomic; it keeps a global position in append order.
 */
export function createMemoryEventStore(options: MemoryEventStoreOptions = {}): EventStore {
  const now = options.now ?? Date.now;
  const all: StoredEvent[] = [];
  const streams = new Map<string, StoredEvent[]>();
  /** Every event id of each stream, for the uniqueness of event ids within a stream. */
  const streamEventIds = new Map<string, Set<string>>();
  const claims = new Map<string, string>();
  const idempotency = new Map<string, { record: IdempotencyRecord; expiresAt: number }>();
  /** Keyed by schema, then stream id. */
  const snapshots = new Map<string, Map<string, Snapshot>>();
  let closed = false;

  const open = (): void => {
    if (closed) throw new Error('the memory event store is closed');
  };

  const liveRecord = (key: string): IdempotencyRecord | undefined => {
    const seen = idempotency.get(key);
    return seen !== undefined && seen.expiresAt > now() ? seen.record : undefined;
  };

  const remember = (key: string, record: IdempotencyRecord): void => {
    idempotency.set(key, { record, expiresAt: now() + IDEMPOTENCY_TTL_SECONDS * 1000 });
  };

  return {
    async append(streamId: string, events: readonly NewEvent[], opts: AppendOptions): Promise<AppendResult> {
      open();
      validateAppend(streamId, events, opts);
      const { expectedVersion, idempotencyKey, idempotencyFingerprint } = opts;

      if (idempotencyKey !== undefined) {
        const seen = liveRecord(idempotencyKey);
        if (seen !== undefined) return answerRetry(idempotencyKey, seen, streamId, idempotencyFingerprint);
      }
      const stream = streams.get(streamId) ?? [];
      if (stream.length !== expectedVersion) throw new ConcurrencyError(streamId, expectedVersion);
      if (opts.expectedEventId !== undefined && stream[expectedVersion - 1]?.eventId !== opts.expectedEventId) {
        throw new ConcurrencyError(streamId, expectedVersion);
      }
      const heldIds = streamEventIds.get(streamId) ?? new Set<string>();
      const repeated = events.find((event) => heldIds.has(event.eventId));
      if (repeated !== undefined) throw new DuplicateEventIdError(streamId, repeated.eventId);
      for (const key of opts.claims ?? []) {
        const holder = claims.get(key);
        if (holder !== undefined && holder !== streamId) throw new UniquenessError(key);
      }
      for (const key of opts.releases ?? []) {
        if (claims.get(key) !== streamId) throw new ClaimNotHeldError(key, streamId);
      }

      // Every check passed: from here on nothing can fail, so the write is all or nothing.
      const firstPosition = all.length + 1;
      const stored = events.map(
        (event, i): StoredEvent => ({
          ...structuredClone(event),
          streamId,
          version: expectedVersion + i + 1,
          position: firstPosition + i,
        }),
      );
      all.push(...stored);
      streams.set(streamId, [...stream, ...stored]);
      for (const event of events) heldIds.add(event.eventId);
      streamEventIds.set(streamId, heldIds);
      for (const key of opts.claims ?? []) claims.set(key, streamId);
      for (const key of opts.releases ?? []) claims.delete(key);

      const result: AppendResult = {
        streamId,
        firstVersion: expectedVersion + 1,
        lastVersion: expectedVersion + events.length,
        eventIds: events.map((event) => event.eventId),
        duplicate: false,
        firstPosition,
      };
      if (idempotencyKey !== undefined) remember(idempotencyKey, idempotencyRecord(result, idempotencyFingerprint));
      return result;
    },

    async readStream(streamId: string, readOptions: ReadStreamOptions = {}): Promise<StoredEvent[]> {
      open();
      validateReadStream(streamId, readOptions);
      const from = readOptions.fromVersion ?? 1;
      const to = readOptions.toVersion ?? Number.MAX_SAFE_INTEGER;
      return (streams.get(streamId) ?? [])
        .filter((event) => event.version >= from && event.version <= to)
        .map((event) => structuredClone(event));
    },

    async readAll(readOptions: ReadAllOptions): Promise<ReadAllPage> {
      open();
      validateReadAll(readOptions);
      const after = parsePositionCursor(readOptions.cursor);
      const events = all.slice(after, after + readOptions.limit).map((event) => structuredClone(event));
      const last = events.at(-1)?.position ?? after;
      return { events, cursor: last > 0 ? String(last) : undefined, isEnd: last >= all.length };
    },

    async recallAppend(idempotencyKey: string, request: RecallRequest): Promise<AppendResult | undefined> {
      open();
      validateRecall(idempotencyKey, request);
      const seen = liveRecord(idempotencyKey);
      return seen === undefined ? undefined : answerRetry(idempotencyKey, seen, request.streamId, request.fingerprint);
    },

    async recordOutcome(idempotencyKey: string, record: OutcomeRecord): Promise<AppendResult> {
      open();
      validateOutcomeRecord(idempotencyKey, record);
      const seen = liveRecord(idempotencyKey);
      if (seen !== undefined) return answerRetry(idempotencyKey, seen, record.streamId, record.fingerprint);
      const kept = outcomeIdempotencyRecord(structuredClone(record));
      remember(idempotencyKey, kept);
      return recordedResult(kept, false);
    },

    async readSnapshot(streamId: string, schema: string): Promise<Snapshot | undefined> {
      open();
      validateSnapshotRead(streamId, schema);
      const kept = snapshots.get(schema)?.get(streamId);
      return kept === undefined ? undefined : structuredClone(kept);
    },

    async writeSnapshot(streamId: string, snapshot: Snapshot): Promise<void> {
      open();
      validateSnapshot(streamId, snapshot);
      const bySchema = snapshots.get(snapshot.schema) ?? new Map<string, Snapshot>();
      snapshots.set(snapshot.schema, bySchema);
      const kept = bySchema.get(streamId);
      if (kept === undefined || kept.version < snapshot.version) bySchema.set(streamId, structuredClone(snapshot));
    },

    async lookupClaim(key: string): Promise<string | undefined> {
      open();
      validateKey(key);
      return claims.get(key);
    },

    async close(): Promise<void> {
      closed = true;
    },
  };
}
