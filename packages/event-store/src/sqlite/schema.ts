import Database from 'better-sqlite3';

/**
 * The schema this code writes; a file with a later one was written by newer code and is refused. An earlier
 * file is migrated in place when it is opened. 3 added a UNIQUE index on each stream's event ids, as
 * (stream_id, event_id); 4 keys it (event_id, stream_id) instead, the same constraint in the order time-ordered
 * ids arrive, so that the appends of one commit add to one index page instead of one page per stream.
 */
export const SCHEMA_VERSION = 4;

export const SCHEMA = `
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
  CREATE UNIQUE INDEX IF NOT EXISTS events_event_id_stream ON events (event_id, stream_id);
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

/** How long a connection waits for another connection's lock, in milliseconds, unless told otherwise. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * Opens a connection in WAL mode, which lets readers run beside the one writer and see committed data only.
 * `synchronous = FULL` matters on the writing connection: each commit is fsynced before it returns.
 */
export function openConnection(filename: string, busyTimeoutMs: number): Database.Database {
  const db = new Database(filename);
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Creates the tables, or brings a file of an earlier schema up to this one in place, in one transaction: a
 * migration that fails leaves the file as it was. Refuses a file of a later schema.
 */
export function migrate(db: Database.Database): void {
  const schemaOf = () => db.pragma('user_version', { simple: true }) as number;
  const current = schemaOf();
  if (current > SCHEMA_VERSION) {
    throw new Error(`the event store file has schema ${current}; this code knows up to ${SCHEMA_VERSION}`);
  }
  if (current === SCHEMA_VERSION) return;
  db.transaction(() => {
    // Another process may have migrated the file since it was read above.
    if (schemaOf() === SCHEMA_VERSION) return;
    try {
      db.exec(SCHEMA);
    } catch (error) {
      // A file of schema 2 may hold an event id twice in a stream. Events are never rewritten, so the
      // index cannot be built: the file is refused, unchanged, with the ids for an operator to decide on.
      if ((error as { code?: unknown }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw error;
      throw new Error(
        `the event store file (schema ${current}) holds event ids twice within a stream, which schema ` +
          `${SCHEMA_VERSION} forbids; it was left unchanged: ${repeatedEventIds(db)}`,
        { cause: error },
      );
    }
    // Schema 3's index, which schema 4's replaces.
    db.exec('DROP INDEX IF EXISTS events_stream_event_id');
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/** Up to 10 event ids that a stream holds more than once, as `<eventId> in <streamId>`. */
function repeatedEventIds(db: Database.Database): string {
  return db
    .prepare<[], { streamId: string; eventId: string }>(
      `SELECT stream_id AS streamId, event_id AS eventId FROM events
       GROUP BY stream_id, event_id HAVING COUNT(*) > 1 ORDER BY stream_id, event_id LIMIT 10`,
    )
    .all()
    .map(({ streamId, eventId }) => `${eventId} in ${streamId}`)
    .join(', ');
}
