/*
 * The messages between a SQLite store (main thread) and its writer thread. Everything crossing the boundary
 * is structured-cloned, which costs little per string or number but much per object: so a batch of requests
 * or outcomes travels as one flat array of primitives (a tape), events as JSON text (stored as text anyway),
 * and errors as plain descriptions that the main side turns back into the port's typed errors.
 */
import {
  ClaimNotHeldError,
  ConcurrencyError,
  DuplicateEventIdError,
  IdempotencyKeyReusedError,
  InvalidArgumentError,
  UniquenessError,
} from '../errors.js';
import type { AppendResult, JsonObject } from '../types.js';

/** One writing connection in the writer thread: the file it writes and how long it waits for locks. */
export interface ConnectionConfig {
  readonly filename: string;
  readonly busyTimeoutMs: number;
}

/** The events of one append as the writer inserts them, field by field. `data` and `metadata` are JSON text. */
export interface EncodedEvents {
  readonly eventIds: readonly string[];
  readonly types: readonly string[];
  readonly schemaVersions: readonly number[];
  readonly data: readonly string[];
  readonly metadata: readonly string[];
}

export interface AppendRequest {
  readonly kind: 'append';
  readonly id: number;
  readonly streamId: string;
  readonly expectedVersion: number;
  readonly expectedEventId: string | undefined;
  readonly events: EncodedEvents;
  readonly claims: readonly string[];
  readonly releases: readonly string[];
  readonly idempotencyKey: string | undefined;
  readonly idempotencyFingerprint: string | undefined;
  /** The caller's clock when it asked, in milliseconds: for `recordedAt` and idempotency expiry. */
  readonly now: number;
}

/** Records the outcome of a request that wrote no events under its idempotency key (`recordOutcome`). */
export interface OutcomeRequest {
  readonly kind: 'outcome';
  readonly id: number;
  readonly idempotencyKey: string;
  readonly streamId: string;
  readonly fingerprint: string | undefined;
  readonly version: number;
  /** The outcome object as JSON text. */
  readonly outcome: string;
  /** The caller's clock when it asked, in milliseconds: for idempotency expiry. */
  readonly now: number;
}

export interface SnapshotRequest {
  readonly kind: 'snapshot';
  readonly id: number;
  readonly streamId: string;
  readonly schema: string;
  readonly version: number;
  readonly state: string;
}

/** Deletes the idempotency records that expired at `now`. */
export interface SweepRequest {
  readonly kind: 'sweep';
  readonly id: number;
  readonly now: number;
}

export type WriteRequest = AppendRequest | OutcomeRequest | SnapshotRequest | SweepRequest;

/** A request without its id, as the store hands it to the writer client. */
export type WriteRequestBody =
  | Omit<AppendRequest, 'id'>
  | Omit<OutcomeRequest, 'id'>
  | Omit<SnapshotRequest, 'id'>
  | Omit<SweepRequest, 'id'>;

export type ToWriter =
  | ({ readonly kind: 'open'; readonly connection: number } & ConnectionConfig)
  /** Requests as {@link encodeRequests} wrote them. */
  | { readonly kind: 'requests'; readonly connection: number; readonly tape: Tape }
  /** Sent once nothing of the connection is pending: the writer closes it. */
  | { readonly kind: 'close'; readonly connection: number }
  /** Sent once the thread holds no connection and has been idle a while: it ends. */
  | { readonly kind: 'end' };

export type Outcome =
  | { readonly id: number; readonly ok: true; readonly value: AppendResult | undefined }
  | { readonly id: number; readonly ok: false; readonly error: EncodedError };

export type FromWriter =
  /** The connection is open, with the settings it runs under. */
  | { readonly kind: 'opened'; readonly connection: number; readonly synchronous: number; readonly journalMode: string }
  /** The connection could not be opened; every request to it fails with this error. */
  | { readonly kind: 'open-failed'; readonly connection: number; readonly error: EncodedError }
  /** The outcomes of one batch, as {@link encodeOutcomes} wrote them, sent once its COMMIT returned (or failed). */
  | { readonly kind: 'outcomes'; readonly connection: number; readonly tape: Tape }
  | { readonly kind: 'closed'; readonly connection: number };

