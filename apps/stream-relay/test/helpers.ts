import { randomUUID } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { StoredEvent } from '@user-service/event-store';
import {
  ITEM_TYPE_ATTRIBUTE,
  ITEM_TYPES,
  KEY_PREFIXES,
  PARTITION_KEY,
  SINGLETON_SORT_KEY,
  SORT_KEY,
  TTL_ATTRIBUTE,
} from '@user-service/event-store/dynamodb/schema';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import type { Logger } from 'pino';
import { createLogger } from '../src/logger.js';
import { METRICS_NAMESPACE, RELAY_METRICS, RELAY_SERVICE } from '../src/metrics.js';
import { createSqsParkingLot, type ParkedRecord } from '../src/parking.js';

export const PASSWORD_HASH = 'scrypt$16384$8$1$c2FsdA$bXVzdC1uZXZlci1sZWF2ZS10aGUtc2VydmljZQ';
export const TOKEN_HASH = 'e'.repeat(64);

/** Waits for a condition with bounded polling: the deadline fails the test, never a fixed sleep. */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * A realistic history for one user, `count` events long: a registration, then profile updates, a reset
 * request and a password change in turn, so secrets appear in the stored data.
 */
export function userHistory(streamId: string, count: number, correlationId = randomUUID()): StoredEvent[] {
  const at = (i: number) => new Date(Date.UTC(2026, 10, 27, 10, 0, i)).toISOString();
  return Array.from({ length: count }, (_, i) => {
    const version = i + 1;
    const [type, data] =
      version === 1
        ? ['UserRegistered', { email: `${streamId}@example.com`, username: streamId, passwordHash: PASSWORD_HASH, name: null, surname: null, registeredAt: at(i) }]
        : version % 3 === 2
          ? ['UserProfileUpdated', { changes: { name: `Name ${version}` } }]
          : version % 3 === 0
            ? ['PasswordResetRequested', { tokenHash: TOKEN_HASH, expiresAt: at(i + 3600), requestedAt: at(i) }]
            : ['UserPasswordChanged', { passwordHash: PASSWORD_HASH, method: 'reset', changedAt: at(i) }];
    return {
      streamId,
      version,
      eventId: randomUUID(),
      type: type as string,
      schemaVersion: 1,
      data: data as StoredEvent['data'],
      metadata: { occurredAt: at(i), correlationId, causationId: correlationId, actor: streamId },
    };
  });
}

let sequence = 100_000_000_000_000_000_000n;
/** Sequence numbers that grow like DynamoDB's: numeric strings of one length. */
export const nextSequenceNumber = (): string => String(++sequence);

type Image = Record<string, AttributeValue>;
const image = (item: Record<string, unknown>): Image => marshall(item) as unknown as Image;

/** The item the DynamoDB adapter writes for an event, as the plain object it unmarshalls to. */
export function eventItem(event: StoredEvent): Record<string, unknown> {
  return {
    [PARTITION_KEY]: KEY_PREFIXES.stream + event.streamId,
    [SORT_KEY]: event.version,
    [ITEM_TYPE_ATTRIBUTE]: ITEM_TYPES.event,
    streamId: event.streamId,
    version: event.version,
    eventId: event.eventId,
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: JSON.stringify(event.data),
    occurredAt: event.metadata.occurredAt,
    correlationId: event.metadata.correlationId,
    causationId: event.metadata.causationId,
    ...(event.metadata.actor === undefined ? {} : { actor: event.metadata.actor }),
    recordedAt: event.metadata.occurredAt,
  };
}

/** A Lambda stream record for a write of `item`, as the event source mapping delivers it. */
export function streamRecord(
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  item: Record<string, unknown>,
  overrides: { sequenceNumber?: string | null; newImage?: Image | null } = {},
): DynamoDBRecord {
  const keys = { [PARTITION_KEY]: item[PARTITION_KEY], [SORT_KEY]: item[SORT_KEY] };
  const sequenceNumber = overrides.sequenceNumber === undefined ? nextSequenceNumber() : overrides.sequenceNumber;
  const newImage = overrides.newImage === undefined ? image(item) : overrides.newImage;
  return {
    eventID: randomUUID().replaceAll('-', ''),
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:dynamodb:us-east-1:123456789012:table/events/stream/2026-11-27T00:00:00.000',
    dynamodb: {
      ApproximateCreationDateTime: 1_795_000_000,
      Keys: image(keys),
      ...(eventName === 'REMOVE' || newImage === null ? {} : { NewImage: newImage }),
      ...(sequenceNumber === null ? {} : { SequenceNumber: sequenceNumber }),
      SizeBytes: 300,
      StreamViewType: 'NEW_IMAGE',
    },
  };
}

