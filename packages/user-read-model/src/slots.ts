import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile, readdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readJsonFile, writeJsonFileAtomically } from '@user-service/json-file';
import { ReadModelError } from './errors.js';
import type { UserReadModel } from './port.js';

/**
 * Blue/green read models: two complete read models ("slots") and a pointer naming the one queries use. A
 * rebuild fills the slot the pointer does not name, then moves the pointer, so that no query ever reads a
 * half-built model.
 */
export type Slot = 'blue' | 'green';

/** Both slots, blue first. */
export const SLOTS: readonly Slot[] = Object.freeze(['blue', 'green'] as const);

/** The slot a pointer names before any slot was ever activated: the read model that existed before slots. */
export const DEFAULT_SLOT: Slot = 'blue';

/** The other slot: the one a rebuild fills while `slot` serves queries. */
export function otherSlot(slot: Slot): Slot {
  return slot === 'blue' ? 'green' : 'blue';
}

export function isSlot(value: unknown): value is Slot {
  return value === 'blue' || value === 'green';
}

/**
 * The embedded mode's file names in `DATA_DIR`. Blue keeps the name the read model had before slots
 * existed, so an existing read model simply is the blue slot.
 */
export const SQLITE_SLOT_FILES: Readonly<Record<Slot, string>> = Object.freeze({
  blue: 'read-model.db',
  green: 'read-model.green.db',
});

/** The embedded mode's pointer file in `DATA_DIR`, read by {@link createFileSlotPointer}. */
export const SLOT_POINTER_FILE = 'read-model.slot.json';

/**
 * Which slot serves queries, and which slot a rebuild is filling. Every process that reads or projects asks it
 * (through {@link createSlottedReadModel}); only a rebuild moves it.
 */
export interface SlotPointer {
  /** The slot queries read now: {@link DEFAULT_SLOT} until a slot was ever activated. */
  active(): Promise<Slot>;
  /** The active slot and the slot being filled, in one read. */
  read(): Promise<SlotPointerState>;
  /**
   * Points every reader at `slot`, in one atomic write that keeps {@link SlotPointerState.filling}. Throws
   * `INVALID_ARGUMENT` unless `slot` is a slot.
   */
  activate(slot: Slot): Promise<void>;
  /**
   * Names the slot a rebuild fills (`undefined`: none), so that every writer also writes it until the rebuild
   * is done. Keeps the active slot. Throws `INVALID_ARGUMENT` unless `slot` is a slot or `undefined`.
   */
  setFilling(slot: Slot | undefined): Promise<void>;
  /**
   * Whether any live process may follow the pointer, i.e. may hold an earlier value of it for up to its
   * `refreshMs`: `false` only when it is known that none does, so that a rebuild need not wait for followers
   * to see a change. A pointer that cannot tell leaves it out, which counts as `true`.
   */
  followed?(): Promise<boolean>;
}

/** What a pointer says. */
export interface SlotPointerState {
  readonly active: Slot;
  /**
   * The slot a rebuild is filling, if one runs. Writers write it as well as the active slot (the version gate
   * makes the second write safe), so that no event projected while the rebuild scans is missing from it.
   */
  readonly filling: Slot | undefined;
}

/** What a pointer stores: the slot, when it was activated (for operators), and the slot being filled. */
export interface SlotPointerRecord {
  readonly active: Slot;
  readonly activatedAt: string;
  readonly filling?: Slot;
}

export interface FileSlotPointerOptions {
  /** The JSON file, usually `DATA_DIR/`{@link SLOT_POINTER_FILE}. Created (with its folder) by `activate`. */
  readonly filename: string;
  /** Milliseconds since the epoch, for `activatedAt`. @default Date.now */
  readonly now?: () => number;
  /**
   * Whether this process follows the pointer (reads it to pick a slot). A follower announces itself before
   * its first read, with a file in `<filename>.followers/` naming its host and pid, so that
   * {@link SlotPointer.followed} can tell whether any follower is alive; the file of a process that has
   * exited is removed by the next such check. A rebuild's own pointer, which only writes, passes `false`.
   * @default true
   */
  readonly follower?: boolean;
}


/** What a follower's announcement file holds. */
interface Announcement {
  readonly host: string;
  readonly pid: number;
}

/**
 * Whether the follower that wrote an announcement may be alive. One on another host (a container with its
 * own pid namespace, say) cannot be checked, so it may be; a pid that this host does not run is dead.
 */
