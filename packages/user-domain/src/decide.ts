import type {
  ChangeEmail,
  CompletePasswordReset,
  EraseUser,
  RegisterUser,
  UpdateProfile,
  UserCommand,
} from './commands.js';
import { UserDomainError } from './errors.js';
import {
  userEvent,
  type ProfileChanges,
  type UserEmailChanged,
  type UserEvent,
  type UserProfileUpdated,
  type UserRegistered,
} from './events.js';
import { isActive, type ActiveUserState, type UserState } from './state.js';
import { isPersonName } from './text.js';
import { normalizeEmail } from './unique-keys.js';

/**
 * Decides which events a command produces against the current state, or throws a {@link UserDomainError}.
 * An empty array means the command was valid but changes nothing.
 */
export function decide(command: UserCommand, state: UserState): UserEvent[] {
  assertInstant(command.now, 'now');
  if (command.type === 'RegisterUser') return register(command, state);
  if (command.type === 'EraseUser') return erase(command, state);

  const user = requireActive(state);
  switch (command.type) {
    case 'ConfirmEmail':
      if (user.status !== 'registered') {
        throw new UserDomainError('INVALID_STATE', `the email of a ${user.status} user cannot be confirmed`);
      }
      return [userEvent('UserEmailConfirmed', { email: user.email, confirmedAt: command.now })];
    case 'UpdateProfile':
      return updateProfile(command, user);
    case 'ChangeEmail':
      return changeEmail(command, user);
    case 'ChangePassword':
      requireText(command.passwordHash, 'passwordHash');
      return [
        userEvent('UserPasswordChanged', {
          passwordHash: command.passwordHash,
          method: 'change',
          changedAt: command.now,
        }),
      ];
    case 'RequestPasswordReset':
      requireText(command.tokenHash, 'tokenHash');
      assertInstant(command.expiresAt, 'expiresAt');
      if (Date.parse(command.expiresAt) <= Date.parse(command.now)) {
        throw new UserDomainError('INVALID_COMMAND', 'a reset token must expire after it is issued');
      }
      // Anyone may ask for a reset of any address: while a token is still valid, asking again changes
      // nothing, so an anonymous caller can neither grow the stream nor flood the mailbox.
      if (user.pendingReset !== null && Date.parse(user.pendingReset.expiresAt) > Date.parse(command.now)) return [];
      return [
        userEvent('PasswordResetRequested', {
          tokenHash: command.tokenHash,
          expiresAt: command.expiresAt,
          requestedAt: command.now,
        }),
      ];
    case 'CompletePasswordReset':
      return completePasswordReset(command, user);
    case 'RemoveUser':
      return [userEvent('UserRemoved', { removedAt: command.now })];
    case 'ExpireRegistration': {
      const deadline = Date.parse(user.registeredAt) + command.confirmationTtlSeconds * 1000;
      if (user.everConfirmed || Date.parse(command.now) < deadline) {
        throw new UserDomainError('INVALID_STATE', 'only a registration never confirmed in time can expire');
      }
      return [userEvent('UserRemoved', { removedAt: command.now, reason: 'confirmation-expired' })];
    }
    default:
      throw new UserDomainError('INVALID_COMMAND', `unknown command ${(command satisfies never as UserCommand).type}`);
  }
}

function register(command: RegisterUser, state: UserState): UserRegistered[] {
  if (state.status !== 'none') {
    throw new UserDomainError('USER_ALREADY_EXISTS', 'this user already exists');
  }
  requireText(command.email, 'email');
  requireText(command.username, 'username');
  requireText(command.passwordHash, 'passwordHash');
  requireOptionalName(command.name, 'name');
  requireOptionalName(command.surname, 'surname');
  return [
    userEvent('UserRegistered', {
      email: normalizeEmail(command.email),
      username: command.username,
      passwordHash: command.passwordHash,
      name: command.name ?? null,
      surname: command.surname ?? null,
      registeredAt: command.now,
    }),
  ];
}

/**
 * Removes the user if needed, then records the tombstone, in one decision so that both land in one append.
 * Erasing an erased user changes nothing: a retry (after the key's destruction failed, say) is not an error.
 */
function erase(command: EraseUser, state: UserState): UserEvent[] {
  if (state.status === 'none') throw new UserDomainError('USER_NOT_FOUND', 'no such user');
  if (state.status === 'erased') return [];
  const erased = userEvent('UserErased', { erasedAt: command.now });
  return state.status === 'removed' ? [erased] : [userEvent('UserRemoved', { removedAt: command.now }), erased];
}

function updateProfile(command: UpdateProfile, user: ActiveUserState): UserProfileUpdated[] {
  const changes: ProfileChanges = {};
  if (command.username !== undefined) {
    requireText(command.username, 'username');
    if (command.username !== user.username) changes.username = command.username;
  }
  requireOptionalName(command.name, 'name');
  requireOptionalName(command.surname, 'surname');
  if (command.name !== undefined && command.name !== user.name) changes.name = command.name;
  if (command.surname !== undefined && command.surname !== user.surname) {
    changes.surname = command.surname;
  }
  // A command that changes nothing is not an error, and it is not a fact worth recording either.
  if (Object.keys(changes).length === 0) return [];
  return [userEvent('UserProfileUpdated', { changes })];
}

function changeEmail(command: ChangeEmail, user: ActiveUserState): UserEmailChanged[] {
  requireText(command.email, 'email');
  const email = normalizeEmail(command.email);
  if (email === user.email) return [];
  return [userEvent('UserEmailChanged', { email, previousEmail: user.email })];
}

function completePasswordReset(command: CompletePasswordReset, user: ActiveUserState): UserEvent[] {
  requireText(command.passwordHash, 'passwordHash');
  const pending = user.pendingReset;
  if (pending === null || pending.tokenHash !== command.tokenHash) {
    throw new UserDomainError('INVALID_RESET_TOKEN', 'the reset token is not valid for this user');
  }
  if (Date.parse(command.now) >= Date.parse(pending.expiresAt)) {
    throw new UserDomainError('RESET_TOKEN_EXPIRED', 'the reset token has expired');
  }
  return [
    userEvent('UserPasswordChanged', {
      passwordHash: command.passwordHash,
      method: 'reset',
      changedAt: command.now,
    }),
  ];
}

function requireActive(state: UserState): ActiveUserState {
  if (state.status === 'none') throw new UserDomainError('USER_NOT_FOUND', 'no such user');
  if (!isActive(state)) throw new UserDomainError('USER_REMOVED', 'this user has been removed');
  return state;
}

function requireText(value: unknown, field: string): void {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new UserDomainError('INVALID_COMMAND', `${field} must be a non-empty string`);
  }
}

/** A name or surname is absent, `null` (no name), or text a person reads: see {@link isPersonName}. */
function requireOptionalName(value: string | null | undefined, field: string): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'string' || !isPersonName(value)) {
    throw new UserDomainError(
      'INVALID_COMMAND',
      `${field} must be well-formed text, not blank, without control or bidirectional-override characters`,
    );
  }
}

/** Only canonical UTC instants (`toISOString()`): no local times, no guessing by `Date.parse`. */
function assertInstant(value: unknown, field: string): void {
  const canonical =
    typeof value === 'string' && !Number.isNaN(Date.parse(value)) && new Date(value).toISOString() === value;
  if (!canonical) {
    throw new UserDomainError('INVALID_COMMAND', `${field} must be a UTC instant such as 2026-01-31T12:00:00.000Z`);
  }
}
