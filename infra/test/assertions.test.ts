import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, type CfnTable, Table } from 'aws-cdk-lib/aws-dynamodb';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import t from 'tap';
import {
  ITEM_TYPE_ATTRIBUTE,
  PARTITION_KEY,
  SORT_KEY,
  STREAM_VIEW_TYPE,
  TTL_ATTRIBUTE,
} from '@user-service/event-store/dynamodb/schema';
import { READ_MODEL_INDEXES, READ_MODEL_PARTITION_KEY } from '@user-service/user-read-model/dynamodb';
import { addUserService } from '../lib/app.js';
import { EventTopic } from '../lib/constructs/event-topic.js';
import { StreamRelay } from '../lib/constructs/stream-relay.js';
import { prodParameters } from '../parameters/prod.js';
import {
  allowedActions,
  lambda,
  only,
  REPOSITORY_ROOT,
  roleStatements,
  synthesise,
  TEST_SENDER,
  testApp,
  testConfig,
  type Synthesised,
} from './fixtures.js';

// Dev with two consumers, so that everything per consumer is checked for more than the default one; and
// prod as committed.
const dev = synthesise('dev', { consumers: 'projector,mailer,billing' });
const prod = synthesise('prod');
const ENVIRONMENTS: readonly [string, Synthesised][] = [['dev', dev], ['prod', prod]];
const { statefulTemplate: stateful, serviceTemplate: service } = dev;

const RELAY = 'Relays inserted events from the event-store stream to the SNS FIFO topic';
const API = 'The user service HTTP API (Fastify)';
const PROJECTOR = 'Projects user events from its SQS FIFO queue into the user read model';
const MAILER = 'Sends confirmation and reset mails from the user events of its SQS FIFO queue';

type Resources = Record<string, { Type: string; Properties: any; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;
const resourcesOf = (template: Template) => template.toJSON().Resources as Resources;

/** A value the service stack imports from the stateful stack's exports (a strong reference). */
const imported = (envName: string, fragment: string) => ({
  'Fn::ImportValue': Match.stringLikeRegexp(`^UserService-${envName}-Stateful:ExportsOutput${fragment}`),
});

/** The logical id of the one resource of a type whose id contains `fragment`. */
function idOf(template: Template, type: string, fragment: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.includes(fragment));
  if (ids.length !== 1) throw new Error(`expected one ${type} with ${fragment} in its id, found ${ids.join(', ')}`);
  return ids[0]!;
}

/** The customer-managed key of the tables and backups (the personal-data key is the stack's other key). */
const tableKeyOf = (template: Template) => idOf(template, 'AWS::KMS::Key', 'EventStoreKey');

t.test('the event-store table follows the event-store package schema', async (t) => {
  const keyId = tableKeyOf(stateful);
  stateful.hasResourceProperties('AWS::DynamoDB::Table', {
    KeySchema: [
      { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
      { AttributeName: SORT_KEY, KeyType: 'RANGE' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
    TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
  });
  t.equal(STREAM_VIEW_TYPE, 'NEW_IMAGE', 'the relay needs new images only');
  stateful.hasResourceProperties('AWS::KMS::Key', {
    EnableKeyRotation: true,
    // The JWT secret uses Secrets Manager's own key, so the description must not claim it.
    Description: Match.stringLikeRegexp('^Encrypts the user service event store, its two read-model tables and their backups$'),
  });
});

t.test('the read-model lookup indexes project keys only, so a put writes them only when a key changes', async (t) => {
  for (const [envName, { statefulTemplate }] of ENVIRONMENTS) {
    const keyId = tableKeyOf(statefulTemplate);
    statefulTemplate.resourcePropertiesCountIs('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: READ_MODEL_PARTITION_KEY, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: Object.values(READ_MODEL_INDEXES).map((index) => ({
        IndexName: index.indexName,
        KeySchema: [{ AttributeName: index.partitionKey, KeyType: 'HASH' }],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      })),
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
      StreamSpecification: Match.absent(),
    }, 2);
    t.notMatch(JSON.stringify(statefulTemplate.toJSON()), /"ProjectionType":"ALL"|writeId/, `${envName}: no index projects everything`);
  }
});

t.test('production retains its data and its messaging state; dev retains nothing', async (t) => {
  for (const [envName, { statefulTemplate, serviceTemplate }] of ENVIRONMENTS) {
    const retained = envName === 'prod';
    const policy = retained ? 'Retain' : 'Delete';
    const tables = Object.values(statefulTemplate.findResources('AWS::DynamoDB::Table'));
    t.equal(tables.length, 3, 'the event store and the two read-model slots');
    for (const table of tables) {
      t.match(table, { DeletionPolicy: policy, UpdateReplacePolicy: policy });
      t.equal(table.Properties.DeletionProtectionEnabled, retained);
    }
    for (const type of ['AWS::KMS::Key', 'AWS::SecretsManager::Secret', 'AWS::Backup::BackupVault']) {
      statefulTemplate.hasResource(type, { DeletionPolicy: policy });
    }
    // Every queue (consumer queues, both kinds of DLQ, the relay's failure and parking queues) and both keys.
    const queues = Object.values(serviceTemplate.findResources('AWS::SQS::Queue'));
    t.equal(queues.length, envName === 'dev' ? 11 : 8, `${envName}: 3 per consumer and the relay's 2`);
    for (const resource of [...queues, ...Object.values(serviceTemplate.findResources('AWS::KMS::Key'))]) {
      t.match(resource, { DeletionPolicy: policy, UpdateReplacePolicy: policy }, `${envName}: ${resource.Type}`);
    }
  }
  t.equal(prod.stateful.terminationProtection, true);
  t.equal(prod.service.terminationProtection, true);
  t.equal(dev.stateful.terminationProtection, false);
  t.equal(dev.service.terminationProtection, false);
});

