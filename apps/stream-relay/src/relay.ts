import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { PublishBatchCommand, type BatchResultErrorEntry, type SNSClient } from '@aws-sdk/client-sns';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { StoredEvent } from '@user-service/event-store';
import { eventFromItem } from '@user-service/event-store/dynamodb';
import {
  ITEM_TYPE_ATTRIBUTE,
  ITEM_TYPES,
  KEY_PREFIXES,
  PARTITION_KEY,
} from '@user-service/event-store/dynamodb/schema';
import { deduplicationIdOf, messageGroupId, toCloudEvent } from '@user-service/integration-events';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { Logger } from 'pino';
import { publishRelayMetrics } from './metrics.js';
import type { ParkingLot } from './parking.js';

/** SNS refuses a `PublishBatch` of more entries (the local emulator does not, so the relay counts). */
export const MAX_BATCH_ENTRIES = 10;
/** SNS refuses a `PublishBatch` whose messages add up to more bytes than this. */
export const MAX_BATCH_BYTES = 262_144;

export interface RelayOptions {
  /** Sends the `PublishBatch` commands. The caller owns it. */
  readonly sns: Pick<SNSClient, 'send'>;
  /** The SNS FIFO topic every event is published to. */
  readonly topicArn: string;
  /** Where records that can never become a message go, with their whole payload. */
  readonly parking: ParkingLot;
  /** Gets `RecordsPublished`, `RecordsParked` and `PublishFailures` once per batch. @default none */
  readonly metrics?: Metrics;
  /** Where the relay logs ids and counts (never event data). */
  readonly log: Logger;
  /**
   * Opens the events' sealed personal data (see `@user-service/personal-data`), so that consumers get it
   * readable, or forgotten for an erased user. A failure to reach the keys (KMS throttled, say) is transient:
   * the batch is retried whole. @default events are published as stored
   */
  readonly openPersonalData?: (events: readonly StoredEvent[]) => Promise<StoredEvent[]>;
}

export interface Relay {
  /**
   * Publishes the events a batch of DynamoDB stream records inserted, parks the records that can never be
   * published, and answers the first record that must be retried, for an event source mapping with
   * `ReportBatchItemFailures`. It throws only when it cannot name that record (no sequence number), so that
   * Lambda retries the whole batch.
   * @param log a logger for this batch only, such as a child carrying the Lambda request id.
   * @default log the relay's logger
   */
  handle(event: DynamoDBStreamEvent, log?: Logger): Promise<DynamoDBBatchResponse>;
}

/** A record that holds an event ready to publish. */
interface Pending {
  /** Its position in the publishing order. */
  readonly position: number;
  /** The record's position in the batch. */
  readonly index: number;
  readonly event: StoredEvent;
  /** The CloudEvent, serialized. */
  readonly message: string;
  readonly bytes: number;
}

type Reading =
  | { readonly kind: 'skip' }
  | { readonly kind: 'event'; readonly event: StoredEvent; readonly message: string }
  | { readonly kind: 'unreadable'; readonly streamId: string | undefined; readonly error: Error };

const SKIP: Reading = { kind: 'skip' };

/** What became of one chunk: the publishing position of the first entry that must be retried, if any. */
interface ChunkOutcome {
  readonly published: number;
  readonly parked: number;
  readonly failures: number;
  readonly retryFrom: number | undefined;
}

