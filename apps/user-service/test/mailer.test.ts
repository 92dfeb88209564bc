import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { EventStore, NewEvent, StoredEvent } from '@user-service/event-store';
import { createDynamoDbEventStore, ensureEventStoreTable } from '@user-service/event-store/dynamodb';
import { messageGroupId, toCloudEvent } from '@user-service/integration-events';
import { dynamoDbClientConfig, ensureTopology, localClientConfig, startDynamoDbLocal, startSnsSqs } from '@user-service/local-aws';
import { createWorker, type Worker } from '@user-service/projector';
import { pino } from 'pino';
import type { SQSRecord } from 'aws-lambda';
import t, { type Test } from 'tap';
import { RESET_TOKEN_KEY_PURPOSE, hashToken, resetToken } from '../src/application/mail.js';
import type { Mailer, MailMessage } from '../src/application/ports.js';
import { dynamoDbSentMails, ensureSentMailTable } from '../src/infrastructure/dynamodb-sent-mails.js';
import { createJwtService } from '../src/infrastructure/jwt.js';
import { createOutboxMailer } from '../src/infrastructure/outbox-mailer.js';
import { deriveKey } from '../src/infrastructure/service-secret.js';
import { composeMailer, type MailerRuntime } from '../src/mailer/composition.js';
import type { MailerConfig } from '../src/mailer/config.js';

/*
 * The mailer consumer on the real parts: DynamoDB Local (the event store and the sent-mail ledger) and the
 * SNS/SQS emulator (its FIFO queue with a redrive policy to its DLQ), through the real SDK clients and the
 * worker loop the local stack runs. Faults are injected in the mailer (SES) only.
 */
const SECRET = 'mailer-test-secret-that-is-long-enough-0123456789';
const dynamoDb = await startDynamoDbLocal();
const emulator = await startSnsSqs();
const ddb = new DynamoDBClient(dynamoDbClientConfig(dynamoDb.endpoint, `t${randomUUID().replaceAll('-', '')}`));
const sqs = new SQSClient(localClientConfig(emulator.endpoint));
const sns = new SNSClient(localClientConfig(emulator.endpoint));
const dir = mkdtempSync(join(tmpdir(), 'mailer-'));
t.teardown(async () => {
  ddb.destroy();
  sqs.destroy();
  sns.destroy();
  await emulator.stop();
  await dynamoDb.stop();
  rmSync(dir, { recursive: true, force: true });
});
await ensureEventStoreTable(ddb, 'events');
await ensureSentMailTable(ddb, 'sent-mails');
const eventStore = createDynamoDbEventStore({ client: ddb, tableName: 'events' });
const tokens = createJwtService({ secret: SECRET, sessionTtlSeconds: 60, emailConfirmationTtlSeconds: 3600 });

const MAX_RECEIVES = 3;
const config = (dataDir: string): MailerConfig & { jwtSecret: string } => ({
  logLevel: 'silent',
  dataDir,
  jwtSecret: SECRET,
  jwtSecretArn: undefined,
  passwordResetTtlSeconds: 3600,
  emailConfirmationTtlSeconds: 3600,
  mailer: { kind: 'outbox' },
  publicUrl: 'https://users.example.com',
  eventStoreTable: 'events',
  sentMailTable: 'sent-mails',
  dynamoDbEndpoint: undefined,
  kmsKeyId: undefined,
  // Below the queue's visibility timeout, so that a redelivery after a crash finds the claim expired.
  leaseSeconds: 1,
});

interface Harness {
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly topicArn: string;
  /** Every mail in the outbox. */
  mails(): MailMessage[];
  start(): void;
}