t.test('the service stack takes every stateful value through a strong reference', async (t) => {
  for (const [envName, { serviceTemplate }] of ENVIRONMENTS) {
    const json = JSON.stringify(serviceTemplate.toJSON());
    t.notMatch(json, /Fn::GetStackOutput/, `${envName}: no weak reference`);
    for (const fragment of ['FnGetAttEventStoreTable\\w+Arn', 'FnGetAttEventStoreTable\\w+StreamArn', 'FnGetAttEventStoreKey\\w+Arn', 'RefJwtSecret']) {
      t.match(json, new RegExp(`"Fn::ImportValue":"UserService-${envName}-Stateful:ExportsOutput${fragment}`), `${envName}: ${fragment}`);
    }
  }
});

t.test('replacing a stateful resource changes the service template', async (t) => {
  // A table replaced under a new logical id (a renamed or moved construct, the way CDK replaces): every
  // function and grant that named the old one is updated with it. A replacement under the same id is
  // refused by CloudFormation while the export is imported (infra/README.md, "Cross-stack references").
  const app = testApp();
  const stacks = addUserService(app, { config: testConfig('dev', { consumers: 'projector,mailer,billing' }), repositoryRoot: REPOSITORY_ROOT });
  (stacks.stateful.eventStore.table.node.defaultChild as CfnTable).overrideLogicalId('EventStoreTableV2');
  const replaced = Template.fromStack(stacks.service);
  t.not(JSON.stringify(replaced.toJSON()), JSON.stringify(service.toJSON()));
  replaced.hasResourceProperties('AWS::Lambda::Function', {
    Description: API,
    Environment: { Variables: { EVENT_STORE_TABLE: { 'Fn::ImportValue': Match.stringLikeRegexp('RefEventStoreTableV2') } } },
  });
  replaced.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
    EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp('EventStoreTableV2StreamArn') },
  });
});

t.test('the relay retries without a count limit, bisecting, with a parking queue and an event-only filter', async (t) => {
  for (const [envName, { serviceTemplate }] of ENVIRONMENTS) {
    const relay = lambda(serviceTemplate, RELAY);
    serviceTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: relay.logicalId },
      EventSourceArn: imported(envName, 'FnGetAttEventStoreTable[0-9A-F]+StreamArn'),
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumRetryAttempts: -1,
      // The stream's retention: no retry can reach a record past it anyway.
      MaximumRecordAgeInSeconds: 86_400,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [idOf(serviceTemplate, 'AWS::SQS::Queue', 'FailureQueue'), 'Arn'] } },
      },
      FilterCriteria: {
        Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'], dynamodb: { NewImage: { [ITEM_TYPE_ATTRIBUTE]: { S: ['event'] } } } }) }],
      },
    });
    const parkingId = idOf(serviceTemplate, 'AWS::SQS::Queue', 'ParkingQueue');
    t.match(resourcesOf(serviceTemplate)[parkingId]!.Properties, {
      KmsMasterKeyId: { 'Fn::GetAtt': [idOf(serviceTemplate, 'AWS::KMS::Key', 'QueueKey'), 'Arn'] },
      MessageRetentionPeriod: 1_209_600,
    });
    t.match(relay.properties, { Environment: { Variables: { PARKING_QUEUE_URL: { Ref: parkingId } } } }, envName);
  }
});

t.test('every function is Node.js 22 on arm64, traced, and logs to its own group, which expires', async (t) => {
  for (const description of [RELAY, API, PROJECTOR, MAILER]) {
    const { properties } = lambda(service, description);
    t.match(properties, { Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler', TracingConfig: { Mode: 'Active' } });
    const logGroup = resourcesOf(service)[(properties['LoggingConfig'] as { LogGroup: { Ref: string } }).LogGroup.Ref]!;
    t.match(logGroup, { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 7 } }, description);
    t.match(lambda(prod.serviceTemplate, description).properties, { TracingConfig: { Mode: 'Active' } });
  }
  prod.serviceTemplate.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 90 }, 5);
  t.equal(Object.keys(prod.serviceTemplate.findResources('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' })).length, 5);
});

t.test('the relay, the projector and the mailer have reserved concurrency; the consumers a MaximumConcurrency', async (t) => {
  for (const [envName, synth, concurrency] of [
    ['dev', dev, { relay: 2, projector: 2, maximum: 2, mailer: 2 }],
    ['prod', prod, { relay: 10, projector: 10, maximum: 10, mailer: 4 }],
  ] as const) {
    const serviceTemplate = synth.serviceTemplate;
    t.equal(lambda(serviceTemplate, RELAY).properties['ReservedConcurrentExecutions'], concurrency.relay, envName);
    const projector = lambda(serviceTemplate, PROJECTOR);
    t.equal(projector.properties['ReservedConcurrentExecutions'], concurrency.projector, envName);
    serviceTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: projector.logicalId },
      ScalingConfig: { MaximumConcurrency: concurrency.maximum },
    });
    const mailer = lambda(serviceTemplate, MAILER);
    t.equal(mailer.properties['ReservedConcurrentExecutions'], concurrency.mailer, `${envName} mailer`);
    serviceTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: mailer.logicalId },
      ScalingConfig: { MaximumConcurrency: concurrency.mailer },
    });
    // The API keeps the account's unreserved pool.
    t.equal(lambda(serviceTemplate, API).properties['ReservedConcurrentExecutions'], undefined);
  }
});

