/**
 * The load generator: a child process of the bench, pinned to its own core, that runs autocannon on
 * request over IPC (see load-protocol.ts). It exits when the bench disconnects.
 */
import autocannon from 'autocannon';
import type { FromWorker, LoadSpec, LoadSummary, Operation, Target, ToWorker } from './load-protocol.js';

const targetLists = new Map<string, readonly Target[]>();
const EMPTY = Buffer.alloc(0);

function send(message: FromWorker): void {
  process.send?.(message);
}

/** Picks an operation by weight. */
function chooser(operations: readonly Operation[]): () => Operation {
  const total = operations.reduce((sum, operation) => sum + operation.weight, 0);
  if (operations.length === 0 || !(total > 0)) throw new Error('a run needs at least one operation with a weight');
  if (operations.length === 1) return () => operations[0]!;
  return () => {
    let pick = Math.random() * total;
    for (const operation of operations) {
      pick -= operation.weight;
      if (pick < 0) return operation;
    }
    return operations[operations.length - 1]!;
  };
}

async function run(spec: LoadSpec): Promise<LoadSummary> {
  const targets = targetLists.get(spec.targets);
  if (targets === undefined || targets.length === 0) throw new Error(`no targets named ${spec.targets}`);
  const operation = chooser(spec.operations);
  // Built once per run: the load generator's own cost per request bounds what the fastest side can reach.
  const headers = targets.map((target) => ({
    read: { authorization: `Bearer ${target.token}` },
    write: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
  }));
  let written = 0;

  const options: autocannon.Options = {
    url: spec.origin,
    connections: spec.connections,
    duration: spec.durationSeconds,
    ...(spec.maxRequests === undefined ? {} : { maxOverallRequests: spec.maxRequests }),
    // autocannon stops at the first sample after the duration: sampling often keeps a run to its length.
    sampleInt: 100,
    // No retries, no bail-out: every answer counts, and non-2xx are counted apart.
    timeout: 30,
    requests: [
      {
        setupRequest: (request) => {
          const pick = Math.floor(Math.random() * targets.length);
          const { method } = operation();
          request.method = method;
          request.path = targets[pick]!.path;
          if (method === 'GET') {
            request.headers = headers[pick]!.read;
            request.body = EMPTY;
          } else {
            // A copy: autocannon adds Content-Length to the headers it is given.
            request.headers = { ...headers[pick]!.write };
            request.body = `{"name":"${spec.tag}-${written++}"}`;
          }
          return request;
        },
      },
    ],
  };

  const started = performance.now();
  let lastResponse = started;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error, finished) => (error ? reject(error) : resolve(finished)));
    // The run lasts until its last response, not until the sample after it (up to 100 ms later).
    instance.on('response', () => {
      lastResponse = performance.now();
    });
  });
  const durationSeconds = Math.max(lastResponse - started, 1) / 1000;

  const statusCounts: Record<string, number> = {};
  for (const [status, { count }] of Object.entries(result.statusCodeStats ?? {})) statusCounts[status] = count ?? 0;
  const responses = Object.values(statusCounts).reduce((sum, count) => sum + count, 0);
  return {
    durationSeconds,
    responses,
    ok: result['2xx'],
    okPerSecond: result['2xx'] / durationSeconds,
    non2xx: result.non2xx,
    statusCounts,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    bytesPerResponse: responses > 0 ? result.throughput.total / responses : 0,
  };
}

process.on('message', (message: ToWorker) => {
  if (message.kind === 'targets') {
    targetLists.set(message.name, message.targets);
    return;
  }
  run(message.spec).then(
    (summary) => send({ kind: 'result', id: message.id, summary }),
    (error: unknown) =>
      send({ kind: 'error', id: message.id, message: error instanceof Error ? error.message : String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
send({ kind: 'ready' });
