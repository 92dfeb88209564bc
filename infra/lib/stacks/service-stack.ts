import type { IKey } from 'aws-cdk-lib/aws-kms';
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { emailDomain, MAILER_CONSUMER, normalisedName, PROJECTOR_CONSUMER, visibilityTimeoutFor, type EnvironmentConfig } from '../config.js';
import { EventTopic } from '../constructs/event-topic.js';
import { Mailer } from '../constructs/mailer.js';
import { Operations } from '../constructs/operations.js';
import { OperatorAccess } from '../constructs/operator-access.js';
import { Projector } from '../constructs/projector.js';
import type { ReadModelTable } from '../constructs/read-model-table.js';
import { RateLimitTable } from '../constructs/rate-limit-table.js';
import { RELAY_SERVICE_NAME, StreamRelay } from '../constructs/stream-relay.js';
import { USER_SERVICE_NAME, UserServiceApi } from '../constructs/user-service-api.js';

export interface ServiceStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  /** The repository root, where the Lambda entries and `pnpm-lock.yaml` are. */
  readonly repositoryRoot: string;
  /** From the stateful stack. */
  readonly eventStoreTable: ITable;
  readonly readModel: ReadModelTable;
  readonly readModelGreen: ReadModelTable;
  readonly jwtSecret: ISecret;
  /** Wraps users' data keys: the service wraps and unwraps, the relay, projector and operators unwrap. */
  readonly personalDataKey: IKey;
}

/**
 * The event pipeline (stream relay, SNS FIFO topic, a queue per consumer), the compute (the user service
 * behind its HTTP API, the projector, the mailer), their alarms and dashboard, and the operators' policy. Its queues
 * hold undelivered events, so in production they and their keys are retained like the tables.
 */
export class ServiceStack extends Stack {
  public readonly events: EventTopic;
  public readonly relay: StreamRelay;
  public readonly rateLimits: RateLimitTable;
  public readonly api: UserServiceApi;
  public readonly projector: Projector;
  public readonly mailer: Mailer;
  public readonly operations: Operations;
  public readonly operatorAccess: OperatorAccess;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const { config, repositoryRoot } = props;
    const logs = { logLevel: config.logLevel, logRetention: config.logRetention, retainLogs: config.retainData };

    this.events = new EventTopic(this, 'Events', {
      consumers: config.consumers,
      visibilityTimeout: visibilityTimeoutFor(config.projectorTimeout),
      retainData: config.retainData,
    });
    this.relay = new StreamRelay(this, 'StreamRelay', {
      repositoryRoot,
      table: props.eventStoreTable,
      personalDataKey: props.personalDataKey,
      topic: this.events.topic,
      topicKey: this.events.topicKey,
      encryptionKey: this.events.queueKey,
      retainData: config.retainData,
      reservedConcurrency: config.concurrency.relayReserved,
      ...logs,
    });
    this.rateLimits = new RateLimitTable(this, 'RateLimits');
    const sesIdentities = [...new Set([config.sesFromAddress, emailDomain(config.sesFromAddress), ...config.sesExtraIdentities])];
    this.api = new UserServiceApi(this, 'UserService', {
      repositoryRoot,
      rateLimits: this.rateLimits,
      eventStoreTable: props.eventStoreTable,
      readModel: props.readModel,
      readModelGreen: props.readModelGreen,
      jwtSecret: props.jwtSecret,
      personalDataKey: props.personalDataKey,
      sesFromAddress: config.sesFromAddress,
      sesIdentities,
      ...(config.publicUrl === undefined ? {} : { publicUrl: config.publicUrl }),
      throttle: config.apiThrottle,
      sensitiveRouteThrottle: config.sensitiveRouteThrottle,
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
      personalDataKey: props.personalDataKey,
      timeout: config.projectorTimeout,
      reservedConcurrency: config.concurrency.projectorReserved,
      maximumConcurrency: config.concurrency.projectorMaximum,
      ...logs,
    });
    this.mailer = new Mailer(this, 'Mailer', {
      repositoryRoot,
      queue: this.events.consumer(MAILER_CONSUMER).queue,
      eventStoreTable: props.eventStoreTable,
      personalDataKey: props.personalDataKey,
      jwtSecret: props.jwtSecret,
      sesFromAddress: config.sesFromAddress,
      sesIdentities,
      publicUrl: config.publicUrl ?? this.api.url,
      timeout: config.projectorTimeout,
      reservedConcurrency: config.concurrency.mailerReserved,
      maximumConcurrency: config.concurrency.mailerMaximum,
      retainData: config.retainData,
      ...logs,
    });
    const consumers = [...this.events.consumers.values()];
    this.operations = new Operations(this, 'Operations', {
      alarmNamePrefix: config.stackPrefix,
      encryptionKey: this.events.queueKey,
      ...(config.alarmEmail === undefined ? {} : { alarmEmail: config.alarmEmail }),
      api: this.api.api,
      functions: [
        { name: USER_SERVICE_NAME, function: this.api.function.function },
        { name: RELAY_SERVICE_NAME, function: this.relay.function.function },
        { name: PROJECTOR_CONSUMER, function: this.projector.function.function },
        { name: MAILER_CONSUMER, function: this.mailer.function.function },
      ],
      relay: this.relay.function.function,
      relayServiceName: RELAY_SERVICE_NAME,
      consumers,
      deadLetterQueues: [
        { name: 'relay-failures', queue: this.relay.failureQueue },
        { name: 'relay-parking', queue: this.relay.parkingQueue },
      ],
      tables: [
        { name: 'event-store', table: props.eventStoreTable },
        { name: 'read-model', table: props.readModel.table },
        { name: 'read-model-green', table: props.readModelGreen.table },
        { name: 'rate-limits', table: this.rateLimits.table },
        { name: 'sent-mails', table: this.mailer.sentMails },
      ],
      thresholds: config.alarms,
    });
    this.operatorAccess = new OperatorAccess(this, 'OperatorAccess', {
      consumers,
      queueKey: this.events.queueKey,
      relayQueues: [this.relay.failureQueue, this.relay.parkingQueue],
      readModel: props.readModel.table,
      readModelGreen: props.readModelGreen.table,
      eventStoreTable: props.eventStoreTable,
      personalDataKey: props.personalDataKey,
      topic: this.events.topic,
      topicKey: this.events.topicKey,
    });

