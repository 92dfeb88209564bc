import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { BatchStats } from './core.js';

/** The CloudWatch namespace every user-service metric is in; infra alarms on it. */
export const METRICS_NAMESPACE = 'UserService';
/** The consumer's name: its queue is `<name>.fifo`, and it is the metrics' `service` dimension. */
export const PROJECTOR_CONSUMER = 'projector';

/**
 * The metric names every consumer of the topic emits per batch (the projector, the mailer), under its own
 * `service` dimension. Infra's alarms and `pnpm projection-status` name `failed` and `lag`.
 */
export const CONSUMER_METRICS = {
  /** Messages left for redelivery (and, in the end, the dead-letter queue): not user events, or not handled. */
  failed: 'EventsFailed',
  /** Delivered events handled already: acknowledged without doing it again. */
  duplicates: 'DuplicatesDropped',
  /** From the append (the command's decision) to the event handled, for the oldest live event of a batch. */
  lag: 'ProjectionLagMs',
} as const;

/** The metric names the projector emits per batch, which infra's alarms name too. */
export const PROJECTOR_METRICS = {
  ...CONSUMER_METRICS,
  /** Delivered events written to the read model. */
  processed: 'EventsProcessed',
  /** Missing earlier events read from the event store and written along with the delivered ones. */
  gapsFilled: 'GapsFilled',
} as const;

/** A consumer's Powertools Metrics (EMF on stdout, which CloudWatch turns into metrics). */
export function createProjectorMetrics(consumer: string = PROJECTOR_CONSUMER): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: consumer });
}

/** Adds one batch's counts, zeros included (an alarm needs data points), and flushes them as one EMF line. */
export function publishBatchMetrics(metrics: Metrics, stats: BatchStats): void {
  metrics.addMetric(PROJECTOR_METRICS.processed, MetricUnit.Count, stats.applied);
  metrics.addMetric(PROJECTOR_METRICS.failed, MetricUnit.Count, stats.failed + stats.invalid + stats.heldBack);
  metrics.addMetric(PROJECTOR_METRICS.duplicates, MetricUnit.Count, stats.duplicates);
  metrics.addMetric(PROJECTOR_METRICS.gapsFilled, MetricUnit.Count, stats.gapFilled);
  // A batch of replayed events only says nothing about lag: no data point rather than a zero.
  if (stats.lagMs !== null) metrics.addMetric(PROJECTOR_METRICS.lag, MetricUnit.Milliseconds, stats.lagMs);
  metrics.publishStoredMetrics();
}