t.test('each consumer gets a FIFO queue kept 14 days with a DLQ, and a subscription with its own DLQ', async (t) => {
  for (const [envName, { serviceTemplate }, consumers] of [
    ['dev', dev, ['projector', 'mailer', 'billing']],
    ['prod', prod, ['projector', 'mailer']],
  ] as const) {
    const resources = resourcesOf(serviceTemplate);
    const [topicId] = only(serviceTemplate, 'AWS::SNS::Topic', { FifoTopic: true });
    const queueKeyId = idOf(serviceTemplate, 'AWS::KMS::Key', 'QueueKey');
    for (const consumer of consumers) {
      const queueId = idOf(serviceTemplate, 'AWS::SQS::Queue', `Consumer${consumer}Queue`);
      const dlqId = idOf(serviceTemplate, 'AWS::SQS::Queue', `Consumer${consumer}DeadLetterQueue`);
      const subscriptionDlqId = idOf(serviceTemplate, 'AWS::SQS::Queue', `Consumer${consumer}SubscriptionDeadLetterQueue`);
      t.match(resources[queueId]!.Properties, {
        FifoQueue: true,
        KmsMasterKeyId: { 'Fn::GetAtt': [queueKeyId, 'Arn'] },
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
        // Six times the projector's 30-second timeout, from the one parameter.
        VisibilityTimeout: 180,
        MessageRetentionPeriod: 1_209_600,
        DeduplicationScope: 'messageGroup',
        FifoThroughputLimit: 'perMessageGroupId',
      }, `${envName} ${consumer} queue`);
      for (const id of [dlqId, subscriptionDlqId]) {
        t.match(resources[id]!.Properties, { FifoQueue: true, KmsMasterKeyId: { 'Fn::GetAtt': [queueKeyId, 'Arn'] }, MessageRetentionPeriod: 1_209_600 });
      }
      serviceTemplate.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'sqs',
        TopicArn: { Ref: topicId },
        Endpoint: { 'Fn::GetAtt': [queueId, 'Arn'] },
        RawMessageDelivery: true,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [subscriptionDlqId, 'Arn'] } },
      });
    }
    serviceTemplate.resourcePropertiesCountIs('AWS::SNS::Subscription', { Protocol: 'sqs' }, consumers.length);
  }
  // A visibility timeout overridden through the projector's timeout follows it.
  const overridden = synthesise('dev', { projectorTimeoutSeconds: '45' }).serviceTemplate;
  overridden.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true, VisibilityTimeout: 270, RedrivePolicy: Match.anyValue() });
  t.equal(lambda(overridden, PROJECTOR).properties['Timeout'], 45);
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
      Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
    },
  };
  service.resourcePropertiesCountIs('AWS::SQS::QueuePolicy', denyPlainHttp, 11);
  service.resourcePropertiesCountIs('AWS::SNS::TopicPolicy', denyPlainHttp, 2);
});

t.test('the projector drains its own queue with partial batch responses', async (t) => {
  const projector = lambda(service, PROJECTOR);
  service.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
    FunctionName: { Ref: projector.logicalId },
    EventSourceArn: { 'Fn::GetAtt': [idOf(service, 'AWS::SQS::Queue', 'ConsumerprojectorQueue'), 'Arn'] },
    BatchSize: 10,
    FunctionResponseTypes: ['ReportBatchItemFailures'],
  });
  t.ok((projector.properties['Timeout'] as number) * 6 <= 180);
});

t.test('the mailer drains its own queue with partial batch responses, and keeps its ledger with a TTL', async (t) => {
  const mailer = lambda(service, MAILER);
  service.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
    FunctionName: { Ref: mailer.logicalId },
    EventSourceArn: { 'Fn::GetAtt': [idOf(service, 'AWS::SQS::Queue', 'ConsumermailerQueue'), 'Arn'] },
    BatchSize: 10,
    FunctionResponseTypes: ['ReportBatchItemFailures'],
  });
  // A claim's lease is the function's timeout, and a redelivery comes only after six of them.
  t.equal((mailer.properties['Environment'] as any).Variables.MAIL_LEASE_SECONDS, String(mailer.properties['Timeout']));
  t.ok((mailer.properties['Timeout'] as number) * 6 <= 180);
  for (const [envName, { serviceTemplate }, policy] of [['dev', dev, 'Delete'], ['prod', prod, 'Retain']] as const) {
    const [, table] = only(serviceTemplate, 'AWS::DynamoDB::Table', { TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true }, KeySchema: [{ AttributeName: 'eventId', KeyType: 'HASH' }] });
    t.match(table, { DeletionPolicy: policy, Properties: { BillingMode: 'PAY_PER_REQUEST', SSESpecification: { SSEEnabled: true } } }, `${envName} ledger`);
  }
});

t.test('each function is granted exactly the actions it needs', async (t) => {
  const dynamoRead = [
    'dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DescribeTable', 'dynamodb:GetItem',
    'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:Query', 'dynamodb:Scan',
  ];
  const dynamoWrite = ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];
  const kmsWrite = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'];
  const common = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
  const sorted = (...actions: string[]) => [...new Set(actions)].sort();

  for (const [envName, { serviceTemplate }] of ENVIRONMENTS) {
    t.same(
      allowedActions(serviceTemplate, lambda(serviceTemplate, RELAY).properties),
      sorted(
        'dynamodb:DescribeStream', 'dynamodb:GetItem', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams',
        'kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey', ...common,
        'sns:Publish', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage',
      ),
      `${envName} relay: no kms:Encrypt, no kms:ReEncrypt*`,
    );
    t.same(
      allowedActions(serviceTemplate, lambda(serviceTemplate, API).properties),
      sorted(
        ...dynamoRead, 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', ...kmsWrite, 'kms:GenerateDataKey', ...common,
        'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'ses:SendEmail', 'ses:SendRawEmail',
      ),
      `${envName} user service`,
    );
    t.same(
      allowedActions(serviceTemplate, lambda(serviceTemplate, PROJECTOR).properties),
      sorted(
        ...dynamoRead, ...dynamoWrite, ...kmsWrite, ...common,
        'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage',
      ),
      `${envName} projector`,
    );
    t.same(
      allowedActions(serviceTemplate, lambda(serviceTemplate, MAILER).properties),
      sorted(
        'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'kms:Decrypt', ...common,
        'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'ses:SendEmail', 'ses:SendRawEmail',
        'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage',
      ),
      `${envName} mailer: no Scan, no update, no key but to decrypt`,
    );
  }
});

