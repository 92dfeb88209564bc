import Database from 'better-sqlite3';
import { ClaimNotHeldError, ConcurrencyError, UniquenessError } from '../errors.js';
import {
  IDEMPOTENCY_TTL_SECONDS,
  answerRetry,
  idempotencyRecord,
  type IdempotencyRecord,
} from '../idempotency.js';
import type {
  AppendOptions,
  AppendResult,
  EventMetadata,
  EventStore,
  JsonObject,
  NewEvent,
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
  validateReadAll,
  validateReadStream,
  validateRecall,
  validateSnapshot,
  validateSnapshotRead,
} from '../validation.js';

export interface SqliteEventStoreOptions {
  /** The database file, created if missing. Several processes may open the same file. */
  readonly filename: string;
  /** Milliseconds since the epoch; replace it to test idempotency expiry. @default Date.now */
  readonly now?: () => number;
  /** How long a writer waits for another connection's write lock, in milliseconds. @default 5000 */
  readonly busyTimeoutMs?: number;
}

const SCHEMA_VERSION = 2;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position       INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id      TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    event_id       TEXT    NOT NULL,
    type           TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    data           TEXT    NOT NULL,
    metadata       TEXT    NOT NULL,
    recorded_at    TEXT    NOT NULL,
    UNIQUE (stream_id, version)
  ) STRICT;
  CREATE TABLE IF NOT EXISTS claims (
    key       TEXT PRIMARY KEY,
    stream_id TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS idempotency (
    key        TEXT    PRIMARY KEY,
    record     TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS idempotency_expiry ON idempotency (expires_at);
  CREATE TABLE IF NOT EXISTS snapshots (
    stream_id TEXT    NOT NULL,
    schema    TEXT    NOT NULL,
    version   INTEGER NOT NULL,
    state     TEXT    NOT NULL,
    PRIMARY KEY (stream_id, schema)
  ) STRICT, WITHOUT ROWID;
`;

interface EventRow {
  position: number;
  stream_id: string;
  version: number;
  event_id: string;
  type: string;
  schema_version: number;
  data: string;
  metadata: string;
}

/**
 * The embedded event store on one SQLite file. Writes run in `BEGIN IMMEDIATE` transactions, which
 * serialize writers across connections and processes; `synchronous = FULL` in WAL mode makes an
 * acknowledged append durable even if the process is killed right after. The `position` column is a
 * global, gap-free order of commits: SQLite has one writer at a time and a rolled-back insert gives its
 * position back, so a reader that follows positions never skips an event that commits later.
 */
export function createSqliteEventStore(options: SqliteEventStoreOptions): EventStore {
  const now = options.now ?? Date.now;
  const db = new Database(options.filename);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  migrate(db);

  const statements = {
    streamVersion: db
      .prepare<[string], number>('SELECT coalesce(max(version), 0) FROM events WHERE stream_id = ?')
      .pluck(),
    insertEvent: db.prepare(
      `INSERT INTO events (stream_id, version, event_id, type, schema_version, data, metadata, recorded_at)
       VALUES (@streamId, @version, @eventId, @type, @schemaVersion, @data, @metadata, @recordedAt)`,
    ),
    readStream: db.prepare<[string, number, number], EventRow>(
      `SELECT * FROM events WHERE stream_id = ? AND version BETWEEN ? AND ? ORDER BY version`,
    ),
    readAll: db.prepare<[number, number], EventRow>(
      'SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?',
    ),
    claimHolder: db.prepare<[string], string>('SELECT stream_id FROM claims WHERE key = ?').pluck(),
    claim: db.prepare('INSERT OR REPLACE INTO claims (key, stream_id) VALUES (?, ?)'),
    release: db.prepare('DELETE FROM claims WHERE key = ?'),
    idempotency: db
      .prepare<[string, number], string>('SELECT record FROM idempotency WHERE key = ? AND expires_at > ?')
      .pluck(),
    remember: db.prepare('INSERT OR REPLACE INTO idempotency (key, record, expires_at) VALUES (?, ?, ?)'),
    forget: db.prepare('DELETE FROM idempotency WHERE expires_at <= ?'),
    readSnapshot: db.prepare<[string, string], { version: number; state: string }>(
      'SELECT version, state FROM snapshots WHERE stream_id = ? AND schema = ?',
    ),
    // Only a later version replaces a kept snapshot, so racing writers never step it back.
    writeSnapshot: db.prepare(
      `INSERT INTO snapshots (stream_id, schema, version, state) VALUES (?, ?, ?, ?)
       ON CONFLICT (stream_id, schema) DO UPDATE SET version = excluded.version, state = excluded.state
       WHERE excluded.version > snapshots.version`,
    ),
  };
  statements.forget.run(now());

  const append = db.transaction(
    (streamId: string, events: readonly NewEvent[], opts: AppendOptions): AppendResult => {
      const { expectedVersion, idempotencyKey, idempotencyFingerprint } = opts;
      if (idempotencyKey !== undefined) {
        const seen = statements.idempotency.get(idempotencyKey, now());
        if (seen !== undefined) {
          const record = JSON.parse(seen) as IdempotencyRecord;
          return answerRetry(idempotencyKey, record, streamId, idempotencyFingerprint);
        }
      }
      if (statements.streamVersion.get(streamId) !== expectedVersion) {
        throw new ConcurrencyError(streamId, expectedVersion);
      }
      for (const key of opts.claims ?? []) {
        const holder = statements.claimHolder.get(key);
        if (holder !== undefined && holder !== streamId) throw new UniquenessError(key);
      }
      for (const key of opts.releases ?? []) {
        if (statements.claimHolder.get(key) !== streamId) throw new ClaimNotHeldError(key, streamId);
      }

      const recordedAt = new Date(now()).toISOString();
      events.forEach((event, i) => {
        statements.insertEvent.run({
          streamId,
          version: expectedVersion + i + 1,
          eventId: event.eventId,
          type: event.type,
          schemaVersion: event.schemaVersion,
          data: JSON.stringify(event.data),
          metadata: JSON.stringify(event.metadata),
          recordedAt,
        });
      });
      for (const key of opts.claims ?? []) statements.claim.run(key, streamId);
      for (const key of opts.releases ?? []) statements.release.run(key);

      const result: AppendResult = {
        streamId,
        firstVersion: expectedVersion + 1,
        lastVersion: expectedVersion + events.length,
        eventIds: events.map((event) => event.eventId),
        duplicate: false,
      };
      if (idempotencyKey !== undefined) {
        statements.remember.run(
          idempotencyKey,
          JSON.stringify(idempotencyRecord(result, idempotencyFingerprint)),
          now() + IDEMPOTENCY_TTL_SECONDS * 1000,
        );
      }
      return result;
    },
  );

  return {
    async append(streamId, events, opts) {
      validateAppend(streamId, events, opts);
      // IMMEDIATE takes the write lock before the version is read, so no other writer can slip in between.
      return append.immediate(streamId, events, opts);
    },

    async readStream(streamId: string, readOptions: ReadStreamOptions = {}): Promise<StoredEvent[]> {
      validateReadStream(streamId, readOptions);
      const from = readOptions.fromVersion ?? 1;
      const to = readOptions.toVersion ?? Number.MAX_SAFE_INTEGER;
      return statements.readStream.all(streamId, from, to).map(toStoredEvent);
    },

    async readAll(readOptions: ReadAllOptions): Promise<ReadAllPage> {
      validateReadAll(readOptions);
      const after = parsePositionCursor(readOptions.cursor);
      // One row more than asked tells whether this page reaches the end.
      const rows = statements.readAll.all(after, readOptions.limit + 1);
      const events = rows.slice(0, readOptions.limit).map(toStoredEvent);
      const last = events.at(-1)?.position ?? after;
      return {
        events,
        cursor: last > 0 ? String(last) : undefined,
        isEnd: rows.length <= readOptions.limit,
      };
    },

    async recallAppend(idempotencyKey: string, request: RecallRequest): Promise<AppendResult | undefined> {
      validateRecall(idempotencyKey, request);
      const seen = statements.idempotency.get(idempotencyKey, now());
      if (seen === undefined) return undefined;
      const record = JSON.parse(seen) as IdempotencyRecord;
      return answerRetry(idempotencyKey, record, request.streamId, request.fingerprint);
    },

    async readSnapshot(streamId: string, schema: string): Promise<Snapshot | undefined> {
      validateSnapshotRead(streamId, schema);
      const row = statements.readSnapshot.get(streamId, schema);
      return row === undefined ? undefined : { schema, version: row.version, state: JSON.parse(row.state) as JsonObject };
    },

    async writeSnapshot(streamId: string, snapshot: Snapshot): Promise<void> {
      validateSnapshot(streamId, snapshot);
      statements.writeSnapshot.run(streamId, snapshot.schema, snapshot.version, JSON.stringify(snapshot.state));
    },

    async lookupClaim(key: string): Promise<string | undefined> {
      validateKey(key);
      return statements.claimHolder.get(key);
    },

    async close(): Promise<void> {
      if (db.open) db.close();
    },
  };
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(`the event store file has schema ${current}; this code knows up to ${SCHEMA_VERSION}`);
  }
  db.transaction(() => {
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    streamId: row.stream_id,
    version: row.version,
    position: row.position,
    eventId: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    data: JSON.parse(row.data) as JsonObject,
    metadata: JSON.parse(row.metadata) as EventMetadata,
  };
}
