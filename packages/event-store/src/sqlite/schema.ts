import Database from 'better-sqlite3';

/** The schema this code writes; a file with a later one was written by newer code and is refused. */
export const SCHEMA_VERSION = 2;

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

/** Creates the tables, or checks that the file holds a schema this code knows. */
export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(`the event store file has schema ${current}; this code knows up to ${SCHEMA_VERSION}`);
  }
  db.transaction(() => {
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
