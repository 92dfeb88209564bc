import { App, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import t from 'tap';
import {
  PARTITION_KEY,
  SORT_KEY,
  STREAM_VIEW_TYPE,
  TTL_ATTRIBUTE,
} from '@user-service/event-store/dynamodb/schema';
import { READ_MODEL_INDEXES, READ_MODEL_PARTITION_KEY } from '@user-service/user-read-model/dynamodb';
import { addUserService } from '../lib/app.js';
import { ConfigError, resolveConfig } from '../lib/config.js';
import { EventTopic } from '../lib/constructs/event-topic.js';
import { StreamRelay } from '../lib/constructs/stream-relay.js';
import {
  allowedActions,
  testApp,
  lambda,
  only,
  REPOSITORY_ROOT,
  roleStatements,
  synthesise,
  TEST_SENDER,
} from './fixtures.js';

// Two consumers, so that everything per consumer is checked for more than the default one.
const dev = synthesise('dev', { consumers: 'projector,billing' });
const prod = synthesise('prod');
const { statefulTemplate: stateful, serviceTemplate: service } = dev;
const resources = service.toJSON().Resources as Record<string, { Type: string; Properties: any }>;

const RELAY = 'Relays inserted events from the event-store stream to the SNS FIFO topic';
const API = 'The user service HTTP API (Fastify)';
const PROJECTOR = 'Projects user events from its SQS FIFO queue into the user read model';

/** A value the service stack reads from one of the stateful stack's outputs. */
const fromStateful = (output: string) => ({
  'Fn::GetStackOutput': {
    StackName: 'UserService-dev-Stateful',
    Region: 'eu-west-1',
    OutputName: Match.stringLikeRegexp(`^PublishOutput${output}`),
  },
});

/** The same, as a pattern for tap's `t.match`. */
const fromStatefulPattern = (output: string) => ({
  'Fn::GetStackOutput': { StackName: 'UserService-dev-Stateful', OutputName: new RegExp(`^PublishOutput${output}`) },
});

/** The logical id of the one resource of a type whose id contains `fragment`. */
function idOf(type: string, fragment: string): string {
  const ids = Object.keys(service.findResources(type)).filter((id) => id.includes(fragment));
  if (ids.length !== 1) throw new Error(`expected one ${type} with ${fragment} in its id, found ${ids.join(', ')}`);
  return ids[0]!;
}

t.test('the event-store table follows the event-store package schema', async (t) => {
  const [keyId] = only(stateful, 'AWS::KMS::Key');
  stateful.hasResourceProperties('AWS::DynamoDB::Table', {
    KeySchema: [
      { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
      { AttributeName: SORT_KEY, KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: PARTITION_KEY, AttributeType: 'S' },
      { AttributeName: SORT_KEY, AttributeType: 'N' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
    TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
  });
  t.equal(STREAM_VIEW_TYPE, 'NEW_IMAGE', 'the relay needs new images only');
  stateful.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
});

t.test('both read-model slots have the lookup indexes, PITR and the same customer-managed key', async () => {
  const [keyId] = only(stateful, 'AWS::KMS::Key');
  stateful.resourcePropertiesCountIs('AWS::DynamoDB::Table', {
    KeySchema: [{ AttributeName: READ_MODEL_PARTITION_KEY, KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
    GlobalSecondaryIndexes: Object.values(READ_MODEL_INDEXES).map((index) => ({
      IndexName: index.indexName,
      KeySchema: [{ AttributeName: index.partitionKey, KeyType: 'HASH' }],
      Projection: { ProjectionType: 'ALL' },
    })),
    PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
    StreamSpecification: Match.absent(),
  }, 2);
});

t.test('production retains its data and protects the tables; dev does neither', async (t) => {
  for (const [template, retained] of [
    [prod.statefulTemplate, true],
    [stateful, false],
  ] as const) {
    const policy = retained ? 'Retain' : 'Delete';
    const tables = Object.values(template.findResources('AWS::DynamoDB::Table'));
    t.equal(tables.length, 3, 'the event store and the two read-model slots');
    for (const table of tables) {
      t.match(table, { DeletionPolicy: policy, UpdateReplacePolicy: policy });
      t.equal(table.Properties.DeletionProtectionEnabled, retained);
    }
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: policy });
    template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: policy });
  }
  t.equal(prod.stateful.terminationProtection, true);
  t.equal(dev.stateful.terminationProtection, false);
});

t.test('the relay reads the stream from TRIM_HORIZON, bisecting, with bounded retries and a failure queue', async () => {
  const relay = lambda(service, RELAY);
  service.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
    FunctionName: { Ref: relay.logicalId },
    EventSourceArn: fromStateful('FnGetAttEventStoreTable[0-9A-F]+StreamArn'),
    StartingPosition: 'TRIM_HORIZON',
    BatchSize: 100,
    MaximumRetryAttempts: 10,
    MaximumRecordAgeInSeconds: 86_400,
    BisectBatchOnFunctionError: true,
    FunctionResponseTypes: ['ReportBatchItemFailures'],
    DestinationConfig: {
      OnFailure: { Destination: { 'Fn::GetAtt': [idOf('AWS::SQS::Queue', 'FailureQueue'), 'Arn'] } },
    },
  });
});