t.test('users’ data keys: one rotated KMS key; the service wraps and unwraps, readers only unwrap, always naming the user', async (t) => {
  stateful.hasResourceProperties('AWS::KMS::Key', {
    EnableKeyRotation: true,
    Description: Match.stringLikeRegexp('personal-data key'),
  });
  prod.statefulTemplate.hasResource('AWS::KMS::Key', {
    Properties: { Description: Match.stringLikeRegexp('personal-data key') },
    DeletionPolicy: 'Retain',
  });
  const onKey = (description: string) =>
    roleStatements(service, lambda(service, description).properties).filter((s) => JSON.stringify(s.Resource).includes('PersonalDataKey'));
  const subjectNamed = { Null: { 'kms:EncryptionContext:subject': 'false' } };
  t.match(onKey(API), [{ Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Condition: subjectNamed }], 'the service makes and unwraps keys');
  for (const reader of [RELAY, PROJECTOR, MAILER]) {
    t.match(onKey(reader), [{ Action: 'kms:Decrypt', Condition: subjectNamed }], `${reader}: unwraps only`);
  }
  const relayGets = roleStatements(service, lambda(service, RELAY).properties).filter((s) => [s.Action].flat().includes('dynamodb:GetItem'));
  t.match(relayGets, [{ Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['key#*'] } } }], 'the relay reads key items alone');
  const operator = Object.values(service.findResources('AWS::IAM::ManagedPolicy'))
    .flatMap((policy) => (policy as { Properties: { PolicyDocument: { Statement: Array<{ Sid?: string; Action: unknown; Condition?: unknown }> } } }).Properties.PolicyDocument.Statement)
    .filter((s) => s.Sid === 'UnwrapUserDataKeys');
  t.match(operator, [{ Action: 'kms:Decrypt', Condition: subjectNamed }], 'operators unwrap only, for replay, republish and rebuild');
});

t.test('each grant is scoped to its resource, with kms:ViaService where a service uses the key', async (t) => {
  const statements = (description: string) => roleStatements(service, lambda(service, description).properties);
  const withAction = (description: string, action: string) =>
    statements(description).filter((s) => [s.Action].flat().includes(action));

  // Only actions with no resource-level permission are granted on '*'.
  for (const description of [RELAY, API, PROJECTOR, MAILER]) {
    for (const statement of statements(description)) {
      if (statement.Resource === '*') {
        t.same([statement.Action].flat().filter((a) => !a.startsWith('xray:')), description === RELAY ? ['dynamodb:ListStreams'] : []);
      }
    }
  }
  t.match(withAction(RELAY, 'sns:Publish'), [{ Resource: { Ref: only(service, 'AWS::SNS::Topic', { FifoTopic: true })[0] } }]);
  // The relay may use the topic key only through SNS, and the queue key only through SQS.
  for (const [keyFragment, via] of [['TopicKey', 'sns'], ['QueueKey', 'sqs']] as const) {
    t.match(withAction(RELAY, 'kms:GenerateDataKey').find((s) => JSON.stringify(s.Resource).includes(keyFragment)), {
      Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', [`${via}.eu-west-1.`, { Ref: 'AWS::URLSuffix' }]] } } },
    }, `relay: ${keyFragment} via ${via}`);
  }

  // The user service deletes only claims and idempotency records, and cannot Scan the event store.
  const eventStoreArn = /FnGetAttEventStoreTable\w+Arn2/;
  const onEventStore = statements(API).filter((s) => eventStoreArn.test(JSON.stringify(s.Resource)));
  t.notOk(onEventStore.some((s) => [s.Action].flat().some((a) => /Scan|UpdateItem|BatchWriteItem/.test(a))), 'no Scan, UpdateItem or BatchWriteItem');
  // Its only UpdateItem: rate-limit counters, on their own table.
  t.match(withAction(API, 'dynamodb:UpdateItem'), [
    { Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: { 'Fn::GetAtt': [idOf(service, 'AWS::DynamoDB::Table', 'RateLimits'), 'Arn'] } },
  ]);
  t.equal(withAction(API, 'dynamodb:UpdateItem').length, 1);
  t.match(service.findResources('AWS::DynamoDB::Table')[idOf(service, 'AWS::DynamoDB::Table', 'RateLimits')]!.Properties, {
    KeySchema: [{ AttributeName: 'key', KeyType: 'HASH' }],
    TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    BillingMode: 'PAY_PER_REQUEST',
  }, 'the counters table: keyed by `key`, swept by TTL on `expiresAt`');
  t.match(withAction(API, 'dynamodb:DeleteItem'), [
    { Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['claim#*', 'idempotency#*'] } } },
  ]);
  t.match(statements(API).find((s) => JSON.stringify(s.Resource).includes('EventStoreKey') && [s.Action].flat().includes('kms:Encrypt')), {
    Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['dynamodb.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] } } },
  });

  t.notMatch(JSON.stringify(service.toJSON()), /index\/\*/);
  t.equal(JSON.stringify(withAction(API, 'dynamodb:Query')).match(/\/index\/by(Email|Username)/g)?.length, 4);
  t.notMatch(JSON.stringify(withAction(API, 'dynamodb:PutItem')), /ReadModel/);
  const sesIdentities = withAction(API, 'ses:SendEmail').flatMap((statement) => [statement.Resource].flat());
  t.same(sesIdentities.sort(), [
    `arn:aws:ses:eu-west-1:123456789012:identity/${TEST_SENDER.split('@')[1]}`,
    `arn:aws:ses:eu-west-1:123456789012:identity/${TEST_SENDER}`,
  ]);
  // The projector reads the event store (no Scan) and writes the two read-model slots only.
  const projectorOnEventStore = statements(PROJECTOR).filter((s) => eventStoreArn.test(JSON.stringify(s.Resource)));
  t.same(projectorOnEventStore.flatMap((s) => [s.Action].flat()).sort(), ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Query']);
  t.match(JSON.stringify(withAction(PROJECTOR, 'dynamodb:PutItem').map((s) => s.Resource)), /ReadModelGreenTable.*ReadModelTable/);
  t.notMatch(JSON.stringify(withAction(PROJECTOR, 'dynamodb:PutItem').map((s) => s.Resource)), /EventStore/);
  // The mailer reads the event store (its snapshot items and streams), and writes its ledger only.
  const mailerOnEventStore = statements(MAILER).filter((s) => eventStoreArn.test(JSON.stringify(s.Resource)));
  t.same(mailerOnEventStore.flatMap((s) => [s.Action].flat()).sort(), ['dynamodb:GetItem', 'dynamodb:Query']);
  t.match(withAction(MAILER, 'dynamodb:PutItem'), [
    { Action: ['dynamodb:DeleteItem', 'dynamodb:PutItem'], Resource: { 'Fn::GetAtt': [idOf(service, 'AWS::DynamoDB::Table', 'MailerSentMails'), 'Arn'] } },
  ]);
  t.equal(withAction(MAILER, 'dynamodb:PutItem').length, 1);
  t.same(withAction(MAILER, 'ses:SendEmail').flatMap((statement) => [statement.Resource].flat()).sort(), sesIdentities);
  t.match(withAction(MAILER, 'secretsmanager:GetSecretValue'), [{ Resource: { 'Fn::ImportValue': /:ExportsOutputRefJwtSecret/ } }]);
  t.equal(withAction(MAILER, 'secretsmanager:GetSecretValue').length, 1, 'the JWT secret, and no other');
});

