import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageBatchCommand,
  type DeleteMessageBatchCommandInput,
} from '@aws-sdk/client-sqs';
import { createMemoryEventStore } from '@user-service/event-store/memory';
import { ensureTopology, localClientConfig, startSnsSqs } from '@user-service/local-aws';
import { isActive } from '@user-service/user-domain';
import { createProjector, type UserReadModel } from '@user-service/user-read-model';
import { createMemoryUserReadModel } from '@user-service/user-read-model/memory';
import { createSqliteUserReadModel } from '@user-service/user-read-model/sqlite';
import t, { type Test } from 'tap';
import { createMessageProjector, type MessageBatchResult, type MessageProjector, type QueueMessage } from '../src/core.js';
import { createWorker, type Worker } from '../src/worker.js';
import {
  capturedLogger,
  converged,
  deferred,
  expectedView,
  messageOf,
  poisonBodies,
  seedUsers,
  seededRandom,
  waitFor,
  type OutgoingMessage,
  type UserHistory,
} from './fixtures.js';

const emulator = await startSnsSqs();
const sqs = new SQSClient(localClientConfig(emulator.endpoint));
const sns = new SNSClient(localClientConfig(emulator.endpoint));
const dir = mkdtempSync(join(tmpdir(), 'projector-worker-'));
t.teardown(async () => {
  sqs.destroy();
  sns.destroy();
  await emulator.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Visible, in flight and delayed messages of a queue. */
async function queueCounts(queueUrl: string): Promise<{ visible: number; inFlight: number; delayed: number }> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed),
  };
}

const isEmpty = async (queueUrl: string) => {
  const counts = await queueCounts(queueUrl);
  return counts.visible + counts.inFlight + counts.delayed === 0;
};

/** Sends straight into a FIFO queue, in order, 10 at a time; answers the SQS message id of each. */
async function sendAll(queueUrl: string, messages: readonly OutgoingMessage[]): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < messages.length; start += 10) {
    const chunk = messages.slice(start, start + 10);
    const { Successful = [], Failed = [] } = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((m, i) => ({
          Id: String(i),
          MessageBody: m.body,
          MessageGroupId: m.groupId,
          MessageDeduplicationId: m.deduplicationId,
        })),
      }),
    );
    if (Failed.length > 0) throw new Error(`SendMessageBatch failed: ${JSON.stringify(Failed)}`);
    for (const { Id, MessageId } of Successful) ids[start + Number(Id)] = MessageId!;
  }
  return ids;
}

/** The core, recording every batch it was given and what it answered. */
function recording(core: MessageProjector) {
  const batches: Array<{ messages: readonly QueueMessage[]; result: MessageBatchResult }> = [];
  const recorder: MessageProjector = {
    async applyMessages(messages) {
      const result = await core.applyMessages(messages);
      batches.push({ messages, result });
      return result;
    },
  };
  return { core: recorder, batches };
}

async function assertConverged(t: Test, readModel: UserReadModel, store: ReturnType<typeof createMemoryEventStore>, histories: readonly UserHistory[]) {
  for (const { streamId, state } of histories) {
    const view = await readModel.get(streamId);
    t.strictSame(view, await expectedView(store, streamId), `${streamId} equals the fold of the event store`);
    t.equal(view?.status, state.status, `${streamId} agrees with the domain's fold`);
    if (isActive(state)) t.match(view, { email: state.email, username: state.username, name: state.name });
  }
}

const sum = (batches: ReadonlyArray<{ result: MessageBatchResult }>, key: 'applied' | 'duplicates' | 'gapFilled') =>
  batches.reduce((total, { result }) => total + result.stats[key], 0);

