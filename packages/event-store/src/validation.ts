import { InvalidArgumentError } from './errors.js';
import { isInstant } from './instant.js';
import type {
  AppendOptions,
  NewEvent,
  ReadAllOptions,
  OutcomeRecord,
  ReadStreamOptions,
  RecallRequest,
  Snapshot,
} from './types.js';

/**
 * Limits every adapter enforces alike, so that an append accepted by one is accepted by all. They follow
 * DynamoDB's: at most 100 items and 4 MB in one transaction, and 400 KB in one item.
 */
export const LIMITS = Object.freeze({
  maxIdLength: 256,
  maxKeyLength: 512,
  /** Events, claims, releases and the idempotency record of one append together. */
  maxItemsPerAppend: 100,
  /** One event serialized (type, data and metadata). */
  maxEventBytes: 300 * 1024,
  /** All events of one append serialized. */
  maxAppendBytes: 3 * 1024 * 1024,
  maxPageSize: 1000,
  /** The `outcome` object of a `recordOutcome` serialized; it shares its item with the key and the record. */
  maxOutcomeBytes: 64 * 1024,
  /** A snapshot's state serialized; it shares DynamoDB's 400 KB item limit with its key and schema. */
  maxSnapshotBytes: 300 * 1024,
});

/** A snapshot schema name: short, and free of `#`, which adapters may use as a key separator. */
const SNAPSHOT_SCHEMA = /^[\w.@:-]{1,64}$/;

export function validateSnapshotRead(streamId: string, schema: string): void {
  requireId(streamId, 'streamId', LIMITS.maxIdLength);
  if (typeof schema !== 'string' || !SNAPSHOT_SCHEMA.test(schema)) {
    throw invalid('schema must be 1 to 64 letters, digits or any of _ . @ : -');
  }
}

/** Checks a snapshot before anything is written. */
export function validateSnapshot(streamId: string, snapshot: Snapshot): void {
  if (typeof snapshot !== 'object' || snapshot === null) throw invalid('snapshot must be an object');
  validateSnapshotRead(streamId, snapshot.schema);
  requireVersion(snapshot.version, 'snapshot.version', 1);
  if (!isPlainObject(snapshot.state) || !isJson(snapshot.state)) {
    throw invalid('snapshot.state must be a plain JSON object');
  }
  const bytes = Buffer.byteLength(JSON.stringify(snapshot.state));
  if (bytes > LIMITS.maxSnapshotBytes) {
    throw invalid(`snapshot.state is ${bytes} bytes; it may be at most ${LIMITS.maxSnapshotBytes}`);
  }
}

/**
 * The `data` and `metadata` of an append's events as JSON text, in event order. Validation serializes them to
 * measure the events anyway; adapters that store text use them as they are.
 */
export interface SerializedEvents {
  readonly data: string[];
  readonly metadata: string[];
}