t.test('every function is Node.js 22 on arm64 and logs to its own group, which expires', async (t) => {
  for (const description of [RELAY, API, PROJECTOR]) {
    const { properties } = lambda(service, description);
    t.match(properties, { Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler' }, description);
    const logGroup = resources[(properties['LoggingConfig'] as { LogGroup: { Ref: string } }).LogGroup.Ref]!;
    t.match(logGroup, { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 7 } }, description);
  }
  // Three functions and the API's access logs; production keeps them longer, and keeps them.
  prod.serviceTemplate.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 90 }, 4);
  t.equal(Object.keys(prod.serviceTemplate.findResources('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' })).length, 4);
});

t.test('each consumer gets an encrypted FIFO queue with a FIFO DLQ, subscribed with raw delivery', async (t) => {
  const [topicId, topic] = only(service, 'AWS::SNS::Topic', { FifoTopic: true });
  const topicKeyId = idOf('AWS::KMS::Key', 'TopicKey');
  const queueKeyId = idOf('AWS::KMS::Key', 'QueueKey');
  t.same(topic.Properties?.['KmsMasterKeyId'], { 'Fn::GetAtt': [topicKeyId, 'Arn'] });

  for (const consumer of ['projector', 'billing']) {
    const queueId = idOf('AWS::SQS::Queue', `Consumer${consumer}Queue`);
    const dlqId = idOf('AWS::SQS::Queue', `Consumer${consumer}DeadLetterQueue`);
    t.match(resources[queueId]!.Properties, {
      FifoQueue: true,
      KmsMasterKeyId: { 'Fn::GetAtt': [queueKeyId, 'Arn'] },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
      VisibilityTimeout: 180,
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
    }, `${consumer} queue`);
    t.match(resources[dlqId]!.Properties, {
      FifoQueue: true,
      KmsMasterKeyId: { 'Fn::GetAtt': [queueKeyId, 'Arn'] },
      MessageRetentionPeriod: 1_209_600,
    }, `${consumer} DLQ`);
    service.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      TopicArn: { Ref: topicId },
      Endpoint: { 'Fn::GetAtt': [queueId, 'Arn'] },
      RawMessageDelivery: true,
    });
  }
  service.resourceCountIs('AWS::SNS::Subscription', 2);
  // SNS may use the queue key to deliver, but only on behalf of this topic.
  service.hasResourceProperties('AWS::KMS::Key', {
    KeyPolicy: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Principal: { Service: 'sns.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Condition: { ArnEquals: { 'aws:SourceArn': { Ref: topicId } } },
        }),
      ]),
    },
  });
});

t.test('tables, topics and queues are all encrypted; topics and queues refuse plain HTTP', async (t) => {
  for (const table of Object.values(stateful.findResources('AWS::DynamoDB::Table'))) {
    t.match(table.Properties.SSESpecification, { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Object });
  }
  const encrypted = (type: string, property: string) =>
    Object.values(service.findResources(type)).every((resource) => resource.Properties[property] !== undefined);
  t.ok(encrypted('AWS::SNS::Topic', 'KmsMasterKeyId'), 'every topic');
  t.ok(encrypted('AWS::SQS::Queue', 'KmsMasterKeyId'), 'every queue');
  const denyPlainHttp = {
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      ]),
    },
  };
  service.resourcePropertiesCountIs('AWS::SQS::QueuePolicy', denyPlainHttp, 5);
  service.resourcePropertiesCountIs('AWS::SNS::TopicPolicy', denyPlainHttp, 2);
});

t.test('the projector drains its own queue with partial batch responses', async (t) => {
  const projector = lambda(service, PROJECTOR);
  service.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
    FunctionName: { Ref: projector.logicalId },
    EventSourceArn: { 'Fn::GetAtt': [idOf('AWS::SQS::Queue', 'ConsumerprojectorQueue'), 'Arn'] },
    BatchSize: 10,
    FunctionResponseTypes: ['ReportBatchItemFailures'],
  });
  // Lambda's SQS event source wants the visibility timeout at six times the function timeout or more.
  t.ok((projector.properties['Timeout'] as number) * 6 <= 180);
});

