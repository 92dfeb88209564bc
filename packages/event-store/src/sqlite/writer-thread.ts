/*
 * The writer thread of the SQLite event stores of a process. It owns every writing connection (one per open
 * store), and commits each connection's writes queued since its last commit in one transaction (group
 * commit). Each request runs inside a SAVEPOINT of its own, so a request that fails rolls back alone and gets
 * its own error, while the others commit; later requests of a batch see the effects of earlier ones, exactly
 * as if they had committed one by one. Outcomes are posted only once COMMIT has returned, that is once the
 * batch is fsynced (`synchronous = FULL`).
 *
 * While one commit waits for the disk, new requests queue on this thread's port; the next batch takes them
 * all, so batches grow with the load by themselves.
 *
 * One thread serves every store of the process, because starting a thread costs tens of milliseconds (far
 * more under a TypeScript loader), which a process opening many stores, such as a test suite, would pay for
 * each. A process normally has one store, and then the thread is its own.
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { ClaimNotHeldError, ConcurrencyError, DuplicateEventIdError, UniquenessError } from '../errors.js';
import {
  IDEMPOTENCY_TTL_SECONDS,
  answerRetry,
  idempotencyRecord,
  outcomeIdempotencyRecord,
  recordedResult,
  type IdempotencyRecord,
} from '../idempotency.js';
import type { AppendResult, JsonObject } from '../types.js';
import {
  decodeRequests,
  encodeError,
  encodeOutcomes,
  type AppendRequest,
  type EncodedError,
  type FromWriter,
  type Outcome,
  type OutcomeRequest,
  type ToWriter,
  type WriteRequest,
} from './protocol.js';
import { openConnection } from './schema.js';

/** Requests that share one commit at most: enough to amortize the fsync, few enough to keep latency low. */
const MAX_BATCH_REQUESTS = 256;
/** Serialized event data one batch carries at most (a single request may exceed it, and then goes alone). */
const MAX_BATCH_CHARS = 16 * 1024 * 1024;

const port = ((): MessagePort => {
  if (parentPort === null) throw new Error('writer-thread runs as a worker thread of a SQLite event store');
  return parentPort;
})();

/** A writing connection, its prepared statements, and the requests queued for its next batch. */
class Connection {
  readonly queue: WriteRequest[] = [];
  closing = false;
  private readonly statements: Statements;

  constructor(
    readonly id: number,
    private readonly db: Database.Database,
  ) {
    this.statements = prepare(db);
  }

  get settings(): { synchronous: number; journalMode: string } {
    return {
      synchronous: this.db.pragma('synchronous', { simple: true }) as number,
      journalMode: this.db.pragma('journal_mode', { simple: true }) as string,
    };
  }

  close(): void {
    this.db.close();
  }

  /**
   * Runs a batch in one transaction. A request whose failure could leave writes of its own behind runs in a
   * savepoint, which undoes them; the others need none, since each makes at most one write that can fail
   * (the events' multi-row INSERT, which SQLite undoes as a statement) and fails before any other. Should a
   * request without a savepoint fail after a write all the same, the batch is rolled back and run again with a
   * savepoint for every request. When the transaction itself fails (the write lock not taken within the busy
   * timeout, a failed COMMIT, a disk error that ended the transaction), nothing of the batch is durable and
   * every request of it fails with that error, whatever it did alone.
   */
  commitBatch(batch: readonly WriteRequest[], everyInSavepoint = false): Outcome[] {
    const { db, statements } = this;
    const outcomes: Outcome[] = [];
    try {
      statements.begin.run();
      for (const request of batch) {
        const savepoint = everyInSavepoint || mayLeaveWrites(request);
        if (savepoint) statements.savepoint.run();
        const progress = { wrote: false };
        try {
          const value = execute(statements, request, progress);
          if (savepoint) statements.releaseSavepoint.run();
          outcomes.push({ id: request.id, ok: true, value });
        } catch (error) {
          // Some errors (a full disk, an I/O error) make SQLite roll back the whole transaction by itself.
          if (!db.inTransaction) throw error;
          if (!savepoint && progress.wrote) throw new RunAgainInSavepoints();
          if (savepoint) {
            // Undoes this request's writes, AUTOINCREMENT's counter included, so positions stay gap-free.
            statements.rollbackToSavepoint.run();
            statements.releaseSavepoint.run();
          }
          outcomes.push({ id: request.id, ok: false, error: encodeError(error) });
        }
      }
      statements.commit.run();
      return outcomes;
    } catch (error) {
      try {
        if (db.inTransaction) statements.rollback.run();
      } catch {
        // The transaction is gone either way; the error that ended it is the one to report.
      }
      if (error instanceof RunAgainInSavepoints && !everyInSavepoint) return this.commitBatch(batch, true);
      const encoded = encodeError(error);
      return batch.map((request) => ({ id: request.id, ok: false, error: encoded }));
    }
  }
}