t.test('the worker projects every event published to the topic into the read model, and empties the queue', async (t) => {
  const topology = await ensureTopology({ sns, sqs }, { topicName: 'converge.fifo', consumers: ['converge'] });
  const { queueUrl } = topology.consumers['converge']!;
  const eventStore = createMemoryEventStore();
  const histories = await seedUsers(eventStore, { users: 8, seed: 1, prefix: 'converge' });
  const readModel = createSqliteUserReadModel({ filename: join(dir, 'converge.db') });
  t.teardown(() => readModel.close());
  const { log, lines } = capturedLogger();
  const core = createMessageProjector({ projector: createProjector({ readModel, eventStore }), log });
  const worker = createWorker({ sqs, queueUrl, core, log });
  const running = worker.start();

  // The relay's way: the stream order of each user, interleaved, through the SNS FIFO topic.
  const all = (await eventStore.readAll({ limit: 1000 })).events.map((e) => messageOf(e));
  for (let start = 0; start < all.length; start += 10) {
    await sns.send(
      new PublishBatchCommand({
        TopicArn: topology.topicArn,
        PublishBatchRequestEntries: all.slice(start, start + 10).map((m, i) => ({
          Id: String(i),
          Message: m.body,
          MessageGroupId: m.groupId,
          MessageDeduplicationId: m.deduplicationId,
        })),
      }),
    );
  }

  await waitFor('the read model to converge', () => converged(readModel, eventStore, histories));
  await waitFor('the queue to empty', () => isEmpty(queueUrl));
  await worker.stop();
  await running;
  await assertConverged(t, readModel, eventStore, histories);
  t.ok(await isEmpty(queueUrl), 'every message was deleted');

  const batches = lines.filter((l) => l['msg'] === 'projected a batch of messages');
  t.equal(batches.reduce((n, l) => n + Number(l['applied']) + Number(l['gapFilled']), 0), all.length, 'every event written once');
  t.ok(batches.every((l) => typeof l['lagMs'] === 'number' && l['failed'] === 0 && l['invalid'] === 0));
  t.ok(lines.some((l) => l['msg'] === 'projector worker stopped'), 'the long poll was cut short by stop()');
});