export const insertEvent = (event: StoredEvent): DynamoDBRecord => streamRecord('INSERT', eventItem(event));

export function claimItem(key: string, streamId: string): Record<string, unknown> {
  return {
    [PARTITION_KEY]: KEY_PREFIXES.claim + key,
    [SORT_KEY]: SINGLETON_SORT_KEY,
    [ITEM_TYPE_ATTRIBUTE]: ITEM_TYPES.claim,
    key,
    streamId,
  };
}

export function idempotencyItem(key: string, event: StoredEvent): Record<string, unknown> {
  return {
    [PARTITION_KEY]: KEY_PREFIXES.idempotency + key,
    [SORT_KEY]: SINGLETON_SORT_KEY,
    [ITEM_TYPE_ATTRIBUTE]: ITEM_TYPES.idempotency,
    idempotencyKey: key,
    streamId: event.streamId,
    firstVersion: event.version,
    lastVersion: event.version,
    eventIds: [event.eventId],
    [TTL_ATTRIBUTE]: 1_795_000_000,
  };
}

/** The item the DynamoDB adapter keeps for a stream's snapshot under a fold schema (docs/event-store.md). */
export function snapshotItem(streamId: string, schema: string, version: number, state: Record<string, unknown>): Record<string, unknown> {
  return {
    [PARTITION_KEY]: `${KEY_PREFIXES.snapshot}${schema}#${streamId}`,
    [SORT_KEY]: SINGLETON_SORT_KEY,
    [ITEM_TYPE_ATTRIBUTE]: ITEM_TYPES.snapshot,
    streamId,
    schema,
    version,
    state: JSON.stringify(state),
  };
}

export interface Received {
  readonly body: string;
  readonly groupId: string | undefined;
  readonly deduplicationId: string | undefined;
}

/**
 * Receives from a FIFO queue, deleting as it goes, until `count` messages arrived, then checks that no
 * more are waiting. The emulator hands out one message per group per receive, so this loops.
 */
export async function drain(sqs: SQSClient, queueUrl: string, count: number, timeoutMs = 10_000): Promise<Received[]> {
  const received: Received[] = [];
  await eventually(
    async () => {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId'],
        }),
      );
      for (const m of Messages) {
        received.push({
          body: m.Body ?? '',
          groupId: m.Attributes?.['MessageGroupId'],
          deduplicationId: m.Attributes?.['MessageDeduplicationId'],
        });
      }
      if (Messages.length > 0) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
      return received.length >= count ? true : undefined;
    },
    `${count} messages (got ${received.length})`,
    timeoutMs,
  );
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
  );
  if (Messages.length > 0) throw new Error(`more than ${count} messages: also ${Messages.map((m) => m.Body).join(', ')}`);
  return received;
}

/** Groups message bodies (parsed) by message group, in arrival order. */
export function byGroup(received: readonly Received[]): Map<string, Array<Record<string, unknown>>> {
  const groups = new Map<string, Array<Record<string, unknown>>>();
  for (const m of received) {
    const list = groups.get(m.groupId ?? '') ?? [];
    list.push(JSON.parse(m.body) as Record<string, unknown>);
    groups.set(m.groupId ?? '', list);
  }
  return groups;
}

export interface PublishEntry {
  readonly Id: string;
  readonly Message: string;
  readonly MessageGroupId: string;
  readonly MessageDeduplicationId: string;
}

/** The event id of a published entry: the `id` of the CloudEvent it carries. */
export function eventIdOf(entry: PublishEntry): string {
  return (JSON.parse(entry.Message) as { id: string }).id;
}

export interface PublishObservation {
  /** The entries of every PublishBatch call that reached the emulator, call by call. */
  readonly calls: PublishEntry[][];
  /** Event ids whose entries are refused (reported Failed, never sent) while in the set. */
  readonly refuse: Set<string>;
  /** Event ids whose entries are refused as the sender's fault, with this error code. */
  readonly refuseAsSender: Map<string, string>;
  /** Event ids that make the whole call throw while in the set. */
  readonly explode: Set<string>;
  /** Event ids whose entries are taken out and reported neither as successful nor as failed. */
  readonly vanish: Set<string>;
}

/**
 * Watches the client's PublishBatch calls, and injects faults: entries named in `refuse` (or in
 * `refuseAsSender`, with its code) are taken out of the request and reported as Failed, those in `vanish` are taken out and not reported at all, and a call
 * holding an id from `explode` throws without being sent.
 */
