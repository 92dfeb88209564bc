import { extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AppendResult } from '../types.js';
import {
  decodeError,
  decodeOutcomes,
  encodeRequests,
  type AppendRequest,
  type ConnectionConfig,
  type FromWriter,
  type OutcomeRequest,
  type SnapshotRequest,
  type SweepRequest,
  type ToWriter,
  type WriteRequest,
} from './protocol.js';

/**
 * The writer thread's file next to this one, with this module's own extension: `.js` when compiled into
 * `dist/` (how the apps run), `.ts` when a TypeScript loader runs the sources (as tap does). A worker
 * inherits the parent's `execArgv`, loader hooks included, so the `.ts` file loads the same way.
 */
const WRITER_URL = new URL(`./writer-thread${extname(new URL(import.meta.url).pathname)}`, import.meta.url);

/**
 * How long the writer thread outlives the last store that used it. A process that closes a store and opens
 * another (a test suite, a rebuild) then reuses the thread instead of starting a new one. The idle thread
 * never keeps the process alive.
 */
const LINGER_MS = 1000;

/**
 * The writer thread stopped, unasked: it crashed, or failed to start. A write that was in flight may or may
 * not have committed; read the stream to find out. Every later write of the store fails with this error too;
 * a store opened afterwards gets a new thread.
 */
export class WriterStoppedError extends Error {
  override readonly name = 'WriterStoppedError';
  readonly code = 'SQLITE_WRITER_STOPPED';

  constructor(
    readonly exitCode: number,
    options?: ErrorOptions,
  ) {
    const reason = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(
      `the SQLite event store's writer thread stopped (exit code ${exitCode})${reason}; ` +
        'writes in flight may or may not have committed',
      options,
    );
  }
}

/** Checks the code, not the class, so it holds across duplicated module instances. */
export const isWriterStoppedError = (error: unknown): error is WriterStoppedError =>
  error instanceof Error && (error as { code?: unknown }).code === 'SQLITE_WRITER_STOPPED';

/** What a writing connection runs under, as the writer thread reported once it was open. */
export interface WriterSettings {
  /** 2 is FULL. */
  readonly synchronous: number;
  readonly journalMode: string;
}

export interface WriterHooks {
  /** Called with the number of requests of each of the connection's batches once its outcomes arrive. */
  readonly onBatch?: (size: number) => void;
}

type Body<R> = Omit<R, 'id'>;

/** A store's writing connection, in the writer thread, as seen from the store's thread. */
export interface WriterClient {
  /** Settles with the append's result once its batch committed, or with its own error. */
  append(request: Body<AppendRequest>): Promise<AppendResult>;
  /** Settles with the answer once its batch committed: the outcome recorded, or the record the key held. */
  recordOutcome(request: Body<OutcomeRequest>): Promise<AppendResult>;
  write(request: Body<SnapshotRequest> | Body<SweepRequest>): Promise<void>;
  /** Settles once the connection is open; rejects when it could not be opened. */
  readonly ready: Promise<WriterSettings>;
  /** Lets every pending write settle, then closes the connection. Idempotent. */
  close(): Promise<void>;
  /** The thread, shared by the process's stores; for tests that watch it end or stop it the hard way. */
  readonly worker: Worker;
}

interface Pending {
  resolve(value: AppendResult | undefined): void;
  reject(error: Error): void;
}

/**
 * The writes of a connection that await their outcomes, by request id. It is a plain object used as a
 * dictionary, not a `Map`, and so is the outbox below fresh for every flush instead of cleared: when a `Map`
 * outgrows, shrinks or clears its hash table, V8 links the old table to the new one (for iterators still
 * walking it), so a long-lived `Map` whose entries come and go, one per write here, chains its tables
 * through the young generation: once one table of the chain is old, the scavenger keeps every later table
 * alive, with the requests they held and everything those reach (their events, the commands awaiting them).
 * In isolation, 10 entries set and deleted per turn kept about 11 MB alive through every scavenge where a
 * plain object kept 0.4 MB. See docs/benchmarks.md, `memory-peak`.
 */
class PendingWrites {
  private byId: Record<number, Pending> = Object.create(null) as Record<number, Pending>;
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(id: number, pending: Pending): void {
    this.byId[id] = pending;
    this.count++;
  }