/** Strings, numbers, booleans and nulls in a row, read back in the order they were written. */
export type Tape = Array<string | number | boolean | null>;

class TapeReader {
  private at = 0;

  constructor(private readonly tape: Tape) {}

  get done(): boolean {
    return this.at >= this.tape.length;
  }

  string(): string {
    return this.tape[this.at++] as string;
  }

  number(): number {
    return this.tape[this.at++] as number;
  }

  boolean(): boolean {
    return this.tape[this.at++] as boolean;
  }

  optionalString(): string | undefined {
    return (this.tape[this.at++] as string | null) ?? undefined;
  }

  strings(count: number): string[] {
    const values = this.tape.slice(this.at, this.at + count) as string[];
    this.at += count;
    return values;
  }
}

export function encodeRequests(requests: readonly WriteRequest[]): Tape {
  const tape: Tape = [];
  for (const request of requests) {
    switch (request.kind) {
      case 'append': {
        const { events } = request;
        tape.push('append', request.id, request.streamId, request.expectedVersion, request.expectedEventId ?? null);
        tape.push(events.eventIds.length);
        for (let i = 0; i < events.eventIds.length; i++) {
          const { eventIds, types, schemaVersions, data, metadata } = events;
          tape.push(eventIds[i]!, types[i]!, schemaVersions[i]!, data[i]!, metadata[i]!);
        }
        tape.push(request.claims.length, ...request.claims, request.releases.length, ...request.releases);
        tape.push(request.idempotencyKey ?? null, request.idempotencyFingerprint ?? null, request.now);
        break;
      }
      case 'outcome': {
        const { idempotencyKey, streamId, fingerprint, version, outcome, now } = request;
        tape.push('outcome', request.id, idempotencyKey, streamId, fingerprint ?? null, version, outcome, now);
        break;
      }
      case 'snapshot':
        tape.push('snapshot', request.id, request.streamId, request.schema, request.version, request.state);
        break;
      case 'sweep':
        tape.push('sweep', request.id, request.now);
        break;
    }
  }
  return tape;
}

export function decodeRequests(tape: Tape): WriteRequest[] {
  const read = new TapeReader(tape);
  const requests: WriteRequest[] = [];
  while (!read.done) {
    const kind = read.string();
    const id = read.number();
    if (kind === 'append') {
      const streamId = read.string();
      const expectedVersion = read.number();
      const expectedEventId = read.optionalString();
      const count = read.number();
      const events = {
        eventIds: [] as string[],
        types: [] as string[],
        schemaVersions: [] as number[],
        data: [] as string[],
        metadata: [] as string[],
      };
      for (let i = 0; i < count; i++) {
        events.eventIds.push(read.string());
        events.types.push(read.string());
        events.schemaVersions.push(read.number());
        events.data.push(read.string());
        events.metadata.push(read.string());
      }
      const claims = read.strings(read.number());
      const releases = read.strings(read.number());
      requests.push({
        kind,
        id,
        streamId,
        expectedVersion,
        expectedEventId,
        events,
        claims,
        releases,
        idempotencyKey: read.optionalString(),
        idempotencyFingerprint: read.optionalString(),
        now: read.number(),
      });
    } else if (kind === 'outcome') {
      const [idempotencyKey, streamId, fingerprint] = [read.string(), read.string(), read.optionalString()];
      const [version, outcome, now] = [read.number(), read.string(), read.number()];
      requests.push({ kind, id, idempotencyKey, streamId, fingerprint, version, outcome, now });
    } else if (kind === 'snapshot') {
      const [streamId, schema, version, state] = [read.string(), read.string(), read.number(), read.string()];
      requests.push({ kind, id, streamId, schema, version, state });
    } else {
      requests.push({ kind: 'sweep', id, now: read.number() });
    }
  }
  return requests;
}

/** Outcome tags on the tape: done without a value, an append's result, an error (as JSON). */
const DONE = 0;
const APPENDED = 1;
const FAILED = 2;

