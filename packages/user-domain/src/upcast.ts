import { UserDomainError } from './errors.js';
import { CURRENT_SCHEMA_VERSION, isUserEventType, type UserEvent } from './events.js';

/** An event as it was stored: its `data` is in the schema version it was written with. */
export interface RecordedUserEvent {
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
}

type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

/**
 * For each type, the functions that lift `data` from version n to n + 1 (index n - 1). Every type is at
 * version 1 today; when a schema changes, bump {@link CURRENT_SCHEMA_VERSION} and add its upcaster here.
 */
const UPCASTERS: Readonly<Record<UserEvent['type'], readonly Upcaster[]>> = {
  UserRegistered: [],
  UserEmailConfirmed: [],
  UserProfileUpdated: [],
  UserEmailChanged: [],
  UserPasswordChanged: [],
  PasswordResetRequested: [],
  UserRemoved: [],
  UserErased: [],
};

// A schema version without its upcaster would label old data as new: refuse to load at all.
for (const [type, lifts] of Object.entries(UPCASTERS)) {
  /* c8 ignore next 3 */
  if (lifts.length !== CURRENT_SCHEMA_VERSION[type as UserEvent['type']] - 1) {
    throw new Error(`${type} is at schema version ${CURRENT_SCHEMA_VERSION[type as UserEvent['type']]} but has ${lifts.length} upcasters`);
  }
}

/** Brings a stored event up to the current schema of its type, or throws `UNSUPPORTED_EVENT`. */
export function upcast(recorded: RecordedUserEvent): UserEvent {
  const { type, schemaVersion } = recorded;
  if (!isUserEventType(type)) {
    throw new UserDomainError('UNSUPPORTED_EVENT', `unknown user event type ${type}`);
  }
  const current = CURRENT_SCHEMA_VERSION[type];
  if (!Number.isInteger(schemaVersion) || schemaVersion < 1 || schemaVersion > current) {
    throw new UserDomainError(
      'UNSUPPORTED_EVENT',
      `${type} schema version ${String(schemaVersion)} is not between 1 and ${current}`,
    );
  }
  if (typeof recorded.data !== 'object' || recorded.data === null || Array.isArray(recorded.data)) {
    throw new UserDomainError('UNSUPPORTED_EVENT', `${type} has no data object`);
  }
  let data = recorded.data as Record<string, unknown>;
  // Every type is at version 1, so no upcaster runs yet; the first schema change brings the test for it.
  /* c8 ignore next */
  for (let from = schemaVersion; from < current; from++) data = UPCASTERS[type][from - 1]!(data);
  return { type, schemaVersion: current, data } as unknown as UserEvent;
}
