/** Why the read side refused a call or an event. */
export type ReadModelErrorCode =
  /** The call itself is malformed (a programming error); nothing was written. */
  | 'INVALID_ARGUMENT'
  /** The event does not follow the view's version: it must not be applied to this view. */
  | 'OUT_OF_ORDER'
  /** The event cannot be projected: unknown type or schema, malformed data, or impossible after the view. */
  | 'INVALID_EVENT'
  /** The event store does not (yet) hold the versions needed to fill a gap. */
  | 'MISSING_EVENTS'
  /** Other writers kept winning the conditional write; the delivery should be retried later. */
  | 'WRITE_CONTENDED'
  /** A catch-up page had events that could not be projected, so its checkpoint was not saved. */
  | 'CATCH_UP_FAILED';

export class ReadModelError extends Error {
  override readonly name = 'ReadModelError';

  constructor(
    readonly code: ReadModelErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Checks the shape, not the class, so it holds across duplicated module instances. */
export function isReadModelError(error: unknown): error is ReadModelError {
  return (
    error instanceof Error &&
    error.name === 'ReadModelError' &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}