t.test('each function is granted exactly the actions it needs', async (t) => {
  const dynamoRead = [
    'dynamodb:BatchGetItem',
    'dynamodb:ConditionCheckItem',
    'dynamodb:DescribeTable',
    'dynamodb:GetItem',
    'dynamodb:GetRecords',
    'dynamodb:GetShardIterator',
    'dynamodb:Query',
    'dynamodb:Scan',
  ];
  const dynamoWrite = ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];
  const kmsWrite = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'];
  const logs = ['logs:CreateLogStream', 'logs:PutLogEvents'];
  const sorted = (...actions: string[]) => [...new Set(actions)].sort();

  t.same(
    allowedActions(service, lambda(service, RELAY).properties),
    sorted(
      'dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams',
      ...kmsWrite, ...logs, 'sns:Publish', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage',
    ),
    'relay',
  );
  t.same(
    allowedActions(service, lambda(service, API).properties),
    sorted(
      ...dynamoRead, ...dynamoWrite, ...kmsWrite, ...logs,
      'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'ses:SendEmail', 'ses:SendRawEmail',
    ),
    'user service',
  );
  t.same(
    allowedActions(service, lambda(service, PROJECTOR).properties),
    sorted(
      ...dynamoRead, ...dynamoWrite, ...kmsWrite, ...logs,
      'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage',
    ),
    'projector',
  );
});

t.test('each grant is scoped to its resource', async (t) => {
  const statements = (description: string) => roleStatements(service, lambda(service, description).properties);
  const withAction = (description: string, action: string) =>
    statements(description).filter((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes(action));

  // Only ListStreams, which has no resource-level permission, is granted on '*'.
  for (const description of [RELAY, API, PROJECTOR]) {
    for (const statement of statements(description)) {
      if (statement.Resource === '*') t.same(statement.Action, 'dynamodb:ListStreams', description);
    }
  }
  t.match(withAction(RELAY, 'sns:Publish'), [{ Resource: { Ref: only(service, 'AWS::SNS::Topic', { FifoTopic: true })[0] } }]);

  // The user service queries each lookup index by name; nothing grants a wildcard over indexes.
  t.notMatch(JSON.stringify(service.toJSON()), /index\/\*/);
  t.match(JSON.stringify(withAction(API, 'dynamodb:Query')), /index\/byEmail.*index\/byUsername/);
  const sesIdentities = withAction(API, 'ses:SendEmail').flatMap((statement) => [statement.Resource].flat());
  t.same(sesIdentities.sort(), [
    `arn:aws:ses:eu-west-1:123456789012:identity/${TEST_SENDER.split('@')[1]}`,
    `arn:aws:ses:eu-west-1:123456789012:identity/${TEST_SENDER}`,
  ], 'the sender address and its domain, whichever of them is verified');
  t.match(withAction(API, 'secretsmanager:GetSecretValue'), [{ Resource: fromStatefulPattern('RefJwtSecret') }]);

  // The projector writes the read model's two slots only; the event store it may only read.
  const projectorWrites = JSON.stringify(withAction(PROJECTOR, 'dynamodb:PutItem').map((statement) => statement.Resource));
  t.equal(projectorWrites.match(/PublishOutputFnGetAtt\w+Arn/g)?.sort().join(), [
    projectorWrites.match(/PublishOutputFnGetAttReadModelGreenTable\w+Arn/)?.[0],
    projectorWrites.match(/PublishOutputFnGetAttReadModelTable\w+Arn/)?.[0],
  ].join(), 'both read-model slots and nothing else');
  // The user service queries both lookup indexes of both slots by name, and writes no slot.
  t.equal(JSON.stringify(withAction(API, 'dynamodb:Query')).match(/\/index\/by(Email|Username)/g)?.length, 4);
  t.notMatch(JSON.stringify(withAction(API, 'dynamodb:PutItem')), /ReadModel/);
  t.match(withAction(PROJECTOR, 'sqs:ReceiveMessage'), [
    { Resource: { 'Fn::GetAtt': [idOf('AWS::SQS::Queue', 'ConsumerprojectorQueue'), 'Arn'] } },
  ]);
});

t.test('no wildcard action is granted but the two KMS families of CDK grants', async (t) => {
  const wildcards = new Set<string>();
  for (const template of [service, stateful]) {
    for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
      for (const statement of policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]) {
        for (const action of [statement.Action].flat()) if (action.includes('*')) wildcards.add(action);
      }
    }
  }
  t.same([...wildcards].sort(), ['kms:GenerateDataKey*', 'kms:ReEncrypt*']);
});

