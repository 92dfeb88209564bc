import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PersonalDataError } from './errors.js';
import { IV_BYTES, TAG_BYTES, gcmDecrypt, gcmEncrypt } from './gcm.js';
import type { GeneratedKey, KeyWrapper } from './ports.js';

const FORMAT = 1;
const KEY_BYTES = 32;

/**
 * Wraps data keys with AES-256-GCM under a local key-encryption key, the subject as additional data. It
 * stands in for KMS where there is none: embedded, and in tests.
 */
export function createLocalKeyWrapper(keyEncryptionKey: Uint8Array): KeyWrapper {
  if (keyEncryptionKey.length !== KEY_BYTES) {
    throw new PersonalDataError('INVALID_ARGUMENT', 'the key-encryption key must be 32 bytes');
  }
  const kek = Buffer.from(keyEncryptionKey);
  return {
    async generate(subject: string): Promise<GeneratedKey> {
      const plaintext = randomBytes(KEY_BYTES);
      const sealed = gcmEncrypt(kek, randomBytes(IV_BYTES), plaintext, Buffer.from(subject));
      return { plaintext, wrapped: Buffer.concat([Buffer.of(FORMAT), sealed]) };
    },
    async unwrap(subject: string, wrapped: Uint8Array): Promise<Buffer> {
      const bytes = Buffer.from(wrapped);
      if (bytes.length !== 1 + IV_BYTES + KEY_BYTES + TAG_BYTES || bytes[0] !== FORMAT) {
        throw new PersonalDataError('UNREADABLE', `the wrapped key of ${subject} is malformed`);
      }
      try {
        return gcmDecrypt(kek, bytes.subarray(1), Buffer.from(subject));
      } catch (cause) {
        throw new PersonalDataError('UNREADABLE', `the wrapped key of ${subject} does not unwrap`, { cause });
      }
    },
  };
}

/** The file in the data directory that holds the local key-encryption key. */
export const LOCAL_KEY_ENCRYPTION_KEY_FILE = 'key-encryption-key';

/**
 * A local key wrapper whose key-encryption key lives in `dataDir` (generated on first use, mode 0600): the
 * embedded default, and DynamoDB Local where there is no KMS.
 */
export function openLocalKeyWrapper(dataDir: string): KeyWrapper {
  mkdirSync(dataDir, { recursive: true });
  return createLocalKeyWrapper(loadOrCreateKey(join(dataDir, LOCAL_KEY_ENCRYPTION_KEY_FILE)));
}

/** Created exclusively, so two processes starting at once agree on one key. */
function loadOrCreateKey(file: string): Buffer {
  try {
    writeFileSync(file, randomBytes(KEY_BYTES).toString('base64url'), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    if ((statSync(file).mode & 0o077) !== 0) throw new Error(`${file} must be readable by its owner only (chmod 600)`);
  }
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
  if (key.length !== KEY_BYTES) throw new Error(`${file} must hold a 32-byte key`);
  return key;
}

/**
 * The local key-encryption key of a deployment without KMS (DynamoDB Local), derived from a secret every
 * process of it shares (the service's JWT secret), so that all of them unwrap the same keys.
 */
export function deriveKeyEncryptionKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('data-key-wrapping').digest();
}
