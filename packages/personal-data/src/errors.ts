/** Machine-readable codes of the failures of crypto-shredding. */
export type PersonalDataErrorCode =
  /** A write needs the key of a subject whose key was destroyed: an erased user gets no new personal data. */
  | 'KEY_DESTROYED'
  /** A sealed value does not decrypt under its subject's existing key: the data or the key is corrupt. */
  | 'UNREADABLE'
  /** The store could not finish removing every copy of a key (a reader held its log); retrying finishes it. */
  | 'STORE_BUSY'
  /** This process was given no way to unwrap keys (no KMS key, no local key). */
  | 'NO_KEY_ACCESS'
  | 'INVALID_ARGUMENT';

export class PersonalDataError extends Error {
  override readonly name = 'PersonalDataError';

  constructor(
    readonly code: PersonalDataErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Type guard that checks the shape, so it also works across duplicated module instances. */
export function isPersonalDataError(error: unknown): error is PersonalDataError {
  return error instanceof Error && error.name === 'PersonalDataError' && typeof (error as { code?: unknown }).code === 'string';
}
