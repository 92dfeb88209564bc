/** Machine-readable codes for every rule the User aggregate can reject a command on. */
export type UserErrorCode =
  | 'USER_NOT_FOUND'
  | 'USER_ALREADY_EXISTS'
  | 'USER_REMOVED'
  | 'INVALID_STATE'
  | 'INVALID_RESET_TOKEN'
  | 'RESET_TOKEN_EXPIRED'
  | 'INVALID_COMMAND'
  | 'UNSUPPORTED_EVENT';

/**
 * A command rejected by a business rule. It carries a string code and never a transport status:
 * the application layer decides what a code means to its callers.
 */
export class UserDomainError extends Error {
  override readonly name = 'UserDomainError';

  constructor(
    readonly code: UserErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Type guard that also works across duplicated module instances (it checks the shape, not the class). */
export function isUserDomainError(error: unknown): error is UserDomainError {
  return (
    error instanceof Error &&
    error.name === 'UserDomainError' &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}