t.test('converges despite duplicates, reordering, a crash before the delete and poison messages', async (t) => {
  const maxReceiveCount = 3;
  const topology = await ensureTopology(
    { sns, sqs },
    { topicName: 'faults.fifo', consumers: ['faults'], maxReceiveCount, visibilityTimeoutSeconds: 1 },
  );
  const { queueUrl, dlqUrl } = topology.consumers['faults']!;
  const eventStore = createMemoryEventStore();
  const histories = await seedUsers(eventStore, { users: 12, seed: 42, prefix: 'fault' });
  const random = seededRandom(42);
  const pick = <T>(items: readonly T[]): number => Math.floor(random() * items.length);

  // Each user's own send order: one version sent late (after its successors), 30 % of events sent twice
  // with a new deduplication id so that SQS delivers both copies.
  let late = 0;
  let duplicated = 0;
  const perUser: OutgoingMessage[][] = [];
  for (const { streamId } of histories) {
    const events = await eventStore.readStream(streamId);
    const sends = events.map((e) => messageOf(e));
    if (sends.length >= 3) {
      const [delayed] = sends.splice(1 + pick(sends.slice(2)), 1);
      sends.push(delayed!);
      late++;
    }
    for (const event of events) {
      if (random() >= 0.3) continue;
      sends.splice(pick(sends) + 1, 0, messageOf(event, `${event.eventId}#again`));
      duplicated++;
    }
    perUser.push(sends);
  }
  // Users interleaved at random, and poison of every kind in groups of its own.
  const poison = poisonBodies((await eventStore.readStream(histories[0]!.streamId))[0]!).map(
    ({ kind, body }, i): OutgoingMessage => ({ body, groupId: `poison-${i}`, deduplicationId: `poison-${i}`, streamId: kind, version: 0 }),
  );
  perUser.push(...poison.map((m) => [m]));
  const sends: OutgoingMessage[] = [];
  while (perUser.some((q) => q.length > 0)) {
    const open = perUser.filter((q) => q.length > 0);
    sends.push(open[pick(open)]!.shift()!);
  }
  const sentIds = await sendAll(queueUrl, sends);
  const poisonIds = new Set(sends.flatMap((m, i) => (poison.includes(m) ? [sentIds[i]!] : [])));
  const goodSends = sends.length - poison.length;

  const readModel = createMemoryUserReadModel();
  const projector = createProjector({ readModel, eventStore });

  // A worker that crashes after its first batch reached the read model, before anything was deleted.
  const crashed = deferred<MessageBatchResult>();
  const crashLog = capturedLogger();
  const realCore = createMessageProjector({ projector, log: crashLog.log });
  const crashing = createWorker({
    sqs,
    queueUrl,
    log: crashLog.log,
    waitTimeSeconds: 1,
    // One loop: the crash must take the only batch in hand, whose result the test keeps.
    concurrency: 1,
    core: {
      async applyMessages(messages) {
        const result = await realCore.applyMessages(messages);
        crashed.resolve(result);
        void crashing.stop();
        throw new Error('simulated crash between the read-model write and the delete');
      },
    },
  });
  await crashing.start();
  const crash = await crashed.promise;
  t.ok(crash.acknowledged.length > 0, 'the crashed batch had written to the read model');
  t.ok(crashLog.lines.some((l) => l['msg'] === 'a worker iteration failed; retrying'));

  // A second worker takes over, as a restarted task would.
  const { log, lines } = capturedLogger();
  const recorder = recording(createMessageProjector({ projector, log }));
  const worker = createWorker({ sqs, queueUrl, core: recorder.core, log, waitTimeSeconds: 1 });
  const running = worker.start();
  await waitFor('the read model to converge', () => converged(readModel, eventStore, histories), 30_000);
  await waitFor('the queue to empty and the poison to be dead-lettered', async () => {
    return (await isEmpty(queueUrl)) && (await queueCounts(dlqUrl)).visible === poison.length;
  }, 30_000);
  await worker.stop();
  await running;

  await assertConverged(t, readModel, eventStore, histories);

  // The dead-letter queue holds exactly the poison, each tried maxReceiveCount times.
  const { Messages: dead = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10 }));
  t.strictSame(dead.map((m) => m.Body).sort(), poison.map((m) => m.body).sort(), 'the DLQ holds exactly the poison');
  t.strictSame(await queueCounts(dlqUrl), { visible: 0, inFlight: poison.length, delayed: 0 }, 'and nothing else');
  const batches = [{ messages: [] as QueueMessage[], result: crash }, ...recorder.batches];
  for (const id of poisonIds) {
    t.equal(batches.filter((b) => b.result.failed.includes(id)).length, maxReceiveCount, 'poison tried, then dead-lettered');
  }
  t.ok(batches.every((b) => b.result.failed.every((id) => poisonIds.has(id))), 'no good message ever failed');

  // The crashed batch came back after the visibility timeout and was acknowledged as duplicates.
  for (const id of crash.acknowledged) {
    const redelivery = recorder.batches.find((b) => b.messages.some((m) => m.messageId === id));
    t.match(redelivery?.messages.find((m) => m.messageId === id), { receiveCount: 2 }, `${id} was redelivered`);
    t.ok(redelivery?.result.acknowledged.includes(id), `${id} was then acknowledged`);
  }
  for (const batch of recorder.batches) {
    const redelivered = batch.messages.filter((m) => crash.acknowledged.includes(m.messageId)).length;
    t.ok(batch.result.stats.duplicates >= redelivered, 'every redelivered message counted as a duplicate');
  }

  // Every version written exactly once, gaps filled from the store, and every extra copy a duplicate.
  const events = (await eventStore.readAll({ limit: 1000 })).events.length;
  t.equal(sum(batches, 'applied') + sum(batches, 'gapFilled'), events, 'every event written exactly once');
  t.ok(late > 0 && sum(batches, 'gapFilled') >= 1, 'late versions were filled from the event store');
  // Each extra copy, each redelivery after the crash and each delivery of a version already gap-filled.
  t.ok(
    sum(batches, 'duplicates') >= duplicated + crash.acknowledged.length + sum(batches, 'gapFilled'),
    'duplicates were acknowledged',
  );
  t.ok(sum(batches, 'applied') + sum(batches, 'duplicates') >= goodSends + crash.acknowledged.length);
  t.ok(lines.some((l) => Number(l['invalid']) > 0), 'poison was logged as invalid');
});

