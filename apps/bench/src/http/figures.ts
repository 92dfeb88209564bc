import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext, BenchResult } from '../result.js';
import { interleave, median, meets, summarize, type Round } from '../stats.js';
import { TARGETS, type HttpHarness } from './harness.js';
import type { LoadSummary, Operation } from './load-protocol.js';
import { cpuSeconds, MIB, residentMemory, RssSampler } from './proc.js';
import type { RunningServer } from './service.js';

const GET: readonly Operation[] = [{ method: 'GET', weight: 1 }];
const PATCH: readonly Operation[] = [{ method: 'PATCH', weight: 1 }];
const POST: readonly Operation[] = [{ method: 'POST', weight: 1 }];

/** One side of a comparison: which server, which users, which requests. */
interface Side {
  readonly label: string;
  readonly server: RunningServer;
  readonly targets: string;
  readonly operations: readonly Operation[];
  /** Ends a run after this many requests, if that comes before its time is up. */
  readonly maxRequests?: number;
}

/** One measured run of a side, with the CPU both processes used during it. */
interface SideRun {
  readonly summary: LoadSummary;
  /** CPU used by the server during the run, in cores (1 = one core busy all the time). */
  readonly serverCores: number;
  /** CPU used by the load generator during the run, in cores: near 1, it may be what limits the side. */
  readonly loadCores: number;
  /** CPU used meanwhile by the other server on the same core: background work that takes from this side. */
  readonly otherServerCores: number;
  readonly peakRss?: number;
}

interface Comparison {
  readonly rounds: readonly Round[];
  readonly a: readonly SideRun[];
  readonly b: readonly SideRun[];
}

