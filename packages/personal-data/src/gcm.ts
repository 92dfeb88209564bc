import { createCipheriv, createDecipheriv } from 'node:crypto';

/** The sizes of AES-256-GCM as this package uses it: a 96-bit IV and a 128-bit tag. */
export const IV_BYTES = 12;
export const TAG_BYTES = 16;

/** Encrypts `plaintext` under `key` with AES-256-GCM, bound to `aad`: `iv | ciphertext | tag`. */
export function gcmEncrypt(key: Buffer, iv: Buffer, plaintext: Buffer | string, aad: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
  const body = typeof plaintext === 'string' ? cipher.update(plaintext, 'utf8') : cipher.update(plaintext);
  return Buffer.concat([iv, body, cipher.final(), cipher.getAuthTag()]);
}

/**
 * Opens what {@link gcmEncrypt} made. It throws where the key, the additional data or any byte is not what
 * was sealed; callers turn that into their own error, which names no value.
 */
export function gcmDecrypt(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES)).setAAD(aad);
  decipher.setAuthTag(sealed.subarray(-TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, -TAG_BYTES)), decipher.final()]);
}
