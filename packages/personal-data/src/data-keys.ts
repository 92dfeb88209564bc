import { LRUCache } from 'lru-cache';
import { PersonalDataError } from './errors.js';
import type { KeyStore, KeyWrapper } from './ports.js';

export interface DataKeysOptions {
  readonly store: KeyStore;
  readonly wrapper: KeyWrapper;
  /** How many subjects' unwrapped keys one process keeps (32 bytes and a little more each). @default 10000 */
  readonly cacheEntries?: number;
  /**
   * How long an unwrapped key is used before it is read again. It bounds how long another process, which
   * cached the key before an erasure, can still decrypt the erased user's data. @default 300000 (5 minutes)
   */
  readonly cacheTtlMs?: number;
}

/** A key as one process caches it: the plaintext, or the fact that it was destroyed (which never changes). */
type Cached = Buffer | 'destroyed';

/**
 * The data keys of subjects, created on first write, cached in a bounded LRU so that a warm request does
 * no key I/O at all, and destroyed on erasure.
 */
export interface DataKeys {
  /** The subject's key to encrypt with, created (and stored wrapped) if it has none; `KEY_DESTROYED` if erased. */
  forWriting(subject: string): Promise<Buffer>;
  /** The subject's key to decrypt with, or undefined when it was destroyed or never existed: the data is forgotten. */
  forReading(subject: string): Promise<Buffer | undefined>;
  /** Destroys the subject's key for good: everything encrypted under it is forgotten. Idempotent. */
  destroy(subject: string): Promise<void>;
  close(): Promise<void>;
}

export function createDataKeys(options: DataKeysOptions): DataKeys {
  const { store, wrapper } = options;
  const ttl = options.cacheTtlMs ?? 300_000;
  const cache = new LRUCache<string, Cached>({ max: Math.max(1, options.cacheEntries ?? 10_000), ttl });
  // Concurrent first uses of one subject share one read (and at most one creation).
  const loading = new Map<string, Promise<Cached | undefined>>();

  async function load(subject: string, create: boolean): Promise<Cached | undefined> {
    const value = await read(subject, create);
    if (value === undefined) return undefined;
    // A destroyed key never comes back, so that answer is kept without expiry.
    cache.set(subject, value, value === 'destroyed' ? { ttl: 0 } : {});
    return value;
  }

  async function read(subject: string, create: boolean): Promise<Cached | undefined> {
    let stored = await store.get(subject);
    if (stored === undefined && create) {
      const made = await wrapper.generate(subject);
      stored = await store.create(subject, made.wrapped);
      // The key just made needs no unwrapping; one that another process stored first does, like any other.
      if (stored.state === 'active' && Buffer.from(stored.wrapped).equals(Buffer.from(made.wrapped))) return made.plaintext;
    }
    if (stored === undefined) return undefined;
    return stored.state === 'destroyed' ? 'destroyed' : wrapper.unwrap(subject, stored.wrapped);
  }

  function cached(subject: string, create: boolean): Promise<Cached | undefined> {
    const hit = cache.get(subject);
    if (hit !== undefined) return Promise.resolve(hit);
    const inFlight = loading.get(subject);
    // A read-only load may answer "none" where a writer needs a key: only share what fits.
    if (inFlight !== undefined && !create) return inFlight;
    const next = (inFlight ?? Promise.resolve(undefined))
      .catch(() => undefined)
      .then((value) => value ?? load(subject, create))
      .finally(() => {
        if (loading.get(subject) === next) loading.delete(subject);
      });
    loading.set(subject, next);
    return next;
  }

  return {
    async forWriting(subject) {
      const key = await cached(subject, true);
      if (key === 'destroyed' || key === undefined) {
        throw new PersonalDataError('KEY_DESTROYED', `the data key of ${subject} was destroyed`);
      }
      return key;
    },
    async forReading(subject) {
      const key = await cached(subject, false);
      return key === 'destroyed' ? undefined : key;
    },
    async destroy(subject) {
      await store.destroy(subject);
      cache.set(subject, 'destroyed', { ttl: 0 });
    },
    close: () => store.close(),
  };
}