/**
 * The stream relay: a thin Lambda body between the event-store table's stream and the SNS FIFO topic. It
 * never drops an event:
 *
 * - A transient failure (SNS or KMS throttling, a network fault, SNS unavailable) is retried until it
 *   succeeds: the relay stops at the first record it could not publish and reports that record alone.
 *   Lambda then checkpoints just before it and delivers it and every later record again, however often
 *   (the mapping is configured with unlimited retries, bounded by the stream's retention), so the later
 *   records are never published ahead of it within its message group.
 * - A record that can never become a message (an image that does not decode, missing fields, an entry SNS
 *   refuses as the sender's fault) is parked with its whole stream record in the parking queue, and the
 *   batch goes on: it would otherwise block its shard for good. Should parking itself fail, the record is
 *   retried like a transient failure.
 * - An event of a schema newer than this code is published as stored (see `toCloudEvent`).
 *
 * Delivery is at least once: a record before the reported one is done, anything from it on is published
 * again, and SNS FIFO (deduplication by event id for five minutes) and the consumers (by event id and
 * version) drop the repeats. Within a `PublishBatch` call SNS may refuse an entry yet accept a later one of
 * the same user; that one is published again after the retry, and consumers, who apply a user's events in
 * `streamversion` order, see the gap and fill it (docs/events.md).
 */
