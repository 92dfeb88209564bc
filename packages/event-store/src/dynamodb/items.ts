import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { InvalidArgumentError } from '../errors.js';
import type { IdempotencyRecord } from '../idempotency.js';
import type { JsonObject, NewEvent, Snapshot, StoredEvent } from '../types.js';
import {
  ITEM_TYPE_ATTRIBUTE,
  ITEM_TYPES,
  KEY_PREFIXES,
  PARTITION_KEY,
  SINGLETON_SORT_KEY,
  SORT_KEY,
  TTL_ATTRIBUTE,
} from './schema.js';

/*
 * The adapter speaks the low-level attribute-value format itself instead of using lib-dynamodb's document
 * client: wrapping a caller's client in a document client overwrites that client's shared marshalling
 * settings, and the items here only need strings, numbers and one list.
 */

export type Item = Record<string, AttributeValue>;
export type Key = { [PARTITION_KEY]: AttributeValue; [SORT_KEY]: AttributeValue };

const s = (value: string): AttributeValue => ({ S: value });
const n = (value: number): AttributeValue => ({ N: String(value) });

export const streamPartition = (streamId: string): string => KEY_PREFIXES.stream + streamId;

export function eventKey(streamId: string, version: number): Key {
  return { [PARTITION_KEY]: s(streamPartition(streamId)), [SORT_KEY]: n(version) };
}

export function claimKey(key: string): Key {
  return { [PARTITION_KEY]: s(KEY_PREFIXES.claim + key), [SORT_KEY]: n(SINGLETON_SORT_KEY) };
}

export function idempotencyKey(key: string): Key {
  return { [PARTITION_KEY]: s(KEY_PREFIXES.idempotency + key), [SORT_KEY]: n(SINGLETON_SORT_KEY) };
}

export function snapshotKey(streamId: string, schema: string): Key {
  return { [PARTITION_KEY]: s(`${KEY_PREFIXES.snapshot}${schema}#${streamId}`), [SORT_KEY]: n(SINGLETON_SORT_KEY) };
}

/** The state is a JSON string, for the same exact round trip as event data. */
export function snapshotItem(streamId: string, snapshot: Snapshot): Item {
  return {
    ...snapshotKey(streamId, snapshot.schema),
    [ITEM_TYPE_ATTRIBUTE]: s(ITEM_TYPES.snapshot),
    streamId: s(streamId),
    schema: s(snapshot.schema),
    version: n(snapshot.version),
    state: s(JSON.stringify(snapshot.state)),
  };
}

export function snapshotFromItem(item: Item | undefined, schema: string): Snapshot | undefined {
  if (item === undefined) return undefined;
  const plain = plainItem(item);
  const state = JSON.parse(requireString(plain, 'state')) as JsonObject;
  return { schema, version: requireNumber(plain, 'version'), state };
}

/**
 * An event item carries its whole envelope as top-level attributes, so a stream consumer can rebuild the
 * event from the new image alone. `data` is a JSON string because that round-trips exactly: a DynamoDB map
 * keeps no key order and rejects numbers outside DynamoDB's range (such as 1e300).
 */
export function eventItem(streamId: string, version: number, event: NewEvent, recordedAt: string): Item {
  const { occurredAt, correlationId, causationId, actor } = event.metadata;
  return {
    ...eventKey(streamId, version),
    [ITEM_TYPE_ATTRIBUTE]: s(ITEM_TYPES.event),
    streamId: s(streamId),
    version: n(version),
    eventId: s(event.eventId),
    type: s(event.type),
    schemaVersion: n(event.schemaVersion),
    data: s(JSON.stringify(event.data)),
    occurredAt: s(occurredAt),
    correlationId: s(correlationId),
    causationId: s(causationId),
    ...(actor === undefined ? {} : { actor: s(actor) }),
    recordedAt: s(recordedAt),
  };
}

export function claimItem(key: string, streamId: string): Item {
  return {
    ...claimKey(key),
    [ITEM_TYPE_ATTRIBUTE]: s(ITEM_TYPES.claim),
    key: s(key),
    streamId: s(streamId),
  };
}

export function idempotencyItem(key: string, record: IdempotencyRecord, expiresAtSeconds: number): Item {
  return {
    ...idempotencyKey(key),
    [ITEM_TYPE_ATTRIBUTE]: s(ITEM_TYPES.idempotency),
    idempotencyKey: s(key),
    streamId: s(record.streamId),
    ...(record.fingerprint === undefined ? {} : { fingerprint: s(record.fingerprint) }),
    firstVersion: n(record.firstVersion),
    lastVersion: n(record.lastVersion),
    eventIds: { L: record.eventIds.map(s) },
    // A JSON string, for the same exact round trip as event data.
    ...(record.outcome === undefined ? {} : { outcome: s(JSON.stringify(record.outcome)) }),
    [TTL_ATTRIBUTE]: n(expiresAtSeconds),
  };
}

