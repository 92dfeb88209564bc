import { normalizeEmail } from '@user-service/user-domain';
import { ReadModelError } from './errors.js';
import { USER_VIEW_STATUSES, type UserView } from './view.js';

/**
 * Where user views are kept for queries. Implementations must pass the shared contract suite in
 * `@user-service/user-read-model/testing`.
 *
 * Writes are conditional on the stored version, so that any number of projectors, fed with duplicated and
 * reordered events, can share one read model and never step back in time.
 */
export interface UserReadModel {
  /**
   * The view of a user, including a removed user's tombstone (status `removed`): the projector needs it to
   * refuse old events. A query should answer "not found" for a tombstone.
   */
  get(id: string): Promise<UserView | undefined>;

  /**
   * The views of several users, as {@link UserReadModel.get} answers each, in the order of `ids` (`undefined`
   * where none is stored; an id given twice is answered twice). A projector reads a batch's users with it:
   * one query on SQLite. Throws `INVALID_ARGUMENT` unless every id is a non-empty string.
   */
  getMany(ids: readonly string[]): Promise<Array<UserView | undefined>>;

  /**
   * The views of users who are not removed and have this email, compared as the domain normalizes it
   * (trimmed, case-insensitive), ordered by id. More than one only while the projection lags behind an
   * email moving from one user to another.
   */
  findByEmail(email: string): Promise<UserView[]>;

  /** As {@link UserReadModel.findByEmail}, for a username compared case-insensitively. */
  findByUsername(username: string): Promise<UserView[]>;

  /**
   * Stores `view` only if the stored version is `expectedVersion` (0: no view is stored), atomically.
   * Answers false, and changes nothing, when another writer got there first; it never overwrites a newer
   * version. Throws `INVALID_ARGUMENT` unless `view.version > expectedVersion`.
   */
  put(view: UserView, expectedVersion: number): Promise<boolean>;

  /**
   * Several conditional writes in one call, and optionally a follower's checkpoint with them. Each write is
   * conditional exactly like {@link UserReadModel.put} and has its own outcome: the answer holds one boolean
   * per write, in order, and a lost write changes nothing of the others.
   *
   * The checkpoint is saved only if every write was won (or there were none): a lost write means the page
   * the checkpoint ends is not fully projected yet, so the follower must not move past it.
   *
   * Every write and the checkpoint are checked before storage is touched: a malformed one, or two writes of
   * the same view, throws `INVALID_ARGUMENT` and writes nothing.
   *
   * Atomicity depends on the adapter. SQLite runs the writes and the checkpoint in one transaction, so the
   * checkpoint always matches the views. DynamoDB sends the conditional puts in parallel, then the
   * checkpoint (not atomic: see its adapter); a failure part way through leaves the writes done so far,
   * which at-least-once projection turns into duplicates on the retry.
   */
  putMany(writes: readonly ViewWrite[], checkpoint?: CheckpointWrite): Promise<boolean[]>;

  /** Where a follower named `name` stopped reading (an opaque event-store cursor), if it ever saved one. */
  getCheckpoint(name: string): Promise<string | undefined>;

  /** Saves a follower's cursor, replacing the previous one. */
  setCheckpoint(name: string, cursor: string): Promise<void>;

  /** Releases connections and handles. The read model is unusable afterwards. */
  close(): Promise<void>;
}

/** One conditional write of {@link UserReadModel.putMany}: the arguments of {@link UserReadModel.put}. */
export interface ViewWrite {
  readonly view: UserView;
  /** The stored version the write is conditional on; 0: no view is stored. */
  readonly expectedVersion: number;
}

/** A follower's cursor, saved by {@link UserReadModel.putMany} along with its writes. */
export interface CheckpointWrite {
  /** The follower's name, as for {@link UserReadModel.setCheckpoint}. */
  readonly name: string;
  /** An opaque event-store cursor. */
  readonly cursor: string;
}

/** The key an email is looked up by: the domain's own normalization, so that both sides always agree. */
export const emailLookupKey = (email: string): string => normalizeEmail(email);

/** The key a username is looked up by, as the domain's uniqueness key compares it. */
export const usernameLookupKey = (username: string): string => username.toLowerCase();

/** Checks a conditional write before an adapter touches storage, so that every adapter refuses alike. */
export function validatePut(view: UserView, expectedVersion: number): void {
  if (typeof view !== 'object' || view === null) throw invalidArgument('view must be an object');
  requireText(view.id, 'view.id');
  requireText(view.email, 'view.email');
  requireText(view.username, 'view.username');
  if (!USER_VIEW_STATUSES.includes(view.status)) throw invalidArgument('view.status is not a known status');
  if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0) {
    throw invalidArgument('expectedVersion must be an integer of at least 0');
  }
  if (!Number.isSafeInteger(view.version) || view.version <= expectedVersion) {
    throw invalidArgument('view.version must be an integer greater than expectedVersion');
  }
}

/** Checks the ids of {@link UserReadModel.getMany}. */
export function validateIds(ids: readonly string[]): void {
  if (!Array.isArray(ids)) throw invalidArgument('ids must be an array');
  for (const id of ids) requireText(id, 'each id');
}

/**
 * Checks a batch write before an adapter touches storage: every write as {@link validatePut} does, at most one
 * write per view (two would race each other on DynamoDB), and the checkpoint's name and cursor.
 */
export function validatePutMany(writes: readonly ViewWrite[], checkpoint: CheckpointWrite | undefined): void {
  if (!Array.isArray(writes)) throw invalidArgument('writes must be an array');
  const ids = new Set<string>();
  for (const write of writes) {
    if (typeof write !== 'object' || write === null) throw invalidArgument('each write must be an object');
    validatePut(write.view, write.expectedVersion);
    if (ids.has(write.view.id)) throw invalidArgument('a batch may write each view only once');
    ids.add(write.view.id);
  }
  if (checkpoint !== undefined) {
    if (typeof checkpoint !== 'object' || checkpoint === null) throw invalidArgument('checkpoint must be an object');
    requireText(checkpoint.name, 'checkpoint.name');
    requireText(checkpoint.cursor, 'checkpoint.cursor');
  }
}

export function requireText(value: unknown, what: string): void {
  if (typeof value !== 'string' || value === '') throw invalidArgument(`${what} must be a non-empty string`);
}

function invalidArgument(message: string): ReadModelError {
  return new ReadModelError('INVALID_ARGUMENT', message);
}
