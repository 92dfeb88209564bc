export type * from './commands.js';
export { decide } from './decide.js';
export { UserDomainError, isUserDomainError, type UserErrorCode } from './errors.js';
export {
  CURRENT_SCHEMA_VERSION,
  FORGOTTEN,
  PERSONAL_FIELDS,
  USER_EVENT_TYPES,
  isUserEventType,
  userEvent,
  type PasswordResetRequested,
  type PasswordResetRequestedData,
  type ProfileChanges,
  type UserEmailChanged,
  type UserEmailChangedData,
  type UserEmailConfirmed,
  type UserEmailConfirmedData,
  type UserEvent,
  type UserEventType,
  type UserPasswordChanged,
  type UserPasswordChangedData,
  type UserProfileUpdated,
  type UserProfileUpdatedData,
  type UserRegistered,
  type UserRegisteredData,
  type UserErased,
  type UserErasedData,
  type UserRemoved,
  type UserRemovedData,
} from './events.js';
export {
  USER_STATE_SCHEMA_VERSION,
  evolve,
  fold,
  initialState,
  isActive,
  type ActiveUserState,
  type PendingPasswordReset,
  type UserProfile,
  type UserState,
} from './state.js';
export {
  emailKey,
  normalizeEmail,
  uniqueKeyChanges,
  uniqueKeysOf,
  usernameKey,
  type UniqueKeyChanges,
} from './unique-keys.js';
export { PASSWORD_PATTERN, PERSON_NAME_PATTERN, isPersonName } from './text.js';
export { upcast, type RecordedUserEvent } from './upcast.js';
export { publicEventData } from './public-data.js';
