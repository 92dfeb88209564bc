/**
 * The codes the application answers with. They are strings, like the domain's; the HTTP layer maps each
 * code to a status in one place (`http/error-handler.ts`).
 */
export type ApplicationErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNAUTHORIZED'
  | 'INVALID_CREDENTIALS'
  | 'FORBIDDEN'
  | 'EMAIL_NOT_CONFIRMED'
  | 'USER_NOT_FOUND'
  | 'VERSION_NOT_FOUND'
  | 'EMAIL_TAKEN'
  | 'USERNAME_TAKEN'
  | 'INVALID_STATE'
  | 'INVALID_TOKEN'
  | 'VERSION_CONFLICT'
  | 'WRITE_CONTENTION'
  | 'RATE_LIMITED'
  | 'IDEMPOTENCY_KEY_REUSED';

export class ApplicationError extends Error {
  override readonly name = 'ApplicationError';

  constructor(
    readonly code: ApplicationErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function isApplicationError(error: unknown): error is ApplicationError {
  return error instanceof Error && error.name === 'ApplicationError';
}