t.test('each function gets exactly the environment its configuration reads', async () => {
  const topicId = only(service, 'AWS::SNS::Topic', { FifoTopic: true })[0];
  const apiId = only(service, 'AWS::ApiGatewayV2::Api')[0];
  const environment = (description: string, variables: Record<string, unknown>) =>
    service.hasResourceProperties('AWS::Lambda::Function', {
      Description: description,
      Environment: { Variables: Match.objectEquals(variables) },
    });

  environment(RELAY, { TOPIC_ARN: { Ref: topicId }, LOG_LEVEL: 'debug' });
  environment(API, {
    STORAGE: 'dynamodb',
    EVENT_STORE_TABLE: fromStateful('RefEventStoreTable'),
    READ_MODEL_TABLE: fromStateful('RefReadModelTable'),
    READ_MODEL_GREEN_TABLE: fromStateful('RefReadModelGreenTable'),
    JWT_SECRET_ARN: fromStateful('RefJwtSecret'),
    MAILER: 'ses',
    SES_FROM_ADDRESS: TEST_SENDER,
    TRUST_PROXY: 'true',
    PUBLIC_URL: { 'Fn::Join': ['', ['https://', { Ref: apiId }, '.execute-api.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/']] },
    LOG_LEVEL: 'debug',
  });
  environment(PROJECTOR, {
    READ_MODEL: 'dynamodb',
    READ_MODEL_TABLE: fromStateful('RefReadModelTable'),
    READ_MODEL_GREEN_TABLE: fromStateful('RefReadModelGreenTable'),
    EVENT_STORE: 'dynamodb',
    EVENT_STORE_TABLE: fromStateful('RefEventStoreTable'),
    LOG_LEVEL: 'debug',
  });
  prod.serviceTemplate.hasResourceProperties('AWS::Lambda::Function', {
    Description: RELAY,
    Environment: { Variables: { LOG_LEVEL: 'info' } },
  });
});

t.test('the API sends every route to the function, throttled, with access logs', async () => {
  const [apiId] = only(service, 'AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
  service.hasResourceProperties('AWS::ApiGatewayV2::Route', { ApiId: { Ref: apiId }, RouteKey: '$default' });
  service.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
    IntegrationType: 'AWS_PROXY',
    PayloadFormatVersion: '2.0',
    IntegrationUri: { 'Fn::GetAtt': [lambda(service, API).logicalId, 'Arn'] },
  });
  service.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
    StageName: '$default',
    AutoDeploy: true,
    DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    AccessLogSettings: {
      DestinationArn: { 'Fn::GetAtt': [idOf('AWS::Logs::LogGroup', 'AccessLogs'), 'Arn'] },
      Format: Match.stringLikeRegexp('\\$context.requestId'),
    },
  });
});

t.test('alarms cover dead letters, relay lag, projector errors and API 5xx, and notify one topic', async (t) => {
  const alarmTopicId = idOf('AWS::SNS::Topic', 'AlarmTopic');
  const alarms = Object.values(service.findResources('AWS::CloudWatch::Alarm'));
  // Three dead-letter queues (two consumers and the relay's failures) and three more.
  t.equal(alarms.length, 6);
  for (const alarm of alarms) {
    t.same(alarm.Properties.AlarmActions, [{ Ref: alarmTopicId }]);
    t.equal(alarm.Properties.ComparisonOperator, 'GreaterThanOrEqualToThreshold');
  }
  const alarmOn = (metric: Record<string, unknown>) =>
    alarms.filter((alarm) => Object.entries(metric).every(([key, value]) => alarm.Properties[key] === value));
  t.equal(alarmOn({ MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1, Statistic: 'Maximum' }).length, 3);
  for (const fragment of ['FailureQueue', 'ConsumerprojectorDeadLetterQueue', 'ConsumerbillingDeadLetterQueue']) {
    service.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [idOf('AWS::SQS::Queue', fragment), 'QueueName'] } }],
    });
  }
  t.equal(alarmOn({ Namespace: 'AWS/Lambda', MetricName: 'IteratorAge', Threshold: 300_000 }).length, 1);
  t.equal(alarmOn({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Threshold: 1 }).length, 1);
  t.equal(alarmOn({ Namespace: 'AWS/ApiGateway', MetricName: '5xx', Threshold: 1 }).length, 1);
  t.equal(
    alarmOn({ MetricName: 'IteratorAge' })[0]!.Properties.Dimensions[0].Value.Ref,
    lambda(service, RELAY).logicalId,
  );
  service.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  service.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue(), FifoTopic: Match.absent() });
  prod.serviceTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'IteratorAge', Threshold: 60_000 });
});

