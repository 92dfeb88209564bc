/**
 * The events of the User aggregate. Each one names its type and the schema version of its `data`,
 * so that a later version can upcast old events instead of rewriting history.
 */

export interface UserRegisteredData {
  email: string;
  username: string;
  passwordHash: string;
  name: string | null;
  surname: string | null;
  registeredAt: string;
}

export interface UserEmailConfirmedData {
  email: string;
  confirmedAt: string;
}

/** Only the fields that really changed; `null` clears `name` or `surname`. */
export interface ProfileChanges {
  username?: string;
  name?: string | null;
  surname?: string | null;
}

export interface UserProfileUpdatedData {
  changes: ProfileChanges;
}

export interface UserEmailChangedData {
  email: string;
  previousEmail: string;
}

export interface UserPasswordChangedData {
  passwordHash: string;
  /** How the password was set: by the user who knew the old one, or through a reset token. */
  method: 'change' | 'reset';
  changedAt: string;
}

export interface PasswordResetRequestedData {
  tokenHash: string;
  expiresAt: string;
  requestedAt: string;
}

export interface UserRemovedData {
  removedAt: string;
  /**
   * Why, when the user did not ask for it: `confirmation-expired` when a registration that was never
   * confirmed in time gave way to a new registration of its address. Absent for a removal on request.
   */
  reason?: 'confirmation-expired';
}

/**
 * The tombstone of an erased user: the last event of its stream. It carries no personal data. Once it is
 * recorded the user's data key is destroyed, so the personal fields of every earlier event of the stream
 * can no longer be read (see docs/privacy.md).
 */
export interface UserErasedData {
  erasedAt: string;
}

interface Event<Type extends string, Data> {
  readonly type: Type;
  readonly schemaVersion: number;
  readonly data: Data;
}

export type UserRegistered = Event<'UserRegistered', UserRegisteredData>;
export type UserEmailConfirmed = Event<'UserEmailConfirmed', UserEmailConfirmedData>;
export type UserProfileUpdated = Event<'UserProfileUpdated', UserProfileUpdatedData>;
export type UserEmailChanged = Event<'UserEmailChanged', UserEmailChangedData>;
export type UserPasswordChanged = Event<'UserPasswordChanged', UserPasswordChangedData>;
export type PasswordResetRequested = Event<'PasswordResetRequested', PasswordResetRequestedData>;
export type UserRemoved = Event<'UserRemoved', UserRemovedData>;
export type UserErased = Event<'UserErased', UserErasedData>;

export type UserEvent =
  | UserRegistered
  | UserEmailConfirmed
  | UserProfileUpdated
  | UserEmailChanged
  | UserPasswordChanged
  | PasswordResetRequested
  | UserRemoved
  | UserErased;

export type UserEventType = UserEvent['type'];

/** The schema version each event type is written with today. */
export const CURRENT_SCHEMA_VERSION: Readonly<Record<UserEventType, number>> = {
  UserRegistered: 1,
  UserEmailConfirmed: 1,
  UserProfileUpdated: 1,
  UserEmailChanged: 1,
  UserPasswordChanged: 1,
  PasswordResetRequested: 1,
  UserRemoved: 1,
  UserErased: 1,
};

export const USER_EVENT_TYPES = Object.keys(CURRENT_SCHEMA_VERSION) as readonly UserEventType[];

export function isUserEventType(type: string): type is UserEventType {
  return Object.hasOwn(CURRENT_SCHEMA_VERSION, type);
}

/**
 * The names of the fields that hold personal data or secrets, wherever they appear in event data (and in
 * states folded from it): what a store keeps encrypted under the user's data key, and what erasure makes
 * unreadable. A new event field holding personal data must be named here.
 */
export const PERSONAL_FIELDS: readonly string[] = [
  'email',
  'previousEmail',
  'username',
  'name',
  'surname',
  'passwordHash',
  'tokenHash',
];

/**
 * What a personal field reads as once its user's data key is destroyed: the data is forgotten, and a reader
 * gets this placeholder instead of an error. It is never a valid email, and no user can choose it as a name.
 */
export const FORGOTTEN = '[erased]';

/** Builds an event at the current schema version of its type. */
export function userEvent<E extends UserEvent>(type: E['type'], data: E['data']): E {
  return { type, schemaVersion: CURRENT_SCHEMA_VERSION[type], data } as E;
}
