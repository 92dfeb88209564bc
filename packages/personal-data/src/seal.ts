import { createHmac, randomFillSync } from 'node:crypto';
import type { JsonObject, JsonValue } from '@user-service/event-store';
import { PersonalDataError } from './errors.js';
import { IV_BYTES, TAG_BYTES, gcmDecrypt, gcmEncrypt } from './gcm.js';

/**
 * A sealed personal value as stored: `{ "$sealed": "v1.<base64url of iv | ciphertext | tag>" }`. It is an
 * object where the plaintext was a string, so a value written before encryption (a plain string) can never
 * be mistaken for one, and both read correctly.
 */
export const SEALED = '$sealed';
const PREFIX = 'v1.';

/** What reads could make of a document's sealed values. */
export interface Opened<T> {
  readonly value: T;
  /** True when at least one sealed value could not be read because its key is gone. */
  readonly forgotten: boolean;
}

/** Which fields are personal, and what a forgotten one reads as. */
export interface SealRules {
  readonly personalFields: ReadonlySet<string>;
  readonly forgotten: string;
}

/** Whether a document holds a personal string that {@link sealDocument} would encrypt. */
export function hasPersonalText(value: JsonValue, rules: SealRules): boolean {
  if (Array.isArray(value)) return value.some((item) => hasPersonalText(item, rules));
  if (typeof value !== 'object' || value === null) return false;
  for (const [field, inner] of Object.entries(value)) {
    if (rules.personalFields.has(field) && typeof inner === 'string') return true;
    if (hasPersonalText(inner, rules)) return true;
  }
  return false;
}

/** Whether a document holds a sealed value, so that reading it needs the key. */
export function hasSealed(value: JsonValue): boolean {
  if (Array.isArray(value)) return value.some(hasSealed);
  if (typeof value !== 'object' || value === null) return false;
  if (isSealed(value)) return true;
  return Object.values(value).some(hasSealed);
}

/**
 * Encrypts every string under a personal field name, at any depth, with AES-256-GCM: one operation per
 * field, a fresh IV each, the subject and the field name as additional data (a value moved to another
 * field or user does not decrypt). `null` stays `null`: that a user has no name is no personal data.
 */
export function sealDocument<T extends JsonValue>(
  value: T,
  key: Buffer,
  subject: string,
  rules: SealRules,
): T {
  return walk(value, (field, text) => {
    if (!rules.personalFields.has(field) || typeof text !== 'string') return undefined;
    const sealed = PREFIX + gcmEncrypt(key, freshIv(), text, additionalData(subject, field)).toString('base64url');
    return { [SEALED]: sealed };
  }) as T;
}

/**
 * Random IVs, drawn from a pool filled 256 at a time: one call into the random generator (and one buffer)
 * per 256 sealed values instead of one each. Each IV is copied out (into the cipher and the sealed text)
 * before the pool is filled again, and no part of the pool is handed out twice.
 */
const ivPool = Buffer.allocUnsafe(IV_BYTES * 256);
let ivOffset = ivPool.length;

function freshIv(): Buffer {
  if (ivOffset === ivPool.length) {
    randomFillSync(ivPool);
    ivOffset = 0;
  }
  ivOffset += IV_BYTES;
  return ivPool.subarray(ivOffset - IV_BYTES, ivOffset);
}

/**
 * Decrypts every sealed value. Without a key (destroyed, or never made) each reads as `rules.forgotten`;
 * with a key that does not open it, the data is corrupt and this throws `UNREADABLE`.
 */
export function openDocument<T extends JsonValue>(
  value: T,
  key: Buffer | undefined,
  subject: string,
  rules: SealRules,
): Opened<T> {
  let forgotten = false;
  const opened = walk(value, (field, sealed) => {
    if (typeof sealed !== 'object' || sealed === null || Array.isArray(sealed) || !isSealed(sealed)) return undefined;
    if (key === undefined) {
      forgotten = true;
      return rules.forgotten;
    }
    return openValue(sealed[SEALED] as string, key, subject, field);
  }) as T;
  return { value: opened, forgotten };
}

function openValue(text: string, key: Buffer, subject: string, field: string): string {
  try {
    if (!text.startsWith(PREFIX)) throw new Error(`unknown format ${text.slice(0, 3)}`);
    const bytes = Buffer.from(text.slice(PREFIX.length), 'base64url');
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error('too short');
    return gcmDecrypt(key, bytes, additionalData(subject, field)).toString('utf8');
  } catch (cause) {
    // The message names the place, never a value.
    throw new PersonalDataError('UNREADABLE', `the sealed ${field} of ${subject} does not decrypt`, { cause });
  }
}

/**
 * Copies `value`, replacing each field for which `replace` answers a value; the others are walked into.
 * Objects without a replaced field are still copied: callers own what they get.
 */
function walk(value: JsonValue, replace: (field: string, inner: JsonValue) => JsonValue | undefined): JsonValue {
  if (Array.isArray(value)) return value.map((item) => walk(item, replace));
  if (typeof value !== 'object' || value === null) return value;
  const out: JsonObject = {};
  for (const [field, inner] of Object.entries(value)) {
    out[field] = replace(field, inner) ?? walk(inner, replace);
  }
  return out;
}

function isSealed(value: { [key: string]: JsonValue }): boolean {
  return typeof value[SEALED] === 'string' && Object.keys(value).length === 1;
}

function additionalData(subject: string, field: string): Buffer {
  return Buffer.from(`${subject}\u0000${field}`, 'utf8');
}

/**
 * A unique key (`email:a@b.c`) as the store keeps it: its kind, then an HMAC-SHA-256 of the whole key under
 * the service's claim key, so no email or username sits in a key, and one value always maps to one key.
 */
export function blindClaim(claim: string, claimKey: Buffer): string {
  const colon = claim.indexOf(':');
  const kind = colon > 0 ? claim.slice(0, colon) : 'key';
  return `${kind}#${createHmac('sha256', claimKey).update(claim, 'utf8').digest('base64url')}`;
}