t.test('an alarm email is subscribed to the alarm topic when given', async (t) => {
  const withEmail = synthesise('dev', { alarmEmail: 'ops@mail.user-service.internal' }).serviceTemplate;
  withEmail.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@mail.user-service.internal' });
  t.equal(Object.keys(service.findResources('AWS::SNS::Subscription', { Properties: { Protocol: 'email' } })).length, 0);
});

t.test('environments differ by parameters only, and the code holds no account id', async (t) => {
  t.same([dev.stateful.stackName, dev.service.stackName], ['UserService-dev-Stateful', 'UserService-dev-Service']);
  t.same([prod.stateful.stackName, prod.service.stackName], ['UserService-prod-Stateful', 'UserService-prod-Service']);
  // Environment-agnostic, as when synthesised without credentials: nothing resembling an account id.
  const app = testApp();
  const stacks = addUserService(app, {
    config: resolveConfig('prod', { sesFromAddress: TEST_SENDER }),
    repositoryRoot: REPOSITORY_ROOT,
  });
  const assembly = app.synth();
  for (const stack of [stacks.stateful, stacks.service]) {
    t.notMatch(JSON.stringify(assembly.getStackArtifact(stack.artifactId).template), /\b\d{12}\b/, stack.stackName);
  }
});

t.test('configuration is validated as a whole at synth', async (t) => {
  t.equal(resolveConfig(undefined).name, 'dev');
  t.same(resolveConfig('dev', { consumers: ' projector , billing,' }).consumers, ['projector', 'billing']);
  const problems = (envName: string | undefined, overrides = {}) => {
    try {
      resolveConfig(envName, overrides);
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  };
  t.match(problems('staging'), [/env="staging" must be one of dev, prod/]);
  t.match(problems('prod'), [/sesFromAddress is required for env=prod/]);
  t.match(problems('dev', { sesFromAddress: 'nobody' }), [/sesFromAddress="nobody" must be an email address/]);
  t.match(problems('dev', { consumers: 'billing' }), [/consumers must include "projector"/]);
  t.match(problems('dev', { consumers: 'projector,projector' }), [/repeat a name/]);
  t.match(problems('dev', { consumers: 'projector,Bad_Name' }), [/consumer "Bad_Name" must be lowercase/]);
  t.match(problems('dev', { logLevel: 'loud' }), [/logLevel="loud" must be one of/]);
  t.match(problems('dev', { publicUrl: 'http://api.example.net' }), [/publicUrl=.* must be an https URL/]);
  t.match(problems('dev', { alarmEmail: 'ops' }), [/alarmEmail="ops" must be an email address/]);
  t.match(problems('dev', { sesExtraIdentities: 'localhost' }), [/must be an email address or a domain/]);
  // Every problem at once, not the first alone.
  t.equal(problems('dev', { sesFromAddress: 'x', logLevel: 'loud', consumers: 'billing' }).length, 3);
  t.equal(resolveConfig('dev', { publicUrl: 'https://users.example.net/' }).publicUrl, 'https://users.example.net');
});

t.test('constructs refuse invalid props at synth', async (t) => {
  const stack = new Stack(new App(), 'Invalid');
  t.throws(() => new EventTopic(stack, 'NoConsumers', { consumers: [] }), /at least one consumer/);
  t.throws(() => new EventTopic(stack, 'Twice', { consumers: ['a', 'a'] }), /repeat a name: a, a/);
  const events = new EventTopic(stack, 'Events', { consumers: ['projector'] });
  t.throws(() => events.consumer('billing'), /no consumer queue named "billing"/);
  const table = new Table(stack, 'NoStream', { partitionKey: { name: 'pk', type: AttributeType.STRING } });
  const relayProps = {
    repositoryRoot: REPOSITORY_ROOT,
    topic: new Topic(stack, 'Topic'),
    encryptionKey: events.queueKey,
    logLevel: 'info',
    logRetention: RetentionDays.ONE_WEEK,
    retainLogs: false,
  };
  t.throws(() => new StreamRelay(stack, 'Relay', { ...relayProps, table }), /needs a table with a stream/);
  t.throws(
    () => new StreamRelay(stack, 'Relay2', { ...relayProps, table: dev.stateful.eventStore.table, retryAttempts: -1 }),
    /retryAttempts must be an integer/,
  );
});