t.test('stop() during a batch finishes it, deletes its messages, then resolves', async (t) => {
  const topology = await ensureTopology({ sns, sqs }, { topicName: 'graceful.fifo', consumers: ['graceful'] });
  const { queueUrl } = topology.consumers['graceful']!;
  const eventStore = createMemoryEventStore();
  const histories = await seedUsers(eventStore, { users: 5, seed: 5, prefix: 'graceful' });
  const readModel = createMemoryUserReadModel();
  const { log, lines } = capturedLogger();
  const core = createMessageProjector({ projector: createProjector({ readModel, eventStore }), log });

  // Sent before the worker starts, so that its first receive takes all of them (one group each).
  const registrations = (await eventStore.readAll({ limit: 1000 })).events.filter((e) => e.version === 1);
  await sendAll(queueUrl, registrations.map((e) => messageOf(e)));
  const entered = deferred<number>();
  const gate = deferred();
  const worker = createWorker({
    sqs,
    queueUrl,
    log,
    core: {
      async applyMessages(messages) {
        entered.resolve(messages.length);
        await gate.promise;
        return core.applyMessages(messages);
      },
    },
  });
  let finished = false;
  const running = worker.start().then(() => (finished = true));

  t.equal(await entered.promise, registrations.length, 'one batch holds every message');
  let stopped = false;
  const stopping = worker.stop().then(() => (stopped = true));
  await new Promise((resolve) => setImmediate(resolve));
  t.notOk(stopped, 'stop() waits for the batch in hand');
  t.strictSame(await queueCounts(queueUrl), { visible: 0, inFlight: registrations.length, delayed: 0 });
  gate.resolve();
  await stopping;
  t.ok(finished, 'start() has resolved too');
  await running;
  t.ok(await isEmpty(queueUrl), 'the batch in hand was deleted before stop() resolved');
  for (const { streamId } of histories) t.match(await readModel.get(streamId), { id: streamId, version: 1 });
  t.equal(lines.filter((l) => l['msg'] === 'projected a batch of messages').length, 1);

  // Idle in a 20 s long poll, a stop cancels the poll instead of waiting it out.
  const polling = deferred();
  let poll: { signal: AbortSignal | undefined; outcome: Promise<string> } | undefined;
  const watched = {
    send: ((command: unknown, options?: { abortSignal?: AbortSignal }) => {
      const sent = sqs.send(command as never, options as never);
      if (command instanceof ReceiveMessageCommand && poll === undefined) {
        poll = {
          signal: options?.abortSignal,
          outcome: (sent as Promise<unknown>).then(
            () => 'answered',
            (err: Error) => err.name,
          ),
        };
        polling.resolve();
      }
      return sent;
    }) as SQSClient['send'],
  };
  const idle = createWorker({ sqs: watched, queueUrl, core, log });
  const idleRun = idle.start();
  await polling.promise;
  await idle.stop();
  await idleRun;
  // An empty queue answers a 20 s poll only after 20 s: that this one ended as an abort shows it was cut short.
  t.equal(poll?.signal?.aborted, true, 'stop() aborted the signal the long poll was sent with');
  t.equal(await poll?.outcome, 'AbortError', 'and the poll ended as an abort, not an answer');
  t.equal(await idle.start(), undefined, 'start() after stop() is harmless');
});

t.test('a failing iteration is logged and retried with backoff, and a failed delete is redelivered', async (t) => {
  const topology = await ensureTopology(
    { sns, sqs },
    { topicName: 'flaky.fifo', consumers: ['flaky'], visibilityTimeoutSeconds: 1 },
  );
  const { queueUrl } = topology.consumers['flaky']!;
  const eventStore = createMemoryEventStore();
  const histories = await seedUsers(eventStore, { users: 3, seed: 9, prefix: 'flaky' });
  const readModel = createMemoryUserReadModel();
  const { log, lines } = capturedLogger();
  const recorder = recording(createMessageProjector({ projector: createProjector({ readModel, eventStore }), log }));

  // Four receives fail outright; the first delete reports its first entry as failed and keeps it.
  let receiveFailures = 4;
  let undeleted: string | undefined;
  const flaky = {
    send: (async (command: unknown, options?: unknown) => {
      if (command instanceof ReceiveMessageCommand && receiveFailures > 0) {
        receiveFailures--;
        throw new Error('connection reset by peer');
      }
      if (command instanceof DeleteMessageBatchCommand && undeleted === undefined) {
        const input = command.input as DeleteMessageBatchCommandInput;
        const [kept, ...rest] = input.Entries!;
        undeleted = recorder.batches.at(-1)!.result.acknowledged[Number(kept!.Id)];
        if (rest.length > 0) await sqs.send(new DeleteMessageBatchCommand({ ...input, Entries: rest }));
        return {
          Successful: rest.map(({ Id }) => ({ Id })),
          Failed: [{ Id: kept!.Id, Code: 'ReceiptHandleIsInvalid', SenderFault: true, Message: 'simulated' }],
        };
      }
      return sqs.send(command as never, options as never);
    }) as SQSClient['send'],
  };
  const worker = createWorker({
    sqs: flaky,
    queueUrl,
    core: recorder.core,
    log,
    waitTimeSeconds: 1,
    backoff: { initialMs: 10, maxMs: 40 },
    concurrency: 1,
  });
  const running = worker.start();
  await sendAll(queueUrl, (await eventStore.readAll({ limit: 1000 })).events.map((e) => messageOf(e)));

  await waitFor('the read model to converge', () => converged(readModel, eventStore, histories));
  await waitFor('the queue to empty', () => isEmpty(queueUrl));
  await worker.stop();
  await running;

  const retries = lines.filter((l) => l['msg'] === 'a worker iteration failed; retrying');
  t.strictSame(retries.map((l) => l['retryInMs']), [10, 20, 40, 40], 'exponential backoff, capped');
  t.match(retries[0], { level: 50, failures: 1, err: { message: 'connection reset by peer' } });
  t.match(lines.find((l) => String(l['msg']).startsWith('could not delete')), {
    level: 40,
    messageId: undeleted,
    code: 'ReceiptHandleIsInvalid',
    senderFault: true,
  });
  const redelivery = recorder.batches.find((b) => b.messages.some((m) => m.messageId === undeleted && m.receiveCount === 2));
  t.ok(redelivery?.result.acknowledged.includes(undeleted!), 'the undeleted message came back and was acknowledged');
  t.ok(redelivery!.result.stats.duplicates >= 1, 'as a duplicate');
});