function mayBeAlive(announcement: Partial<Announcement>): boolean {
  if (announcement.host !== hostname() || !Number.isSafeInteger(announcement.pid)) return true;
  try {
    process.kill(announcement.pid!, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A pointer in a small JSON file, for the embedded mode where every process shares one `DATA_DIR`. A switch
 * writes a temporary file next to it, flushes it and renames it over the pointer: a reader sees the old file
 * or the new one, never a partial write, and a crash leaves one of the two.
 */
export function createFileSlotPointer(options: FileSlotPointerOptions): SlotPointer {
  const { filename } = options;
  const now = options.now ?? Date.now;
  const followersDir = `${filename}.followers`;
  let announced = options.follower === false;

  /** Announces this follower, synchronously before its first read: a rebuild that misses it changed the pointer first. */
  function announce(): void {
    if (announced) return;
    announced = true;
    mkdirSync(followersDir, { recursive: true });
    const file = join(followersDir, `${process.pid}-${randomBytes(4).toString('hex')}.json`);
    writeFileSync(file, JSON.stringify({ host: hostname(), pid: process.pid } satisfies Announcement));
  }

  async function readRecord(): Promise<SlotPointerRecord | undefined> {
    announce();
    const value = await readJsonFile(filename);
    return value === undefined ? undefined : slotPointerRecordOf(value, filename);
  }

  async function read(): Promise<SlotPointerState> {
    const record = await readRecord();
    return { active: record?.active ?? DEFAULT_SLOT, filling: record?.filling };
  }

  /** Read, change, rename over: only the rebuild (one at a time, under its lease) writes the pointer. */
  async function write(change: Partial<SlotPointerState>, activatedAt?: string): Promise<void> {
    const record = await readRecord();
    const next: SlotPointerState = { active: record?.active ?? DEFAULT_SLOT, filling: record?.filling, ...change };
    const stamp = activatedAt ?? record?.activatedAt ?? new Date(now()).toISOString();
    const stored: SlotPointerRecord =
      next.filling === undefined
        ? { active: next.active, activatedAt: stamp }
        : { active: next.active, activatedAt: stamp, filling: next.filling };
    await writeJsonFileAtomically(filename, stored);
  }

  return {
    active: async () => (await read()).active,
    read,
    async activate(slot) {
      requireSlot(slot);
      await write({ active: slot }, new Date(now()).toISOString());
    },
    async setFilling(slot) {
      if (slot !== undefined) requireSlot(slot);
      await write({ filling: slot });
    },
    async followed() {
      const names = await readdir(followersDir).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [];
        throw error;
      });
      let alive = false;
      for (const name of names) {
        const file = join(followersDir, name);
        let announcement: Partial<Announcement>;
        try {
          announcement = JSON.parse(await readFile(file, 'utf8')) as Partial<Announcement>;
        } catch {
          // Half written, or removed just now by an exiting follower: take it for alive, to be safe.
          announcement = {};
        }
        if (mayBeAlive(announcement)) alive = true;
        // A dead follower's file is left by a crash: tidy it away.
        else await rm(file, { force: true });
      }
      return alive;
    },
  };
}

/** The record a stored pointer's parsed value holds; throws, naming `where`, for anything else. */
function slotPointerRecordOf(parsed: unknown, where: string): SlotPointerRecord {
  const record = parsed as Partial<SlotPointerRecord> | null | undefined;
  const active = record?.active;
  if (!isSlot(active)) throw new Error(`${where} does not name a read-model slot (blue or green)`);
  const filling = record?.filling;
  if (filling !== undefined && !isSlot(filling)) throw new Error(`${where} names no slot as the one being filled`);
  const activatedAt = typeof record?.activatedAt === 'string' ? record.activatedAt : '';
  return filling === undefined ? { active, activatedAt } : { active, activatedAt, filling };
}

/** Throws `INVALID_ARGUMENT` unless `slot` is a slot; pointers call it before they write. */
export function requireSlot(slot: unknown): asserts slot is Slot {
  if (!isSlot(slot)) {
    throw new ReadModelError('INVALID_ARGUMENT', `${JSON.stringify(slot)} is not a read-model slot (blue or green)`);
  }
}

export interface SlottedReadModelOptions {
  /** The two read models. The slotted model owns them: its `close` closes both. */
  readonly slots: Readonly<Record<Slot, UserReadModel>>;
  readonly pointer: SlotPointer;
  /**
   * How long a pointer read is trusted, in milliseconds: the pointer is read again at most this often, so
   * every process sees a switch, or the start of a fill, within `refreshMs` (plus one pointer read). A rebuild
   * waits longer than this after each pointer change before it relies on it. 0 reads the pointer on every
   * call. @default 1000
   */
  readonly refreshMs?: number;
  /** Milliseconds since the epoch; replace it in tests. @default Date.now */
  readonly now?: () => number;
}

/** A {@link UserReadModel} over blue/green slots, which can also say which slot it uses now. */
export interface SlottedUserReadModel extends UserReadModel {
  /** The slot calls go to now, as last read from the pointer (read again if older than `refreshMs`). */
  activeSlot(): Promise<Slot>;
}

/**
 * The read model that queries and projectors use when read models are rebuilt blue/green: every call goes
 * to the slot the pointer names, and while a rebuild fills the other slot every view write goes to that
 * slot as well.
 *
 * The second write is what keeps a rebuild on a store without global positions (DynamoDB) exact: its scan
 * passes each user once, so an event appended behind it would be missing from the new slot at the switch.
 * The rebuild names the slot it fills, waits until every process has seen that, and only then scans; from
 * then on every event the scan may miss is written into the new slot by the live projector. The fill slot is
 * written first, then the active one: should the first write throw, neither happened and the redelivery
 * writes both, whereas the other way round the redelivery would find the active slot up to date and write
 * nothing. A write the fill slot refuses (the scan has not reached the user yet, or has written a newer
 * version) changes nothing there; its outcome is the active slot's. Checkpoints stay with the active slot.
 *
 * Around a switch, calls of one process may go to either slot for up to `refreshMs`, and two calls of one
 * projection step (a `get`, then a `put` or `putMany`) may go to different slots. That is safe: both slots
 * hold folds of the same events, and every write is conditional on the version it was computed from, so a
 * write computed from the other slot either lands on the same version or loses and is retried. A write in
 * flight across the switch reaches the new slot, since it was sent to both. A checkpoint read from one slot
 * and saved to the other may make a follower repeat or miss events it projected into the old slot; the
 * rebuild's last pass, which starts once every process has seen the switch, covers exactly those.
 */
export function createSlottedReadModel(options: SlottedReadModelOptions): SlottedUserReadModel {
  const { slots, pointer } = options;
  const refreshMs = options.refreshMs ?? 1000;
  const now = options.now ?? Date.now;
  if (!Number.isFinite(refreshMs) || refreshMs < 0) throw new Error('refreshMs must be a number of at least 0');

  let known: { readonly state: SlotPointerState; readonly readAt: number } | undefined;
  let reading: Promise<SlotPointerState> | undefined;

  function state(): Promise<SlotPointerState> {
    if (known !== undefined && now() - known.readAt < refreshMs) return Promise.resolve(known.state);
    // Concurrent calls share one pointer read instead of each sending its own.
    if (reading === undefined) {
      // Timed from the start of the read, so that a slow read never stretches the promised staleness.
      const readAt = now();
      reading = pointer
        .read()
        .then((read) => {
          known = { state: read, readAt };
          return read;
        })
        .finally(() => {
          reading = undefined;
        });
    }
    return reading;
  }

  const current = async (): Promise<UserReadModel> => slots[(await state()).active];
  /** The active slot, and the slot being filled unless that is the active one. */
  const writeTargets = async (): Promise<{ active: UserReadModel; filling: UserReadModel | undefined }> => {
    const { active, filling } = await state();
    return { active: slots[active], filling: filling === undefined || filling === active ? undefined : slots[filling] };
  };

  return {
    activeSlot: async () => (await state()).active,
    get: async (id) => (await current()).get(id),
    getMany: async (ids) => (await current()).getMany(ids),
    findByEmail: async (email) => (await current()).findByEmail(email),
    findByUsername: async (username) => (await current()).findByUsername(username),
    async put(view, expectedVersion) {
      const { active, filling } = await writeTargets();
      await filling?.put(view, expectedVersion);
      return active.put(view, expectedVersion);
    },
    // One slot state for the whole batch, so that a checkpoint always lands next to the views it belongs to.
    async putMany(writes, checkpoint) {
      const { active, filling } = await writeTargets();
      await filling?.putMany(writes);
      return active.putMany(writes, checkpoint);
    },
    getCheckpoint: async (name) => (await current()).getCheckpoint(name),
    setCheckpoint: async (name, cursor) => (await current()).setCheckpoint(name, cursor),
    async close() {
      await slots.blue.close();
      await slots.green.close();
    },
  };
}
