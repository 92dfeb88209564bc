import { fileURLToPath } from 'node:url';
import type { FromWorker, LoadSpec, LoadSummary, Target, ToWorker } from './load-protocol.js';
import { LOAD_CORE, spawnChild, type ManagedChild } from './processes.js';

const WORKER = fileURLToPath(new URL('./load-worker.js', import.meta.url));

/** The bench's handle on its load generator process (load-worker.ts), pinned to {@link LOAD_CORE}. */
export class LoadGenerator {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (s: LoadSummary) => void; reject: (e: Error) => void }>();

  private constructor(private readonly child: ManagedChild) {
    child.process.on('message', (message: FromWorker) => {
      if (message.kind === 'ready') return;
      const waiter = this.pending.get(message.id);
      if (waiter === undefined) return;
      this.pending.delete(message.id);
      if (message.kind === 'result') waiter.resolve(message.summary);
      else waiter.reject(new Error(`load generator: ${message.message}`));
    });
    void child.exited.then((code) => {
      for (const waiter of this.pending.values()) {
        waiter.reject(new Error(`the load generator exited (${code}) during a run\n${child.stderrTail()}`));
      }
      this.pending.clear();
    });
  }

  /** Starts the load generator and waits until it is ready for runs. */
  static async start(): Promise<LoadGenerator> {
    const child = spawnChild('load generator', process.execPath, [WORKER], { core: LOAD_CORE, ipc: true });
    await new Promise<void>((resolve, reject) => {
      child.process.once('message', () => resolve());
      void child.exited.then((code) => reject(new Error(`the load generator exited (${code})\n${child.stderrTail()}`)));
    });
    return new LoadGenerator(child);
  }

  /** The load generator's process id, for its CPU time. */
  get pid(): number {
    return this.child.pid;
  }

  /** Sends a list of targets once, to be named by later runs. */
  defineTargets(name: string, targets: readonly Target[]): void {
    this.post({ kind: 'targets', name, targets });
  }

  /** Runs one load and answers what it measured. */
  run(spec: LoadSpec): Promise<LoadSummary> {
    const id = this.nextId++;
    return new Promise<LoadSummary>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.post({ kind: 'run', id, spec });
    });
  }

  async stop(): Promise<void> {
    if (this.child.process.connected) this.child.process.disconnect();
    await this.child.stop();
  }

  private post(message: ToWorker): void {
    if (!this.child.alive() || !this.child.process.connected) {
      throw new Error(`the load generator is not running\n${this.child.stderrTail()}`);
    }
    this.child.process.send(message);
  }
}
