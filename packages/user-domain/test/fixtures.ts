import {
  userEvent,
  type PasswordResetRequested,
  type ProfileChanges,
  type UserCommand,
  type UserEmailChanged,
  type UserEmailConfirmed,
  type UserEvent,
  type UserPasswordChanged,
  type UserProfileUpdated,
  type UserRegistered,
  type UserRegisteredData,
  type UserErased,
  type UserRemoved,
} from '../src/index.js';

export const REGISTERED_AT = '2024-03-01T09:00:00.000Z';
export const RESET_REQUESTED_AT = '2024-03-01T10:00:00.000Z';
export const RESET_EXPIRES_AT = '2024-03-01T11:00:00.000Z';
/** The time every command in these tests is decided at, unless it says otherwise: inside the reset window. */
export const NOW = '2024-03-01T10:30:00.000Z';

export const ALICE = {
  email: 'alice@example.com',
  username: 'alice',
  passwordHash: 'hash-1',
  name: 'Alice',
  surname: 'Liddell',
} as const;

export const registered = (data: Partial<UserRegisteredData> = {}) =>
  userEvent<UserRegistered>('UserRegistered', { ...ALICE, registeredAt: REGISTERED_AT, ...data });

export const emailConfirmed = (email: string = ALICE.email, confirmedAt = REGISTERED_AT) =>
  userEvent<UserEmailConfirmed>('UserEmailConfirmed', { email, confirmedAt });

export const profileUpdated = (changes: ProfileChanges) =>
  userEvent<UserProfileUpdated>('UserProfileUpdated', { changes });

export const emailChanged = (email: string, previousEmail: string = ALICE.email) =>
  userEvent<UserEmailChanged>('UserEmailChanged', { email, previousEmail });

export const passwordChanged = (passwordHash: string, method: 'change' | 'reset', changedAt = NOW) =>
  userEvent<UserPasswordChanged>('UserPasswordChanged', { passwordHash, method, changedAt });

export const resetRequested = (
  tokenHash = 'token-1',
  expiresAt = RESET_EXPIRES_AT,
  requestedAt = RESET_REQUESTED_AT,
) => userEvent<PasswordResetRequested>('PasswordResetRequested', { tokenHash, expiresAt, requestedAt });

export const removed = (removedAt = NOW) => userEvent<UserRemoved>('UserRemoved', { removedAt });

/** An unconfirmed user with a reset pending: every command except RegisterUser is valid against it. */
export const erased = (erasedAt = NOW) => userEvent<UserErased>('UserErased', { erasedAt });

export const activeHistory: readonly UserEvent[] = [registered(), resetRequested()];

type ByType<U extends { type: string }> = { readonly [K in U['type']]: Extract<U, { type: K }> };

/**
 * One valid command of every type. The mapped type makes a new command type a compile error here, so the
 * rules that iterate over all commands cannot silently miss it.
 */
export const sampleCommands: ByType<UserCommand> = {
  RegisterUser: {
    type: 'RegisterUser',
    now: NOW,
    email: 'bob@example.com',
    username: 'bob',
    passwordHash: 'h',
  },
  ConfirmEmail: { type: 'ConfirmEmail', now: NOW },
  UpdateProfile: { type: 'UpdateProfile', now: NOW, name: 'Alicia' },
  ChangeEmail: { type: 'ChangeEmail', now: NOW, email: 'alice@example.org' },
  ChangePassword: { type: 'ChangePassword', now: NOW, passwordHash: 'hash-2' },
  // Once the active history's pending token has expired: while it is valid, a request changes nothing.
  RequestPasswordReset: {
    type: 'RequestPasswordReset',
    now: RESET_EXPIRES_AT,
    tokenHash: 'token-2',
    expiresAt: '2024-03-01T12:00:00.000Z',
  },
  CompletePasswordReset: {
    type: 'CompletePasswordReset',
    now: NOW,
    tokenHash: 'token-1',
    passwordHash: 'hash-3',
  },
  RemoveUser: { type: 'RemoveUser', now: NOW },
  // The active history registered at 09:00 and never confirmed: by 10:30 an hour's window has passed.
  ExpireRegistration: { type: 'ExpireRegistration', now: NOW, confirmationTtlSeconds: 3600 },
  EraseUser: { type: 'EraseUser', now: NOW },
};

export const allCommands: readonly UserCommand[] = Object.values(sampleCommands);

/** One event of every type, exhaustive for the same reason as {@link sampleCommands}. */
export const sampleEvents: ByType<UserEvent> = {
  UserRegistered: registered(),
  UserEmailConfirmed: emailConfirmed(),
  UserProfileUpdated: profileUpdated({ username: 'alice2' }),
  UserEmailChanged: emailChanged('alice@example.org'),
  UserPasswordChanged: passwordChanged('hash-2', 'change'),
  PasswordResetRequested: resetRequested(),
  UserRemoved: removed(),
  UserErased: erased(),
};

export const allEvents: readonly UserEvent[] = Object.values(sampleEvents);