/** A request without a savepoint failed after writing: its batch runs again, every request in a savepoint. */
class RunAgainInSavepoints extends Error {}

/**
 * Whether a failing request could have written before it failed: an append with claims or releases checks
 * them before its INSERT (the documented precedence puts a repeated event id before a taken key), so its
 * repeated-id check cannot be left to the INSERT, and its claim writes follow the INSERT.
 */
function mayLeaveWrites(request: WriteRequest): boolean {
  return request.kind === 'append' && (request.claims.length > 0 || request.releases.length > 0);
}

/** Set once a request has written, so that a failure after it is known to need undoing. */
interface Progress {
  wrote: boolean;
}

type Statements = ReturnType<typeof prepare>;

const INSERT_EVENTS =
  'INSERT INTO events (stream_id, version, event_id, type, schema_version, data, metadata, recorded_at) VALUES ';
const EVENT_ROW = '(?, ?, ?, ?, ?, ?, ?, ?)';

function prepare(db: Database.Database) {
  const inserts = new Map<number, Database.Statement<unknown[]>>();
  return {
    /**
     * One INSERT of `count` rows, prepared on first use (an append holds at most 100 events): one statement
     * run per append instead of one per event. SQLite assigns the positions in the order of the rows.
     */
    insertEvents(count: number): Database.Statement<unknown[]> {
      let statement = inserts.get(count);
      if (statement === undefined) {
        statement = db.prepare<unknown[]>(INSERT_EVENTS + Array<string>(count).fill(EVENT_ROW).join(', '));
        inserts.set(count, statement);
      }
      return statement;
    },
    // IMMEDIATE takes the write lock before anything is read, so no other connection (or process) can write
    // between the version checks and the commit.
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    savepoint: db.prepare('SAVEPOINT request'),
    releaseSavepoint: db.prepare('RELEASE request'),
    rollbackToSavepoint: db.prepare('ROLLBACK TO request'),
    // The stream's last event, from the end of the (stream_id, version) index: its version and its id in
    // one step, for the version check and `expectedEventId`.
    lastEvent: db.prepare<[string], { version: number; eventId: string }>(
      'SELECT version, event_id AS eventId FROM events WHERE stream_id = ? ORDER BY version DESC LIMIT 1',
    ),
    // A lookup in the UNIQUE (event_id, stream_id) index, which also refuses any insert it would miss.
    eventIdHeld: db.prepare<[string, string], number>('SELECT 1 FROM events WHERE stream_id = ? AND event_id = ?').pluck(),
    claimHolder: db.prepare<[string], string>('SELECT stream_id FROM claims WHERE key = ?').pluck(),
    claim: db.prepare<[string, string]>('INSERT OR REPLACE INTO claims (key, stream_id) VALUES (?, ?)'),
    unclaim: db.prepare<[string]>('DELETE FROM claims WHERE key = ?'),
    idempotency: db
      .prepare<[string, number], string>('SELECT record FROM idempotency WHERE key = ? AND expires_at > ?')
      .pluck(),
    remember: db.prepare<[string, string, number]>(
      'INSERT OR REPLACE INTO idempotency (key, record, expires_at) VALUES (?, ?, ?)',
    ),
    forget: db.prepare<[number]>('DELETE FROM idempotency WHERE expires_at <= ?'),
    // Only a later version replaces a kept snapshot, so racing writers never step it back.
    writeSnapshot: db.prepare<[string, string, number, string]>(
      `INSERT INTO snapshots (stream_id, schema, version, state) VALUES (?, ?, ?, ?)
       ON CONFLICT (stream_id, schema) DO UPDATE SET version = excluded.version, state = excluded.state
       WHERE excluded.version > snapshots.version`,
    ),
  };
}

