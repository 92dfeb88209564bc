import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** The CloudWatch namespace every user-service metric is in; infra alarms on it. */
export const METRICS_NAMESPACE = 'UserService';
/** The relay's `service` dimension. */
export const RELAY_SERVICE = 'stream-relay';

/** The metric names the relay emits, which infra's alarms name too. */
export const RELAY_METRICS = {
  /** Events SNS accepted. */
  published: 'RecordsPublished',
  /** Records put in the parking queue, with their payload, because they can never be published. */
  parked: 'RecordsParked',
  /** Events SNS did not accept in this attempt: they are retried, so a steady count means an outage. */
  failures: 'PublishFailures',
} as const;

export type RelayCounts = { readonly [K in keyof typeof RELAY_METRICS]: number };

/** The relay's Powertools Metrics (EMF on stdout, which CloudWatch turns into metrics). */
export function createRelayMetrics(): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: RELAY_SERVICE });
}

/** Adds one batch's counts, zeros included (an alarm needs data points), and flushes them as one EMF line. */
export function publishRelayMetrics(metrics: Metrics, counts: RelayCounts): void {
  for (const key of Object.keys(RELAY_METRICS) as Array<keyof typeof RELAY_METRICS>) {
    metrics.addMetric(RELAY_METRICS[key], MetricUnit.Count, counts[key]);
  }
  metrics.publishStoredMetrics();
}
