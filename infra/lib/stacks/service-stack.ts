import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { emailDomain, PROJECTOR_CONSUMER, type EnvironmentConfig } from '../config.js';
import { EventTopic } from '../constructs/event-topic.js';
import { Operations } from '../constructs/operations.js';
import { Projector } from '../constructs/projector.js';
import type { ReadModelTable } from '../constructs/read-model-table.js';
import { StreamRelay } from '../constructs/stream-relay.js';
import { UserServiceApi } from '../constructs/user-service-api.js';

export interface ServiceStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  /** The repository root, where the Lambda entries and `pnpm-lock.yaml` are. */
  readonly repositoryRoot: string;
  /** From the stateful stack. */
  readonly eventStoreTable: ITable;
  readonly readModel: ReadModelTable;
  readonly readModelGreen: ReadModelTable;
  readonly jwtSecret: ISecret;
}

/**
 * Everything stateless: the event pipeline (stream relay, SNS FIFO topic, a queue per consumer), the
 * compute (the user service behind its HTTP API, the projector) and their alarms and dashboard.
 */
export class ServiceStack extends Stack {
  public readonly events: EventTopic;
  public readonly relay: StreamRelay;
  public readonly api: UserServiceApi;
  public readonly projector: Projector;
  public readonly operations: Operations;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const { config, repositoryRoot } = props;
    const logs = { logLevel: config.logLevel, logRetention: config.logRetention, retainLogs: config.retainData };

    this.events = new EventTopic(this, 'Events', { consumers: config.consumers });
    this.relay = new StreamRelay(this, 'StreamRelay', {
      repositoryRoot,
      table: props.eventStoreTable,
      topic: this.events.topic,
      encryptionKey: this.events.queueKey,
      ...logs,
    });
    this.api = new UserServiceApi(this, 'UserService', {
      repositoryRoot,
      eventStoreTable: props.eventStoreTable,
      readModel: props.readModel,
      readModelGreen: props.readModelGreen,
      jwtSecret: props.jwtSecret,
      sesFromAddress: config.sesFromAddress,
      sesIdentities: [...new Set([config.sesFromAddress, emailDomain(config.sesFromAddress), ...config.sesExtraIdentities])],
      ...(config.publicUrl === undefined ? {} : { publicUrl: config.publicUrl }),
      throttle: config.apiThrottle,
      memorySize: config.userServiceMemoryMiB,
      ...logs,
    });
    const projectorQueue = this.events.consumer(PROJECTOR_CONSUMER);
    this.projector = new Projector(this, 'Projector', {
      repositoryRoot,
      queue: projectorQueue.queue,
      readModel: props.readModel,
      readModelGreen: props.readModelGreen,
      eventStoreTable: props.eventStoreTable,
      ...logs,
    });
    this.operations = new Operations(this, 'Operations', {
      encryptionKey: this.events.queueKey,
      ...(config.alarmEmail === undefined ? {} : { alarmEmail: config.alarmEmail }),
      api: this.api.api,
      userService: this.api.function.function,
      relay: this.relay.function.function,
      projector: this.projector.function.function,
      projectorQueue: projectorQueue.queue,
      deadLetterQueues: [
        { name: 'relay-failures', queue: this.relay.failureQueue },
        ...[...this.events.consumers.values()].map(({ name, deadLetterQueue }) => ({ name, queue: deadLetterQueue })),
      ],
      relayIteratorAgeThreshold: config.relayIteratorAgeThreshold,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url });
    new CfnOutput(this, 'EventTopicArn', { value: this.events.topic.topicArn });
    for (const { name, queue, deadLetterQueue } of this.events.consumers.values()) {
      new CfnOutput(this, `ConsumerQueueUrl-${name}`, { value: queue.queueUrl });
      new CfnOutput(this, `DeadLetterQueueArn-${name}`, { value: deadLetterQueue.queueArn });
    }
    // A consumer outside this app needs the queue key to read its queue.
    new CfnOutput(this, 'QueueKeyArn', { value: this.events.queueKey.keyArn });
    new CfnOutput(this, 'RelayFailureQueueUrl', { value: this.relay.failureQueue.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.operations.alarmTopic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.operations.dashboard.dashboardName });
  }
}