/** A queue, a DLQ and a topic of the test's own, a mailer runtime over the outbox (faults from `send`), and its worker. */
async function harness(t: Test, send?: (mail: MailMessage, outbox: Mailer) => Promise<void>): Promise<Harness & { runtime: MailerRuntime }> {
  const name = `mailer-${randomUUID().slice(0, 8)}`;
  const topology = await ensureTopology(
    { sns, sqs },
    { topicName: `${name}.fifo`, consumers: [name], visibilityTimeoutSeconds: 1, maxReceiveCount: MAX_RECEIVES },
  );
  const queues = topology.consumers[name]!;
  const dataDir = join(dir, name);
  const outboxFile = join(dataDir, 'outbox', 'mail.jsonl');
  const outbox = createOutboxMailer(outboxFile);
  const mailer: Mailer = { send: (mail) => (send ? send(mail, outbox) : outbox.send(mail)) };
  const runtime = await composeMailer(config(dataDir), pino({ level: 'silent' }), { mailer, dynamoDbClient: ddb });
  let worker: Worker | undefined;
  t.teardown(async () => {
    await worker?.stop();
    await runtime.close();
  });
  return {
    runtime,
    queueUrl: queues.queueUrl,
    dlqUrl: queues.dlqUrl,
    topicArn: topology.topicArn,
    mails: () => {
      try {
        return readFileSync(outboxFile, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as MailMessage);
      } catch {
        return [];
      }
    },
    start() {
      worker = createWorker({
        sqs,
        queueUrl: queues.queueUrl,
        core: runtime.batch.queueConsumer,
        log: pino({ level: 'silent' }),
        name: 'mailer',
        waitTimeSeconds: 1,
        concurrency: 1,
      });
      void worker.start();
    },
  };
}

async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function depth(queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible) +
    Number(Attributes.ApproximateNumberOfMessagesDelayed)
  );
}

const metadata = (occurredAt = new Date().toISOString()) => ({
  occurredAt,
  correlationId: randomUUID(),
  causationId: randomUUID(),
});

/** Appends events to a new user's stream, as the service records them. */
async function recorded(store: EventStore, events: ReadonlyArray<Omit<NewEvent, 'eventId' | 'schemaVersion'>>): Promise<StoredEvent[]> {
  const userId = randomUUID();
  await store.append(
    userId,
    events.map((event) => ({ ...event, eventId: randomUUID(), schemaVersion: 1 })),
    { expectedVersion: 0 },
  );
  return store.readStream(userId);
}

function registered(email: string, occurredAt?: string): Omit<NewEvent, 'eventId' | 'schemaVersion'> {
  const at = occurredAt ?? new Date().toISOString();
  return {
    type: 'UserRegistered',
    data: { email, username: `u${randomUUID().slice(0, 8)}`, passwordHash: 'scrypt$secret', name: null, surname: null, registeredAt: at },
    metadata: metadata(at),
  };
}

/** Sends an event's CloudEvent straight into the queue, as a republish or a redrive would, with its own deduplication id. */
async function sendEvent(queueUrl: string, event: StoredEvent, deduplicationId = randomUUID()): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify(toCloudEvent(event)),
      MessageGroupId: messageGroupId(event.streamId),
      MessageDeduplicationId: deduplicationId,
    }),
  );
}

t.test('a registration published to the topic reaches the mailer queue, and its confirmation token confirms the address', async (t) => {
  const h = await harness(t);
  const [event] = await recorded(eventStore, [registered('ada@example.com')]);
  await sns.send(
    new PublishCommand({
      TopicArn: h.topicArn,
      Message: JSON.stringify(toCloudEvent(event!)),
      MessageGroupId: messageGroupId(event!.streamId),
      MessageDeduplicationId: event!.eventId,
    }),
  );
  h.start();
  await waitFor('the confirmation mail', () => h.mails().length > 0);
  await waitFor('the queue to drain', async () => (await depth(h.queueUrl)) === 0);
  const [mail, ...more] = h.mails();
  t.same(more, [], 'one mail');
  t.match(mail, { eventId: event!.eventId, to: 'ada@example.com', kind: 'email-confirmation', userId: event!.streamId });
  t.same(tokens.verifyEmailConfirmation(mail!.token), { userId: event!.streamId, email: 'ada@example.com' });
  const published = JSON.stringify(toCloudEvent(event!));
  t.notOk(published.includes(mail!.token) || published.includes('scrypt$secret'), 'the message carried neither the token nor the hash');
});

t.test('a redelivered event (a second message, a crash before the delete) sends no second mail', async (t) => {
  const h = await harness(t);
  const [event] = await recorded(eventStore, [registered('grace@example.com')]);
  // A crash after the send, before the delete: the batch is processed, and nothing is deleted.
  await sendEvent(h.queueUrl, event!);
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: h.queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }),
  );
  t.equal(Messages.length, 1);
  const first = await h.runtime.batch.queueConsumer.applyMessages(
    Messages.map((m) => ({ messageId: m.MessageId!, body: m.Body!, groupId: m.Attributes?.MessageGroupId ?? '' })),
  );
  t.same(first.failed, []);
  t.equal(h.mails().length, 1, 'the mail went out before the crash');
  // The same event again, as a republish sends it: another message, another deduplication id.
  await sendEvent(h.queueUrl, event!);
  h.start();
  await waitFor('both deliveries to be consumed', async () => (await depth(h.queueUrl)) === 0);
  t.equal(h.mails().length, 1, 'no second mail for the event');
  t.equal(await depth(h.dlqUrl), 0, 'nothing dead-lettered');
});

