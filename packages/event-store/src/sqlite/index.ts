import type { EventStore } from '../types.js';
import { openSqliteEventStore, type SqliteEventStoreOptions } from './store.js';

export type { SqliteEventStoreOptions } from './store.js';
export { WriterStoppedError, isWriterStoppedError } from './writer-client.js';

/**
 * The embedded event store on one SQLite file, in WAL mode.
 *
 * Every write (appends, snapshots, the expiry of idempotency records) goes to a writer thread that owns the
 * one writing connection and commits with `synchronous = FULL`, so an acknowledged write survives `kill -9`
 * and a power loss. It commits the writes queued since its last commit together (group commit): one fsync
 * for many concurrent appends, each in a savepoint of its own, so that one failing append fails alone and
 * appends in a batch see each other's effects in order. Answers come only after the COMMIT returned. Reads
 * run on a connection in the calling thread; WAL lets them run beside the writer and see committed data only.
 *
 * Transactions are `BEGIN IMMEDIATE`, which serialize writers across connections and processes before any
 * version is read. The `position` column is a global, gap-free order of commits: SQLite has one writer at a
 * time, and a rolled-back insert (savepoint or transaction) gives its position back, so a reader that follows
 * positions never skips an event that commits later.
 *
 * Should the writer thread stop unasked, every pending and later write fails with a `WriterStoppedError`.
 */
export function createSqliteEventStore(options: SqliteEventStoreOptions): EventStore {
  return openSqliteEventStore(options).store;
}
