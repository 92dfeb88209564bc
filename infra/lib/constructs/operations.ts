import { Duration, Stack } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { AlarmThresholds } from '../config.js';
import type { ConsumerQueue } from './event-topic.js';
import { METRICS_NAMESPACE } from './service-function.js';

/** A queue whose every message is a failure an operator must look at. */
export interface WatchedDeadLetterQueue {
  /** Names the alarm, e.g. `relay-failures`. */
  readonly name: string;
  readonly queue: IQueue;
}

/** A function whose errors and throttles alarm. */
export interface WatchedFunction {
  /** Names the alarms: the function's Powertools service name. */
  readonly name: string;
  readonly function: IFunction;
}

/** A table whose throttled requests alarm. */
export interface WatchedTable {
  readonly name: string;
  readonly table: ITable;
}

export interface OperationsProps {
  /** Every alarm is named `<alarmNamePrefix>-<alarm id>`, stable across deploys (infra/README.md lists them). */
  readonly alarmNamePrefix: string;
  /** Encrypts the alarm topic; CloudWatch is granted its use. */
  readonly encryptionKey: IKey;
  /** Subscribed to the alarm topic when given. @default - no subscription */
  readonly alarmEmail?: string;
  readonly api: IHttpApi;
  /** Every function: each alarms on errors and on throttles. */
  readonly functions: readonly WatchedFunction[];
  /** The stream relay: iterator age, on-failure delivery, parked records and publish failures. */
  readonly relay: IFunction;
  /** The relay's Powertools service name, the `service` dimension of its metrics. */
  readonly relayServiceName: string;
  /** Every consumer: queue age, both DLQs, and its `EventsFailed` and `ProjectionLagMs` metrics. */
  readonly consumers: readonly ConsumerQueue[];
  /** The relay's failure and parking queues: each alarms on depth > 0. */
  readonly deadLetterQueues: readonly WatchedDeadLetterQueue[];
  /** Every table: each alarms on throttled reads or writes. */
  readonly tables: readonly WatchedTable[];
  readonly thresholds: AlarmThresholds;
}

const MINUTE = Duration.minutes(1);
const FIVE_MINUTES = Duration.minutes(5);

/**
 * What an operator watches: an alarm for each way the service can fail (dead letters, a pipeline falling
 * behind, failed or throttled functions, throttled tables, a 5xx rate), all notifying one encrypted SNS
 * topic on alarm and on recovery; and a dashboard of the same. Missing data is never a breach: no data
 * means no messages, no invocations or no requests.
 */
