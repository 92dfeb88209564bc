import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Slot, SlotPointer, UserReadModel } from '@user-service/user-read-model';
import type { LeaseRecord, LeaseStore } from './lease.js';
import { queueDepth, type ConsumerQueues, type QueueDepth, type QueueRef } from './queues.js';
import { REBUILD_CHECKPOINTS, type RebuildState } from './rebuild.js';

/** The CloudWatch namespace and dimension of the functions' own metrics (Powertools, EMF), as infra/ sets them. */
export const SERVICE_METRICS = Object.freeze({ namespace: 'UserService', dimension: 'service' });

/** Where the age of a queue's oldest message, and a consumer's last lag, come from. */
export interface QueueMetrics {
  /** Seconds since the oldest message still in the queue was sent; undefined when unknown. */
  oldestMessageAgeSeconds(queue: QueueRef): Promise<number | undefined>;
  /** The consumer's last measured lag from append to read model (`ProjectionLagMs`); undefined when none. */
  lastLagMs(consumer: string): Promise<number | undefined>;
  /** Where the figures come from, for the operator. */
  readonly source: string;
}

/**
 * CloudWatch, on AWS: `ApproximateAgeOfOldestMessage` (AWS/SQS), and the projector's `ProjectionLagMs`; each
 * the latest one-minute maximum of the last 15 minutes.
 */
export function cloudWatchMetrics(cloudWatch: Pick<CloudWatchClient, 'send'>, now: () => number = Date.now): QueueMetrics {
  async function latest(query: Omit<MetricDataQuery, 'Id'>): Promise<number | undefined> {
    const end = now();
    const { MetricDataResults = [] } = await cloudWatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(end - 15 * 60_000),
        EndTime: new Date(end),
        ScanBy: 'TimestampDescending',
        MetricDataQueries: [{ Id: 'm', ...query }],
      }),
    );
    return MetricDataResults[0]?.Values?.[0];
  }
  const maximum = (namespace: string, metric: string, dimension: string, value: string) =>
    latest({
      MetricStat: {
        Metric: { Namespace: namespace, MetricName: metric, Dimensions: [{ Name: dimension, Value: value }] },
        Period: 60,
        Stat: 'Maximum',
      },
    });
  return {
    source: 'CloudWatch',
    oldestMessageAgeSeconds: (queue) => maximum('AWS/SQS', 'ApproximateAgeOfOldestMessage', 'QueueName', queue.name),
    lastLagMs: (consumer) =>
      maximum(SERVICE_METRICS.namespace, 'ProjectionLagMs', SERVICE_METRICS.dimension, consumer),
  };
}

/**
 * The local emulator (fauxqs), which has no CloudWatch: the age comes from its read-only inspection endpoint
 * (`GET /_fauxqs/queues/<name>`, which moves nothing), and there is no lag metric.
 */
export function emulatorMetrics(endpoint: string, now: () => number = Date.now): QueueMetrics {
  /** Ready and delayed messages as they are, in-flight ones wrapped with their receipt. */
  type Stored = { readonly sentTimestamp: number } | { readonly message: { readonly sentTimestamp: number } };
  type Inspected = { readonly messages: Record<string, Stored[]> };
  return {
    source: 'the emulator',
    async oldestMessageAgeSeconds(queue) {
      const response = await fetch(`${endpoint.replace(/\/$/, '')}/_fauxqs/queues/${encodeURIComponent(queue.name)}`);
      if (!response.ok) return undefined;
      const { messages } = (await response.json()) as Inspected;
      const sent = Object.values(messages)
        .flat()
        .map((entry) => ('message' in entry ? entry.message.sentTimestamp : entry.sentTimestamp));
      return sent.length === 0 ? 0 : Math.max(0, Math.floor((now() - Math.min(...sent)) / 1000));
    },
    lastLagMs: async () => undefined,
  };
}

export interface ConsumerStatus {
  readonly consumer: string;
  readonly queue: QueueDepth & { readonly name: string; readonly oldestMessageAgeSeconds: number | null };
  readonly dlq: QueueDepth & { readonly name: string; readonly oldestMessageAgeSeconds: number | null };
  /**
   * The last lag from append to read model: the projector's `ProjectionLagMs` where CloudWatch has it;
   * otherwise derived as the age of the oldest message still in the queue (0 when it is empty), since a
   * queue consumer's read model lacks exactly the events still queued.
   */
  readonly lastLagMs: number | null;
  readonly lagSource: 'ProjectionLagMs' | 'oldest queued message' | 'unknown';
}