export function observePublishBatch(sns: SNSClient): PublishObservation {
  const observation: PublishObservation = { calls: [], refuse: new Set(), refuseAsSender: new Map(), explode: new Set(), vanish: new Set() };
  sns.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PublishBatchCommand') return next(args);
      const input = args.input as { PublishBatchRequestEntries: PublishEntry[] };
      const entries = input.PublishBatchRequestEntries;
      if (entries.some((e) => observation.explode.has(eventIdOf(e)))) {
        throw Object.assign(new Error('injected: the service is unavailable'), { name: 'InternalErrorException' });
      }
      const id = eventIdOf;
      const sent = entries.filter(
        (e) => !observation.refuse.has(id(e)) && !observation.refuseAsSender.has(id(e)) && !observation.vanish.has(id(e)),
      );
      observation.calls.push(entries);
      const failed = entries.flatMap((e) => {
        if (observation.refuse.has(id(e))) return [{ Id: e.Id, Code: 'InternalError', SenderFault: false, Message: 'injected' }];
        const code = observation.refuseAsSender.get(id(e));
        return code === undefined ? [] : [{ Id: e.Id, Code: code, SenderFault: true, Message: 'injected' }];
      });
      if (sent.length === 0) return { output: { Successful: [], Failed: failed, $metadata: {} }, response: {} };
      const result = await next({ ...args, input: { ...input, PublishBatchRequestEntries: sent } });
      const output = result.output as { Failed?: unknown[] };
      output.Failed = [...(output.Failed ?? []), ...failed];
      return result;
    },
    { step: 'initialize', name: 'observePublishBatch' },
  );
  return observation;
}

/** A logger whose lines the test can read back: raw, for secret scans, and parsed. */
export function capturedLogger(): { log: Logger; lines: string[]; entries: () => Array<Record<string, unknown>> } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
      done();
    },
  });
  return {
    log: createLogger('debug', stream),
    lines,
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/**
 * The relay's real Powertools Metrics, with each flush captured as its EMF document instead of printed,
 * so that tests read what CloudWatch would.
 */
export class CapturedMetrics extends Metrics {
  readonly flushed: Array<Record<string, unknown>> = [];

  constructor() {
    super({ namespace: METRICS_NAMESPACE, serviceName: RELAY_SERVICE });
  }

  override publishStoredMetrics(): this {
    this.flushed.push(this.serializeMetrics() as unknown as Record<string, unknown>);
    this.clearMetrics();
    return this;
  }

  /** Each metric's values summed over every flush. */
  totals(): Record<string, number> {
    const totals: Record<string, number> = {};
    for (const emf of this.flushed) {
      for (const name of Object.values(RELAY_METRICS)) totals[name] = (totals[name] ?? 0) + Number(emf[name] ?? 0);
    }
    return totals;
  }
}

/** A standard queue on the emulator for parked records, and a reader of what it holds. */
export async function parkingQueue(sqs: SQSClient, name: string) {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const queueUrl = QueueUrl!;
  return {
    queueUrl,
    parking: createSqsParkingLot({ sqs, queueUrl }),
    /** Receives (and deletes) `count` parked records, then checks that no more are waiting. */
    async take(count: number): Promise<ParkedRecord[]> {
      const received = await drain(sqs, queueUrl, count);
      return received.map((m) => JSON.parse(m.body) as ParkedRecord);
    },
  };
}

/** A TCP proxy whose outage is real: while down, its port refuses connections and open ones are cut. */
export interface OutageProxy {
  /** `http://127.0.0.1:<port>`, the same port throughout. */
  readonly endpoint: string;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a proxy in front of `target` (an `http://host:port` endpoint), up. */
export async function startOutageProxy(target: string): Promise<OutageProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  let server: Server | undefined;
  let listenPort = 0;
  const up = () =>
    new Promise<void>((resolve, reject) => {
      const listening = createServer((client) => {
        const upstream = connect(Number(port), hostname);
        track(client);
        track(upstream);
        client.pipe(upstream).pipe(client);
      });
      listening.once('error', reject);
      listening.listen(listenPort, '127.0.0.1', () => {
        listenPort = (listening.address() as AddressInfo).port;
        server = listening;
        resolve();
      });
    });
  const down = async () => {
    const closing = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (closing !== undefined) await new Promise<void>((resolve) => closing.close(() => resolve()));
  };
  await up();
  return { endpoint: `http://127.0.0.1:${listenPort}`, up, down, close: down };
}