export function createRelay(options: RelayOptions): Relay {
  const { sns, topicArn, parking, metrics } = options;

  return {
    async handle(input: DynamoDBStreamEvent, log: Logger = options.log): Promise<DynamoDBBatchResponse> {
      const records = input.Records;
      const counts = { published: 0, parked: 0, failures: 0, skipped: 0, publishCalls: 0 };
      const add = (outcome: Omit<ChunkOutcome, 'retryFrom'>): void => {
        counts.published += outcome.published;
        counts.parked += outcome.parked;
        counts.failures += outcome.failures;
      };
      const readings = await opened(records.map(read), log);
      const order = publishingOrder(readings);
      let chunk: Pending[] = [];
      let chunkBytes = 0;
      /** The position in `order` of the first record that is not certainly done, once there is one. */
      let stopAt: number | undefined;

      const flush = async (): Promise<void> => {
        if (chunk.length === 0) return;
        counts.publishCalls++;
        const outcome = await publish(records, chunk, log);
        add(outcome);
        stopAt = outcome.retryFrom;
        chunk = [];
        chunkBytes = 0;
      };

      for (let position = 0; position < order.length && stopAt === undefined; position++) {
        const index = order[position]!;
        const reading = readings[index]!;
        if (reading.kind === 'event') {
          const bytes = Buffer.byteLength(reading.message);
          if (chunk.length === MAX_BATCH_ENTRIES || (chunk.length > 0 && chunkBytes + bytes > MAX_BATCH_BYTES)) {
            await flush();
            if (stopAt !== undefined) break;
          }
          chunk.push({ position, index, event: reading.event, message: reading.message, bytes });
          chunkBytes += bytes;
        } else if (reading.kind === 'unreadable') {
          // What comes before it is published first, so that a failure there stops the batch before this park.
          await flush();
          if (stopAt !== undefined) break;
          const record = records[index]!;
          logUnreadable(log, record, reading);
          if (await parking.park(record, { reason: 'unreadable', error: reading.error, streamId: reading.streamId }, log)) {
            counts.parked++;
          } else {
            counts.failures++;
            stopAt = position;
          }
        }
      }
      if (stopAt === undefined) await flush();
      counts.skipped = readings.filter((r) => r.kind === 'skip').length;
      // Every record from here on in the batch is delivered again; everything before it is done.
      const retryFrom = stopAt === undefined ? undefined : Math.min(...order.slice(stopAt));

      if (metrics !== undefined) publishRelayMetrics(metrics, counts);
      const summary = { records: records.length, ...counts, retryFrom };
      if (retryFrom === undefined) {
        log.info(summary, 'stream batch relayed');
        return { batchItemFailures: [] };
      }
      const itemIdentifier = records[retryFrom]?.dynamodb?.SequenceNumber;
      if (itemIdentifier === undefined || itemIdentifier === '') {
        // Lambda would read an empty identifier as a failure of the whole batch; say so plainly instead.
        log.error(summary, 'a failed stream record has no sequence number');
        throw new Error('a failed stream record has no sequence number; the whole batch must be retried');
      }
      log.warn({ ...summary, sequenceNumber: itemIdentifier }, 'stream batch relayed in part; retrying from the first failed record');
      return { batchItemFailures: [{ itemIdentifier }] };
    },
  };

  /**
   * The readings with each event's personal data opened, one stream at a time, so that a stream whose data
   * is corrupt (`UNREADABLE`) is parked while the others go on. Any other failure to open is thrown: the
   * whole batch is retried, nothing of it published.
   */
  async function opened(readings: Reading[], log: Logger): Promise<Reading[]> {
    const open = options.openPersonalData;
    if (open === undefined) return readings;
    const byStream = new Map<string, number[]>();
    readings.forEach((reading, index) => {
      if (reading.kind === 'event') byStream.set(reading.event.streamId, [...(byStream.get(reading.event.streamId) ?? []), index]);
    });
    const next = [...readings];
    for (const [streamId, indexes] of byStream) {
      const events = indexes.map((index) => (readings[index] as Extract<Reading, { kind: 'event' }>).event);
      try {
        const done = await open(events);
        indexes.forEach((index, i) => {
          const event = done[i]!;
          next[index] = { kind: 'event', event, message: JSON.stringify(toCloudEvent(event)) };
        });
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'UNREADABLE') {
          log.error({ err: error, streamId }, 'could not open personal data; the batch is retried');
          throw error;
        }
        for (const index of indexes) next[index] = { kind: 'unreadable', streamId, error: error as Error };
      }
    }
    return next;
  }

  /**
   * Publishes one chunk. Entries SNS refuses as the sender's fault (they would fail forever) are parked;
   * any other failure makes the first such entry the point to retry from, and nothing after it in the
   * chunk counts as done, whatever SNS answered for it.
   */
  async function publish(records: readonly DynamoDBRecord[], chunk: readonly Pending[], log: Logger): Promise<ChunkOutcome> {
    const byEntryId = new Map(chunk.map((p) => [`r${p.index}`, p]));
    let accepted: Set<number>;
    const refused = new Map<number, BatchResultErrorEntry>();
    try {
      const output = await sns.send(
        new PublishBatchCommand({
          TopicArn: topicArn,
          PublishBatchRequestEntries: [...byEntryId].map(([Id, p]) => ({
            Id,
            Message: p.message,
            MessageGroupId: messageGroupId(p.event.streamId),
            MessageDeduplicationId: deduplicationIdOf(p.event),
          })),
        }),
      );
      accepted = new Set((output.Successful ?? []).flatMap((entry) => byEntryId.get(String(entry.Id))?.index ?? []));
      for (const entry of output.Failed ?? []) {
        const p = byEntryId.get(String(entry.Id));
        if (p === undefined) continue;
        accepted.delete(p.index);
        refused.set(p.index, entry);
        log.error(
          { ...ids(p.event), code: entry.Code, senderFault: entry.SenderFault, reason: entry.Message },
          'SNS refused an event',
        );
      }
    } catch (err) {
      log.error({ err, eventIds: chunk.map((p) => p.event.eventId) }, 'PublishBatch failed');
      return { published: 0, parked: 0, failures: chunk.length, retryFrom: chunk[0]!.position };
    }

    // Whatever SNS accepted is out, even past the point of retry (it will be published again, a duplicate).
    const published = accepted.size;
    let parked = 0;
    for (const [position, p] of chunk.entries()) {
      if (accepted.has(p.index)) {
        log.debug(ids(p.event), 'event published');
        continue;
      }
      const entry = refused.get(p.index);
      if (entry !== undefined && isPermanent(entry)) {
        const reason = { reason: 'refused' as const, error: refusal(entry), streamId: p.event.streamId };
        if (await parking.park(records[p.index]!, reason, log)) {
          parked++;
          continue;
        }
      }
      // Also an entry SNS reported neither as published nor as failed: not certainly out, so retried.
      const failures = chunk.slice(position).filter((q) => !accepted.has(q.index)).length;
      return { published, parked, failures, retryFrom: p.position };
    }
    return { published, parked, failures: 0, retryFrom: undefined };
  }
}

/**
 * The batch indexes of the records to publish or park, in the order to handle them: the batch's order, but
 * with each user's events in version order over the places the user's records hold (a transaction's records
 * may arrive in any order). Skipped records have no place.
 */