  /** The write's callbacks, once: undefined for an id not pending (any more). */
  take(id: number): Pending | undefined {
    const pending = this.byId[id];
    if (pending === undefined) return undefined;
    delete this.byId[id];
    this.count--;
    return pending;
  }

  takeAll(): Pending[] {
    const all = Object.values(this.byId);
    this.byId = Object.create(null) as Record<number, Pending>;
    this.count = 0;
    return all;
  }
}

interface Connection {
  readonly pending: PendingWrites;
  readonly hooks: WriterHooks;
  readonly opened: { resolve(settings: WriterSettings): void; reject(error: Error): void };
  /** Woken when nothing is pending any more. */
  idle: Array<() => void>;
  closed?: () => void;
  stopped?: WriterStoppedError;
}

/** The writer thread and the connections it holds for this thread's stores. */
interface Host {
  readonly worker: Worker;
  readonly connections: Map<number, Connection>;
  outbox: Map<number, WriteRequest[]>;
  flushScheduled: boolean;
  /** Requests and closes awaiting an answer, over all connections: while any is, the thread is ref'd. */
  waiting: number;
  failure?: Error;
  linger?: NodeJS.Timeout;
  /** Set once the thread is told to end or has ended: no new connection may use it. */
  ending: boolean;
}

let current: Host | undefined;
let nextId = 1;

/** Flags that load code (a TypeScript loader under tap, say), with their value as the next argument. */
const LOADER_FLAGS = ['--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C'];
/** Flags without a value that change how the writer's code loads or reports. */
const PLAIN_FLAGS = ['--enable-source-maps', '--no-warnings', '--experimental-strip-types'];

/**
 * Of the parent's flags, those the writer's code needs to load as the parent's does: loaders, conditions and
 * source maps. Everything else stays with the main thread. A worker refuses per-process flags such as
 * `--max-old-space-size` outright, so inheriting them all (Node's default) would crash a service started
 * with one; and flags about the main script (`--input-type`, `--eval`) would apply to the writer's file.
 */
function writerExecArgv(): string[] {
  const kept: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.split('=', 1)[0]!;
    if (LOADER_FLAGS.includes(name)) {
      kept.push(arg);
      if (!arg.includes('=') && i + 1 < argv.length) kept.push(argv[++i]!);
    } else if (PLAIN_FLAGS.includes(arg)) kept.push(arg);
  }
  return kept;
}

/**
 * The writer thread's young generation, kept small: what it allocates (one batch's requests and outcomes)
 * dies young, and V8's default lets each isolate's new space grow to tens of megabytes under load, which
 * the process then holds as resident memory. The old generation keeps V8's default, so that a batch of
 * large appends (up to MAX_BATCH_CHARS) still fits.
 */
const WRITER_HEAP = { maxYoungGenerationSizeMb: 8 };

function startHost(): Host {
  const worker = new Worker(WRITER_URL, { execArgv: writerExecArgv(), resourceLimits: WRITER_HEAP });
  worker.unref();
  const host: Host = {
    worker,
    connections: new Map(),
    outbox: new Map(),
    flushScheduled: false,
    waiting: 0,
    ending: false,
  };

  worker.on('message', (message: FromWriter) => {
    const connection = host.connections.get(message.connection);
    if (connection === undefined) return;
    switch (message.kind) {
      case 'opened':
        connection.opened.resolve({ synchronous: message.synchronous, journalMode: message.journalMode });
        return;
      case 'open-failed':
        connection.opened.reject(decodeError(message.error));
        return;
      case 'outcomes': {
        const outcomes = decodeOutcomes(message.tape);
        for (const outcome of outcomes) {
          const waiting = connection.pending.take(outcome.id);
          if (waiting === undefined) continue;
          settled(host);
          if (outcome.ok) waiting.resolve(outcome.value);
          else waiting.reject(decodeError(outcome.error));
        }
        connection.hooks.onBatch?.(outcomes.length);
        if (connection.pending.size === 0) wake(connection);
        return;
      }
      case 'closed':
        host.connections.delete(message.connection);
        settled(host);
        connection.closed?.();
        if (host.connections.size === 0) lingerThenEnd(host);
        return;
    }
  });
  // An uncaught error in the thread, or a failure to load it; 'exit' follows.
  worker.on('error', (error) => {
    host.failure = error;
  });
  worker.on('exit', (exitCode) => {
    host.ending = true;
    if (current === host) current = undefined;
    clearTimeout(host.linger);
    const stopped = new WriterStoppedError(exitCode, host.failure === undefined ? undefined : { cause: host.failure });
    for (const connection of host.connections.values()) {
      connection.stopped = stopped;
      connection.opened.reject(stopped);
      for (const waiting of connection.pending.takeAll()) waiting.reject(stopped);
      wake(connection);
      connection.closed?.();
    }
    host.connections.clear();
    host.outbox = new Map();
  });
  return host;
}

