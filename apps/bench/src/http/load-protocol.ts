/**
 * The messages between the bench and its load generator, a long-lived child process on its own core that
 * runs autocannon. One process serves every run, so that no run pays for starting Node and autocannon.
 */

/** One user the load generator may address: the request path and the Bearer token that may use it. */
export interface Target {
  readonly path: string;
  readonly token: string;
}

/** A kind of request and its share of the load. */
export interface Operation {
  /** PATCH and POST send `{"name": …}` with a value no earlier request used, so no write is a no-op. */
  readonly method: 'GET' | 'PATCH' | 'POST';
  readonly weight: number;
}

export interface LoadSpec {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  /** The name of a target list sent earlier with a `targets` message. */
  readonly targets: string;
  readonly operations: readonly Operation[];
  readonly connections: number;
  readonly durationSeconds: number;
  /** Stop after this many requests, if that comes before the duration. */
  readonly maxRequests?: number;
  /** Makes the names this run writes unique across runs. */
  readonly tag: string;
}

/** What one run measured. Rates are per second of the run's own duration. */
export interface LoadSummary {
  /** From the start of the run to its last response. */
  readonly durationSeconds: number;
  /** Responses received, of any status. */
  readonly responses: number;
  readonly ok: number;
  readonly okPerSecond: number;
  readonly non2xx: number;
  /** Responses per status code, e.g. `{ "200": 1234, "409": 2 }`. */
  readonly statusCounts: Readonly<Record<string, number>>;
  /** Connection errors, timeouts included. */
  readonly errors: number;
  readonly timeouts: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Bytes received per response, headers included. */
  readonly bytesPerResponse: number;
}

export type ToWorker =
  | { readonly kind: 'targets'; readonly name: string; readonly targets: readonly Target[] }
  | { readonly kind: 'run'; readonly id: number; readonly spec: LoadSpec };

export type FromWorker =
  | { readonly kind: 'ready' }
  | { readonly kind: 'result'; readonly id: number; readonly summary: LoadSummary }
  | { readonly kind: 'error'; readonly id: number; readonly message: string };
