import { Duration, Stack } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** A queue whose every message is a failure an operator must look at. */
export interface WatchedDeadLetterQueue {
  /** Names the alarm, e.g. the consumer. */
  readonly name: string;
  readonly queue: IQueue;
}

export interface OperationsProps {
  /** Encrypts the alarm topic; CloudWatch is granted its use. */
  readonly encryptionKey: IKey;
  /** Subscribed to the alarm topic when given. @default - no subscription */
  readonly alarmEmail?: string;
  readonly api: IHttpApi;
  readonly userService: IFunction;
  readonly relay: IFunction;
  readonly projector: IFunction;
  /** The projector's own queue, for the dashboard. */
  readonly projectorQueue: IQueue;
  /** Every dead-letter queue, the relay's on-failure queue included: each alarms on depth > 0. */
  readonly deadLetterQueues: readonly WatchedDeadLetterQueue[];
  /** The relay alarms when the oldest record it has not yet relayed is older than this. */
  readonly relayIteratorAgeThreshold: Duration;
}

/**
 * What an operator watches: alarms on dead letters, on the relay falling behind the stream, on projector
 * errors and on API 5xx answers, all notifying one encrypted SNS topic; and a dashboard of the same.
 */
export class Operations extends Construct {
  public readonly alarmTopic: Topic;
  public readonly alarms: readonly Alarm[];
  public readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const { account, region } = Stack.of(this);

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
        ArnLike: { 'aws:SourceArn': `arn:${Stack.of(this).partition}:cloudwatch:${region}:${account}:alarm:*` },
      }),
    );
    if (props.alarmEmail !== undefined) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.alarmTopic);

    const alarms: Alarm[] = [];
    const alarm = (alarmId: string, description: string, metric: IMetric, threshold: number, evaluationPeriods = 1) => {
      const created = new Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No data means no messages, no invocations or no requests: nothing is wrong.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      alarms.push(created);
      return created;
    };

    for (const { name, queue } of props.deadLetterQueues) {
      alarm(
        `DeadLetters-${name}`,
        `Messages are waiting in the ${name} dead-letter queue: inspect them, fix the cause, then redrive.`,
        queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        1,
      );
    }
    alarm(
      'RelayIteratorAge',
      `The stream relay is more than ${props.relayIteratorAgeThreshold.toHumanString()} behind the event store.`,
      props.relay.metric('IteratorAge', { period: Duration.minutes(1), statistic: 'Maximum' }),
      props.relayIteratorAgeThreshold.toMilliseconds(),
      3,
    );
    alarm(
      'ProjectorErrors',
      'The projector function failed invocations: read models may lag until the messages are redelivered.',
      props.projector.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      1,
    );
    alarm(
      'Api5xx',
      'The user service API answered 5xx.',
      props.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      1,
    );
    this.alarms = alarms;

    const minute = Duration.minutes(1);
    const fn = (f: IFunction, label: string) =>
      new GraphWidget({
        title: `${label}: invocations, errors, throttles`,
        left: [f.metricInvocations({ period: minute }), f.metricErrors({ period: minute }), f.metricThrottles({ period: minute })],
        right: [f.metricDuration({ period: minute, statistic: 'p99' })],
        width: 8,
      });
    this.dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: [
        [new AlarmStatusWidget({ title: 'Alarms', alarms, width: 24 })],
        [
          new GraphWidget({
            title: 'API: requests and errors',
            left: [
              props.api.metricCount({ period: minute }),
              props.api.metricClientError({ period: minute }),
              props.api.metricServerError({ period: minute }),
            ],
            right: [props.api.metricLatency({ period: minute, statistic: 'p99' })],
            width: 12,
          }),
          new GraphWidget({
            title: 'Relay: iterator age (ms)',
            left: [props.relay.metric('IteratorAge', { period: minute, statistic: 'Maximum' })],
            width: 12,
          }),
        ],
        [fn(props.userService, 'User service'), fn(props.relay, 'Relay'), fn(props.projector, 'Projector')],
        [
          new GraphWidget({
            title: 'Projector queue: depth and oldest message (s)',
            left: [props.projectorQueue.metricApproximateNumberOfMessagesVisible({ period: minute })],
            right: [props.projectorQueue.metricApproximateAgeOfOldestMessage({ period: minute, statistic: 'Maximum' })],
            width: 12,
          }),
          new GraphWidget({
            title: 'Dead letters',
            left: props.deadLetterQueues.map(({ name, queue }) =>
              queue.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: 'Maximum', label: name }),
            ),
            width: 12,
          }),
        ],
      ],
    });
  }
}
