import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createDynamoDbEventStore, ensureEventStoreTable } from '@user-service/event-store/dynamodb';
import { dynamoDbClientConfig, ensureTopology, localClientConfig, startSnsSqs } from '@user-service/local-aws';
import {
  createLogger as createProjectorLogger,
  createMessageProjector,
  createWorker,
  type Worker,
} from '@user-service/projector';
import {
  createLogger as createRelayLogger,
  createRelay,
  createSqsParkingLot,
  startLocalRunner,
  type LocalRunner,
} from '@user-service/stream-relay';
import { createProjector } from '@user-service/user-read-model';
import { createDynamoDbUserReadModel, ensureUserReadModelTable } from '@user-service/user-read-model/dynamodb';
import type { BenchContext, BenchResult, Figure } from '../result.js';
import { interleave, summarize } from '../stats.js';
import { isolatedClient, pool, sameDatabaseClient, withDynamoDbLocal } from './support/aws.js';
import { userHistories, type UserHistory } from './support/history.js';
import { countRequests, type CountedRequest } from './support/requests.js';

const EVENT_TABLE = 'bench-events';
const READ_MODEL_TABLE = 'bench-read-model';
const CONSUMER = 'projector';
const BURST_EVENTS = 1000;
const EVENTS_PER_USER = 5;
/** Users appending at once during a burst, each its commands one after another. */
const WRITERS = 16;
/** SNS's and SQS's batch limit: PublishBatch, ReceiveMessage and DeleteMessageBatch take 10 at most. */
const BATCH_LIMIT = 10;
const DRAIN_TIMEOUT_MS = 120_000;

/**
 * `aws-requests-per-event`: SNS and SQS requests per event through the local AWS topology under a burst of
 * 1,000 events, against the batched minimum. The pipeline is the real one: events appended to the DynamoDB
 * event store on DynamoDB Local, its stream read by the stream relay's local runner (the stand-in for
 * Lambda's event source mapping) into the relay handler's body (`createRelay`, as `handler.ts` wires it),
 * published to the SNS FIFO topic on the fauxqs emulator, delivered to the projector's FIFO queue, and
 * consumed by the projector's long-polling SQS worker (`createWorker` over `createMessageProjector`, as the
 * projector's `main.ts` wires them) into the DynamoDB read model. The SNS and SQS clients of the relay and
 * the worker count every request they complete; a round ends when the worker has deleted every event of
 * its burst.
 *
 * The minimum, per consumer: one PublishBatch, one ReceiveMessage and one DeleteMessageBatch per 10
 * events, i.e. 0.3 requests per event with one consumer.
 */
