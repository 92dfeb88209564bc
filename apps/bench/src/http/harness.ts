import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from '../result.js';
import type { FixedResponse } from './bare-server.js';
import { LoadGenerator } from './load.js';
import type { LoadSpec, LoadSummary, Operation } from './load-protocol.js';
import { SERVER_CORE, taskset } from './processes.js';
import {
  appendProfileUpdates,
  captureRead,
  logIn,
  readEach,
  registerThroughHttp,
  registerThroughStore,
  type BenchUser,
  type Registered,
} from './seed.js';
import { startBareServer, startService, type RunningServer } from './service.js';

/** How long and how hard the HTTP figures load the servers. */
export interface HttpSettings {
  readonly rounds: number;
  /** Per side and round. */
  readonly seconds: number;
  /** Once per server, method and (for the long-history user) target, before the first rounds using it. */
  readonly warmupSeconds: number;
  readonly connections: number;
  /** The users that requests spread over. */
  readonly poolSize: number;
  /** Events of the long-history user of the `-flat` figures. */
  readonly heavyEvents: number;
  readonly soakWarmupSeconds: number;
  readonly soakSeconds: number;
}

export function httpSettings(context: BenchContext): HttpSettings {
  const fixed = { rounds: context.rounds, connections: 10, poolSize: 1000, heavyEvents: 10_000 };
  return context.quick
    ? // Short enough for the whole quick run, scrypt logins and storage figures included, to take < 3 min.
      { ...fixed, seconds: 1.5, warmupSeconds: 0.5, soakWarmupSeconds: 1, soakSeconds: 15 }
    : { ...fixed, seconds: 5, warmupSeconds: 2, soakWarmupSeconds: 10, soakSeconds: 60 };
}

/** The users of the figures, each with its own session token. */
export interface HttpUsers {
  /** The users that `http-read`, `http-command` and the soak spread requests over. */
  readonly pool: readonly BenchUser[];
  /** One user with `heavyEvents` events (when a `-flat` figure runs). */
  readonly heavy: BenchUser;
  /** A user with one event, only ever read. */
  readonly light: BenchUser;
  /** One fresh user per round of `http-command-hot`, and one more for its warm-up. */
  readonly hot: readonly BenchUser[];
  /** One fresh one-event user per round of `http-command-flat`, and one more for its warm-up. */
  readonly lightWriters: readonly BenchUser[];
}

/** What the HTTP figures measure with: the service, its bare baseline, the load generator and the users. */
export interface HttpHarness {
  readonly settings: HttpSettings;
  readonly service: RunningServer;
  readonly bare: RunningServer;
  readonly users: HttpUsers;
  /** The load generator's process id. */
  readonly loadPid: number;
  /** The long-history user's event count when the measured service started. */
  readonly heavyVersion: number;
  /** Facts about the setup, for the figures' details. */
  readonly setup: Readonly<Record<string, unknown>>;
  /** Which kinds of load have had their warm-up: see `compare` in figures.ts. */
  readonly warmed: Set<string>;
  /** The users of a target list sent to the load generator. */
  targets(name: string): readonly BenchUser[];
  /** One load run against a server, from the load generator's core. */
  load(
    server: RunningServer,
    targets: string,
    operations: readonly Operation[],
    seconds: number,
    maxRequests?: number,
  ): Promise<LoadSummary>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly baseEnv: NodeJS.ProcessEnv;
  /** Whether a `-flat` figure runs, and so whether the long-history user must be seeded. */
  readonly needsHeavy: boolean;
}

/** Target lists sent to the load generator once, by these names. */
export const TARGETS = {
  pool: 'pool',
  heavy: 'heavy',
  light: 'light',
  hot: (i: number) => `hot-${i}`,
  lightWriter: (i: number) => `light-writer-${i}`,
} as const;

/**
 * Sets up the HTTP figures (seed.ts says why so):
 * 1. a setup service (unpinned, login rate limit raised) registers one user through HTTP;
 * 2. with no service running, the other users and the long-history user's events are appended through
 *    the event store;
 * 3. a second setup service projects them at start-up and logs every user in through HTTP;
 * 4. the measured service starts on the same data in its default configuration, pinned to the server core,
 *    with the bare Fastify baseline next to it answering the bytes of a real `GET /users/{id}`;
 * 5. the load generator starts on the other core.
 */