t.test('no wildcard action is granted but the two KMS families of CDK grants', async (t) => {
  for (const [envName, { serviceTemplate, statefulTemplate }] of ENVIRONMENTS) {
    const wildcards = new Set<string>();
    for (const template of [serviceTemplate, statefulTemplate]) {
      for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
        for (const policy of Object.values(template.findResources(type))) {
          for (const statement of policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]) {
            for (const action of [statement.Action].flat()) if (action.includes('*')) wildcards.add(action);
          }
        }
      }
    }
    t.same([...wildcards].sort(), ['kms:GenerateDataKey*', 'kms:ReEncrypt*'], envName);
  }
});

t.test('each function gets exactly the environment its configuration reads', async () => {
  const topicId = only(service, 'AWS::SNS::Topic', { FifoTopic: true })[0];
  const apiId = only(service, 'AWS::ApiGatewayV2::Api')[0];
  const environment = (description: string, variables: Record<string, unknown>) =>
    service.hasResourceProperties('AWS::Lambda::Function', {
      Description: description,
      Environment: { Variables: Match.objectEquals(variables) },
    });
  const powertools = (serviceName: string) => ({ POWERTOOLS_SERVICE_NAME: serviceName, POWERTOOLS_METRICS_NAMESPACE: 'UserService' });

  environment(RELAY, {
    TOPIC_ARN: { Ref: topicId },
    PARKING_QUEUE_URL: { Ref: idOf(service, 'AWS::SQS::Queue', 'ParkingQueue') },
    EVENT_STORE_TABLE: imported('dev', 'RefEventStoreTable'),
    KMS_KEY_ID: imported('dev', 'FnGetAttPersonalDataKey'),
    LOG_LEVEL: 'debug',
    ...powertools('stream-relay'),
  });
  environment(API, {
    STORAGE: 'dynamodb',
    EVENT_STORE_TABLE: imported('dev', 'RefEventStoreTable'),
    READ_MODEL_TABLE: imported('dev', 'RefReadModelTable'),
    READ_MODEL_GREEN_TABLE: imported('dev', 'RefReadModelGreenTable'),
    JWT_SECRET_ARN: imported('dev', 'RefJwtSecret'),
    KMS_KEY_ID: imported('dev', 'FnGetAttPersonalDataKey'),
    RATE_LIMIT_TABLE: { Ref: idOf(service, 'AWS::DynamoDB::Table', 'RateLimits') },
    MAILER: 'ses',
    SES_FROM_ADDRESS: TEST_SENDER,
    TRUST_PROXY: 'false',
    PUBLIC_URL: { 'Fn::Join': ['', ['https://', { Ref: apiId }, '.execute-api.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/']] },
    LOG_LEVEL: 'debug',
    ...powertools('user-service'),
  });
  environment(PROJECTOR, {
    READ_MODEL: 'dynamodb',
    READ_MODEL_TABLE: imported('dev', 'RefReadModelTable'),
    READ_MODEL_GREEN_TABLE: imported('dev', 'RefReadModelGreenTable'),
    EVENT_STORE: 'dynamodb',
    EVENT_STORE_TABLE: imported('dev', 'RefEventStoreTable'),
    KMS_KEY_ID: imported('dev', 'FnGetAttPersonalDataKey'),
    LOG_LEVEL: 'debug',
    ...powertools('projector'),
  });
  environment(MAILER, {
    EVENT_STORE_TABLE: imported('dev', 'RefEventStoreTable'),
    KMS_KEY_ID: imported('dev', 'FnGetAttPersonalDataKey'),
    SENT_MAIL_TABLE: { Ref: idOf(service, 'AWS::DynamoDB::Table', 'MailerSentMails') },
    JWT_SECRET_ARN: imported('dev', 'RefJwtSecret'),
    MAILER: 'ses',
    SES_FROM_ADDRESS: TEST_SENDER,
    // The user service's public URL: the mails it used to send name the same one.
    PUBLIC_URL: { 'Fn::Join': ['', ['https://', { Ref: apiId }, '.execute-api.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/']] },
    MAIL_LEASE_SECONDS: '30',
    LOG_LEVEL: 'debug',
    ...powertools('mailer'),
  });
  prod.serviceTemplate.hasResourceProperties('AWS::Lambda::Function', {
    Description: RELAY,
    Environment: { Variables: { LOG_LEVEL: 'info' } },
  });
});

