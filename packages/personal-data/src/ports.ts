/**
 * The two ports of crypto-shredding. A {@link KeyStore} keeps each subject's data key, wrapped; a
 * {@link KeyWrapper} wraps and unwraps keys under a key-encryption key (KMS on AWS, a local key embedded).
 * Neither names a table, a file or an SDK type.
 */

/** A subject's key as stored: wrapped and usable, or destroyed for good. */
export type StoredKey =
  | { readonly state: 'active'; readonly wrapped: Uint8Array }
  | { readonly state: 'destroyed' };

/** Where wrapped data keys live. Implementations must pass `keyStoreContract` in `./testing`. */
export interface KeyStore {
  /** The subject's key, read with strong consistency; undefined when none was ever created. */
  get(subject: string): Promise<StoredKey | undefined>;
  /**
   * Keeps `wrapped` as the subject's key unless it already has one (active or destroyed), atomically, and
   * answers the key that holds: of two racing creations exactly one wins, and both get the winner.
   */
  create(subject: string, wrapped: Uint8Array): Promise<StoredKey>;
  /**
   * Destroys the subject's key in one write and leaves a tombstone, so that it is never created again. No
   * copy of the key is left in the store's own files (journals included) once this resolves. Idempotent.
   */
  destroy(subject: string): Promise<void>;
  /** Releases connections and handles. */
  close(): Promise<void>;
}

/** A freshly generated data key: its plaintext for use now, and the wrapped form to store. */
export interface GeneratedKey {
  readonly plaintext: Buffer;
  readonly wrapped: Uint8Array;
}

/**
 * Envelope encryption. The subject is bound to the wrapped key (KMS encryption context, or GCM additional
 * data), so a wrapped key moved to another subject does not unwrap.
 */
export interface KeyWrapper {
  /** A new 256-bit data key for the subject. */
  generate(subject: string): Promise<GeneratedKey>;
  /** The plaintext of a key that {@link KeyWrapper.generate} made for this subject; throws otherwise. */
  unwrap(subject: string, wrapped: Uint8Array): Promise<Buffer>;
}