export async function startHarness(context: BenchContext, options: HarnessOptions): Promise<HttpHarness> {
  const settings = httpSettings(context);
  if (taskset() === null) {
    context.log('WARNING: no taskset, or fewer than 2 cores: servers and load generator run unpinned, side by side');
  }
  const dataDir = join(context.workDir, 'service-data');
  const jwtSecret = randomBytes(32).toString('hex');
  const started = performance.now();
  const opened: Array<{ close(): Promise<void> }> = [];
  const closeAll = async () => {
    for (const resource of opened.reverse()) await resource.close();
  };

  try {
    const service0 = { baseEnv: options.baseEnv, dataDir, jwtSecret };
    const setupService = { ...service0, rateLimitMax: 1_000_000 };
    const run = randomUUID().slice(0, 8);
    const total = settings.poolSize + 2 + 2 * (settings.rounds + 1);

    // One user through HTTP (the service creates the data directory, its keys and secrets); the rest through
    // the event store.
    const first = await startService(setupService);
    let template: Registered;
    try {
      template = await registerThroughHttp(first.origin, run, 0);
    } finally {
      await first.child.stop();
    }
    context.log(`registering ${total - 1} more users through the event store…`);
    const registered = [template, ...(await registerThroughStore(dataDir, run, 1, total - 1))];
    const heavyId = registered[settings.poolSize]!.id;
    let heavyVersion = 1;
    if (options.needsHeavy) {
      context.log(`appending ${settings.heavyEvents - 1} profile updates to one user through the event store…`);
      heavyVersion = await appendProfileUpdates(dataDir, heavyId, settings.heavyEvents - 1);
    }

    context.log(`logging ${total} users in through POST /sessions (setup server unpinned, login limit raised)…`);
    const second = await startService(setupService);
    let users: BenchUser[];
    try {
      users = await logIn(second.origin, registered, (done) => context.log(`  ${done}/${total}`));
    } finally {
      await second.child.stop();
    }
    const [heavy, light, ...rest] = users.slice(settings.poolSize);
    const split = settings.rounds + 1;
    const named: HttpUsers = {
      pool: users.slice(0, settings.poolSize),
      heavy: heavy!,
      light: light!,
      hot: rest.slice(0, split),
      lightWriters: rest.slice(split, 2 * split),
    };
    const setupSeconds = (performance.now() - started) / 1000;

    const service = await startService({ ...service0, core: SERVER_CORE });
    opened.push({ close: () => service.child.stop() });
    const where = `pid ${service.child.pid}, core ${SERVER_CORE}`;
    context.log(`measured service ready in ${service.startSeconds.toFixed(1)} s (${where})`);

    const captured = await captureRead(service.origin, named.pool[0]!);
    if (captured.status !== 200) {
      throw new Error(`GET ${named.pool[0]!.path} answered ${captured.status}: ${captured.body}`);
    }
    const responseFile = join(context.workDir, 'bare-response.json');
    const fixed: FixedResponse = { body: captured.body, headers: captured.headers };
    writeFileSync(responseFile, JSON.stringify(fixed));
    const bare = await startBareServer(responseFile);
    opened.push({ close: () => bare.child.stop() });
    context.log(`reading each of the ${total} users once, as each would after its login…`);
    await readEach(service.origin, users);

    const load = await LoadGenerator.start();
    opened.push({ close: () => load.stop() });
    const lists = new Map<string, readonly BenchUser[]>([
      [TARGETS.pool, named.pool],
      [TARGETS.heavy, [named.heavy]],
      [TARGETS.light, [named.light]],
      ...named.hot.map((user, i) => [TARGETS.hot(i), [user]] as const),
      ...named.lightWriters.map((user, i) => [TARGETS.lightWriter(i), [user]] as const),
    ]);
    for (const [name, list] of lists) load.defineTargets(name, list);

    let runs = 0;
    return {
      settings,
      service,
      bare,
      users: named,
      loadPid: load.pid,
      heavyVersion,
      setup: {
        users: total,
        setupSeconds: round(setupSeconds),
        projectionStartSeconds: round(second.startSeconds),
        serviceStartSeconds: round(service.startSeconds),
        pinned: taskset() !== null,
      },
      warmed: new Set<string>(),
      targets(name) {
        const list = lists.get(name);
        if (list === undefined) throw new Error(`no targets named ${name}`);
        return list;
      },
      load(server, targets, operations, seconds, maxRequests) {
        const spec: LoadSpec = {
          origin: server.origin,
          targets,
          operations,
          connections: settings.connections,
          durationSeconds: seconds,
          ...(maxRequests === undefined ? {} : { maxRequests }),
          tag: `r${++runs}`,
        };
        return load.run(spec);
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