export function encodeOutcomes(outcomes: readonly Outcome[]): Tape {
  const tape: Tape = [];
  for (const outcome of outcomes) {
    if (!outcome.ok) {
      tape.push(outcome.id, FAILED, JSON.stringify(outcome.error));
    } else if (outcome.value === undefined) {
      tape.push(outcome.id, DONE);
    } else {
      const { streamId, firstVersion, lastVersion, duplicate, eventIds, firstPosition } = outcome.value;
      const recorded = outcome.value.outcome === undefined ? null : JSON.stringify(outcome.value.outcome);
      tape.push(outcome.id, APPENDED, streamId, firstVersion, lastVersion, duplicate, firstPosition ?? 0, recorded);
      tape.push(eventIds.length, ...eventIds);
    }
  }
  return tape;
}

export function decodeOutcomes(tape: Tape): Outcome[] {
  const read = new TapeReader(tape);
  const outcomes: Outcome[] = [];
  while (!read.done) {
    const id = read.number();
    const tag = read.number();
    if (tag === FAILED) {
      outcomes.push({ id, ok: false, error: JSON.parse(read.string()) as EncodedError });
    } else if (tag === DONE) {
      outcomes.push({ id, ok: true, value: undefined });
    } else {
      const streamId = read.string();
      const firstVersion = read.number();
      const lastVersion = read.number();
      const duplicate = read.boolean();
      // Positions start at 1: 0 stands for none.
      const firstPosition = read.number();
      const recorded = read.optionalString();
      const eventIds = read.strings(read.number());
      const value: AppendResult =
        firstPosition === 0
          ? { streamId, firstVersion, lastVersion, eventIds, duplicate }
          : { streamId, firstVersion, lastVersion, eventIds, duplicate, firstPosition };
      outcomes.push({
        id,
        ok: true,
        value: recorded === undefined ? value : { ...value, outcome: JSON.parse(recorded) as JsonObject },
      });
    }
  }
  return outcomes;
}

/** An error as it crosses the thread boundary: its class's fields, not its prototype. */
export interface EncodedError {
  readonly name: string;
  readonly message: string;
  /** A port error code, or a driver's (such as `SQLITE_BUSY`). */
  readonly code?: string | undefined;
  readonly streamId?: string | undefined;
  readonly expectedVersion?: number | undefined;
  readonly key?: string | undefined;
  readonly eventId?: string | undefined;
  readonly idempotencyKey?: string | undefined;
  readonly stack?: string | undefined;
}

export function encodeError(error: unknown): EncodedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const fields = error as Error & Partial<Record<'code' | 'streamId' | 'key' | 'eventId' | 'idempotencyKey', unknown>> & {
    expectedVersion?: unknown;
  };
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  return {
    name: error.name,
    message: error.message,
    code: text(fields.code),
    streamId: text(fields.streamId),
    expectedVersion: typeof fields.expectedVersion === 'number' ? fields.expectedVersion : undefined,
    key: text(fields.key),
    eventId: text(fields.eventId),
    idempotencyKey: text(fields.idempotencyKey),
    stack: error.stack,
  };
}

/**
 * Rebuilds the error on the caller's side: the port's own class for a port error code, so that callers'
 * type guards and `instanceof` checks work as with any other adapter; otherwise an `Error` keeping the
 * driver's name, code and the writer thread's stack.
 */
export function decodeError(encoded: EncodedError): Error {
  const { code = '', streamId = '', key = '' } = encoded;
  switch (code) {
    case 'CONCURRENCY_CONFLICT':
      return new ConcurrencyError(streamId, encoded.expectedVersion ?? Number.NaN);
    case 'UNIQUENESS_VIOLATION':
      return new UniquenessError(key);
    case 'CLAIM_NOT_HELD':
      return new ClaimNotHeldError(key, streamId);
    case 'DUPLICATE_EVENT_ID':
      return new DuplicateEventIdError(streamId, encoded.eventId ?? '');
    case 'IDEMPOTENCY_KEY_REUSED':
      return new IdempotencyKeyReusedError(encoded.idempotencyKey ?? '');
    case 'INVALID_ARGUMENT':
      return new InvalidArgumentError(encoded.message);
  }
  const error: Error & { code?: string } = new Error(encoded.message);
  error.name = encoded.name;
  if (encoded.code !== undefined) error.code = encoded.code;
  if (encoded.stack !== undefined) error.stack = encoded.stack;
  return error;
}