t.test('the API: every route to the function, a lower throttle on login and resets, both ids in the access log', async (t) => {
  for (const [envName, synth, stage, sensitive] of [
    ['dev', dev, [50, 100], [5, 10]],
    ['prod', prod, [500, 1000], [20, 40]],
  ] as const) {
    const template = synth.serviceTemplate;
    const [apiId] = only(template, 'AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    const integrationId = only(template, 'AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [lambda(template, API).logicalId, 'Arn'] },
    })[0];
    const routeKeys = ['$default', 'POST /sessions', 'POST /password-resets', 'POST /password-resets/confirm'];
    for (const routeKey of routeKeys) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        ApiId: { Ref: apiId },
        RouteKey: routeKey,
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] },
      });
    }
    template.resourceCountIs('AWS::ApiGatewayV2::Route', routeKeys.length);
    const throttle = ([rate, burst]: readonly [number, number]) => ({ ThrottlingRateLimit: rate, ThrottlingBurstLimit: burst });
    const [stageId, stageResource] = only(template, 'AWS::ApiGatewayV2::Stage');
    t.match(stageResource.Properties, {
      StageName: '$default',
      DefaultRouteSettings: throttle(stage),
      RouteSettings: Object.fromEntries(routeKeys.slice(1).map((key) => [key, throttle(sensitive)])),
    }, envName);
    // The stage's route settings name the routes, so the routes must exist first.
    const dependsOn = (resourcesOf(template)[stageId] as { DependsOn?: string[] }).DependsOn ?? [];
    for (const routeKey of routeKeys.slice(1)) {
      const [routeId] = only(template, 'AWS::ApiGatewayV2::Route', { RouteKey: routeKey });
      t.ok(dependsOn.includes(routeId), `the stage waits for ${routeKey}`);
    }
    const format = JSON.parse((stageResource.Properties as any).AccessLogSettings.Format) as Record<string, string>;
    t.match(format, { requestId: '$context.requestId', integrationRequestId: '$context.integration.requestId', ip: '$context.identity.sourceIp' });
    t.notMatch(JSON.stringify(format), /header/i, 'no header reaches the access log');
  }
});

t.test('alarms cover every failure, are named stably, notify one topic, and never breach on missing data', async (t) => {
  for (const [envName, { serviceTemplate }, consumers] of [
    ['dev', dev, ['projector', 'mailer', 'billing']],
    ['prod', prod, ['projector', 'mailer']],
  ] as const) {
    const alarmTopicId = idOf(serviceTemplate, 'AWS::SNS::Topic', 'AlarmTopic');
    const alarms = Object.values(serviceTemplate.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties);
    const byName = new Map(alarms.map((alarm) => [alarm.AlarmName as string, alarm]));
    const prefix = `UserService-${envName}-`;
    const expected = [
      'RelayIteratorAge', 'RelayDestinationDeliveryFailures', 'RelayRecordsParked', 'RelayPublishFailures',
      'DeadLetters-relay-failures', 'DeadLetters-relay-parking',
      ...consumers.flatMap((c) => [`DeadLetters-${c}`, `SubscriptionDeadLetters-${c}`, `OldestMessage-${c}`, `EventsFailed-${c}`, `ProjectionLag-${c}`]),
      ...['user-service', 'stream-relay', 'projector', 'mailer'].flatMap((f) => [`Errors-${f}`, `Throttles-${f}`]),
      'DynamoDbThrottles-event-store', 'DynamoDbThrottles-read-model', 'DynamoDbThrottles-read-model-green',
      'DynamoDbThrottles-rate-limits', 'DynamoDbThrottles-sent-mails', 'Api5xxRate',
    ];
    t.same([...byName.keys()].sort(), expected.map((name) => prefix + name).sort(), `${envName}: the documented alarm names`);
    for (const alarm of alarms) {
      t.same(alarm.AlarmActions, [{ Ref: alarmTopicId }]);
      t.same(alarm.OKActions, [{ Ref: alarmTopicId }]);
      t.equal(alarm.TreatMissingData, 'notBreaching', alarm.AlarmName);
      t.equal(alarm.ComparisonOperator, 'GreaterThanOrEqualToThreshold');
    }
    const get = (name: string) => byName.get(prefix + name)!;
    const iteratorAge = envName === 'dev' ? 300_000 : 60_000;
    t.match(get('RelayIteratorAge'), { Namespace: 'AWS/Lambda', MetricName: 'IteratorAge', Statistic: 'Maximum', Threshold: iteratorAge });
    t.match(get('RelayDestinationDeliveryFailures'), { Namespace: 'AWS/Lambda', MetricName: 'DestinationDeliveryFailures', Threshold: 1 });
    const relayMetric = { Namespace: 'UserService', Dimensions: [{ Name: 'service', Value: 'stream-relay' }], Statistic: 'Sum', Threshold: 1 };
    t.match(get('RelayRecordsParked'), { MetricName: 'RecordsParked', ...relayMetric });
    t.match(get('RelayPublishFailures'), { MetricName: 'PublishFailures', ...relayMetric });
    for (const consumer of consumers) {
      const dimension = [{ Name: 'service', Value: consumer }];
      t.match(get(`EventsFailed-${consumer}`), { Namespace: 'UserService', MetricName: 'EventsFailed', Dimensions: dimension, Statistic: 'Sum', Threshold: 1 });
      t.match(get(`ProjectionLag-${consumer}`), {
        Namespace: 'UserService', MetricName: 'ProjectionLagMs', Dimensions: dimension, Statistic: 'Maximum',
        Threshold: envName === 'dev' ? 60_000 : 30_000,
      });
      t.match(get(`OldestMessage-${consumer}`), {
        Namespace: 'AWS/SQS', MetricName: 'ApproximateAgeOfOldestMessage', Threshold: envName === 'dev' ? 900 : 300,
        Dimensions: [{ Value: { 'Fn::GetAtt': [idOf(serviceTemplate, 'AWS::SQS::Queue', `Consumer${consumer}Queue`), 'QueueName'] } }],
      });
      for (const [alarmName, fragment] of [[`DeadLetters-${consumer}`, 'DeadLetterQueue'], [`SubscriptionDeadLetters-${consumer}`, 'SubscriptionDeadLetterQueue']]) {
        t.match(get(alarmName!), {
          MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1,
          Dimensions: [{ Value: { 'Fn::GetAtt': [idOf(serviceTemplate, 'AWS::SQS::Queue', `Consumer${consumer}${fragment}`), 'QueueName'] } }],
        });
      }
    }
    for (const name of ['user-service', 'stream-relay', 'projector']) {
      t.match(get(`Errors-${name}`), { Namespace: 'AWS/Lambda', MetricName: 'Errors', Statistic: 'Sum', Threshold: 1 });
      t.match(get(`Throttles-${name}`), { Namespace: 'AWS/Lambda', MetricName: 'Throttles', Statistic: 'Sum', Threshold: 1 });
    }
    const throttled = get('DynamoDbThrottles-event-store');
    t.same(throttled.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric.MetricName).sort(), ['ReadThrottleEvents', 'WriteThrottleEvents']);
    // A rate among a minimum of requests, not a single 5xx.
    const rate = get('Api5xxRate');
    t.match(rate.Metrics[0].Expression, envName === 'dev' ? 'IF(requests >= 20, 100 * errors / requests, 0)' : 'IF(requests >= 50, 100 * errors / requests, 0)');
    t.equal(rate.Threshold, envName === 'dev' ? 5 : 1);
  }
  service.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
});

