import {
  ClaimNotHeldError,
  UniquenessError,
  isClaimNotHeldError,
  isUniquenessError,
  type AppendOptions,
  type EventStore,
  type JsonObject,
  type NewEvent,
  type ReadAllPage,
  type Snapshot,
  type StoredEvent,
} from '@user-service/event-store';
import { FORGOTTEN, PERSONAL_FIELDS } from '@user-service/user-domain';
import type { DataKeys } from './data-keys.js';
import { isPersonalDataError } from './errors.js';
import { blindClaim, hasPersonalText, hasSealed, openDocument, sealDocument, type SealRules } from './seal.js';

/** The subject of the service's own claim key in the key store; stream ids never start with `$`. */
export const CLAIM_KEY_SUBJECT = '$service:claim-hmac';

export interface PersonalDataStoreOptions {
  readonly keys: DataKeys;
  /** Field names whose string values are personal, at any depth. @default the domain's `PERSONAL_FIELDS` */
  readonly personalFields?: readonly string[];
  /** What a forgotten value reads as. @default the domain's `FORGOTTEN` */
  readonly forgotten?: string;
  /**
   * For a store written before encryption: claims held under their plaintext key still count. A lookup that
   * misses its blind key tries the plaintext one, a claim is refused while another stream holds the
   * plaintext key, and a release gives up whichever form the stream holds. Costs one read per claim,
   * release and missed lookup. @default false
   */
  readonly legacyPlaintextClaims?: boolean;
}

/** An event store whose personal data is encrypted at rest, and a way to forget a stream's subject. */
export interface PersonalDataEventStore extends EventStore {
  /** Destroys the stream's data key: its personal fields read as forgotten from then on, on every reader. */
  forget(streamId: string): Promise<void>;
}

/**
 * Decorates an event store with crypto-shredding. On the way in, personal fields of event data and of
 * snapshots are sealed under the stream's data key and claims are replaced by blind keys; on the way out,
 * sealed fields are opened, or read as forgotten once the key is destroyed (never an error). A snapshot
 * with forgotten fields is ignored, so the reader folds the events instead. Values stored in plaintext
 * before this decorator pass through unchanged.
 */
export function createPersonalDataEventStore(inner: EventStore, options: PersonalDataStoreOptions): PersonalDataEventStore {
  const { keys } = options;
  const rules = sealRules(options);
  const legacy = options.legacyPlaintextClaims ?? false;
  let claimKey: Promise<Buffer> | undefined;
  const blind = async (claim: string): Promise<string> => {
    // Malformed keys reach the store as they are, so that it refuses them as it refuses any.
    if (typeof claim !== 'string' || claim === '') return claim;
    // The claim key is never destroyed, so once loaded it is kept for the process's life.
    claimKey ??= keys.forWriting(CLAIM_KEY_SUBJECT).catch((error: unknown) => {
      claimKey = undefined;
      throw error;
    });
    return blindClaim(claim, await claimKey);
  };

  const personal = (event: NewEvent): boolean => typeof event === 'object' && event !== null && hasPersonalText(event.data, rules);

  async function sealEvents(streamId: string, events: readonly NewEvent[]): Promise<readonly NewEvent[]> {
    if (!Array.isArray(events) || !events.some(personal)) return events;
    const key = await keys.forWriting(streamId);
    return events.map((event) =>
      personal(event) ? { ...event, data: sealDocument(event.data, key, streamId, rules) } : event,
    );
  }

  const openEvents = eventOpener(keys, rules);

  async function blindOptions(streamId: string, options: AppendOptions): Promise<AppendOptions> {
    if (typeof options !== 'object' || options === null) return options;
    const { claims, releases } = options;
    if (!Array.isArray(claims) && !Array.isArray(releases)) return options;
    const blinded = { ...options };
    if (Array.isArray(claims)) {
      if (legacy) await refuseLegacyHolders(streamId, claims);
      blinded.claims = await Promise.all(claims.map(blind));
    }
    if (Array.isArray(releases)) {
      blinded.releases = await Promise.all(releases.map((claim) => heldForm(streamId, claim)));
    }
    return blinded;
  }

  /** The form of a claim the stream holds: the blind key, or with legacy claims possibly the plaintext one. */
  async function heldForm(streamId: string, claim: string): Promise<string> {
    const key = await blind(claim);
    if (!legacy || (await inner.lookupClaim(key)) === streamId) return key;
    return (await inner.lookupClaim(claim)) === streamId ? claim : key;
  }

  async function refuseLegacyHolders(streamId: string, claims: readonly string[]): Promise<void> {
    for (const claim of claims) {
      const holder = await inner.lookupClaim(claim);
      if (holder !== undefined && holder !== streamId) {
        throw new UniquenessError(claim);
      }
    }
  }

  return {
    async append(streamId, events, options) {
      const [sealed, blinded] = await Promise.all([sealEvents(streamId, events), blindOptions(streamId, options)]);
      try {
        return await inner.append(streamId, sealed, blinded);
      } catch (error) {
        throw plainKeyError(error, options, blinded, streamId);
      }
    },
    async readStream(streamId, options) {
      return openEvents(await inner.readStream(streamId, options));
    },
    async readAll(options): Promise<ReadAllPage> {
      const page = await inner.readAll(options);
      return { ...page, events: await openEvents(page.events) };
    },
    recallAppend: (key, request) => inner.recallAppend(key, request),
    recordOutcome: (key, record) => inner.recordOutcome(key, record),
    async readSnapshot(streamId, schema): Promise<Snapshot | undefined> {
      const snapshot = await inner.readSnapshot(streamId, schema);
      if (snapshot === undefined || !hasSealed(snapshot.state)) return snapshot;
      const opened = openDocument(snapshot.state, await keys.forReading(streamId), streamId, rules);
      return opened.forgotten ? undefined : { ...snapshot, state: opened.value };
    },
    async writeSnapshot(streamId, snapshot) {
      if (typeof snapshot !== 'object' || snapshot === null || !hasPersonalText(snapshot.state, rules)) {
        return inner.writeSnapshot(streamId, snapshot);
      }
      let key: Buffer;
      try {
        key = await keys.forWriting(streamId);
      } catch (error) {
        // An erased user has no key to write with; a snapshot is derived data, so none is kept.
        if (isPersonalDataError(error) && error.code === 'KEY_DESTROYED') return;
        throw error;
      }
      const state: JsonObject = sealDocument(snapshot.state, key, streamId, rules);
      return inner.writeSnapshot(streamId, { ...snapshot, state });
    },
    async lookupClaim(key) {
      const holder = await inner.lookupClaim(await blind(key));
      return holder !== undefined || !legacy ? holder : inner.lookupClaim(key);
    },
    forget: (streamId) => keys.destroy(streamId),
    async close() {
      await inner.close();
      await keys.close();
    },
  };
}