export class Operations extends Construct {
  public readonly alarmTopic: Topic;
  /** Every alarm, by its id (the alarm name without the prefix). */
  public readonly alarms: ReadonlyMap<string, Alarm>;
  public readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const { account, region, partition } = Stack.of(this);
    const { thresholds } = props;

    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: 'User service alarms',
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    // CloudWatch publishes alarm state changes itself: it needs the topic and its key, and only for
    // alarms of this account.
    this.alarmTopic.grantPublish(
      new ServicePrincipal('cloudwatch.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': account },
        ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
      }),
    );
    if (props.alarmEmail !== undefined) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.alarmTopic);

    const alarms = new Map<string, Alarm>();
    const alarm = (alarmId: string, description: string, metric: IMetric, threshold: number, evaluationPeriods = 1) => {
      const created = new Alarm(this, alarmId, {
        alarmName: `${props.alarmNamePrefix}-${alarmId}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      alarms.set(alarmId, created);
    };
    const depth = (queue: IQueue) => queue.metricApproximateNumberOfMessagesVisible({ period: MINUTE, statistic: 'Maximum' });
    const serviceMetric = (metricName: string, service: string, statistic: string) =>
      new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service }, period: FIVE_MINUTES, statistic });

    // The pipeline: relay, then each consumer.
    alarm(
      'RelayIteratorAge',
      `The stream relay is more than ${thresholds.relayIteratorAge.toHumanString()} behind the event store ` +
        '(SNS or KMS failing or throttled, or the relay failing): see infra/README.md, "The relay was down".',
      props.relay.metric('IteratorAge', { period: MINUTE, statistic: 'Maximum' }),
      thresholds.relayIteratorAge.toMilliseconds(),
      3,
    );
    alarm(
      'RelayDestinationDeliveryFailures',
      "The stream mapping could not record an expired batch in the relay's failure queue: those records are " +
        'known only from the event store now. Run pnpm republish for the period.',
      props.relay.metric('DestinationDeliveryFailures', { period: FIVE_MINUTES, statistic: 'Sum' }),
      1,
    );
    alarm(
      'RelayRecordsParked',
      'The relay parked stream records it could not turn into messages: read them in the parking queue.',
      serviceMetric('RecordsParked', props.relayServiceName, 'Sum'),
      1,
    );
    alarm(
      'RelayPublishFailures',
      'The relay failed to publish to SNS for 15 minutes: it retries until the records are 24 hours old.',
      serviceMetric('PublishFailures', props.relayServiceName, 'Sum'),
      1,
      3,
    );
    for (const { name, queue } of props.deadLetterQueues) {
      alarm(`DeadLetters-${name}`, `Messages are waiting in the ${name} queue: inspect them, fix the cause, then act.`, depth(queue), 1);
    }
    for (const consumer of props.consumers) {
      const { name } = consumer;
      alarm(
        `DeadLetters-${name}`,
        `Messages are in the ${name} dead-letter queue (failed 5 times): fix the cause, then pnpm redrive --consumer ${name}.`,
        depth(consumer.deadLetterQueue),
        1,
      );
      alarm(
        `SubscriptionDeadLetters-${name}`,
        `SNS could not deliver events to the ${name} queue (its key or policy): fix it, then pnpm republish for the period.`,
        depth(consumer.subscriptionDeadLetterQueue),
        1,
      );
      alarm(
        `OldestMessage-${name}`,
        `The ${name} queue holds a message older than ${thresholds.queueOldestMessageAge.toHumanString()}: ` +
          'its consumer is down or too slow.',
        consumer.queue.metricApproximateAgeOfOldestMessage({ period: MINUTE, statistic: 'Maximum' }),
        thresholds.queueOldestMessageAge.toSeconds(),
        3,
      );
      alarm(
        `EventsFailed-${name}`,
        `The ${name} consumer failed to process events (they are retried, then dead-lettered): its logs.`,
        serviceMetric('EventsFailed', name, 'Sum'),
        1,
      );
      alarm(
        `ProjectionLag-${name}`,
        `An event took more than ${thresholds.projectionLag.toHumanString()} from append to the ${name} consumer.`,
        serviceMetric('ProjectionLagMs', name, 'Maximum'),
        thresholds.projectionLag.toMilliseconds(),
        2,
      );
    }

    // Compute and storage.
    for (const { name, function: fn } of props.functions) {
      alarm(`Errors-${name}`, `The ${name} function failed invocations: its logs.`, fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }), 1);
      alarm(
        `Throttles-${name}`,
        `The ${name} function was throttled: its reserved concurrency or the account's limit is too low.`,
        fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
        1,
      );
    }
    for (const { name, table } of props.tables) {
      alarm(
        `DynamoDbThrottles-${name}`,
        `DynamoDB throttled reads or writes of the ${name} table (an on-demand table past its previous peak, or a hot key).`,
        new MathExpression({
          expression: 'reads + writes',
          usingMetrics: {
            reads: table.metric('ReadThrottleEvents', { period: FIVE_MINUTES, statistic: 'Sum' }),
            writes: table.metric('WriteThrottleEvents', { period: FIVE_MINUTES, statistic: 'Sum' }),
          },
          period: FIVE_MINUTES,
          label: `${name} throttled requests`,
        }),
        1,
      );
    }
    alarm(
      'Api5xxRate',
      `More than ${thresholds.api5xxPercent} % of the API's requests answered 5xx over 5 minutes ` +
        `(counted from ${thresholds.api5xxMinimumRequests} requests): the user service's logs, by requestId.`,
      new MathExpression({
        expression: `IF(requests >= ${thresholds.api5xxMinimumRequests}, 100 * errors / requests, 0)`,
        usingMetrics: {
          errors: props.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
          requests: props.api.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' }),
        },
        period: FIVE_MINUTES,
        label: '5xx %',
      }),
      thresholds.api5xxPercent,
    );
    this.alarms = alarms;
    this.dashboard = this.buildDashboard(props, [...alarms.values()]);
  }

  private buildDashboard(props: OperationsProps, alarms: readonly Alarm[]): Dashboard {
    const fn = ({ name, function: f }: WatchedFunction) =>
      new GraphWidget({
        title: `${name}: invocations, errors, throttles`,
        left: [f.metricInvocations({ period: MINUTE }), f.metricErrors({ period: MINUTE }), f.metricThrottles({ period: MINUTE })],
        right: [f.metricDuration({ period: MINUTE, statistic: 'p99' })],
        width: 8,
      });
    const consumer = ({ name, queue }: ConsumerQueue) =>
      new GraphWidget({
        title: `${name}: queue depth and oldest message (s)`,
        left: [queue.metricApproximateNumberOfMessagesVisible({ period: MINUTE })],
        right: [queue.metricApproximateAgeOfOldestMessage({ period: MINUTE, statistic: 'Maximum' })],
        width: 12,
      });
    const api = props.api;
    return new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: [
        [new AlarmStatusWidget({ title: 'Alarms', alarms: [...alarms], width: 24, height: 8 })],
        [
          new GraphWidget({
            title: 'API: requests and errors',
            left: [api.metricCount({ period: MINUTE }), api.metricClientError({ period: MINUTE }), api.metricServerError({ period: MINUTE })],
            right: [api.metricLatency({ period: MINUTE, statistic: 'p99' })],
            width: 12,
          }),
          new GraphWidget({
            title: 'Relay: iterator age (ms)',
            left: [props.relay.metric('IteratorAge', { period: MINUTE, statistic: 'Maximum' })],
            width: 12,
          }),
        ],
        props.functions.map(fn),
        props.consumers.map(consumer),
        [
          new GraphWidget({
            title: 'Dead letters',
            left: [
              ...props.deadLetterQueues.map(({ name, queue }) => queue.metricApproximateNumberOfMessagesVisible({ period: MINUTE, statistic: 'Maximum', label: name })),
              ...props.consumers.map(({ name, deadLetterQueue }) =>
                deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: MINUTE, statistic: 'Maximum', label: name }),
              ),
            ],
            width: 24,
          }),
        ],
      ],
    });
  }
}
