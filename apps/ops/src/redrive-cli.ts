import { SQSClient } from '@aws-sdk/client-sqs';
import { parseCommandLine } from './cli.js';
import { REDRIVE_USAGE, loadRedriveConfig } from './config.js';
import { createProgressReporter } from './progress.js';
import { resolveConsumerQueues } from './queues.js';
import { inspectDeadLetters, redrive } from './redrive.js';
import { stopOnSignals } from './signals.js';

/**
 * `pnpm redrive --consumer <name> [--dry-run]`: parses the environment and the flags once, then lists the
 * consumer's DLQ (dry run) or moves it back into the queue, printing the outcome as one JSON line on stdout.
 * Exit codes: 0 done, 1 failed, 78 bad configuration, 130/143 stopped by SIGINT/SIGTERM (the rest stays in
 * the DLQ; the same command goes on).
 */
async function main(): Promise<void> {
  const config = parseCommandLine(REDRIVE_USAGE, loadRedriveConfig, process.env, process.argv.slice(2));
  if (config === undefined) return;

  const stop = stopOnSignals('stopping after the messages in hand; run the same command again to go on');
  // Region and credentials come from the SDK's usual sources (AWS_REGION, a profile, a role).
  const sqs = new SQSClient({ endpoint: config.sqsEndpoint });
  let exitCode = 0;
  try {
    const queues = await resolveConsumerQueues(sqs, config.consumer, config.queueUrl);
    const where = { consumer: config.consumer, queue: queues.queue.name, dlq: queues.dlq.name };
    if (config.dryRun) {
      process.stdout.write(`${JSON.stringify({ ...where, dryRun: true, ...(await inspectDeadLetters(sqs, queues)) })}\n`);
    } else {
      const result = await redrive({ sqs, queues, signal: stop.signal, progress: createProgressReporter() });
      process.stdout.write(`${JSON.stringify({ ...where, ...result })}\n`);
      if (result.status === 'stopped') exitCode = stop.exitCode();
    }
  } catch (error) {
    process.stderr.write(`redrive failed: ${(error as Error).message}\n`);
    exitCode = 1;
  } finally {
    sqs.destroy();
  }
  process.exit(exitCode);
}

await main();
