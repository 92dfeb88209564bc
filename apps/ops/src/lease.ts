import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';

/** Who holds a lease, and until when. */
export interface LeaseRecord {
  readonly owner: string;
  /** Milliseconds since the epoch; past it, anyone may take the lease over. */
  readonly expiresAt: number;
  readonly acquiredAt: string;
}

/**
 * One named lease in storage that offers a conditional write. Every method is one atomic, conditional
 * operation, so two owners can never both believe they hold it (give or take the clock skew between their
 * hosts, which the time to live must dwarf).
 */
export interface LeaseStore {
  /**
   * Takes the lease for `owner` until `expiresAt` if nobody holds it, its holder's time ran out before `now`,
   * or `owner` holds it already. Answers the holder when someone else does.
   */
  acquire(owner: string, expiresAt: number, now: number): Promise<LeaseRecord | undefined>;
  /** Moves the expiry of `owner`'s lease; false when `owner` no longer holds it. */
  renew(owner: string, expiresAt: number): Promise<boolean>;
  /** Gives the lease up, if `owner` still holds it. */
  release(owner: string): Promise<void>;
  /** The lease as stored, expired or not; undefined when nobody ever took it or it was released. */
  read(): Promise<LeaseRecord | undefined>;
  close(): Promise<void>;
}

export type LeaseErrorCode =
  /** Another owner holds the lease and its time has not run out. */
  | 'LEASE_HELD'
  /** This owner's lease ran out and someone else took it, or storage refused a renewal. */
  | 'LEASE_LOST';

export class LeaseError extends Error {
  override readonly name = 'LeaseError';

  constructor(
    readonly code: LeaseErrorCode,
    message: string,
    readonly holder?: LeaseRecord,
  ) {
    super(message);
  }
}

export function isLeaseError(error: unknown): error is LeaseError {
  return error instanceof LeaseError;
}

/** A lease this process holds, renewed in the background until released. */
export interface HeldLease {
  readonly owner: string;
  /** Renews now and throws `LEASE_LOST` unless this process still holds it: call before each irreversible step. */
  check(): Promise<void>;
  /** Stops renewing and gives the lease up. */
  release(): Promise<void>;
}

export interface AcquireLeaseOptions {
  /** @default `<host>:<pid>:<random>` */
  readonly owner?: string;
  /** How long the lease lasts unless renewed; it is renewed every third of it. @default 60000 */
  readonly ttlMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** An owner id that names the process, for the operator who finds the lease taken. */
export function newLeaseOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/**
 * Takes the lease or throws `LEASE_HELD` naming its holder. While held, it is renewed every `ttlMs / 3`; a
 * renewal that fails marks it lost, and the next {@link HeldLease.check} throws `LEASE_LOST`. A process that
 * dies without releasing it blocks others only until `ttlMs` after its last renewal.
 */
export async function acquireLease(store: LeaseStore, options: AcquireLeaseOptions = {}): Promise<HeldLease> {
  const owner = options.owner ?? newLeaseOwner();
  const ttlMs = options.ttlMs ?? 60_000;
  const now = options.now ?? Date.now;
  const holder = await store.acquire(owner, now() + ttlMs, now());
  if (holder !== undefined) {
    throw new LeaseError(
      'LEASE_HELD',
      `another rebuild (${holder.owner}) holds the lease until ${new Date(holder.expiresAt).toISOString()}`,
      holder,
    );
  }
  let lost = false;
  const renew = async (): Promise<void> => {
    if (!lost && !(await store.renew(owner, now() + ttlMs).catch(() => false))) lost = true;
  };
  const timer = setInterval(() => void renew(), Math.max(1, Math.floor(ttlMs / 3)));
  // The lease never keeps the process alive on its own.
  timer.unref();
  return {
    owner,
    async check() {
      await renew();
      if (lost) throw new LeaseError('LEASE_LOST', `the rebuild lease of ${owner} ran out or was taken over`);
    },
    async release() {
      clearInterval(timer);
      await store.release(owner);
    },
  };
}

/** The embedded mode's lease file in `DATA_DIR`. */
export const SQLITE_LEASE_FILE = 'read-model.lease.db';

/**
 * The lease in a small SQLite file, for the embedded mode where every process shares one `DATA_DIR`. Each
 * operation is one statement or one immediate transaction, so SQLite's write lock makes it atomic.
 */
export function createSqliteLeaseStore(filename: string, name = 'rebuild'): LeaseStore {
  const db = new Database(filename);
  db.pragma('busy_timeout = 5000');
  db.exec(`CREATE TABLE IF NOT EXISTS lease (
    name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL, acquired_at TEXT NOT NULL)`);
  type Row = { owner: string; expires_at: number; acquired_at: string };
  const select = db.prepare<[string], Row>('SELECT owner, expires_at, acquired_at FROM lease WHERE name = ?');
  const upsert = db.prepare(
    'INSERT INTO lease (name, owner, expires_at, acquired_at) VALUES (?, ?, ?, ?) ' +
      'ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at, ' +
      'acquired_at = excluded.acquired_at',
  );
  const update = db.prepare('UPDATE lease SET expires_at = ? WHERE name = ? AND owner = ?');
  const remove = db.prepare('DELETE FROM lease WHERE name = ? AND owner = ?');
  const toRecord = (row: Row | undefined): LeaseRecord | undefined =>
    row === undefined ? undefined : { owner: row.owner, expiresAt: row.expires_at, acquiredAt: row.acquired_at };
  const acquire = db.transaction((owner: string, expiresAt: number, now: number) => {
    const held = select.get(name);
    if (held !== undefined && held.owner !== owner && held.expires_at >= now) return toRecord(held);
    upsert.run(name, owner, expiresAt, new Date(now).toISOString());
    return undefined;
  });
  return {
    acquire: async (owner, expiresAt, now) => acquire.immediate(owner, expiresAt, now),
    renew: async (owner, expiresAt) => update.run(expiresAt, name, owner).changes === 1,
    release: async (owner) => {
      remove.run(name, owner);
    },
    read: async () => toRecord(select.get(name)),
    close: async () => {
      db.close();
    },
  };
}
