import { SNSClient } from '@aws-sdk/client-sns';
import { wantsHelp } from './config.js';
import { createProgressReporter } from './progress.js';
import { REPUBLISH_USAGE, loadRepublishConfig, republish, type ConfigError } from './republish.js';
import { stopOnSignals } from './signals.js';
import { openEventStore, type OpenedEventStore } from './stores.js';

/**
 * `pnpm republish --since <instant> [--until <instant>] [--user <id>]`: parses the environment and the flags
 * once, re-publishes to the topic, and prints the outcome as one JSON line on stdout. Exit codes: 0 done,
 * 1 failed, 78 bad configuration, 130/143 stopped by SIGINT/SIGTERM (the same command resumes).
 */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (wantsHelp(argv)) {
    process.stdout.write(`${REPUBLISH_USAGE}\n`);
    return;
  }
  let config;
  try {
    config = loadRepublishConfig(process.env, argv);
  } catch (error) {
    // A ConfigError names every bad variable and flag; the parser throws nothing else.
    process.stderr.write(`${(error as ConfigError).message}\n\n${REPUBLISH_USAGE}\n`);
    process.exit(78); // EX_CONFIG
  }

  const stop = stopOnSignals('stopping after the page in hand; run the same command again to resume');
  // Region and credentials come from the SDK's usual sources (AWS_REGION, a profile, a role).
  const sns = new SNSClient({ endpoint: config.snsEndpoint });
  let store: OpenedEventStore | undefined;
  let exitCode = 0;
  try {
    store = await openEventStore(config.storage);
    const result = await republish({
      eventStore: store.eventStore,
      sns,
      topicArn: config.topicArn,
      filters: config.filters,
      checkpointFile: config.checkpointFile,
      restart: config.restart,
      pageSize: config.pageSize,
      signal: stop.signal,
      progress: createProgressReporter(),
      estimateTotal: store.estimateTotal,
    });
    const { topicArn, checkpointFile } = config;
    process.stdout.write(`${JSON.stringify({ ...result, topicArn, checkpointFile })}\n`);
    if (result.status === 'stopped') exitCode = stop.exitCode();
  } catch (error) {
    process.stderr.write(`republish failed: ${(error as Error).message}\n`);
    exitCode = 1;
  } finally {
    sns.destroy();
    await store?.close();
  }
  process.exit(exitCode);
}

await main();