/** Checks an append before anything is written, and returns its events' `data` and `metadata` serialized. */
export function validateAppend(
  streamId: string,
  events: readonly NewEvent[],
  options: AppendOptions,
): SerializedEvents {
  requireId(streamId, 'streamId', LIMITS.maxIdLength);
  if (typeof options !== 'object' || options === null) throw invalid('append options are required');
  requireVersion(options.expectedVersion, 'expectedVersion', 0);
  if (options.expectedEventId !== undefined) {
    requireId(options.expectedEventId, 'expectedEventId', LIMITS.maxIdLength);
    if (options.expectedVersion < 1) throw invalid('expectedEventId needs an expectedVersion of at least 1');
  }
  if (!Array.isArray(events) || events.length === 0) throw invalid('events must be a non-empty array');

  const claims = options.claims ?? [];
  const releases = options.releases ?? [];
  for (const [name, keys] of [['claims', claims], ['releases', releases]] as const) {
    if (!Array.isArray(keys)) throw invalid(`${name} must be an array of keys`);
    keys.forEach((key, i) => requireId(key, `${name}[${i}]`, LIMITS.maxKeyLength));
    if (new Set(keys).size !== keys.length) throw invalid(`${name} must not repeat a key`);
  }
  const both = claims.find((key) => releases.includes(key));
  if (both !== undefined) throw invalid(`key ${both} cannot be claimed and released at once`);
  if (options.idempotencyKey !== undefined) {
    requireId(options.idempotencyKey, 'idempotencyKey', LIMITS.maxIdLength);
  }
  if (options.idempotencyFingerprint !== undefined) {
    if (options.idempotencyKey === undefined) throw invalid('idempotencyFingerprint needs an idempotencyKey');
    requireId(options.idempotencyFingerprint, 'idempotencyFingerprint', LIMITS.maxIdLength);
  }

  const items = events.length + claims.length + releases.length + (options.idempotencyKey ? 1 : 0);
  if (items > LIMITS.maxItemsPerAppend) {
    throw invalid(`one append may write at most ${LIMITS.maxItemsPerAppend} items, this one ${items}`);
  }

  const eventIds = new Set<string>();
  const serialized: SerializedEvents = { data: [], metadata: [] };
  let upperBytes = 0;
  events.forEach((event, i) => {
    upperBytes += validateEvent(event, i, serialized);
    if (eventIds.has(event.eventId)) throw invalid(`events[${i}].eventId repeats ${event.eventId}`);
    eventIds.add(event.eventId);
  });
  if (upperBytes > LIMITS.maxAppendBytes) {
    const bytes = events.reduce(
      (sum, event, i) => sum + eventBytes(JSON.stringify(event.type), serialized.data[i]!, serialized.metadata[i]!),
      0,
    );
    if (bytes > LIMITS.maxAppendBytes) {
      throw invalid(`one append may carry at most ${LIMITS.maxAppendBytes} bytes of events`);
    }
  }
  return serialized;
}

/** The characters `{"type":`, `,"data":`, `,"metadata":` and `}` that join an event's parts in one object. */
const EVENT_JSON_FRAME = 29;

/** The size of `{ type, data, metadata }` serialized as one object, counted from its serialized parts. */
function eventBytes(type: string, data: string, metadata: string): number {
  return Buffer.byteLength(type) + Buffer.byteLength(data) + Buffer.byteLength(metadata) + EVENT_JSON_FRAME;
}

/**
 * Checks one event and appends its serialized parts to `serialized`. Returns an upper bound of its size in
 * bytes: UTF-8 takes at most 3 bytes per UTF-16 unit, so only an event that might be near a limit costs an
 * exact count. Names for error messages are built only when there is an error to report.
 */
function validateEvent(event: NewEvent, i: number, serialized: SerializedEvents): number {
  const at = () => `events[${i}]`;
  if (typeof event !== 'object' || event === null) throw invalid(`${at()} must be an object`);
  checkId(event.eventId, LIMITS.maxIdLength, () => `${at()}.eventId`);
  checkId(event.type, LIMITS.maxIdLength, () => `${at()}.type`);
  requireVersion(event.schemaVersion, 'schemaVersion', 1, at);
  if (!isPlainObject(event.data) || !isJson(event.data)) {
    throw invalid(`${at()}.data must be a plain JSON object`);
  }
  const metadata = event.metadata;
  if (!isPlainObject(metadata)) throw invalid(`${at()}.metadata must be an object`);
  if (typeof metadata.occurredAt !== 'string' || !isInstant(metadata.occurredAt)) {
    throw invalid(`${at()}.metadata.occurredAt must be an RFC 3339 date-time, as toISOString() writes`);
  }
  checkId(metadata.correlationId, LIMITS.maxIdLength, () => `${at()}.metadata.correlationId`);
  checkId(metadata.causationId, LIMITS.maxIdLength, () => `${at()}.metadata.causationId`);
  if (metadata.actor !== undefined) checkId(metadata.actor, LIMITS.maxIdLength, () => `${at()}.metadata.actor`);

  const type = JSON.stringify(event.type);
  const data = JSON.stringify(event.data);
  const serializedMetadata = JSON.stringify(metadata);
  const upper = (type.length + data.length + serializedMetadata.length + EVENT_JSON_FRAME) * 3;
  if (upper > LIMITS.maxEventBytes) {
    const bytes = eventBytes(type, data, serializedMetadata);
    if (bytes > LIMITS.maxEventBytes) {
      throw invalid(`${at()} is ${bytes} bytes; one event may be at most ${LIMITS.maxEventBytes}`);
    }
  }
  serialized.data.push(data);
  serialized.metadata.push(serializedMetadata);
  return upper;
}