t.test('a message without attributes or body is still handled, and start() is idempotent', async (t) => {
  const sent: unknown[] = [];
  const bare = {
    send: (async (command: unknown) => {
      sent.push(command);
      return command instanceof ReceiveMessageCommand ? { Messages: [{ MessageId: 'bare', ReceiptHandle: 'h' }] } : {};
    }) as SQSClient['send'],
  };
  const { log, lines } = capturedLogger();
  const core = createMessageProjector({
    projector: createProjector({ readModel: createMemoryUserReadModel(), eventStore: createMemoryEventStore() }),
    log,
  });
  const seen: Array<readonly QueueMessage[]> = [];
  const worker: Worker = createWorker({
    sqs: bare,
    queueUrl: 'http://127.0.0.1:1/000000000000/bare.fifo',
    log,
    concurrency: 1,
    core: {
      async applyMessages(messages) {
        seen.push(messages);
        void worker.stop();
        return core.applyMessages(messages);
      },
    },
  });
  const running = worker.start();
  t.equal(worker.start(), running, 'a second start() is the same run');
  await running;
  t.strictSame(seen, [[{ messageId: 'bare', body: '' }]], 'no receive count is made up');
  t.equal(sent.length, 1, 'nothing acknowledged, so nothing deleted');
  t.match(lines.find((l) => l['messageId'] === 'bare'), { level: 50, err: { type: 'InvalidMessageError' } });

  const never = createWorker({ sqs: bare, queueUrl: 'http://127.0.0.1:1/000000000000/bare.fifo', log, core, concurrency: 1 });
  await never.stop();
  await never.start();
  t.equal(sent.length, 1, 'a worker stopped before it started never polls');
});

t.test('several batches project different message groups at once, and each group stays in order', async (t) => {
  const topology = await ensureTopology({ sns, sqs }, { topicName: 'parallel.fifo', consumers: ['parallel'] });
  const { queueUrl } = topology.consumers['parallel']!;
  const eventStore = createMemoryEventStore();
  // More groups than one receive takes, so that a second receive finds groups the first does not hold.
  const histories = await seedUsers(eventStore, { users: 14, seed: 11, prefix: 'par' });
  const sends: OutgoingMessage[] = [];
  for (const { streamId } of histories) sends.push(...(await eventStore.readStream(streamId)).map((e) => messageOf(e)));
  await sendAll(queueUrl, sends);

  const readModel = createMemoryUserReadModel();
  const { log, lines } = capturedLogger();
  const inner = createMessageProjector({ projector: createProjector({ readModel, eventStore }), log });
  // The first batch waits until a second one is in flight: only concurrent batches get past it.
  const second = deferred<void>();
  let inFlight = 0;
  let batches = 0;
  const applied: Array<{ streamId: string; version: number }> = [];
  const core: MessageProjector = {
    async applyMessages(messages) {
      inFlight++;
      if (++batches === 1) await second.promise;
      else if (inFlight >= 2) second.resolve();
      const result = await inner.applyMessages(messages);
      for (const m of messages) {
        if (result.acknowledged.includes(m.messageId)) {
          const { subject, streamversion } = JSON.parse(m.body) as { subject: string; streamversion: number };
          applied.push({ streamId: subject, version: streamversion });
        }
      }
      inFlight--;
      return result;
    },
  };
  const worker = createWorker({ sqs, queueUrl, core, log, waitTimeSeconds: 1, concurrency: 3 });
  const running = worker.start();
  await waitFor('the read model to converge', () => converged(readModel, eventStore, histories), 30_000);
  await waitFor('the queue to empty', () => isEmpty(queueUrl), 30_000);
  await worker.stop();
  await running;

  await assertConverged(t, readModel, eventStore, histories);
  t.ok(batches >= 2, 'a second batch ran while the first was in flight');
  for (const { streamId } of histories) {
    const versions = applied.filter((a) => a.streamId === streamId).map((a) => a.version);
    t.strictSame(versions, [...versions].sort((a, b) => a - b), `${streamId}: acknowledged in version order`);
  }
  t.match(lines.find((l) => l['msg'] === 'projector worker started'), { concurrency: 3 });
});