    const output = (outputId: string, value: string, description: string) =>
      new CfnOutput(this, outputId, { value, description });
    output('ApiUrl', this.api.url, "The API's base URL, ending in /");
    output('EventTopicArn', this.events.topic.topicArn, 'pnpm republish publishes here (TOPIC_ARN)');
    output('EventStoreTableName', props.eventStoreTable.tableName, 'pnpm republish reads here (EVENT_STORE_TABLE)');
    output('ReadModelTableName', props.readModel.table.tableName, 'The blue slot: it holds the slot pointer and the rebuild lease');
    output('SentMailTableName', this.mailer.sentMails.tableName, "The mailer's ledger: one item per event whose mail was sent");
    output('ReadModelGreenTableName', props.readModelGreen.table.tableName, 'The green slot');
    for (const { name, queue, deadLetterQueue, subscriptionDeadLetterQueue } of consumers) {
      // Output keys keep only letters and digits; the config refuses names that would collide.
      const key = normalisedName(name);
      output(`ConsumerQueueUrl${key}`, queue.queueUrl, `${name}: its queue (pnpm redrive's destination)`);
      output(`ConsumerQueueArn${key}`, queue.queueArn, `${name}: its queue`);
      output(`DeadLetterQueueUrl${key}`, deadLetterQueue.queueUrl, `${name}: its DLQ (pnpm redrive's source)`);
      output(`DeadLetterQueueArn${key}`, deadLetterQueue.queueArn, `${name}: its DLQ (StartMessageMoveTask --source-arn)`);
      output(`SubscriptionDeadLetterQueueUrl${key}`, subscriptionDeadLetterQueue.queueUrl, `${name}: what SNS could not deliver`);
    }
    // A consumer outside this app needs the queue key to read its queue.
    output('QueueKeyArn', this.events.queueKey.keyArn, 'Encrypts every queue: a consumer needs kms:Decrypt on it');
    output('RelayFailureQueueUrl', this.relay.failureQueue.queueUrl, 'Batches the stream mapping gave up on (shard and sequence numbers)');
    output('RelayParkingQueueUrl', this.relay.parkingQueue.queueUrl, 'Records the relay could not publish, with their image');
    output('OperatorPolicyArn', this.operatorAccess.policy.managedPolicyArn, "Attach to the operators' role to run the repairs");
    output('AlarmTopicArn', this.operations.alarmTopic.topicArn, 'Every alarm notifies it');
    output('DashboardName', this.operations.dashboard.dashboardName, 'The CloudWatch dashboard');
  }
}
