import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createDataKeys, type DataKeys, type DataKeysOptions } from './data-keys.js';
import { PersonalDataError } from './errors.js';
import { LOCAL_KEY_ENCRYPTION_KEY_FILE, openLocalKeyWrapper } from './local-wrapper.js';
import type { KeyStore, StoredKey } from './ports.js';

/** The files the embedded key store keeps in the data directory. */
export const LOCAL_KEY_FILES = { keys: 'keys.db', keyEncryptionKey: LOCAL_KEY_ENCRYPTION_KEY_FILE } as const;

export interface SqliteKeyStoreOptions {
  readonly filename: string;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS data_keys (
    subject TEXT PRIMARY KEY,
    -- NULL once destroyed: the row stays as the tombstone that keeps the key from being made again.
    wrapped BLOB
  ) STRICT;
`;

/**
 * Data keys in a SQLite file. `secure_delete` zeroes a destroyed key's bytes in the main file, and every
 * destruction checkpoints and truncates the write-ahead log, so no copy of the key stays in `-wal` either.
 */
export function createSqliteKeyStore(options: SqliteKeyStoreOptions): KeyStore {
  const db = new Database(options.filename);
  db.pragma('journal_mode = WAL');
  db.pragma('secure_delete = ON');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  const select = db.prepare<[string], { wrapped: Buffer | null }>('SELECT wrapped FROM data_keys WHERE subject = ?');
  const insert = db.prepare('INSERT INTO data_keys (subject, wrapped) VALUES (?, ?) ON CONFLICT (subject) DO NOTHING');
  // Deleted and inserted again rather than updated: a deleted cell is what secure_delete overwrites.
  const remove = db.prepare('DELETE FROM data_keys WHERE subject = ?');
  const tombstone = db.prepare('INSERT INTO data_keys (subject, wrapped) VALUES (?, NULL)');
  const destroy = db.transaction((subject: string) => {
    remove.run(subject);
    tombstone.run(subject);
  });

  const read = (subject: string): StoredKey | undefined => {
    const row = select.get(subject);
    if (row === undefined) return undefined;
    return row.wrapped === null ? { state: 'destroyed' } : { state: 'active', wrapped: row.wrapped };
  };

  return {
    async get(subject) {
      return read(subject);
    },
    async create(subject, wrapped) {
      insert.run(subject, Buffer.from(wrapped));
      return read(subject) as StoredKey;
    },
    async destroy(subject) {
      destroy(subject);
      // A reader in another process (an ops command) can hold the log open; the key is gone from the
      // database either way, and the next destruction truncates what this one could not.
      const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
      if (result !== undefined && result.busy !== 0) {
        throw new PersonalDataError('STORE_BUSY', 'the key log could not be truncated: a reader holds it; retry the erasure');
      }
    },
    async close() {
      db.close();
    },
  };
}

export interface LocalKeysOptions extends Omit<DataKeysOptions, 'store' | 'wrapper'> {
  /** The data directory: the key store and its key-encryption key live in it (see {@link LOCAL_KEY_FILES}). */
  readonly dataDir: string;
}

/**
 * The embedded data keys: a SQLite key store in the data directory, keys wrapped under a local
 * key-encryption key kept beside it (generated on first use, mode 0600).
 */
export function openLocalDataKeys(options: LocalKeysOptions): DataKeys {
  const { dataDir, ...cache } = options;
  mkdirSync(dataDir, { recursive: true });
  return createDataKeys({
    ...cache,
    store: createSqliteKeyStore({ filename: join(dataDir, LOCAL_KEY_FILES.keys) }),
    wrapper: openLocalKeyWrapper(dataDir),
  });
}

/**
 * Checkpoints each existing SQLite database's write-ahead log into its main file and truncates the log to
 * zero bytes, so that no older page image (a scrubbed row's former content) survives in `-wal`. With
 * `secure_delete` on, the main file zeroes what was deleted, and together no copy is left. Throws
 * `STORE_BUSY` when a reader holds a log open, so that the caller retries.
 */
export function truncateJournals(filenames: readonly string[]): void {
  for (const filename of filenames) {
    if (!existsSync(filename)) continue;
    const db = new Database(filename, { fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
      if (result !== undefined && result.busy !== 0) {
        throw new PersonalDataError('STORE_BUSY', `the log of ${filename} could not be truncated: a reader holds it`);
      }
    } finally {
      db.close();
    }
  }
}
