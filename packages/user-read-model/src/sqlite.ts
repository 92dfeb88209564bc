import Database from 'better-sqlite3';
import {
  emailLookupKey,
  requireText,
  usernameLookupKey,
  validateIds,
  validatePut,
  validatePutMany,
  type CheckpointWrite,
  type UserReadModel,
  type ViewWrite,
} from './port.js';
import { viewOf, type UserView } from './view.js';

export interface SqliteUserReadModelOptions {
  /** The database file, created if missing. Several processes may open the same file. */
  readonly filename: string;
  /** How long a writer waits for another connection's write lock, in milliseconds. @default 5000 */
  readonly busyTimeoutMs?: number;
  /**
   * `normal` suits a follower that commits its checkpoint with its views: a power cut only rewinds it.
   * A queue consumer has nothing to rewind (the queue forgets what it acknowledged), so it asks for `full`,
   * one fsync per commit. @default 'normal'
   */
  readonly durability?: 'normal' | 'full';
}

const SCHEMA_VERSION = 1;

// The view itself is stored as JSON, and the columns it is looked up or guarded by are derived from it in
// the same statement. Removed users are excluded from the lookup indexes, as they are from the lookups.
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS user_views (
    id             TEXT    PRIMARY KEY,
    email          TEXT    NOT NULL,
    username_lower TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('registered', 'confirmed', 'removed')),
    version        INTEGER NOT NULL CHECK (version > 0),
    view           TEXT    NOT NULL
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS user_views_by_email ON user_views (email) WHERE status <> 'removed';
  CREATE INDEX IF NOT EXISTS user_views_by_username ON user_views (username_lower) WHERE status <> 'removed';
  CREATE TABLE IF NOT EXISTS checkpoints (
    name   TEXT PRIMARY KEY,
    cursor TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;
`;

/** The columns of a `user_views` row after its id, in table order. */
type RowValues = [email: string, usernameLower: string, status: string, version: number, view: string];

/**
 * The read model on one SQLite file, in WAL mode so that queries never wait for the projector. Each
 * conditional write is a single statement guarded by the stored version, which SQLite runs atomically
 * whichever connection or process issues it; `putMany` runs all of its writes and the checkpoint in one
 * transaction.
 *
 * Durability is `synchronous = NORMAL`: a commit is not flushed to disk, only the WAL checkpoints are. A
 * process crash loses nothing (the WAL is in the OS's hands); a power loss or OS crash may lose the last
 * transactions, never part of one. That is safe because the read model is a cache of the event store: a
 * follower that writes its checkpoint in the same transaction as the views (`catchUp` does) finds, after
 * such a loss, a checkpoint that matches the views, and simply projects the lost pages again. A queue
 * consumer acknowledges messages it will never see again, so it opens the read model with
 * `durability: 'full'`.
 */
export function createSqliteUserReadModel(options: SqliteUserReadModelOptions): UserReadModel {
  const db = new Database(options.filename);
  db.pragma('journal_mode = WAL');
  // Deleted and overwritten content is zeroed, so a scrubbed view (an erased user's) leaves no trace in the file.
  db.pragma('secure_delete = ON');
  // By default no fsync per commit: the read model can be rebuilt from the event store, and a follower's
  // checkpoint commits with its views, so losing the last transactions to a power cut only rewinds it.
  db.pragma(`synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  migrate(db);

  const statements = {
    get: db.prepare<[string], string>('SELECT view FROM user_views WHERE id = ?').pluck(),
    // The ids travel as one JSON array, so one statement serves any number of them.
    getMany: db
      .prepare<[string], [string, string]>(
        'SELECT id, view FROM user_views WHERE id IN (SELECT value FROM json_each(?))',
      )
      .raw(),
    byEmail: db
      .prepare<[string], string>(
        `SELECT view FROM user_views WHERE email = ? AND status <> 'removed' ORDER BY id`,
      )
      .pluck(),
    byUsername: db
      .prepare<[string], string>(
        `SELECT view FROM user_views WHERE username_lower = ? AND status <> 'removed' ORDER BY id`,
      )
      .pluck(),
    // 0 means "absent": only an insert can succeed, and an existing row of any version wins. Both take the
    // row's values positionally, since binding by name costs a lookup per value and write.
    insert: db.prepare<[id: string, ...RowValues]>(
      `INSERT INTO user_views (id, email, username_lower, status, version, view)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO NOTHING`,
    ),
    update: db.prepare<[...RowValues, id: string, expectedVersion: number]>(
      `UPDATE user_views
       SET email = ?, username_lower = ?, status = ?, version = ?, view = ?
       WHERE id = ? AND version = ?`,
    ),
    // SQLite rewrites the entries of every index on a column an UPDATE sets, even to the value it had: for the
    // usual write (a profile change, a password change), which leaves the lookup columns as they were, this
    // one sets only the version and the view, and dirties the row's page alone instead of a page of each
    // lookup index too. It matches only when those columns already hold the new values.
    updateView: db.prepare<[version: number, view: string, id: string, expectedVersion: number, email: string, usernameLower: string, status: string]>(
      `UPDATE user_views
       SET version = ?, view = ?
       WHERE id = ? AND version = ? AND email = ? AND username_lower = ? AND status = ?`,
    ),
    getCheckpoint: db.prepare<[string], string>('SELECT cursor FROM checkpoints WHERE name = ?').pluck(),
    setCheckpoint: db.prepare(
      `INSERT INTO checkpoints (name, cursor) VALUES (?, ?)
       ON CONFLICT (name) DO UPDATE SET cursor = excluded.cursor`,
    ),
  };
  const parse = (json: string): UserView => JSON.parse(json) as UserView;

  function write(view: UserView, expectedVersion: number): boolean {
    const row: RowValues = [
      emailLookupKey(view.email),
      usernameLookupKey(view.username),
      view.status,
      view.version,
      JSON.stringify(viewOf(view)),
    ];
    if (expectedVersion === 0) return statements.insert.run(view.id, ...row).changes === 1;
    const [email, usernameLower, status, version, json] = row;
    if (statements.updateView.run(version, json, view.id, expectedVersion, email, usernameLower, status).changes === 1) return true;
    // A lookup column changes, or the stored version is not the expected one (and then this changes nothing).
    return statements.update.run(...row, view.id, expectedVersion).changes === 1;
  }

  // IMMEDIATE takes the write lock first: a deferred transaction that read, then had to upgrade, would fail
  // with SQLITE_BUSY at once instead of waiting out the busy timeout behind another writer.
  const putMany = db.transaction((writes: readonly ViewWrite[], checkpoint: CheckpointWrite | undefined) => {
    const outcomes = writes.map(({ view, expectedVersion }) => write(view, expectedVersion));
    if (checkpoint !== undefined && outcomes.every(Boolean)) {
      statements.setCheckpoint.run(checkpoint.name, checkpoint.cursor);
    }
    return outcomes;
  });

  return {
    async get(id) {
      requireText(id, 'id');
      const json = statements.get.get(id);
      return json === undefined ? undefined : parse(json);
    },

    async getMany(ids) {
      validateIds(ids);
      const found = new Map(statements.getMany.all(JSON.stringify(ids)));
      return ids.map((id) => {
        const json = found.get(id);
        return json === undefined ? undefined : parse(json);
      });
    },

    async findByEmail(email) {
      requireText(email, 'email');
      return statements.byEmail.all(emailLookupKey(email)).map(parse);
    },

    async findByUsername(username) {
      requireText(username, 'username');
      return statements.byUsername.all(usernameLookupKey(username)).map(parse);
    },

    async put(view, expectedVersion) {
      validatePut(view, expectedVersion);
      return write(view, expectedVersion);
    },

    async putMany(writes, checkpoint) {
      validatePutMany(writes, checkpoint);
      return putMany.immediate(writes, checkpoint);
    },

    async getCheckpoint(name) {
      requireText(name, 'name');
      return statements.getCheckpoint.get(name);
    },

    async setCheckpoint(name, cursor) {
      requireText(name, 'name');
      requireText(cursor, 'cursor');
      statements.setCheckpoint.run(name, cursor);
    },

    async close() {
      if (db.open) db.close();
    },
  };
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(`the read model file has schema ${current}; this code knows up to ${SCHEMA_VERSION}`);
  }
  db.transaction(() => {
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