t.test('a delivery that crashed after its claim, before the send, is sent by the redelivery: never lost', async (t) => {
  const h = await harness(t);
  const [event] = await recorded(eventStore, [registered('linus@example.com')]);
  // The dead delivery's claim, with a lease of a second; the redelivery waits it out and sends.
  const ledger = dynamoDbSentMails({ client: ddb, tableName: 'sent-mails' });
  const now = Date.now();
  const claim = await ledger.claim(event!.eventId, { nowMs: now, leaseUntilMs: now + 1000, keepUntilMs: now + 86_400_000 });
  t.equal(claim.kind, 'claimed');
  await sendEvent(h.queueUrl, event!);
  h.start();
  await waitFor('the mail', () => h.mails().length > 0);
  await waitFor('the queue to drain', async () => (await depth(h.queueUrl)) === 0);
  t.equal(h.mails().length, 1);
  const { Item } = await ddb.send(new GetItemCommand({ TableName: 'sent-mails', Key: { eventId: { S: event!.eventId } } }));
  t.equal(Item?.['state']?.S, 'sent', 'the ledger records it sent');
  t.ok(Number(Item?.['expiresAt']?.N) > Date.now() / 1000 + 3600, 'kept past its token (TTL)');
});

t.test('a failed send is retried with the redelivery and succeeds, once', async (t) => {
  let failures = 0;
  const h = await harness(t, async (mail, outbox) => {
    if (failures < MAX_RECEIVES - 1) {
      failures++;
      throw new Error('SES: Throttling');
    }
    await outbox.send(mail);
  });
  const [event] = await recorded(eventStore, [registered('barbara@example.com')]);
  await sendEvent(h.queueUrl, event!);
  h.start();
  await waitFor('the mail', () => h.mails().length > 0);
  await waitFor('the queue to drain', async () => (await depth(h.queueUrl)) === 0);
  t.equal(failures, MAX_RECEIVES - 1, 'the first sends failed');
  t.equal(h.mails().length, 1, 'then one mail went out');
  t.equal(await depth(h.dlqUrl), 0, 'and nothing reached the DLQ');
});

t.test("a poison message, and a mail that cannot be sent, reach the mailer's DLQ after its receives", async (t) => {
  const h = await harness(t, async () => {
    throw new Error('SES: MessageRejected');
  });
  const [event] = await recorded(eventStore, [registered('edsger@example.com')]);
  await sqs.send(
    new SendMessageCommand({ QueueUrl: h.queueUrl, MessageBody: 'not a cloud event', MessageGroupId: 'poison', MessageDeduplicationId: 'poison' }),
  );
  await sendEvent(h.queueUrl, event!);
  h.start();
  await waitFor('both messages in the DLQ', async () => (await depth(h.dlqUrl)) === 2);
  t.equal(await depth(h.queueUrl), 0, 'the queue is empty');
  t.same(h.mails(), [], 'no mail');
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: h.dlqUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'], VisibilityTimeout: 0 }),
  );
  t.ok(Messages.length > 0);
  for (const message of Messages) {
    t.ok(Number(message.Attributes?.ApproximateReceiveCount) >= MAX_RECEIVES, `received ${MAX_RECEIVES} times before the DLQ`);
  }
});

