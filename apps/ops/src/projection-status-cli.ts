import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SQSClient } from '@aws-sdk/client-sqs';
import { parseCommandLine } from './cli.js';
import { STATUS_USAGE, loadStatusConfig } from './config.js';
import { resolveConsumerQueues } from './queues.js';
import {
  cloudWatchMetrics,
  emulatorMetrics,
  formatProjectionStatus,
  projectionStatus,
  type QueueMetrics,
} from './status.js';
import { openSlots, type OpenedSlots } from './stores.js';

/**
 * `pnpm projection-status [--consumer <name>]... [--json]`: parses the environment and the flags once, reads
 * every consumer's queue figures and the read model's slots and lease, and prints them. It changes nothing.
 * Exit codes: 0 printed, 1 failed, 78 bad configuration.
 */
async function main(): Promise<void> {
  const config = parseCommandLine(STATUS_USAGE, loadStatusConfig, process.env, process.argv.slice(2));
  if (config === undefined) return;

  // Region and credentials come from the SDK's usual sources (AWS_REGION, a profile, a role).
  const sqs = new SQSClient({ endpoint: config.sqsEndpoint });
  // The emulator has no CloudWatch; on AWS the ages and the lag are CloudWatch's.
  let cloudWatch: CloudWatchClient | undefined;
  let metrics: QueueMetrics;
  if (config.sqsEndpoint === undefined) {
    cloudWatch = new CloudWatchClient({});
    metrics = cloudWatchMetrics(cloudWatch);
  } else {
    metrics = emulatorMetrics(config.sqsEndpoint);
  }
  let opened: OpenedSlots | undefined;
  let exitCode = 0;
  try {
    const consumers = await Promise.all(
      config.consumers.map(({ consumer, queueUrl }) => resolveConsumerQueues(sqs, consumer, queueUrl)),
    );
    opened = await openSlots(config.storage);
    const status = await projectionStatus({
      sqs,
      consumers,
      metrics,
      pointer: opened.pointer,
      lease: opened.lease,
      slots: opened.slots.models,
    });
    process.stdout.write(`${config.json ? JSON.stringify(status) : formatProjectionStatus(status)}\n`);
  } catch (error) {
    process.stderr.write(`projection-status failed: ${(error as Error).message}\n`);
    exitCode = 1;
  } finally {
    await opened?.close();
    sqs.destroy();
    cloudWatch?.destroy();
  }
  process.exit(exitCode);
}

await main();