function awaiting(host: Host): void {
  if (host.waiting++ === 0) host.worker.ref();
}

function settled(host: Host): void {
  if (--host.waiting === 0) host.worker.unref();
}

function wake(connection: Connection): void {
  const idle = connection.idle;
  connection.idle = [];
  for (const resume of idle) resume();
}

function lingerThenEnd(host: Host): void {
  clearTimeout(host.linger);
  host.linger = setTimeout(() => {
    if (host.connections.size > 0) return;
    host.ending = true;
    if (current === host) current = undefined;
    host.worker.postMessage({ kind: 'end' } satisfies ToWriter);
  }, LINGER_MS);
  host.linger.unref();
}

/**
 * Requests travel in one message per connection, sent once the event loop has run the callbacks of its
 * current phase (`setImmediate`): all the requests that arrived in one poll of the sockets, and the appends
 * their handlers made, reach the writer together and share a commit. Flushing at the end of each callback
 * instead (`process.nextTick`) sent one message per request under HTTP load, and cost the hot path of
 * `PATCH` on one user about 30 % of its throughput in messages and smaller batches.
 */
function flush(host: Host): void {
  host.flushScheduled = false;
  for (const [connection, requests] of host.outbox) {
    host.worker.postMessage({ kind: 'requests', connection, tape: encodeRequests(requests) } satisfies ToWriter);
  }
  // A new map, not a cleared one: see PendingWrites.
  host.outbox = new Map();
}

/** Opens a writing connection to the file in the process's writer thread, starting the thread if need be. */
export function startWriter(config: ConnectionConfig, hooks: WriterHooks = {}): WriterClient {
  if (current === undefined || current.ending) current = startHost();
  const host = current;
  clearTimeout(host.linger);
  const id = nextId++;

  let opened!: Connection['opened'];
  const ready = new Promise<WriterSettings>((resolve, reject) => (opened = { resolve, reject }));
  // The caller may never ask; a failed open still surfaces through every write.
  ready.catch(() => undefined);
  const connection: Connection = { pending: new PendingWrites(), hooks, opened, idle: [] };
  host.connections.set(id, connection);
  host.worker.postMessage({ kind: 'open', connection: id, ...config } satisfies ToWriter);

  let closing = false;
  function submit(body: Body<WriteRequest>): Promise<AppendResult | undefined> {
    if (closing) return Promise.reject(new Error('the SQLite event store is closed'));
    if (connection.stopped !== undefined) return Promise.reject(connection.stopped);
    const requestId = nextId++;
    return new Promise((resolve, reject) => {
      connection.pending.add(requestId, { resolve, reject });
      awaiting(host);
      const requests = host.outbox.get(id) ?? [];
      // The id first: in isolation on Node 20, `{ ...body, id }` (a spread, then a field added) was three times
      // slower to build, and what it built outlived the young generation (docs/benchmarks.md, `memory-peak`).
      requests.push({ id: requestId, ...body } as WriteRequest);
      host.outbox.set(id, requests);
      if (!host.flushScheduled) {
        host.flushScheduled = true;
        setImmediate(flush, host);
      }
    });
  }

  let closed: Promise<void> | undefined;
  return {
    append: (request) => submit(request) as Promise<AppendResult>,
    recordOutcome: (request) => submit(request) as Promise<AppendResult>,
    write: async (request) => {
      await submit(request);
    },
    ready,
    worker: host.worker,
    close() {
      closed ??= (async () => {
        closing = true;
        if (connection.pending.size > 0) await new Promise<void>((resume) => connection.idle.push(resume));
        if (connection.stopped !== undefined) return;
        await new Promise<void>((resolve) => {
          connection.closed = resolve;
          awaiting(host);
          host.worker.postMessage({ kind: 'close', connection: id } satisfies ToWriter);
        });
      })();
      return closed;
    },
  };
}