/**
 * Opens the sealed fields of stored events, fetching each stream's key once per call: what a reader of raw
 * events (the stream relay, reading DynamoDB stream images) needs without a store around it. A forgotten
 * field reads as the placeholder.
 */
export function createEventOpener(
  keys: Pick<DataKeys, 'forReading'>,
  options: Pick<PersonalDataStoreOptions, 'personalFields' | 'forgotten'> | SealRules = {},
): <E extends StoredEvent>(events: readonly E[]) => Promise<E[]> {
  return eventOpener(keys, sealRules(options));
}

function eventOpener(
  keys: Pick<DataKeys, 'forReading'>,
  rules: SealRules,
): <E extends StoredEvent>(events: readonly E[]) => Promise<E[]> {
  return async (events) => {
    const subjects = new Set(events.filter((event) => hasSealed(event.data)).map((event) => event.streamId));
    if (subjects.size === 0) return [...events];
    const found = new Map<string, Buffer | undefined>();
    await Promise.all([...subjects].map(async (subject) => found.set(subject, await keys.forReading(subject))));
    return events.map((event) =>
      hasSealed(event.data)
        ? { ...event, data: openDocument(event.data, found.get(event.streamId), event.streamId, rules).value }
        : event,
    );
  };
}

function sealRules(options: Pick<PersonalDataStoreOptions, 'personalFields' | 'forgotten'> | SealRules): SealRules {
  if ('personalFields' in options && options.personalFields instanceof Set) return options as SealRules;
  const given = options as Pick<PersonalDataStoreOptions, 'personalFields' | 'forgotten'>;
  return { personalFields: new Set(given.personalFields ?? PERSONAL_FIELDS), forgotten: given.forgotten ?? FORGOTTEN };
}

/**
 * A claim error names the blind key the store saw; callers reason about the key they gave (`email:` or
 * `username:`), so the error is made again with that one.
 */
function plainKeyError(error: unknown, given: AppendOptions, blinded: AppendOptions, streamId: string): unknown {
  const plain = (key: string, list: readonly string[] | undefined, from: readonly string[] | undefined) =>
    list?.[from?.indexOf(key) ?? -1];
  if (isUniquenessError(error)) {
    const claim = plain(error.key, given.claims, blinded.claims);
    return claim === undefined ? error : new UniquenessError(claim, { cause: error });
  }
  if (isClaimNotHeldError(error)) {
    const release = plain(error.key, given.releases, blinded.releases);
    return release === undefined ? error : new ClaimNotHeldError(release, streamId, { cause: error });
  }
  return error;
}
