/*
 * The messages between a SQLite store (main thread) and its writer thread. Everything crossing the boundary
 * is structured-cloned, so events travel as JSON text (cheap to copy, and stored as text anyway) and errors
 * travel as plain descriptions that the main side turns back into the port's typed errors.
 */
import {
  ClaimNotHeldError,
  ConcurrencyError,
  IdempotencyKeyReusedError,
  InvalidArgumentError,
  UniquenessError,
} from '../errors.js';
import type { AppendResult } from '../types.js';

/** One writing connection in the writer thread: the file it writes and how long it waits for locks. */
export interface ConnectionConfig {
  readonly filename: string;
  readonly busyTimeoutMs: number;
}

/**
 * The events of one append as the writer inserts them, field by field: arrays of strings and numbers cost
 * far less to copy between threads than as many small objects. `data` and `metadata` are JSON text.
 */
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

export type WriteRequest = AppendRequest | SnapshotRequest | SweepRequest;

/** A request without its id, as the store hands it to the writer client. */
export type WriteRequestBody =
  | Omit<AppendRequest, 'id'>
  | Omit<SnapshotRequest, 'id'>
  | Omit<SweepRequest, 'id'>;

export type ToWriter =
  | ({ readonly kind: 'open'; readonly connection: number } & ConnectionConfig)
  | { readonly kind: 'requests'; readonly connection: number; readonly requests: readonly WriteRequest[] }
  /** Sent once nothing of the connection is pending: the writer closes it. */
  | { readonly kind: 'close'; readonly connection: number };

export type Outcome =
  | { readonly id: number; readonly ok: true; readonly value: AppendResult | undefined }
  | { readonly id: number; readonly ok: false; readonly error: EncodedError };

export type FromWriter =
  /** The connection is open, with the settings it runs under. */
  | { readonly kind: 'opened'; readonly connection: number; readonly synchronous: number; readonly journalMode: string }
  /** The connection could not be opened; every request to it fails with this error. */
  | { readonly kind: 'open-failed'; readonly connection: number; readonly error: EncodedError }
  /** The outcomes of one batch, sent once its COMMIT returned (or failed). */
  | { readonly kind: 'outcomes'; readonly connection: number; readonly outcomes: readonly Outcome[] }
  | { readonly kind: 'closed'; readonly connection: number };

/** An error as it crosses the thread boundary: its class's fields, not its prototype. */
export interface EncodedError {
  readonly name: string;
  readonly message: string;
  /** A port error code, or a driver's (such as `SQLITE_BUSY`). */
  readonly code?: string | undefined;
  readonly streamId?: string | undefined;
  readonly expectedVersion?: number | undefined;
  readonly key?: string | undefined;
  readonly idempotencyKey?: string | undefined;
  readonly stack?: string | undefined;
}

export function encodeError(error: unknown): EncodedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const fields = error as Error & Partial<Record<'code' | 'streamId' | 'key' | 'idempotencyKey', unknown>> & {
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
