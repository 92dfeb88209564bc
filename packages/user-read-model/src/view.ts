import { isInstant, type StoredEvent } from '@user-service/event-store';
import { FORGOTTEN, upcast, type UserEvent } from '@user-service/user-domain';
import { ReadModelError } from './errors.js';

export type UserViewStatus = 'registered' | 'confirmed' | 'removed';

/** Every status a view can have, for adapters that check what they store. */
export const USER_VIEW_STATUSES: readonly UserViewStatus[] = ['registered', 'confirmed', 'removed'];

/**
 * What queries see of a user. It holds no secret: no password hash and no reset-token hash ever reach the
 * read side. A removed user stays as a tombstone with status `removed`, so that the version gate still
 * refuses its older events; queries must hide it. An erased user's tombstone keeps no personal data: its
 * email and username read {@link FORGOTTEN}, its name and surname `null`.
 */
export interface UserView {
  /** The user's stream id. */
  readonly id: string;
  /** Normalized (trimmed, lowercase) by the domain. */
  readonly email: string;
  /** As the user typed it; unique case-insensitively. */
  readonly username: string;
  readonly name: string | null;
  readonly surname: string | null;
  readonly status: UserViewStatus;
  /** The version of the last event applied: the stream's version, once the projection has caught up. */
  readonly version: number;
  /** When the registration happened (its event's `occurredAt`). */
  readonly createdAt: string;
  /** When the last applied event happened. */
  readonly updatedAt: string;
}

/**
 * The part of a stored event the projection needs. A {@link StoredEvent} is one, and so is an event that
 * arrived through a queue with only its public data.
 */
export type ProjectableEvent = Pick<StoredEvent, 'streamId' | 'version' | 'type' | 'schemaVersion' | 'data'> & {
  readonly metadata: { readonly occurredAt: string };
};

/**
 * Applies one event to a view (`undefined` before registration) and returns the next view. Pure. It throws
 * a {@link ReadModelError}: `OUT_OF_ORDER` unless the event's version is exactly the view's version plus
 * one, and `INVALID_EVENT` for an event it cannot project. The returned view is never `undefined`; the
 * wider parameter type lets a caller fold from nothing.
 */
export function applyToView(view: UserView | undefined, event: ProjectableEvent): UserView {
  const current = view?.version ?? 0;
  if (event.version !== current + 1) {
    throw new ReadModelError(
      'OUT_OF_ORDER',
      `event version ${String(event.version)} of stream ${event.streamId} does not follow version ${current}`,
    );
  }
  if (view !== undefined && view.id !== event.streamId) {
    throw new ReadModelError(
      'INVALID_ARGUMENT',
      `an event of stream ${event.streamId} cannot apply to view ${view.id}`,
    );
  }
  const occurredAt = instantOf(event);
  const domainEvent = toDomainEvent(event);
  const { type } = domainEvent;

  if (domainEvent.type === 'UserRegistered') {
    if (view !== undefined) throw invalid(`${type} cannot follow version ${current}`);
    const data = domainEvent.data;
    // Built field by field, never spread from `data`: that is what keeps `passwordHash` out of the view.
    return {
      id: event.streamId,
      email: requireText(data.email, type, 'email'),
      username: requireText(data.username, type, 'username'),
      name: nullableText(data.name, type, 'name'),
      surname: nullableText(data.surname, type, 'surname'),
      status: 'registered',
      version: event.version,
      createdAt: occurredAt,
      updatedAt: occurredAt,
    };
  }
  if (view === undefined) throw invalid(`${type} cannot be the first event of a stream`);
  if (domainEvent.type === 'UserErased') {
    if (view.status !== 'removed') throw invalid(`${type} must follow the removal of a user`);
    return erasedView(view, event.version, occurredAt);
  }
  if (view.status === 'removed') throw invalid(`${type} cannot follow the removal of a user`);

  // The next view is built once, field by field, never spread from the event or the view: no object either
  // happens to carry reaches storage.
  let { email, username, name, surname } = view;
  let status: UserViewStatus = view.status;
  switch (domainEvent.type) {
    case 'UserEmailConfirmed':
      status = 'confirmed';
      break;
    case 'UserProfileUpdated': {
      const changes: unknown = domainEvent.data.changes;
      if (typeof changes !== 'object' || changes === null) throw invalid(`${type} has no changes object`);
      const changed = changes as Record<string, unknown>;
      if (changed['username'] !== undefined) username = requireText(changed['username'], type, 'changes.username');
      if (changed['name'] !== undefined) name = nullableText(changed['name'], type, 'changes.name');
      if (changed['surname'] !== undefined) surname = nullableText(changed['surname'], type, 'changes.surname');
      break;
    }
    case 'UserEmailChanged':
      // As in the domain: a new address is unconfirmed until it is confirmed in turn.
      email = requireText(domainEvent.data.email, type, 'email');
      status = 'registered';
      break;
    case 'UserPasswordChanged':
    case 'PasswordResetRequested':
      // Only secrets and times change; the view merely records that the user changed.
      break;
    case 'UserRemoved':
      status = 'removed';
      break;
    /* c8 ignore next 2 */
    default:
      throw invalid(`${(domainEvent satisfies never as UserEvent).type} cannot be projected`);
  }
  return {
    id: view.id,
    email,
    username,
    name,
    surname,
    status,
    version: event.version,
    createdAt: view.createdAt,
    updatedAt: occurredAt,
  };
}

/**
 * The tombstone of an erased user: its id, version and times, and none of its personal data. It stays, not
 * deleted, so that the version gate still refuses older events delivered again (whose public data would
 * otherwise bring the user back).
 */
function erasedView(view: UserView, version: number, updatedAt: string): UserView {
  const { id, createdAt } = view;
  return { id, email: FORGOTTEN, username: FORGOTTEN, name: null, surname: null, status: 'removed', version, createdAt, updatedAt };
}

/** Copies exactly the view's fields, so nothing else an object happens to carry can reach storage. */
export function viewOf(source: UserView): UserView {
  const { id, email, username, name, surname, status, version, createdAt, updatedAt } = source;
  return { id, email, username, name, surname, status, version, createdAt, updatedAt };
}

function toDomainEvent(event: ProjectableEvent): UserEvent {
  try {
    return upcast(event);
  } catch (error) {
    throw new ReadModelError('INVALID_EVENT', `cannot upcast ${event.type}`, { cause: error });
  }
}

function instantOf(event: ProjectableEvent): string {
  const occurredAt: unknown = event.metadata?.occurredAt;
  if (typeof occurredAt !== 'string' || !isInstant(occurredAt)) {
    throw invalid(`${event.type} has no metadata.occurredAt instant`);
  }
  return occurredAt;
}

// The messages name the field, never its value: they end up in logs, and values are user data.
function requireText(value: unknown, type: string, field: string): string {
  if (typeof value !== 'string' || value === '') {
    throw invalid(`${type} data.${field} must be a non-empty string`);
  }
  return value;
}

function nullableText(value: unknown, type: string, field: string): string | null {
  if (value !== null && typeof value !== 'string') {
    throw invalid(`${type} data.${field} must be a string or null`);
  }
  return value;
}

function invalid(message: string): ReadModelError {
  return new ReadModelError('INVALID_EVENT', message);
}
