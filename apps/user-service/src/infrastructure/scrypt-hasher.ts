import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { PasswordHasher } from '../application/ports.js';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCallback(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );

export interface ScryptParameters {
  /** CPU and memory cost, a power of two. @default 16384 (2^14, OWASP's minimum for scrypt with r = 8) */
  readonly cost?: number;
  /** @default 8 */
  readonly blockSize?: number;
  /** @default 1 */
  readonly parallelization?: number;
}

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

/**
 * scrypt from node:crypto with a random salt per password. The hash records its own parameters
 * (`scrypt$N$r$p$salt$key`), so the cost can be raised later without breaking stored hashes.
 */
export function createScryptHasher(parameters: ScryptParameters = {}): PasswordHasher {
  const N = parameters.cost ?? 16_384;
  const r = parameters.blockSize ?? 8;
  const p = parameters.parallelization ?? 1;
  const maxmem = (n: number, blockSize: number) => 256 * n * blockSize + 1024 * 1024;

  return {
    async hash(password) {
      const salt = randomBytes(SALT_LENGTH);
      const key = await scrypt(password.normalize('NFC'), salt, KEY_LENGTH, { N, r, p, maxmem: maxmem(N, r) });
      return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
    },

    async verify(password, stored) {
      const parts = stored.split('$');
      if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
      const [n, blockSize, parallel] = parts.slice(1, 4).map(Number) as [number, number, number];
      if (![n, blockSize, parallel].every((v) => Number.isSafeInteger(v) && v > 0)) return false;
      const salt = Buffer.from(parts[4] ?? '', 'base64url');
      const expected = Buffer.from(parts[5] ?? '', 'base64url');
      if (expected.length !== KEY_LENGTH) return false;
      const actual = await scrypt(password.normalize('NFC'), salt, KEY_LENGTH, {
        N: n,
        r: blockSize,
        p: parallel,
        maxmem: maxmem(n, blockSize),
      });
      return timingSafeEqual(actual, expected);
    },
  };
}