export function validateReadStream(streamId: string, options: ReadStreamOptions = {}): void {
  requireId(streamId, 'streamId', LIMITS.maxIdLength);
  if (options.fromVersion !== undefined) requireVersion(options.fromVersion, 'fromVersion', 1);
  if (options.toVersion !== undefined) requireVersion(options.toVersion, 'toVersion', 0);
}

export function validateReadAll(options: ReadAllOptions): void {
  if (typeof options !== 'object' || options === null) throw invalid('readAll options are required');
  const { limit, cursor } = options;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > LIMITS.maxPageSize) {
    throw invalid(`limit must be an integer from 1 to ${LIMITS.maxPageSize}`);
  }
  if (cursor !== undefined && (typeof cursor !== 'string' || cursor === '')) {
    throw invalid('cursor must be a string returned by readAll');
  }
}

/** Reads a cursor that is a global position, as the memory and SQLite adapters hand out. */
export function parsePositionCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  if (!/^\d{1,15}$/.test(cursor)) throw invalid(`cursor ${cursor} was not returned by readAll`);
  return Number(cursor);
}

export function validateRecall(idempotencyKey: string, request: RecallRequest): void {
  requireId(idempotencyKey, 'idempotencyKey', LIMITS.maxIdLength);
  if (typeof request !== 'object' || request === null) throw invalid('the request to recall is required');
  requireId(request.streamId, 'streamId', LIMITS.maxIdLength);
  if (request.fingerprint !== undefined) requireId(request.fingerprint, 'fingerprint', LIMITS.maxIdLength);
}

/** Checks an outcome to record, and returns its `outcome` serialized. */
export function validateOutcomeRecord(idempotencyKey: string, record: OutcomeRecord): string {
  requireId(idempotencyKey, 'idempotencyKey', LIMITS.maxIdLength);
  if (typeof record !== 'object' || record === null) throw invalid('the outcome record is required');
  requireId(record.streamId, 'streamId', LIMITS.maxIdLength);
  if (record.fingerprint !== undefined) requireId(record.fingerprint, 'fingerprint', LIMITS.maxIdLength);
  requireVersion(record.version, 'version', 0);
  if (!isPlainObject(record.outcome) || !isJson(record.outcome)) {
    throw invalid('outcome must be a plain JSON object');
  }
  const serialized = JSON.stringify(record.outcome);
  const bytes = Buffer.byteLength(serialized);
  if (bytes > LIMITS.maxOutcomeBytes) {
    throw invalid(`outcome is ${bytes} bytes; it may be at most ${LIMITS.maxOutcomeBytes}`);
  }
  return serialized;
}

export function validateKey(key: string): void {
  requireId(key, 'key', LIMITS.maxKeyLength);
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

function requireId(value: unknown, name: string, maxLength: number): void {
  if (typeof value !== 'string' || value.length === 0) throw invalid(`${name} must be a non-empty string`);
  if (value.length > maxLength) throw invalid(`${name} must be at most ${maxLength} characters`);
  if (CONTROL_CHARACTER.test(value)) throw invalid(`${name} must not contain control characters`);
}

/** {@link requireId} for the many ids of an append's events, naming the field only when it fails. */
function checkId(value: unknown, maxLength: number, name: () => string): void {
  const ok = typeof value === 'string' && value.length > 0 && value.length <= maxLength && !CONTROL_CHARACTER.test(value);
  if (!ok) requireId(value, name(), maxLength);
}

function requireVersion(value: unknown, name: string, min: number, at?: () => string): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    const field = at === undefined ? name : `${at()}.${name}`;
    throw invalid(`${field} must be an integer of at least ${min}, got ${String(value)}`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** True when the value survives a JSON round trip unchanged. */
function isJson(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      if (value === null) return true;
      if (Array.isArray(value)) return value.every(isJson);
      return isPlainObject(value) && Object.values(value).every(isJson);
    default:
      return false;
  }
}

function invalid(message: string): InvalidArgumentError {
  return new InvalidArgumentError(message);
}
