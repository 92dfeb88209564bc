import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ManagedChild } from './processes.js';

/** A port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/**
 * Waits until `url` answers 200, or fails with the child's standard error when it exits first or the
 * timeout passes.
 */
export async function waitUntilServing(url: string, child: ManagedChild, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!child.alive()) {
      throw new Error(`${child.name} exited before serving ${url}: ${await child.exited}\n${child.stderrTail()}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      throw new Error(`${child.name} did not serve ${url} within ${timeoutMs / 1000} s\n${child.stderrTail()}`);
    }
    await sleep(100);
  }
}