t.test('prod subscribes its alarm receiver; dev only when asked', async (t) => {
  prod.serviceTemplate.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: prodParameters.alarmEmail });
  t.equal(Object.keys(service.findResources('AWS::SNS::Subscription', { Properties: { Protocol: 'email' } })).length, 0);
  const withEmail = synthesise('dev', { alarmEmail: 'ops@mail.user-service.internal' }).serviceTemplate;
  withEmail.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@mail.user-service.internal' });
});

t.test('the event store is backed up daily; prod keeps 35 days in a locked vault', async (t) => {
  for (const [envName, { statefulTemplate }, days] of [['dev', dev, 7], ['prod', prod, 35]] as const) {
    const [vaultId, vault] = only(statefulTemplate, 'AWS::Backup::BackupVault');
    const keyId = tableKeyOf(statefulTemplate);
    t.match(vault.Properties, { EncryptionKeyArn: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    statefulTemplate.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanRule: [{
          RuleName: 'Daily',
          ScheduleExpression: 'cron(0 3 * * ? *)',
          Lifecycle: { DeleteAfterDays: days },
          TargetBackupVault: { 'Fn::GetAtt': [vaultId, 'BackupVaultName'] },
        }],
      },
    });
    const tableId = Object.keys(statefulTemplate.findResources('AWS::DynamoDB::Table', { Properties: { StreamSpecification: Match.anyValue() } }))[0]!;
    statefulTemplate.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: { Resources: [{ 'Fn::GetAtt': [tableId, 'Arn'] }] },
    });
    t.equal(vault.Properties?.['LockConfiguration'] === undefined, envName === 'dev', `${envName}: lock`);
  }
  t.match(only(prod.statefulTemplate, 'AWS::Backup::BackupVault')[1].Properties, { LockConfiguration: { MinRetentionDays: 7, ChangeableForDays: 3 } });
  // A cross-account copy, when configured, is a copy action of the same rule.
  const app = testApp();
  const withCopy = addUserService(app, {
    config: { ...testConfig('dev'), backup: { retention: prodParameters.backup.retention, copyToVaultArn: 'arn:aws:backup:eu-central-1:444455556666:backup-vault:copies' } },
    repositoryRoot: REPOSITORY_ROOT,
  });
  Template.fromStack(withCopy.stateful).hasResourceProperties('AWS::Backup::BackupPlan', {
    BackupPlan: { BackupPlanRule: [{ CopyActions: [{ DestinationBackupVaultArn: 'arn:aws:backup:eu-central-1:444455556666:backup-vault:copies' }] }] },
  });
});

