import { isInstant, type StoredEvent } from '@user-service/event-store';
import { CURRENT_SCHEMA_VERSION, isUserEventType, publicEventData, upcast } from '@user-service/user-domain';

/** Where the events come from, as the CloudEvents `source` attribute. */
export const DEFAULT_SOURCE = 'urn:user-service:users';

/**
 * A user event as other services receive it: a CloudEvents 1.0 JSON document (structured mode) whose `data`
 * holds only what other services may see. The attribute and extension names are those of the spec: lower
 * case letters and digits only.
 */
export interface UserCloudEvent {
  readonly specversion: '1.0';
  /** The event id: consumers drop duplicates by it. */
  readonly id: string;
  readonly source: string;
  /** The event type, e.g. `UserRegistered`. */
  readonly type: string;
  /** The user id. */
  readonly subject: string;
  /** When the command that caused the event was decided (ISO-8601). */
  readonly time: string;
  readonly datacontenttype: 'application/json';
  /** `urn:user-service:events:<type>:v<schema version>`. */
  readonly dataschema: string;
  /** The event's version in its user's stream: 1, 2, 3… without gaps. */
  readonly streamversion: number;
  readonly correlationid: string;
  readonly causationid: string;
  /** Present and true when the message was re-published from history by `pnpm replay` or `pnpm republish`. */
  readonly replayed?: boolean;
  readonly data: Record<string, unknown>;
}

/** An event read back from a message, in the shape a projector applies. */
export interface ReceivedUserEvent {
  readonly eventId: string;
  readonly streamId: string;
  readonly version: number;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: Record<string, unknown>;
  readonly metadata: { readonly occurredAt: string; readonly correlationId: string; readonly causationId: string };
  readonly replayed: boolean;
}

export class InvalidMessageError extends Error {
  override readonly name = 'InvalidMessageError';
  readonly code = 'INVALID_MESSAGE';
}

const DATA_SCHEMA = /^urn:user-service:events:([A-Za-z]+):v(\d{1,6})$/;

export function dataSchemaOf(type: string, schemaVersion: number): string {
  return `urn:user-service:events:${type}:v${schemaVersion}`;
}

/**
 * The integration event for a stored event. The data is upcast to the current schema first and stripped of
 * every secret (password and reset-token hashes), so a message can never carry one.
 *
 * An event newer than this code (a type it does not know, or a schema version past its current one, as a
 * service deployed ahead of the relay writes) is published as stored, in its own schema version: the
 * publisher never needs to understand it, and consumers upcast. Its data still loses every field whose name
 * marks a secret ({@link withoutSecretFields}), since which fields are secret is exactly what this code
 * cannot know. Throws when the event is malformed: a schema version that is not a positive integer, or data
 * that is not an object.
 */
export function toCloudEvent(
  event: StoredEvent,
  options: { readonly source?: string; readonly replayed?: boolean } = {},
): UserCloudEvent {
  const known = isNewerThanThisCode(event) ? undefined : upcast(event);
  return {
    specversion: '1.0',
    id: event.eventId,
    source: options.source ?? DEFAULT_SOURCE,
    type: known?.type ?? event.type,
    subject: event.streamId,
    time: event.metadata.occurredAt,
    datacontenttype: 'application/json',
    dataschema: dataSchemaOf(known?.type ?? event.type, known?.schemaVersion ?? event.schemaVersion),
    streamversion: event.version,
    correlationid: event.metadata.correlationId,
    causationid: event.metadata.causationId,
    ...(options.replayed ? { replayed: true } : {}),
    data: known === undefined ? withoutSecretFields(event.data) : publicEventData(known),
  };
}

function isNewerThanThisCode({ type, schemaVersion }: StoredEvent): boolean {
  if (!Number.isSafeInteger(schemaVersion) || schemaVersion < 1) return false; // malformed: upcast says why
  return !isUserEventType(type) || schemaVersion > CURRENT_SCHEMA_VERSION[type];
}

/**
 * The names the user service gives to secret fields (`passwordHash`, `tokenHash`, and whatever a later schema
 * adds): every schema must name a secret so that this matches it, which the package's tests check for the
 * schemas known here.
 */
const SECRET_FIELD = /password|secret|token|hash|credential/i;

/**
 * `data` without any field, at any depth, whose name marks a secret. The safety net for events this code
 * cannot upcast; known events go through the domain's exact `publicEventData`.
 */
export function withoutSecretFields(data: unknown): Record<string, unknown> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InvalidMessageError('the event data is not a JSON object');
  }
  return strip(data) as Record<string, unknown>;
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([name]) => !SECRET_FIELD.test(name))
      .map(([name, field]) => [name, strip(field)]),
  );
}

/** Reads a message body back into an event, or throws {@link InvalidMessageError} saying what is wrong. */
export function parseCloudEvent(body: string): ReceivedUserEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new InvalidMessageError('the message body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidMessageError('the message body is not a JSON object');
  }
  const ce = parsed as Record<string, unknown>;
  const text = (name: string): string => {
    const value = ce[name];
    if (typeof value !== 'string' || value === '') throw new InvalidMessageError(`${name} must be a non-empty string`);
    return value;
  };
  if (ce['specversion'] !== '1.0') throw new InvalidMessageError('specversion must be 1.0');
  const version = ce['streamversion'];
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    throw new InvalidMessageError('streamversion must be a positive integer');
  }
  const type = text('type');
  const schema = DATA_SCHEMA.exec(text('dataschema'));
  if (!schema || schema[1] !== type) throw new InvalidMessageError(`dataschema does not describe a ${type}`);
  const time = text('time');
  // What the store takes as occurredAt, and so what a projector can apply.
  if (!isInstant(time)) throw new InvalidMessageError('time must be an RFC 3339 date-time');
  const data = ce['data'];
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InvalidMessageError('data must be a JSON object');
  }
  return {
    eventId: text('id'),
    streamId: text('subject'),
    version,
    type,
    schemaVersion: Number(schema[2]),
    data: data as Record<string, unknown>,
    metadata: { occurredAt: time, correlationId: text('correlationid'), causationId: text('causationid') },
    replayed: ce['replayed'] === true,
  };
}