function publishingOrder(readings: readonly Reading[]): number[] {
  const places = readings.flatMap((reading, index) => (reading.kind === 'skip' ? [] : [index]));
  const byStream = new Map<string, number[]>();
  for (const index of places) {
    const reading = readings[index]!;
    if (reading.kind === 'event') byStream.set(reading.event.streamId, [...(byStream.get(reading.event.streamId) ?? []), index]);
  }
  const version = (index: number) => (readings[index] as Extract<Reading, { kind: 'event' }>).event.version;
  const next = new Map([...byStream].map(([streamId, indexes]) => [streamId, [...indexes].sort((a, b) => version(a) - version(b))]));
  return places.map((index) => {
    const reading = readings[index]!;
    return reading.kind === 'event' ? next.get(reading.event.streamId)!.shift()! : index;
  });
}

/**
 * A refusal that a retry cannot change: the sender's fault (a malformed or oversized entry), unless it is a
 * throttle or a KMS fault, which clear up by themselves or once an operator fixes the key.
 */
function isPermanent(entry: BatchResultErrorEntry): boolean {
  return entry.SenderFault === true && !/throttl|kms|internal|unavailable|timeout/i.test(entry.Code ?? '');
}

function refusal(entry: BatchResultErrorEntry): Error {
  const error = new Error(`SNS refused the event: ${[entry.Code, entry.Message].filter(Boolean).join(' ')}`);
  error.name = 'PublishRefused';
  return error;
}

function logUnreadable(log: Logger, record: DynamoDBRecord, reading: Extract<Reading, { kind: 'unreadable' }>): void {
  // The error alone, without its cause: a JSON parser's message quotes the text it choked on.
  const err = new Error(reading.error.message);
  err.name = reading.error.name;
  if (reading.error.stack !== undefined) err.stack = reading.error.stack;
  log.error(
    { err, streamId: reading.streamId, sequenceNumber: record.dynamodb?.SequenceNumber },
    'stream record holds an unreadable event; parking it',
  );
}

/** What a stream record holds: an event to publish, something else to skip, or an event it cannot read. */
function read(record: DynamoDBRecord): Reading {
  // Events are immutable: only their insertion is news. Claims, idempotency records and snapshots come and go,
  // and are never published: a snapshot holds a fold of the user's state, secrets included.
  if (record.eventName !== 'INSERT') return SKIP;
  const image = record.dynamodb?.NewImage;
  const keyStreamId = streamIdOfKey(record);
  // Either mark makes the record an event to publish: should the two disagree, a park beats a silent skip.
  if (keyStreamId === undefined && image?.[ITEM_TYPE_ATTRIBUTE]?.S !== ITEM_TYPES.event) return SKIP;
  const streamId = keyStreamId ?? image?.['streamId']?.S;
  try {
    if (image === undefined) throw new Error('the record has no new image (is the stream view NEW_IMAGE?)');
    // Lambda's attribute values are the same JSON shape the SDK's are, but for binaries, which events lack.
    const event = eventFromItem(unmarshall(image as Record<string, AttributeValue>));
    if (event === undefined) throw new Error(`an item in the partition of stream ${streamId} is not an event`);
    return { kind: 'event', event, message: JSON.stringify(toCloudEvent(event)) };
  } catch (error) {
    return { kind: 'unreadable', streamId, error: error as Error };
  }
}

function streamIdOfKey(record: DynamoDBRecord): string | undefined {
  const key = record.dynamodb?.Keys?.[PARTITION_KEY]?.S;
  return key?.startsWith(KEY_PREFIXES.stream) && key.length > KEY_PREFIXES.stream.length
    ? key.slice(KEY_PREFIXES.stream.length)
    : undefined;
}

/** The correlation ids of an event: all a log line may say about it. */
function ids(event: StoredEvent) {
  return {
    eventId: event.eventId,
    streamId: event.streamId,
    version: event.version,
    correlationId: event.metadata.correlationId,
  };
}