t.test('operators get one policy for redrive, projection-status, republish and rebuild, and the outputs to run them', async (t) => {
  for (const [envName, { serviceTemplate }, consumers] of [
    ['dev', dev, ['projector', 'mailer', 'billing']],
    ['prod', prod, ['projector', 'mailer']],
  ] as const) {
    const [policyId, policy] = only(serviceTemplate, 'AWS::IAM::ManagedPolicy');
    const statements = policy.Properties!['PolicyDocument'] as { Statement: { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown }[] };
    const bySid = new Map(statements.Statement.filter((s) => s.Sid).map((s) => [s.Sid!, s]));
    const arn = (fragment: string) => ({ 'Fn::GetAtt': [idOf(serviceTemplate, 'AWS::SQS::Queue', fragment), 'Arn'] });
    t.match(bySid.get('RedriveFromDeadLetterQueues'), {
      Action: ['sqs:CancelMessageMoveTask', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:ListMessageMoveTasks', 'sqs:ReceiveMessage', 'sqs:StartMessageMoveTask'],
    });
    t.same([bySid.get('RedriveFromDeadLetterQueues')!.Resource].flat().length, consumers.length);
    for (const consumer of consumers) {
      t.ok(JSON.stringify(bySid.get('RedriveFromDeadLetterQueues')!.Resource).includes(JSON.stringify(arn(`Consumer${consumer}DeadLetterQueue`))));
      t.ok(JSON.stringify(bySid.get('RedriveIntoConsumerQueues')!.Resource).includes(JSON.stringify(arn(`Consumer${consumer}Queue`))));
      for (const [output, fragment] of [
        [`ConsumerQueueUrl${consumer}`, `Consumer${consumer}Queue`],
        [`DeadLetterQueueUrl${consumer}`, `Consumer${consumer}DeadLetterQueue`],
        [`SubscriptionDeadLetterQueueUrl${consumer}`, `Consumer${consumer}SubscriptionDeadLetterQueue`],
      ] as const) {
        serviceTemplate.hasOutput(output, { Value: { Ref: idOf(serviceTemplate, 'AWS::SQS::Queue', fragment) } });
      }
      serviceTemplate.hasOutput(`ConsumerQueueArn${consumer}`, { Value: arn(`Consumer${consumer}Queue`) });
      serviceTemplate.hasOutput(`DeadLetterQueueArn${consumer}`, { Value: arn(`Consumer${consumer}DeadLetterQueue`) });
    }
    t.match(bySid.get('ReadReadModelControlItems'), {
      Action: 'dynamodb:GetItem',
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['control#*'] } },
    });
    t.match(bySid.get('Republish'), { Action: 'sns:Publish', Resource: { Ref: only(serviceTemplate, 'AWS::SNS::Topic', { FifoTopic: true })[0] } });
    t.same([bySid.get('InspectQueues')!.Resource].flat().length, consumers.length * 3 + 2, 'every queue and DLQ, and the relay\'s two');
    const rebuild = bySid.get('RebuildReadModel')!;
    t.same([rebuild.Resource].flat().map((arn) => (JSON.stringify(arn).includes('Green') ? 'green' : 'blue')).sort(), ['blue', 'green'], `${envName}: the rebuild writes the two read-model slots`);
    t.notMatch(JSON.stringify(rebuild.Resource), /EventStore/, 'and never the event store');
    serviceTemplate.hasOutput('OperatorPolicyArn', { Value: { Ref: policyId } });
    serviceTemplate.hasOutput('EventTopicArn', { Value: { Ref: only(serviceTemplate, 'AWS::SNS::Topic', { FifoTopic: true })[0] } });
    serviceTemplate.hasOutput('EventStoreTableName', { Value: imported(envName, 'RefEventStoreTable') });
    serviceTemplate.hasOutput('RelayParkingQueueUrl', { Value: { Ref: idOf(serviceTemplate, 'AWS::SQS::Queue', 'ParkingQueue') } });
  }
});

t.test('environments differ by parameters only: prod pinned to its account, dev to the developer\'s', async (t) => {
  t.same([dev.stateful.stackName, dev.service.stackName], ['UserService-dev-Stateful', 'UserService-dev-Service']);
  t.same([prod.stateful.stackName, prod.service.stackName], ['UserService-prod-Stateful', 'UserService-prod-Service']);
  t.same([prod.service.account, prod.service.region], [prodParameters.account, prodParameters.region]);
  t.same([dev.service.account, dev.service.region], ['123456789012', 'eu-west-1']);
  const staged = synthesise('dev', {}, { stage: 'alice' });
  t.same([staged.stateful.stackName, staged.service.stackName], ['UserService-dev-alice-Stateful', 'UserService-dev-alice-Service']);
  staged.serviceTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'UserService-dev-alice-Api5xxRate' });
  // Offline, without credentials, dev is environment-agnostic in its account: no account id in its templates.
  const app = testApp();
  const stacks = addUserService(app, { config: testConfig('dev', {}, { credentialsAccount: undefined }), repositoryRoot: REPOSITORY_ROOT });
  const assembly = app.synth();
  for (const stack of [stacks.stateful, stacks.service]) {
    t.notMatch(JSON.stringify(assembly.getStackArtifact(stack.artifactId).template), /\b\d{12}\b/, stack.stackName);
  }
});

t.test('constructs refuse invalid props at synth', async (t) => {
  const stack = new Stack(new App(), 'Invalid');
  const topicProps = { visibilityTimeout: prodParameters.projectorTimeout, retainData: false };
  t.throws(() => new EventTopic(stack, 'NoConsumers', { consumers: [], ...topicProps }), /at least one consumer/);
  t.throws(() => new EventTopic(stack, 'Twice', { consumers: ['a', 'a'], ...topicProps }), /repeat a name: a, a/);
  const events = new EventTopic(stack, 'Events', { consumers: ['projector'], ...topicProps });
  t.throws(() => events.consumer('billing'), /no consumer queue named "billing"/);
  const table = new Table(stack, 'NoStream', { partitionKey: { name: 'pk', type: AttributeType.STRING } });
  const relayProps = {
    repositoryRoot: REPOSITORY_ROOT,
    topic: new Topic(stack, 'Topic'),
    topicKey: events.topicKey,
    encryptionKey: events.queueKey,
    personalDataKey: events.queueKey,
    retainData: false,
    reservedConcurrency: 1,
    logLevel: 'info',
    logRetention: RetentionDays.ONE_WEEK,
    retainLogs: false,
  };
  t.throws(() => new StreamRelay(stack, 'Relay', { ...relayProps, table }), /needs a table with a stream/);
  t.throws(
    () => new StreamRelay(stack, 'Relay2', { ...relayProps, table: dev.stateful.eventStore.table, maxRecordAge: prodParameters.backup.retention }),
    /maxRecordAge must be from 60 s to the stream's 24 h/,
  );
});