/** The first of `eventIds` that the stream already holds. */
function repeatedEventId(statements: Statements, streamId: string, eventIds: readonly string[]): string | undefined {
  return eventIds.find((eventId) => statements.eventIdHeld.get(streamId, eventId) !== undefined);
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** The record the key holds at `now`, or undefined when it holds none or only an expired one. */
function liveRecord(statements: Statements, key: string, now: number): IdempotencyRecord | undefined {
  const seen = statements.idempotency.get(key, now);
  return seen === undefined ? undefined : (JSON.parse(seen) as IdempotencyRecord);
}

function remember(statements: Statements, key: string, record: IdempotencyRecord, now: number): void {
  statements.remember.run(key, JSON.stringify(record), now + IDEMPOTENCY_TTL_SECONDS * 1000);
}

function append(statements: Statements, request: AppendRequest, progress: Progress): AppendResult {
  const { streamId, expectedVersion, events, idempotencyKey, idempotencyFingerprint, now } = request;
  if (idempotencyKey !== undefined) {
    const seen = liveRecord(statements, idempotencyKey, now);
    if (seen !== undefined) return answerRetry(idempotencyKey, seen, streamId, idempotencyFingerprint);
  }
  const last = statements.lastEvent.get(streamId);
  const { expectedEventId } = request;
  if ((last?.version ?? 0) !== expectedVersion || (expectedEventId !== undefined && last?.eventId !== expectedEventId)) {
    throw new ConcurrencyError(streamId, expectedVersion);
  }
  const checkIdsFirst = expectedVersion > 0 && mayLeaveWrites(request);
  if (checkIdsFirst) {
    const repeated = repeatedEventId(statements, streamId, events.eventIds);
    if (repeated !== undefined) throw new DuplicateEventIdError(streamId, repeated);
  }
  for (const key of request.claims) {
    const holder = statements.claimHolder.get(key);
    if (holder !== undefined && holder !== streamId) throw new UniquenessError(key);
  }
  for (const key of request.releases) {
    if (statements.claimHolder.get(key) !== streamId) throw new ClaimNotHeldError(key, streamId);
  }

  const recordedAt = new Date(now).toISOString();
  const { eventIds, types, schemaVersions, data, metadata } = events;
  const values: unknown[] = [];
  for (let i = 0; i < eventIds.length; i++) {
    const version = expectedVersion + i + 1;
    values.push(streamId, version, eventIds[i], types[i], schemaVersions[i], data[i], metadata[i], recordedAt);
  }
  let inserted: Database.RunResult;
  try {
    inserted = statements.insertEvents(eventIds.length).run(values);
  } catch (error) {
    // The UNIQUE (event_id, stream_id) index refused the INSERT, which SQLite undid as a statement.
    const repeated = expectedVersion > 0 && isUniqueViolation(error) ? repeatedEventId(statements, streamId, eventIds) : undefined;
    if (repeated !== undefined) throw new DuplicateEventIdError(streamId, repeated, { cause: error });
    throw error;
  }
  progress.wrote = true;
  for (const key of request.claims) statements.claim.run(key, streamId);
  for (const key of request.releases) statements.unclaim.run(key);

  const result: AppendResult = {
    streamId,
    firstVersion: expectedVersion + 1,
    lastVersion: expectedVersion + eventIds.length,
    eventIds: [...eventIds],
    duplicate: false,
    // The rows got consecutive positions, the last one the INSERT's rowid.
    firstPosition: Number(inserted.lastInsertRowid) - eventIds.length + 1,
  };
  if (idempotencyKey !== undefined) {
    remember(statements, idempotencyKey, idempotencyRecord(result, idempotencyFingerprint), now);
  }
  return result;
}

/** Keeps an outcome under its key, unless the key holds a live record already: then answers from that. */
function recordOutcome(statements: Statements, request: OutcomeRequest, progress: Progress): AppendResult {
  const { idempotencyKey, streamId, fingerprint, now } = request;
  const seen = liveRecord(statements, idempotencyKey, now);
  if (seen !== undefined) return answerRetry(idempotencyKey, seen, streamId, fingerprint);
  const outcome = JSON.parse(request.outcome) as JsonObject;
  const record = outcomeIdempotencyRecord({ streamId, fingerprint, version: request.version, outcome });
  remember(statements, idempotencyKey, record, now);
  progress.wrote = true;
  return recordedResult(record, false);
}

function execute(statements: Statements, request: WriteRequest, progress: Progress): AppendResult | undefined {
  switch (request.kind) {
    case 'append':
      return append(statements, request, progress);
    case 'outcome':
      return recordOutcome(statements, request, progress);
    case 'snapshot':
      statements.writeSnapshot.run(request.streamId, request.schema, request.version, request.state);
      return undefined;
    case 'sweep':
      statements.forget.run(request.now);
      return undefined;
  }
}

const connections = new Map<number, Connection>();
/** Connections that could not be opened, with the error every request to them gets. */
const unopened = new Map<number, EncodedError>();
let scheduled = false;

function size(request: WriteRequest): number {
  switch (request.kind) {
    case 'append': {
      const { data, metadata } = request.events;
      let chars = 0;
      for (let i = 0; i < data.length; i++) chars += data[i]!.length + metadata[i]!.length;
      return chars;
    }
    case 'outcome':
      return request.outcome.length;
    case 'snapshot':
      return request.state.length;
    case 'sweep':
      return 0;
  }
}

function takeBatch(queue: WriteRequest[]): WriteRequest[] {
  let count = 0;
  let chars = 0;
  while (count < queue.length && count < MAX_BATCH_REQUESTS) {
    chars += size(queue[count]!);
    if (count > 0 && chars > MAX_BATCH_CHARS) break;
    count++;
  }
  return queue.splice(0, count);
}

const post = (message: FromWriter): void => port.postMessage(message);

/**
 * Runs in the check phase, after the poll phase has delivered every message that arrived meanwhile (during
 * the last commit's fsync, say): each connection's batch is everything queued for it by then, up to the
 * limits. Connections take turns, one batch each.
 */
function drain(): void {
  scheduled = false;
  for (const connection of connections.values()) {
    if (connection.queue.length > 0) {
      const outcomes = connection.commitBatch(takeBatch(connection.queue));
      post({ kind: 'outcomes', connection: connection.id, tape: encodeOutcomes(outcomes) });
    }
    if (connection.closing && connection.queue.length === 0) {
      connections.delete(connection.id);
      connection.close();
      post({ kind: 'closed', connection: connection.id });
    }
  }
  if ([...connections.values()].some((connection) => connection.queue.length > 0)) schedule();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(drain);
}

function open(id: number, filename: string, busyTimeoutMs: number): void {
  try {
    const connection = new Connection(id, openConnection(filename, busyTimeoutMs));
    connections.set(id, connection);
    post({ kind: 'opened', connection: id, ...connection.settings });
  } catch (error) {
    const encoded = encodeError(error);
    unopened.set(id, encoded);
    post({ kind: 'open-failed', connection: id, error: encoded });
  }
}

port.on('message', (message: ToWriter) => {
  switch (message.kind) {
    case 'open':
      open(message.connection, message.filename, message.busyTimeoutMs);
      return;
    case 'requests': {
      const connection = connections.get(message.connection);
      const requests = decodeRequests(message.tape);
      if (connection === undefined) {
        const error = unopened.get(message.connection) ?? encodeError(new Error('no such connection'));
        const outcomes = requests.map((request): Outcome => ({ id: request.id, ok: false, error }));
        post({ kind: 'outcomes', connection: message.connection, tape: encodeOutcomes(outcomes) });
        return;
      }
      for (const request of requests) connection.queue.push(request);
      break;
    }
    case 'close': {
      const connection = connections.get(message.connection);
      if (connection === undefined) {
        unopened.delete(message.connection);
        post({ kind: 'closed', connection: message.connection });
        return;
      }
      connection.closing = true;
      break;
    }
    case 'end':
      // With its port closed and nothing scheduled, the thread's event loop empties and the thread exits.
      if (connections.size === 0) port.close();
      return;
  }
  schedule();
});