/** An idempotency item as a record plus its expiry, or undefined when there is no such item. */
export function idempotencyFromItem(
  item: Item | undefined,
): { record: IdempotencyRecord; expiresAtSeconds: number } | undefined {
  if (item === undefined) return undefined;
  const plain = plainItem(item);
  const eventIds = plain['eventIds'];
  if (!Array.isArray(eventIds) || !eventIds.every((id) => typeof id === 'string')) {
    throw new Error(`idempotency item ${String(plain[PARTITION_KEY])} has no eventIds list`);
  }
  const fingerprint = plain['fingerprint'];
  const outcome = plain['outcome'];
  return {
    record: {
      streamId: requireString(plain, 'streamId'),
      fingerprint: typeof fingerprint === 'string' ? fingerprint : undefined,
      firstVersion: requireNumber(plain, 'firstVersion'),
      lastVersion: requireNumber(plain, 'lastVersion'),
      eventIds,
      ...(typeof outcome === 'string' ? { outcome: JSON.parse(outcome) as JsonObject } : {}),
    },
    expiresAtSeconds: requireNumber(plain, TTL_ATTRIBUTE),
  };
}

/**
 * Rebuilds a stored event from an event item given as a plain object: a DynamoDB stream record's
 * `NewImage` after unmarshalling, or an item read by this adapter. Returns undefined for the table's other
 * items (claims, idempotency records, snapshots); throws on an event item that is malformed.
 */
export function eventFromItem(item: Readonly<Record<string, unknown>>): StoredEvent | undefined {
  if (item[ITEM_TYPE_ATTRIBUTE] !== ITEM_TYPES.event) return undefined;
  const serialized = requireString(item, 'data');
  let data: unknown;
  try {
    data = JSON.parse(serialized);
  } catch (error) {
    throw new Error(`event item ${String(item['eventId'])} holds data that is not JSON`, { cause: error });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new Error(`event item ${String(item['eventId'])} holds data that is not a JSON object`);
  }
  const actor = item['actor'];
  return {
    streamId: requireString(item, 'streamId'),
    version: requireNumber(item, 'version'),
    eventId: requireString(item, 'eventId'),
    type: requireString(item, 'type'),
    schemaVersion: requireNumber(item, 'schemaVersion'),
    data: data as JsonObject,
    metadata: {
      occurredAt: requireString(item, 'occurredAt'),
      correlationId: requireString(item, 'correlationId'),
      causationId: requireString(item, 'causationId'),
      ...(typeof actor === 'string' ? { actor } : {}),
    },
  };
}

/** Converts the attribute values this adapter writes (strings, numbers, lists, maps) to plain values. */
export function plainItem(item: Item): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) plain[name] = plainValue(value);
  return plain;
}

function plainValue(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.L !== undefined) return value.L.map(plainValue);
  if (value.M !== undefined) return plainItem(value.M);
  // Sets and binaries never appear in this table's items; a foreign item keeps them out of sight.
  return undefined;
}

function requireString(item: Readonly<Record<string, unknown>>, name: string): string {
  const value = item[name];
  if (typeof value !== 'string') throw new Error(`item ${String(item[PARTITION_KEY])} has no string ${name}`);
  return value;
}

/**
 * Accepts numbers, numeric strings and number wrappers, since an unmarshaller configured with
 * `wrapNumbers` hands those out for DynamoDB numbers.
 */
function requireNumber(item: Readonly<Record<string, unknown>>, name: string): number {
  const raw = item[name];
  const text = typeof raw === 'number' || typeof raw === 'string' || typeof raw === 'object' ? String(raw) : '';
  const value = /^-?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value)) {
    throw new Error(`item ${String(item[PARTITION_KEY])} has no integer ${name}`);
  }
  return value;
}

/**
 * A `readAll` cursor is the key of the last event returned, opaque to callers: Scan resumes after any
 * item key it is given, so the next page starts right after that event.
 */
export function encodeCursor(streamId: string, version: number): string {
  const key = { [PARTITION_KEY]: streamPartition(streamId), [SORT_KEY]: version };
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string): Key {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const fields = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const pk = fields[PARTITION_KEY];
  const sk = fields[SORT_KEY];
  if (
    typeof pk !== 'string' ||
    !pk.startsWith(KEY_PREFIXES.stream) ||
    pk.length === KEY_PREFIXES.stream.length ||
    typeof sk !== 'number' ||
    !Number.isSafeInteger(sk) ||
    sk < 1
  ) {
    throw new InvalidArgumentError(`cursor ${cursor} was not returned by readAll`);
  }
  return { [PARTITION_KEY]: s(pk), [SORT_KEY]: n(sk) };
}