/** Sends one request of a side's first kind from the bench itself, and answers what came back, for errors. */
async function probe(h: HttpHarness, side: Side): Promise<string> {
  const user = h.targets(side.targets)[0]!;
  const { method } = side.operations[0]!;
  try {
    const response = await fetch(`${side.server.origin}${user.path}`, {
      method,
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      ...(method === 'GET' ? {} : { body: JSON.stringify({ name: `probe-${Date.now()}` }) }),
      signal: AbortSignal.timeout(10_000),
    });
    return `${method} ${user.path} answered ${response.status} ${(await response.text()).slice(0, 300)}`;
  } catch (error) {
    return `${method} ${user.path} failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Runs one side once, checking that its server survived, and measures its CPU use (and RSS, if asked). */
async function runSide(h: HttpHarness, side: Side, seconds: number, sampleRss = false): Promise<SideRun> {
  const pid = side.server.child.pid;
  const otherPid = (side.server === h.service ? h.bare : h.service).child.pid;
  const cpuBefore = cpuSeconds(pid);
  const loadCpuBefore = cpuSeconds(h.loadPid);
  const otherCpuBefore = cpuSeconds(otherPid);
  const started = performance.now();
  const sampler = sampleRss ? new RssSampler(pid) : undefined;
  const summary = await h.load(side.server, side.targets, side.operations, seconds, side.maxRequests);
  const rss = sampler?.stop();
  const elapsed = (performance.now() - started) / 1000;
  if (!side.server.child.alive()) {
    throw new Error(`${side.server.child.name} died during ${side.label}\n${side.server.child.stderrTail()}`);
  }
  if (summary.ok === 0) {
    const seen = `${JSON.stringify(summary.statusCounts)}, ${summary.errors} errors`;
    throw new Error(`${side.label}: no 2xx response in ${seconds} s (${seen}); one more: ${await probe(h, side)}`);
  }
  return {
    summary,
    serverCores: (cpuSeconds(pid) - cpuBefore) / elapsed,
    loadCores: (cpuSeconds(h.loadPid) - loadCpuBefore) / elapsed,
    otherServerCores: (cpuSeconds(otherPid) - otherCpuBefore) / elapsed,
    ...(rss === undefined ? {} : { peakRss: rss.peak }),
  };
}

/**
 * A warm-up of each side, then A and B interleaved over the rounds; each side's value is its 2xx per
 * second. `a` and `b` get the round, so a side may use fresh users per round.
 */
async function compare(
  h: HttpHarness,
  context: BenchContext,
  id: string,
  a: (round: number) => Side,
  b: (round: number) => Side,
  options: { warmup?: { a: Side; b: Side }; sampleRssOfA?: boolean; sampleRssOfB?: boolean } = {},
): Promise<Comparison> {
  const { rounds, seconds, warmupSeconds } = h.settings;
  // A warm-up for each kind of load not seen yet (the JIT, the service's caches); the long-history user
  // has its own, since its first load reads its whole stream.
  const warmups = [options.warmup?.a ?? a(0), options.warmup?.b ?? b(0)].filter((side) => {
    const methods = side.operations.map((operation) => operation.method).join('+');
    const kind = `${side.server.origin} ${methods} ${side.targets === TARGETS.heavy ? side.targets : ''}`;
    if (h.warmed.has(kind)) return false;
    h.warmed.add(kind);
    return true;
  });
  const warming = warmups.length === 0 ? 'no warm-up needed' : `warm-up of ${warmups.length} × ${warmupSeconds} s`;
  context.log(`${id}: ${warming}, then ${rounds} rounds of ${seconds} s a side`);
  for (const side of warmups) await runSide(h, side, warmupSeconds);
  const runsA: SideRun[] = [];
  const runsB: SideRun[] = [];
  // Each round runs A then B, or B then A: report it once both sides are in.
  const logRound = (round: number) => {
    const [ranA, ranB] = [runsA[round], runsB[round]];
    if (ranA === undefined || ranB === undefined) return;
    const [valueA, valueB] = [ranA.summary.okPerSecond, ranB.summary.okPerSecond];
    const ratio = (valueA / valueB).toFixed(2);
    context.log(`  round ${round + 1}: ${valueA.toFixed(0)} ÷ ${valueB.toFixed(0)} 2xx/s = ${ratio}`);
  };
  const results = await interleave(
    rounds,
    async (round) => {
      const run = await runSide(h, a(round), seconds, options.sampleRssOfA);
      runsA[round] = run;
      logRound(round);
      return run.summary.okPerSecond;
    },
    async (round) => {
      const run = await runSide(h, b(round), seconds, options.sampleRssOfB);
      runsB[round] = run;
      logRound(round);
      return run.summary.okPerSecond;
    },
  );
  return { rounds: results, a: runsA, b: runsB };
}

/** The details every HTTP figure reports about its two sides. */
function sideDetails(runs: readonly SideRun[]): Record<string, unknown> {
  const sum = (pick: (s: LoadSummary) => number) => runs.reduce((total, run) => total + pick(run.summary), 0);
  const statusCounts: Record<string, number> = {};
  for (const run of runs) {
    for (const [status, count] of Object.entries(run.summary.statusCounts)) {
      statusCounts[status] = (statusCounts[status] ?? 0) + count;
    }
  }
  return {
    perRound: runs.map((run) => Math.round(run.summary.okPerSecond)),
    responses: sum((s) => s.responses),
    non2xx: sum((s) => s.non2xx),
    statusCounts,
    errors: sum((s) => s.errors),
    latencyP50Ms: median(runs.map((run) => run.summary.latencyMs.p50)),
    latencyP99Ms: median(runs.map((run) => run.summary.latencyMs.p99)),
    bytesPerResponse: Math.round(median(runs.map((run) => run.summary.bytesPerResponse))),
    serverCores: Math.round(median(runs.map((run) => run.serverCores)) * 100) / 100,
    loadGeneratorCores: Math.round(median(runs.map((run) => run.loadCores)) * 100) / 100,
    otherServerCores: Math.round(median(runs.map((run) => run.otherServerCores)) * 100) / 100,
  };
}

function details(h: HttpHarness, comparison: Comparison, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    rounds: h.settings.rounds,
    secondsPerSide: h.settings.seconds,
    connections: h.settings.connections,
    ...extra,
    a: sideDetails(comparison.a),
    b: sideDetails(comparison.b),
  };
}

function warnOnNon2xx(context: BenchContext, id: string, comparison: Comparison): void {
  const count = comparison.a.reduce((total, run) => total + run.summary.non2xx, 0);
  if (count === 0) return;
  const statuses = comparison.a.map((run) => JSON.stringify(run.summary.statusCounts)).join(' ');
  context.log(`  ${id}: ${count} non-2xx responses from the service (only 2xx count): ${statuses}`);
}

/** `http-read`: `GET /users/{id}` over the pool, each request a random user with its own token. */
export async function httpRead(h: HttpHarness, context: BenchContext): Promise<BenchResult[]> {
  const comparison = await compare(
    h,
    context,
    'http-read',
    () => ({ label: 'GET /users/{id}', server: h.service, targets: TARGETS.pool, operations: GET }),
    () => ({ label: 'bare GET', server: h.bare, targets: TARGETS.pool, operations: GET }),
  );
  warnOnNon2xx(context, 'http-read', comparison);
  return [
    summarize(
      {
        id: 'http-read',
        description:
          `GET /users/{id} 2xx/s over ${h.users.pool.length} users with their own tokens ÷ ` +
          'a bare Fastify route answering the same bytes',
        target: '>= 0.5',
        unit: '2xx/s',
        details: details(h, comparison),
      },
      comparison.rounds,
    ),
  ];
}

/** `http-read-flat`: reading a user with a long history against reading a one-event user. */
export async function httpReadFlat(h: HttpHarness, context: BenchContext): Promise<BenchResult[]> {
  const comparison = await compare(
    h,
    context,
    'http-read-flat',
    () => ({
      label: `GET of a ${h.heavyVersion}-event user`,
      server: h.service,
      targets: TARGETS.heavy,
      operations: GET,
    }),
    () => ({ label: 'GET of a 1-event user', server: h.service, targets: TARGETS.light, operations: GET }),
  );
  warnOnNon2xx(context, 'http-read-flat', comparison);
  return [
    summarize(
      {
        id: 'http-read-flat',
        description: `GET /users/{id} of a user with ${h.heavyVersion} events ÷ of a user with 1 event (2xx/s)`,
        target: '>= 0.9',
        unit: '2xx/s',
        details: details(h, comparison, { heavyEvents: h.heavyVersion }),
      },
      comparison.rounds,
    ),
  ];
}

/**
 * `http-command`, and `memory-peak` from the same run: `PATCH /users/{id}` over the pool against a bare
 * POST echo, with the service's resident memory sampled throughout its side.
 */
export async function httpCommand(h: HttpHarness, context: BenchContext): Promise<BenchResult[]> {
  const comparison = await compare(
    h,
    context,
    'http-command',
    () => ({ label: 'PATCH /users/{id}', server: h.service, targets: TARGETS.pool, operations: PATCH }),
    () => ({ label: 'bare POST echo', server: h.bare, targets: TARGETS.pool, operations: POST }),
    { sampleRssOfA: true, sampleRssOfB: true },
  );
  warnOnNon2xx(context, 'http-command', comparison);
  const command = summarize(
    {
      id: 'http-command',
      description:
        `PATCH /users/{id} 2xx/s over ${h.users.pool.length} users, ${h.settings.connections} connections ÷ ` +
        'a bare Fastify POST echo',
      target: '>= 0.3',
      unit: '2xx/s',
      details: details(h, comparison),
    },
    comparison.rounds,
  );

  const peaks = comparison.a.map((run) => run.peakRss!);
  const barePeaks = comparison.b.map((run) => run.peakRss!);
  const ratios = peaks.map((peak, i) => peak / barePeaks[i]!);
  const value = Math.max(...peaks) / MIB;
  const baseline = Math.max(...barePeaks) / MIB;
  const target = '<= 200 MB';
  const memoryPeak: BenchResult = {
    id: 'memory-peak',
    description:
      'peak RSS of the service during the http-command run (VmRSS sampled every 100 ms) ÷ ' +
      'of the bare Fastify server during its side',
    value,
    baseline,
    ratio: value / baseline,
    min: Math.min(...ratios),
    max: Math.max(...ratios),
    target,
    // An absolute target: judged on the value, not the ratio.
    pass: meets(target, value),
    unit: 'MB',
    details: {
      perRoundMB: peaks.map((peak) => Math.round(peak / MIB)),
      bareServerPerRoundMB: barePeaks.map((peak) => Math.round(peak / MIB)),
      vmHwmSinceStartMB: Math.round(residentMemory(h.service.child.pid).peak / MIB),
    },
  };
  return [command, memoryPeak];
}

/** `http-command-hot`: every request a PATCH of the same user (a fresh one per round). */
export async function httpCommandHot(h: HttpHarness, context: BenchContext): Promise<BenchResult[]> {
  const { rounds } = h.settings;
  const comparison = await compare(
    h,
    context,
    'http-command-hot',
    (round) => ({ label: 'PATCH of one user', server: h.service, targets: TARGETS.hot(round), operations: PATCH }),
    (round) => ({ label: 'bare POST echo', server: h.bare, targets: TARGETS.hot(round), operations: POST }),
    {
      warmup: {
        a: { label: 'PATCH of one user (warm-up)', server: h.service, targets: TARGETS.hot(rounds), operations: PATCH },
        b: { label: 'bare POST echo (warm-up)', server: h.bare, targets: TARGETS.hot(rounds), operations: POST },
      },
    },
  );
  const non2xx = comparison.a.reduce((total, run) => total + run.summary.non2xx, 0);
  const errors = comparison.a.reduce((total, run) => total + run.summary.errors, 0);
  if (non2xx > 0) context.log(`  http-command-hot: ${non2xx} non-2xx responses: the figure fails`);
  const result = summarize(
    {
      id: 'http-command-hot',
      description:
        `PATCH of one user, ${h.settings.connections} connections, 2xx/s with zero non-2xx ÷ ` +
        'a bare Fastify POST echo',
      target: '>= 0.2',
      unit: '2xx/s',
      details: details(h, comparison, { non2xx, freshUserPerRound: true }),
    },
    comparison.rounds,
  );
  return [{ ...result, pass: result.pass === true && non2xx === 0 && errors === 0 }];
}

/**
 * `http-command-flat`: PATCH of the long-history user against PATCH of a one-event user (fresh per round).
 * Every PATCH appends an event, so each side stops after a tenth of the long history's events (or when its
 * time is up): the light user stays below a tenth of the heavy one's length.
 */
export async function httpCommandFlat(h: HttpHarness, context: BenchContext): Promise<BenchResult[]> {
  const { rounds } = h.settings;
  const maxRequests = Math.max(100, Math.floor(h.heavyVersion / 10));
  const heavy: Side = {
    label: 'PATCH of the long-history user',
    server: h.service,
    targets: TARGETS.heavy,
    operations: PATCH,
    maxRequests,
  };
  const light = (i: number): Side => ({
    label: 'PATCH of a 1-event user',
    server: h.service,
    targets: TARGETS.lightWriter(i),
    operations: PATCH,
    maxRequests,
  });
  const comparison = await compare(h, context, 'http-command-flat', () => heavy, light, {
    warmup: { a: heavy, b: light(rounds) },
  });
  warnOnNon2xx(context, 'http-command-flat', comparison);
  const lightEventsAtEnd = comparison.b.map((run) => 1 + run.summary.ok);
  return [
    summarize(
      {
        id: 'http-command-flat',
        description:
          `PATCH of a user with ${h.heavyVersion}+ events ÷ of a user with 1 event at the start of its round ` +
          `(2xx/s, at most ${maxRequests} requests a side and round)`,
        target: '>= 0.9',
        unit: '2xx/s',
        details: details(h, comparison, {
          heavyEventsAtStart: h.heavyVersion,
          maxRequestsPerSide: maxRequests,
          lightEventsAtEndOfRound: lightEventsAtEnd,
        }),
      },
      comparison.rounds,
    ),
  ];
}

/**
 * `memory-soak`: resident memory after a soak of mixed reads and writes over the pool, against resident
 * memory after a warm-up of the same load. The soak runs as three back-to-back segments; the ratio is the
 * one after the whole soak, and min and max span the three segments.
 */
export async function memorySoak(h: HttpHarness, context: BenchContext): Promise<BenchResult[]> {
  const { soakWarmupSeconds, soakSeconds } = h.settings;
  const mix: readonly Operation[] = [
    { method: 'GET', weight: 9 },
    { method: 'PATCH', weight: 1 },
  ];
  const pid = h.service.child.pid;
  const side: Side = { label: 'soak', server: h.service, targets: TARGETS.pool, operations: mix };
  context.log(`memory-soak: warm-up ${soakWarmupSeconds} s, then a soak of ${soakSeconds} s (90 % GET, 10 % PATCH)`);
  await runSide(h, side, soakWarmupSeconds);
  // Read both sizes alike: shortly after the load stops.
  const settle = () => sleep(300);
  await settle();
  const warm = residentMemory(pid).rss;
  const segments: number[] = [];
  const served: LoadSummary[] = [];
  for (let i = 0; i < 3; i++) {
    served.push((await runSide(h, side, soakSeconds / 3)).summary);
    await settle();
    segments.push(residentMemory(pid).rss);
    const after = Math.round(((i + 1) * soakSeconds) / 3);
    context.log(`  after ${after} s: ${(segments.at(-1)! / MIB).toFixed(0)} MB (warm: ${(warm / MIB).toFixed(0)} MB)`);
  }
  const ratios = segments.map((rss) => rss / warm);
  const target = '<= 1.2';
  const ratio = ratios.at(-1)!;
  return [
    {
      id: 'memory-soak',
      description:
        `RSS of the service after a ${soakSeconds} s soak ÷ after a ${soakWarmupSeconds} s warm-up ` +
        `(90 % GET, 10 % PATCH over ${h.users.pool.length} users)`,
      value: segments.at(-1)! / MIB,
      baseline: warm / MIB,
      ratio,
      min: Math.min(...ratios),
      max: Math.max(...ratios),
      target,
      pass: meets(target, ratio),
      unit: 'MB',
      details: {
        segmentsMB: segments.map((rss) => Math.round(rss / MIB)),
        requests: served.reduce((total, s) => total + s.responses, 0),
        non2xx: served.reduce((total, s) => total + s.non2xx, 0),
      },
    },
  ];
}
