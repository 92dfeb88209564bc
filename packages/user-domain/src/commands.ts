/**
 * Commands carry everything the decision needs, including the time (`now`, an ISO-8601 instant) and
 * secrets that were already hashed by the caller. The domain never reads a clock or a random source.
 */

export interface RegisterUser {
  type: 'RegisterUser';
  now: string;
  email: string;
  username: string;
  passwordHash: string;
  name?: string | null;
  surname?: string | null;
}

export interface ConfirmEmail {
  type: 'ConfirmEmail';
  now: string;
}

export interface UpdateProfile {
  type: 'UpdateProfile';
  now: string;
  username?: string;
  /** `null` clears the field; absent leaves it as it is. */
  name?: string | null;
  surname?: string | null;
}

export interface ChangeEmail {
  type: 'ChangeEmail';
  now: string;
  email: string;
}

export interface ChangePassword {
  type: 'ChangePassword';
  now: string;
  passwordHash: string;
}

export interface RequestPasswordReset {
  type: 'RequestPasswordReset';
  now: string;
  tokenHash: string;
  expiresAt: string;
}

export interface CompletePasswordReset {
  type: 'CompletePasswordReset';
  now: string;
  tokenHash: string;
  passwordHash: string;
}

export interface RemoveUser {
  type: 'RemoveUser';
  now: string;
}

/**
 * Removes a registration whose address was never confirmed within `confirmationTtlSeconds` of registering,
 * so that the address (and the username) can be registered by someone who can confirm it.
 */
export interface ExpireRegistration {
  type: 'ExpireRegistration';
  now: string;
  confirmationTtlSeconds: number;
}

/**
 * Erases a user for good: removes them first when that has not happened yet, then records the tombstone.
 * The caller destroys the user's data key once the tombstone is recorded.
 */
export interface EraseUser {
  type: 'EraseUser';
  now: string;
}

export type UserCommand =
  | RegisterUser
  | ConfirmEmail
  | UpdateProfile
  | ChangeEmail
  | ChangePassword
  | RequestPasswordReset
  | CompletePasswordReset
  | RemoveUser
  | ExpireRegistration
  | EraseUser;
