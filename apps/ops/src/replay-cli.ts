import { SQSClient } from '@aws-sdk/client-sqs';
import { parseCommandLine } from './cli.js';
import { REPLAY_USAGE, loadReplayConfig } from './config.js';
import { createProgressReporter } from './progress.js';
import { replay, resolveQueueUrl } from './replay.js';
import { openEventStore, type OpenedEventStore } from './stores.js';
import { stopOnSignals } from './signals.js';

/**
 * `pnpm replay --consumer <name> [--user <id>] [--since <instant>] [--restart]`: parses the environment and
 * the flags once, replays, and prints the outcome as one JSON line on stdout. Exit codes: 0 done, 1 failed,
 * 78 bad configuration, 130/143 stopped by SIGINT/SIGTERM (the checkpoint lets the same command resume).
 */
async function main(): Promise<void> {
  const config = parseCommandLine(REPLAY_USAGE, loadReplayConfig, process.env, process.argv.slice(2));
  if (config === undefined) return;

  const stop = stopOnSignals('stopping after the page in hand; run the same command again to resume');
  // Region and credentials come from the SDK's usual sources (AWS_REGION, a profile, a role).
  const sqs = new SQSClient({ endpoint: config.sqsEndpoint });
  let store: OpenedEventStore | undefined;
  let exitCode = 0;
  try {
    store = await openEventStore(config.storage);
    const queueUrl = config.queueUrl ?? (await resolveQueueUrl(sqs, config.consumer));
    const result = await replay({
      eventStore: store.eventStore,
      sqs,
      queueUrl,
      consumer: config.consumer,
      user: config.user,
      since: config.since,
      checkpointFile: config.checkpointFile,
      restart: config.restart,
      pageSize: config.pageSize,
      signal: stop.signal,
      progress: createProgressReporter(),
      estimateTotal: store.estimateTotal,
    });
    const { consumer, checkpointFile } = config;
    process.stdout.write(`${JSON.stringify({ ...result, consumer, checkpointFile })}\n`);
    if (result.status === 'stopped') exitCode = stop.exitCode();
  } catch (error) {
    process.stderr.write(`replay failed: ${(error as Error).message}\n`);
    exitCode = 1;
  } finally {
    sqs.destroy();
    await store?.close();
  }
  process.exit(exitCode);
}

await main();
