export type { GeneratedKey, KeyStore, KeyWrapper, StoredKey } from './ports.js';
export { PersonalDataError, isPersonalDataError, type PersonalDataErrorCode } from './errors.js';
export { createDataKeys, type DataKeys, type DataKeysOptions } from './data-keys.js';
export {
  LOCAL_KEY_ENCRYPTION_KEY_FILE,
  createLocalKeyWrapper,
  deriveKeyEncryptionKey,
  openLocalKeyWrapper,
} from './local-wrapper.js';
export { createMemoryKeyStore } from './memory.js';
export { SEALED, blindClaim } from './seal.js';
export {
  CLAIM_KEY_SUBJECT,
  createEventOpener,
  createPersonalDataEventStore,
  type PersonalDataEventStore,
  type PersonalDataStoreOptions,
} from './event-store.js';
