import { parseCommandLine } from './cli.js';
import { REBUILD_USAGE, loadRebuildConfig } from './config.js';
import { isLeaseError } from './lease.js';
import { createProgressReporter } from './progress.js';
import { rebuild } from './rebuild.js';
import { stopOnSignals } from './signals.js';
import { openEventStore, openSlots, type OpenedEventStore, type OpenedSlots } from './stores.js';

/**
 * `pnpm rebuild-read-model [--restart]`: parses the environment and the flags once, rebuilds the idle
 * read-model slot and switches queries to it, and prints the outcome as one JSON line on stdout. Exit codes:
 * 0 done, 1 failed, 75 another rebuild holds the lease, 78 bad configuration, 130/143 stopped by
 * SIGINT/SIGTERM (the same command resumes).
 */
async function main(): Promise<void> {
  const config = parseCommandLine(REBUILD_USAGE, loadRebuildConfig, process.env, process.argv.slice(2));
  if (config === undefined) return;

  const stop = stopOnSignals('stopping after the page in hand; run the same command again to resume');
  let store: OpenedEventStore | undefined;
  let opened: OpenedSlots | undefined;
  let exitCode = 0;
  try {
    store = await openEventStore(config.storage);
    opened = await openSlots(config.storage);
    const result = await rebuild({
      eventStore: store.eventStore,
      slots: opened.slots,
      pointer: opened.pointer,
      lease: opened.lease,
      checkpointName: config.checkpointName,
      followsPositions: store.followsPositions,
      restart: config.restart,
      pageSize: config.pageSize,
      signal: stop.signal,
      progress: createProgressReporter(),
      estimateTotal: store.estimateTotal,
    });
    process.stdout.write(`${JSON.stringify({ ...result, active: await opened.pointer.active() })}\n`);
    if (result.status === 'stopped') exitCode = stop.exitCode();
  } catch (error) {
    process.stderr.write(`rebuild failed: ${(error as Error).message}\n`);
    // EX_TEMPFAIL: nothing is wrong, another rebuild runs; try again once it is done.
    exitCode = isLeaseError(error) && error.code === 'LEASE_HELD' ? 75 : 1;
  } finally {
    await opened?.close();
    await store?.close();
  }
  process.exit(exitCode);
}

await main();