export const awsRequestsPerEvent: Figure = async (context: BenchContext): Promise<BenchResult[]> =>
  withDynamoDbLocal(async (dynamo) => {
    const dir = join(context.workDir, 'aws-requests');
    mkdirSync(dir, { recursive: true });
    const { client: writer, accessKeyId } = isolatedClient(dynamo.endpoint, 'awsrequests');
    const relayDynamo = sameDatabaseClient(dynamo.endpoint, accessKeyId);
    const projectorDynamo = sameDatabaseClient(dynamo.endpoint, accessKeyId);
    const streams = new DynamoDBStreamsClient(dynamoDbClientConfig(dynamo.endpoint, accessKeyId));
    const emulator = await startSnsSqs();
    const setup = { sns: new SNSClient(localClientConfig(emulator.endpoint)), sqs: new SQSClient(localClientConfig(emulator.endpoint)) };
    const relaySns = new SNSClient(localClientConfig(emulator.endpoint));
    const workerSqs = new SQSClient(localClientConfig(emulator.endpoint));
    const published = countRequests(relaySns);
    const consumed = countRequests(workerSqs);
    const readModelWrites = countReadModelWrites(projectorDynamo);
    let runner: LocalRunner | undefined;
    let worker: Worker | undefined;
    let working: Promise<void> | undefined;
    try {
      // Every table before any write (LOCAL-STACK.md's performance trap).
      await ensureEventStoreTable(writer, EVENT_TABLE);
      await ensureUserReadModelTable(writer, READ_MODEL_TABLE);
      const topology = await ensureTopology(setup, { consumers: [CONSUMER] });
      const queueUrl = topology.consumers[CONSUMER]!.queueUrl;

      // Through the uncounted setup client: parking is no part of the requests per event.
      const { QueueUrl: parkingQueueUrl } = await setup.sqs.send(new CreateQueueCommand({ QueueName: 'relay-parking' }));
      const parking = createSqsParkingLot({ sqs: setup.sqs, queueUrl: parkingQueueUrl! });
      const relay = createRelay({ sns: relaySns, topicArn: topology.topicArn, parking, log: createRelayLogger('silent') });
      runner = startLocalRunner({
        dynamoDb: relayDynamo,
        streams,
        tableName: EVENT_TABLE,
        checkpointFile: join(dir, 'relay-checkpoints.json'),
        handle: (event) => relay.handle(event),
        log: createRelayLogger('silent'),
      });
      const projectorLog = createProjectorLogger('silent');
      const core = createMessageProjector({
        projector: createProjector({
          readModel: createDynamoDbUserReadModel({ client: projectorDynamo, tableName: READ_MODEL_TABLE }),
          eventStore: createDynamoDbEventStore({ client: projectorDynamo, tableName: EVENT_TABLE }),
        }),
        log: projectorLog,
      });
      worker = createWorker({ sqs: workerSqs, queueUrl, core, log: projectorLog });
      working = worker.start();

      const store = createDynamoDbEventStore({ client: writer, tableName: EVENT_TABLE });
      const burst = async (histories: readonly UserHistory[]): Promise<void> => {
        await pool(histories, WRITERS, async ({ userId, steps }) => {
          let version = 0;
          for (const step of steps) {
            await store.append(userId, step.events, { expectedVersion: version, claims: step.claims, releases: step.releases });
            version += step.events.length;
          }
        });
      };
      const deleted = (): number =>
        consumed
          .requests()
          .filter((r) => r.command === 'DeleteMessageBatch')
          .reduce((sum, r) => sum + r.successful, 0);
      const drained = async (events: number): Promise<number> => {
        const deadline = Date.now() + DRAIN_TIMEOUT_MS;
        while (deleted() < events) {
          if (Date.now() > deadline) {
            throw new Error(
              `aws-requests-per-event: only ${deleted()} of ${events} events were consumed within ${DRAIN_TIMEOUT_MS / 1000} s`,
            );
          }
          await sleep(20);
        }
        return performance.now();
      };

      // A warm-up burst, not counted: the JIT, DynamoDB Local, the stream's shard and the queue's first polls.
      const warmUp = userHistories({ seed: 40, users: 10, eventsPerUser: EVENTS_PER_USER, prefix: 'warm' });
      published.reset();
      consumed.reset();
      await burst(warmUp);
      await drained(warmUp.length * EVENTS_PER_USER);
      context.log(`aws-requests-per-event: pipeline warm; ${BURST_EVENTS}-event bursts of ${BURST_EVENTS / EVENTS_PER_USER} users × ${EVENTS_PER_USER} events`);

      const perRound: Array<Record<string, number>> = [];
      const minimumPerEvent = (3 * Math.ceil(BURST_EVENTS / BATCH_LIMIT)) / BURST_EVENTS;
      const measured = async (round: number): Promise<number> => {
        const histories = userHistories({
          seed: 41 + round,
          users: BURST_EVENTS / EVENTS_PER_USER,
          eventsPerUser: EVENTS_PER_USER,
          prefix: `r${round}`,
        });
        // Nothing is in flight between bursts but the worker's idle long poll, which returns nothing.
        published.reset();
        consumed.reset();
        readModelWrites.reset();
        const start = performance.now();
        await burst(histories);
        const appendedAt = performance.now();
        const end = await drained(BURST_EVENTS);
        const inWindow = (r: CountedRequest) => r.at <= end;
        const requests = [...published.requests(), ...consumed.requests()].filter(inWindow);
        const count = (command: string) => requests.filter((r) => r.command === command).length;
        const emptyReceives = requests.filter((r) => r.command === 'ReceiveMessage' && r.entries === 0).length;
        perRound.push({
          PublishBatch: count('PublishBatch'),
          ReceiveMessage: count('ReceiveMessage'),
          emptyReceives,
          DeleteMessageBatch: count('DeleteMessageBatch'),
          other: requests.length - count('PublishBatch') - count('ReceiveMessage') - count('DeleteMessageBatch'),
          failed: requests.filter((r) => r.failed).length,
          appendSeconds: Math.round(appendedAt - start) / 1000,
          drainSeconds: Math.round(end - start) / 1000,
          readModelWrites: readModelWrites.count(end),
        });
        context.log(`aws-requests-per-event round ${round}: ${JSON.stringify(perRound.at(-1))}`);
        return requests.length / BURST_EVENTS;
      };

      const rounds = await interleave(context.rounds, measured, async () => minimumPerEvent);
      // The same rounds, counted on the projector's side: its read-model writes per event, against one each.
      const writeRounds = perRound.map((round) => ({ value: round['readModelWrites']! / BURST_EVENTS, baseline: 1 }));
      return [
        summarize(
          {
            id: 'read-model-writes-per-event',
            description:
              'Read-model write requests per event the projector made in the aws-requests-per-event bursts (one conditional put per user and batch, whatever number of its events the batch holds), against one write per event',
            target: '<= 1.0',
            unit: 'writes/event',
            details: {
              perRound: perRound.map((round) => round['readModelWrites']),
              emulator: 'fauxqs hands out at most one message per group per receive, so a batch holds one event per user: the fold of several events into one write shows on AWS, not here',
            },
          },
          writeRounds,
        ),
        summarize(
          {
            id: 'aws-requests-per-event',
            description:
              'SNS + SQS requests per event (relay PublishBatch, worker ReceiveMessage and DeleteMessageBatch) under a burst of 1,000 events on the local stack, against the batched minimum of 10 per request',
            target: '<= 1.2',
            unit: 'requests/event',
            details: {
              burst: `${BURST_EVENTS} events: ${BURST_EVENTS / EVENTS_PER_USER} users × ${EVENTS_PER_USER} commands, ${WRITERS} users appending at once`,
              consumers: 1,
              minimumPerEvent,
              perRound,
              emulator: 'fauxqs: a FIFO receive returns at most one message per group (AWS returns up to 10)',
              relay: 'local runner defaults (GetRecords of up to 100 records, 250 ms idle pause)',
              rounds: context.rounds,
            },
          },
          rounds,
        ),
      ];
    } finally {
      await runner?.stop().catch(() => undefined);
      await worker?.stop();
      await working;
      for (const c of [writer, relayDynamo, projectorDynamo, streams, setup.sns, setup.sqs, relaySns, workerSqs]) c.destroy();
      await emulator.stop();
    }
  });

/** Counts the write requests a client sends (the projector's only writes are to the read model). */
function countReadModelWrites(client: DynamoDBClient) {
  const writes: number[] = [];
  const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand', 'TransactWriteItemsCommand']);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (WRITES.has(context.commandName ?? '')) writes.push(performance.now());
      return next(args);
    },
    { step: 'initialize', name: 'countReadModelWrites' },
  );
  return {
    reset: () => void (writes.length = 0),
    /** The writes sent up to `end` (a `performance.now()` instant). */
    count: (end: number) => writes.filter((at) => at <= end).length,
  };
}
