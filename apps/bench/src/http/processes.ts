import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * Child processes of the bench: pinned to a core with `taskset` where the machine has it, always stopped
 * when the bench ends, however it ends. Every child is registered in {@link children} the moment it is
 * spawned, so that the exit and signal handlers in main.ts can kill what is left.
 */

/** The core the servers run on, and the core the load generator runs on. */
export const SERVER_CORE = 0;
export const LOAD_CORE = 1;

let tasksetPath: string | null | undefined;

/**
 * `taskset`'s path, or null when this machine has none or fewer than two cores: then nothing is pinned,
 * with a warning.
 */
export function taskset(): string | null {
  if (tasksetPath !== undefined) return tasksetPath;
  if (availableParallelism() < 2) return (tasksetPath = null);
  const candidates = ['/usr/bin/taskset', '/bin/taskset'];
  tasksetPath = candidates.find((path) => existsSync(path)) ?? null;
  if (tasksetPath === null) {
    // Not in the usual places: perhaps elsewhere on PATH.
    const probe = spawnSync('taskset', ['--version'], { stdio: 'ignore' });
    if (probe.status === 0) tasksetPath = 'taskset';
  }
  return tasksetPath;
}

/** The command line that runs `command args` on one core, or unpinned when `taskset` is missing. */
export function pinned(core: number | undefined, command: string, args: readonly string[]): [string, string[]] {
  const tool = core === undefined ? null : taskset();
  return tool === null ? [command, [...args]] : [tool, ['-c', String(core), command, ...args]];
}

/** A spawned child, with the tail of its standard error kept for error messages. */
export interface ManagedChild {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** Resolves with the exit code (or the signal's name) once the child has exited. */
  readonly exited: Promise<number | string>;
  /** Whether the child is still running. */
  alive(): boolean;
  /** The last few kilobytes the child wrote to standard error. */
  stderrTail(): string;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const STDERR_TAIL_BYTES = 8 * 1024;

/** Every child still running, for the exit handler. */
export const children = new Set<ManagedChild>();

export interface SpawnOptions {
  /** The core to pin the child to; undefined runs it unpinned. */
  readonly core?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Give the child an IPC channel (for Node children that talk to the bench). */
  readonly ipc?: boolean;
}

/**
 * Starts a child. Its standard output goes to /dev/null (a server's request log must never fill a pipe
 * nobody reads, nor cost the bench process time); standard error is drained into a small ring buffer.
 */
export function spawnChild(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): ManagedChild {
  const [file, argv] = pinned(options.core, command, args);
  const stdio: StdioOptions = options.ipc ? ['ignore', 'ignore', 'pipe', 'ipc'] : ['ignore', 'ignore', 'pipe'];
  const child = spawn(file, argv, {
    stdio,
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  if (child.pid === undefined) throw new Error(`could not start ${name} (${file})`);

  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-STDERR_TAIL_BYTES);
  });
  let running = true;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      children.delete(managed);
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', (error) => {
      running = false;
      children.delete(managed);
      tail += `\n${error.message}`;
      resolve('error');
    });
  });

  const managed: ManagedChild = {
    name,
    pid: child.pid,
    process: child,
    exited,
    alive: () => running,
    stderrTail: () => tail.trim(),
    async stop(graceMs = 5000) {
      if (!running) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  children.add(managed);
  return managed;
}

/** Kills every child still running, at once and synchronously: for `process.on('exit')`. */
export function killAllChildrenNow(): void {
  for (const child of children) {
    try {
      child.process.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
  children.clear();
}

/** Stops every child still running, gracefully. */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...children].map((child) => child.stop()));
}