t.test('a reset mail goes to the address the user had at the request, with the token whose hash the event holds', async (t) => {
  const h = await harness(t);
  const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
  const userId = randomUUID();
  const token = resetToken(deriveKey(SECRET, RESET_TOKEN_KEY_PURPOSE), userId, expiresAt);
  const [, reset] = await (async () => {
    await eventStore.append(
      userId,
      [
        { ...registered('old@example.com'), eventId: randomUUID(), schemaVersion: 1 },
        {
          type: 'PasswordResetRequested',
          data: { tokenHash: hashToken(token), expiresAt, requestedAt: new Date().toISOString() },
          metadata: metadata(),
          eventId: randomUUID(),
          schemaVersion: 1,
        },
        {
          type: 'UserEmailChanged',
          data: { email: 'new@example.com', previousEmail: 'old@example.com' },
          metadata: metadata(),
          eventId: randomUUID(),
          schemaVersion: 1,
        },
      ],
      { expectedVersion: 0 },
    );
    return eventStore.readStream(userId);
  })();
  t.notOk(JSON.stringify(toCloudEvent(reset!)).includes(hashToken(token)), 'the published event holds no hash');
  await sendEvent(h.queueUrl, reset!);
  h.start();
  await waitFor('the reset mail', () => h.mails().length > 0);
  const [mail] = h.mails();
  t.match(mail, { kind: 'password-reset', to: 'old@example.com', userId, token });
});

t.test('an event whose token expired before it could be mailed is dropped, not mailed', async (t) => {
  const h = await harness(t);
  const [event] = await recorded(eventStore, [registered('old-news@example.com', new Date(Date.now() - 7_200_000).toISOString())]);
  await sendEvent(h.queueUrl, event!);
  h.start();
  await waitFor('the queue to drain', async () => (await depth(h.queueUrl)) === 0);
  t.same(h.mails(), []);
  t.equal(await depth(h.dlqUrl), 0);
});

t.test('two deliveries of one event at once (two Lambda instances): one mail; the other is retried and finds it sent', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const sent: MailMessage[] = [];
  const instance = async (name: string, send: (mail: MailMessage) => Promise<void>) => {
    // A lease far longer than the test, so that only the claim, never its expiry, decides who sends.
    const runtime = await composeMailer({ ...config(join(dir, name)), leaseSeconds: 600 }, pino({ level: 'silent' }), {
      mailer: { send },
      dynamoDbClient: ddb,
    });
    t.teardown(() => runtime.close());
    return runtime.batch.queueConsumer;
  };
  const slow = await instance(`slow-${randomUUID()}`, async (mail) => {
    sent.push(mail);
    await gate;
  });
  const fast = await instance(`fast-${randomUUID()}`, async (mail) => void sent.push(mail));
  const [event] = await recorded(eventStore, [registered('alan@example.com')]);
  const message = (messageId: string) => ({
    messageId,
    body: JSON.stringify(toCloudEvent(event!)),
    groupId: messageGroupId(event!.streamId),
  });
  const first = slow.applyMessages([message('first')]);
  await waitFor('the first send to start', () => sent.length === 1);
  // SES is slow for the first: the second delivery finds the claim held, and is left for redelivery.
  t.same(await fast.applyMessages([message('concurrent')]), { acknowledged: [], failed: ['concurrent'] });
  release();
  t.same(await first, { acknowledged: ['first'], failed: [] });
  t.same(await fast.applyMessages([message('redelivered')]), { acknowledged: ['redelivered'], failed: [] }, 'the redelivery is a duplicate');
  t.equal(sent.length, 1, 'SES was called once');
});

t.test('the Lambda handler answers failed records as batchItemFailures, the rest of their user with them, and throws on a batch that all failed', async (t) => {
  const h = await harness(t);
  const [ok] = await recorded(eventStore, [registered('kathleen@example.com')]);
  const record = (messageId: string, body: string, group: string) =>
    ({ messageId, body, attributes: { ApproximateReceiveCount: '1', MessageGroupId: group } }) as unknown as SQSRecord;
  const [later] = await recorded(eventStore, [registered('niklaus@example.com')]);
  const response = await h.runtime.batch.handleEvent({
    Records: [
      record('poison', 'not a cloud event', later!.streamId),
      // The same user's next message fails with it, so that nothing of theirs overtakes the poison.
      record('held-back', JSON.stringify(toCloudEvent(later!)), later!.streamId),
      record('fine', JSON.stringify(toCloudEvent(ok!)), ok!.streamId),
    ],
  });
  t.same(response, { batchItemFailures: [{ itemIdentifier: 'poison' }, { itemIdentifier: 'held-back' }] });
  t.same(h.mails().map((m) => m.to), ['kathleen@example.com'], 'the other user was mailed');
  await t.rejects(
    h.runtime.batch.handleEvent({ Records: [record('only-poison', '{}', 'g')] }),
    { name: 'FullBatchFailureError' },
    "a batch in which every record failed throws, for the function's Errors alarm",
  );
});