t.test('one receiver: full receives follow at once, a short one waits the batching window, and a full house waits for a slot', async (t) => {
  const topology = await ensureTopology({ sns, sqs }, { topicName: 'window.fifo', consumers: ['window'] });
  const { queueUrl } = topology.consumers['window']!;
  const eventStore = createMemoryEventStore();
  const histories = await seedUsers(eventStore, { users: 25, seed: 13, prefix: 'window' });
  const events = (await eventStore.readAll({ limit: 1000 })).events;
  const registrations = events.filter((e) => e.version === 1);
  const laterOnes = events.filter((e) => e.version === 2);
  const readModel = createMemoryUserReadModel();
  const { log } = capturedLogger();
  const core = createMessageProjector({ projector: createProjector({ readModel, eventStore }), log });
  // Each receive's size, recorded when SQS answers; `sent` counts receives when they are sent.
  const receives: number[] = [];
  let sent = 0;
  const counted = {
    send: (async (command: unknown, options?: unknown) => {
      const answer = sqs.send(command as never, options as never);
      if (!(command instanceof ReceiveMessageCommand)) return answer;
      sent++;
      const { Messages = [] } = (await answer) as { Messages?: unknown[] };
      receives.push(Messages.length);
      return { Messages };
    }) as SQSClient['send'],
  };

  // 25 groups waiting: two full receives at once, then a short one, after which the window (a minute) holds.
  await sendAll(queueUrl, registrations.map((e) => messageOf(e)));
  const windowed = createWorker({ sqs: counted, queueUrl, core, log, waitTimeSeconds: 1, batchWindowMs: 60_000 });
  const windowedRun = windowed.start();
  await waitFor('every registration to be projected', async () => (await isEmpty(queueUrl)) && receives.length === 3);
  t.strictSame(receives, [10, 10, 5], 'full receives back to back, then one short receive');
  await sendAll(queueUrl, laterOnes.map((e) => messageOf(e)));
  await windowed.stop();
  await windowedRun;
  t.equal(sent, 3, 'no receive within the window after the short one; stop() cut the window short');
  t.strictSame(await queueCounts(queueUrl), { visible: laterOnes.length, inFlight: 0, delayed: 0 }, 'what came later waits');

  // Two slots, both batches held: the receiver waits for a slot instead of taking batches it cannot project.
  const entered: number[] = [];
  const bothIn = deferred();
  const gate = deferred();
  const held = createWorker({
    sqs: counted,
    queueUrl,
    log,
    concurrency: 2,
    batchWindowMs: 0,
    core: {
      async applyMessages(messages) {
        if (entered.push(messages.length) === 2) bothIn.resolve();
        await gate.promise;
        return core.applyMessages(messages);
      },
    },
  });
  sent = 0;
  await sendAll(queueUrl, registrations.map((e) => messageOf(e, `${e.eventId}#again`)));
  const heldRun = held.start();
  await bothIn.promise;
  t.equal(sent, 2, 'two batches in hand, and no third receive while both slots are taken');
  gate.resolve();
  await waitFor('the queue to empty', () => isEmpty(queueUrl));
  await held.stop();
  await heldRun;
  for (const { streamId } of histories) t.match(await readModel.get(streamId), { id: streamId, version: 2 }, `${streamId} up to what was sent`);
});
