import type { KeyStore, StoredKey } from './ports.js';

/** A key store in memory, for tests and for an in-memory event store. */
export function createMemoryKeyStore(): KeyStore {
  const keys = new Map<string, StoredKey>();
  return {
    async get(subject) {
      return keys.get(subject);
    },
    async create(subject, wrapped) {
      const held = keys.get(subject);
      if (held !== undefined) return held;
      const key: StoredKey = { state: 'active', wrapped: Uint8Array.from(wrapped) };
      keys.set(subject, key);
      return key;
    },
    async destroy(subject) {
      keys.set(subject, { state: 'destroyed' });
    },
    async close() {},
  };
}
