import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The built server, as `pnpm start` runs it. `pnpm test` type-checks (and so builds) before any test runs. */
const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist');
export const SERVER_ENTRY = join(DIST, 'server.js');
const ADMIN_TOKEN_ENTRY = join(DIST, 'admin-token.js');

/**
 * The real service in a child process, restartable over one data directory. `kill()` is `kill -9`: no
 * shutdown hook runs, whatever the process was doing.
 */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stderr = '';
  #baseUrl = '';
  starts = 0;
  kills = 0;

  /**
   * `options.nodeArgs` go before the server's entry (V8 flags, say); `options.stdout` gets the process's
   * standard output, which otherwise goes nowhere: reading the access log would only slow the machine down.
   */
  constructor(
    private readonly env: Record<string, string>,
    private readonly options: { readonly nodeArgs?: readonly string[]; readonly stdout?: (text: string) => void } = {},
  ) {
    process.once('exit', () => this.child?.kill('SIGKILL'));
  }

  /** `http://127.0.0.1:<port>` of the running process; empty while none runs. */
  get baseUrl(): string {
    return this.#baseUrl;
  }

  /** An admin session from the operators' own command (`pnpm admin-token`), run on this configuration. */
  async adminToken(): Promise<string> {
    const { stdout } = await promisify(execFile)(process.execPath, [ADMIN_TOKEN_ENTRY, '--operator', 'crash-proof'], {
      env: { PATH: process.env['PATH'] ?? '', ...this.env },
    });
    return stdout.trim();
  }

  /** Starts the process on a free port and resolves once `/health` answers 200. */
  async start(): Promise<void> {
    if (!existsSync(SERVER_ENTRY)) throw new Error(`${SERVER_ENTRY} is missing: run pnpm run build first`);
    const port = await freePort();
    const { nodeArgs = [], stdout } = this.options;
    const child = spawn(process.execPath, [...nodeArgs, SERVER_ENTRY], {
      env: { PATH: process.env['PATH'] ?? '', ...this.env, HOST: '127.0.0.1', PORT: String(port) },
      stdio: ['ignore', stdout === undefined ? 'ignore' : 'pipe', 'pipe'],
    });
    this.child = child;
    if (stdout !== undefined) child.stdout?.on('data', (chunk: Buffer) => stdout(chunk.toString('utf8')));
    this.stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4000)));
    let gone = false;
    this.exited = new Promise((resolve) => child.once('exit', () => ((gone = true), resolve())));
    const url = `http://127.0.0.1:${port}`;
    for (;;) {
      if (gone) throw new Error(`the service exited before it was ready:\n${this.stderr}`);
      try {
        if ((await fetch(`${url}/health`)).status === 200) break;
      } catch {
        // Not listening yet.
      }
      await sleep(25);
    }
    this.starts++;
    this.#baseUrl = url;
  }

  /** `kill -9`, and waits until the process is gone. */
  async kill(): Promise<void> {
    this.#baseUrl = '';
    if (this.child?.kill('SIGKILL')) this.kills++;
    await this.exited;
  }

  /** SIGTERM: the graceful shutdown that `pnpm start` gets on Ctrl-C. */
  async stop(): Promise<void> {
    this.#baseUrl = '';
    this.child?.kill('SIGTERM');
    await this.exited;
  }
}

/** A port nobody listens on now (the operating system's pick). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