export interface ReadModelStatus {
  readonly activeSlot: Slot;
  /** The slot a rebuild is filling (writers write it too), or null. */
  readonly fillingSlot: Slot | null;
  /** The phase the filled slot records, when a rebuild is in progress or was stopped. */
  readonly rebuildPhase: RebuildState['phase'] | null;
  /** The rebuild lease, if one is held: a running rebuild (or one that died less than a lease ago). */
  readonly lease: (LeaseRecord & { readonly expired: boolean }) | null;
}

export interface ProjectionStatus {
  readonly consumers: readonly ConsumerStatus[];
  readonly readModel: ReadModelStatus;
  readonly metrics: string;
}

export interface ProjectionStatusOptions {
  readonly sqs: Pick<SQSClient, 'send'>;
  readonly consumers: readonly ConsumerQueues[];
  readonly metrics: QueueMetrics;
  readonly pointer: SlotPointer;
  readonly lease: Pick<LeaseStore, 'read'>;
  readonly slots: Readonly<Record<Slot, Pick<UserReadModel, 'getCheckpoint'>>>;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Gathers every consumer's queue figures and the read model's slots, reading and changing nothing else. */
export async function projectionStatus(options: ProjectionStatusOptions): Promise<ProjectionStatus> {
  const { sqs, metrics } = options;
  const now = options.now ?? Date.now;
  const consumers = await Promise.all(
    options.consumers.map(async ({ consumer, queue, dlq }): Promise<ConsumerStatus> => {
      const [queueFigures, dlqFigures, measured] = await Promise.all([
        queueStatus(sqs, metrics, queue),
        queueStatus(sqs, metrics, dlq),
        metrics.lastLagMs(consumer),
      ]);
      const age = queueFigures.oldestMessageAgeSeconds;
      const [lastLagMs, lagSource] =
        measured !== undefined
          ? [measured, 'ProjectionLagMs' as const]
          : age !== null
            ? [age * 1000, 'oldest queued message' as const]
            : [null, 'unknown' as const];
      return { consumer, queue: queueFigures, dlq: dlqFigures, lastLagMs, lagSource };
    }),
  );
  const pointer = await options.pointer.read();
  const held = await options.lease.read();
  let rebuildPhase: RebuildState['phase'] | null = null;
  if (pointer.filling !== undefined) {
    const text = await options.slots[pointer.filling].getCheckpoint(REBUILD_CHECKPOINTS.state);
    rebuildPhase = text === undefined ? null : (JSON.parse(text) as RebuildState).phase;
  }
  return {
    consumers,
    readModel: {
      activeSlot: pointer.active,
      fillingSlot: pointer.filling ?? null,
      rebuildPhase,
      lease: held === undefined ? null : { ...held, expired: held.expiresAt < now() },
    },
    metrics: metrics.source,
  };
}

async function queueStatus(
  sqs: Pick<SQSClient, 'send'>,
  metrics: QueueMetrics,
  queue: QueueRef,
): Promise<ConsumerStatus['queue']> {
  const [depth, age] = await Promise.all([queueDepth(sqs, queue.url), metrics.oldestMessageAgeSeconds(queue)]);
  return { name: queue.name, ...depth, oldestMessageAgeSeconds: age ?? null };
}

/** The status as a few aligned lines for a terminal. */
export function formatProjectionStatus(status: ProjectionStatus): string {
  const age = (seconds: number | null) => (seconds === null ? 'n/a' : `${seconds}s`);
  const lines = status.consumers.map(({ consumer, queue, dlq, lastLagMs, lagSource }) =>
    [
      `${consumer}:`,
      `  queue ${queue.name}: ${queue.visible} waiting, ${queue.inFlight} in flight, ${queue.delayed} delayed, oldest ${age(queue.oldestMessageAgeSeconds)}`,
      `  dlq   ${dlq.name}: ${dlq.visible} waiting, ${dlq.inFlight} in flight, oldest ${age(dlq.oldestMessageAgeSeconds)}`,
      `  last lag: ${lastLagMs === null ? 'n/a' : `${lastLagMs} ms`} (${lagSource})`,
    ].join('\n'),
  );
  const { activeSlot, fillingSlot, rebuildPhase, lease } = status.readModel;
  const rebuild =
    fillingSlot === null && lease === null
      ? 'no rebuild in progress'
      : `rebuild into ${fillingSlot ?? '?'} (${rebuildPhase ?? 'starting'})` +
        (lease === null
          ? ', stopped: run pnpm rebuild-read-model to resume it'
          : `, lease held by ${lease.owner} until ${new Date(lease.expiresAt).toISOString()}${lease.expired ? ' (expired)' : ''}`);
  lines.push(`read model: active slot ${activeSlot}, ${rebuild}`, `(queue ages from ${status.metrics})`);
  return lines.join('\n');
}
