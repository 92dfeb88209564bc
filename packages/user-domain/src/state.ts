import { UserDomainError } from './errors.js';
import type { UserEvent } from './events.js';

export interface PendingPasswordReset {
  readonly tokenHash: string;
  readonly expiresAt: string;
}

/** What an existing, not removed, user is made of. */
export interface UserProfile {
  readonly email: string;
  readonly username: string;
  readonly name: string | null;
  readonly surname: string | null;
  readonly passwordHash: string;
  readonly registeredAt: string;
  /** Whether an address of this user was ever confirmed: a registration that never was can expire. */
  readonly everConfirmed: boolean;
  /** When the current password was set; credentials issued before it are stale. */
  readonly passwordChangedAt: string;
  readonly pendingReset: PendingPasswordReset | null;
}

export type UserState =
  | { readonly status: 'none' }
  | ({ readonly status: 'registered' | 'confirmed' } & UserProfile)
  | { readonly status: 'removed'; readonly removedAt: string }
  | { readonly status: 'erased'; readonly removedAt: string; readonly erasedAt: string };

export type ActiveUserState = Extract<UserState, { status: 'registered' | 'confirmed' }>;

/**
 * The version of the shape of {@link UserState} and of what {@link evolve} makes of each event. Bump it with
 * any change to either: states folded and kept (snapshots, caches) under another version are then ignored
 * and folded again from the events.
 */
export const USER_STATE_SCHEMA_VERSION = 4;

export const initialState: UserState = Object.freeze({ status: 'none' });

export function isActive(state: UserState): state is ActiveUserState {
  return state.status === 'registered' || state.status === 'confirmed';
}

/**
 * Applies one event to the state. Events are facts, so this never re-checks business rules; it only refuses
 * an event that cannot follow the state at all, which means the stream itself is corrupt.
 */
export function evolve(state: UserState, event: UserEvent): UserState {
  if (event.type === 'UserRegistered') {
    if (state.status !== 'none') throw impossible(state, event);
    const { email, username, name, surname, passwordHash, registeredAt } = event.data;
    return {
      status: 'registered',
      email,
      username,
      name,
      surname,
      passwordHash,
      registeredAt,
      everConfirmed: false,
      passwordChangedAt: registeredAt,
      pendingReset: null,
    };
  }
  if (event.type === 'UserErased') {
    if (state.status !== 'removed') throw impossible(state, event);
    return { status: 'erased', removedAt: state.removedAt, erasedAt: event.data.erasedAt };
  }
  if (!isActive(state)) throw impossible(state, event);

  switch (event.type) {
    case 'UserEmailConfirmed':
      return { ...state, status: 'confirmed', everConfirmed: true };
    case 'UserProfileUpdated': {
      const { changes } = event.data;
      return {
        ...state,
        username: changes.username ?? state.username,
        name: changes.name === undefined ? state.name : changes.name,
        surname: changes.surname === undefined ? state.surname : changes.surname,
      };
    }
    case 'UserEmailChanged':
      // A reset token went to the old address: after the move, its holder must not get the account.
      return { ...state, email: event.data.email, status: 'registered', pendingReset: null };
    case 'UserPasswordChanged':
      // Any new password invalidates an outstanding reset token: a reset link is single use.
      return {
        ...state,
        passwordHash: event.data.passwordHash,
        passwordChangedAt: event.data.changedAt,
        pendingReset: null,
      };
    case 'PasswordResetRequested':
      return {
        ...state,
        pendingReset: { tokenHash: event.data.tokenHash, expiresAt: event.data.expiresAt },
      };
    case 'UserRemoved':
      return { status: 'removed', removedAt: event.data.removedAt };
    default:
      throw new UserDomainError('UNSUPPORTED_EVENT', `unknown event ${(event satisfies never as UserEvent).type}`);
  }
}

/** Folds a whole history into a state. */
export function fold(events: Iterable<UserEvent>, state: UserState = initialState): UserState {
  let current = state;
  for (const event of events) current = evolve(current, event);
  return current;
}

function impossible(state: UserState, event: UserEvent): UserDomainError {
  return new UserDomainError(
    'INVALID_STATE',
    `${event.type} cannot follow a user whose status is ${state.status}`,
  );
}
