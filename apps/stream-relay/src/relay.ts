import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { PublishBatchCommand, type SNSClient } from '@aws-sdk/client-sns';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { StoredEvent } from '@user-service/event-store';
import { eventFromItem } from '@user-service/event-store/dynamodb';
import {
  ITEM_TYPE_ATTRIBUTE,
  ITEM_TYPES,
  KEY_PREFIXES,
  PARTITION_KEY,
} from '@user-service/event-store/dynamodb/schema';
import { toCloudEvent } from '@user-service/integration-events';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { Logger } from 'pino';

/** SNS refuses a `PublishBatch` of more entries (the local emulator does not, so the relay counts). */
export const MAX_BATCH_ENTRIES = 10;
/** SNS refuses a `PublishBatch` whose messages add up to more bytes than this. */
export const MAX_BATCH_BYTES = 262_144;

export interface RelayOptions {
  /** Sends the `PublishBatch` commands. The caller owns it. */
  readonly sns: Pick<SNSClient, 'send'>;
  /** The SNS FIFO topic every event is published to. */
  readonly topicArn: string;
  /** Where the relay logs ids and counts (never event data). */
  readonly log: Logger;
}

export interface Relay {
  /**
   * Publishes the events a batch of DynamoDB stream records inserted, and answers which records failed, for
   * an event source mapping with `ReportBatchItemFailures`. It never throws for a bad record; it throws only
   * when it cannot name a failed record (no sequence number), so that Lambda retries the whole batch.
   * @param log a logger for this batch only, such as a child carrying the Lambda request id.
   * @default log the relay's logger
   */
  handle(event: DynamoDBStreamEvent, log?: Logger): Promise<DynamoDBBatchResponse>;
}

/** A record that holds an event ready to publish. */
interface Pending {
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

/**
 * The stream relay: a thin Lambda body between the event-store table's stream and the SNS FIFO topic.
 *
 * Delivery is at least once, never at most once. Lambda's `ReportBatchItemFailures` checkpoints just
 * before the LOWEST reported sequence number and then re-delivers every record from there on, including
 * records this call did publish. So a record that was not certainly published is always reported (a
 * duplicate is harmless: SNS FIFO drops one with the same deduplication id within five minutes, and
 * consumers drop duplicates by event id and version), while a record left unreported counts as done and
 * is never seen again.
 *
 * Order is per user: events are published sorted by stream and version with the user id as the message
 * group. Once a record of a stream fails, later records of that stream in the batch are not published,
 * since they would overtake it; they are reported as failed too, and other streams go on. One case escapes
 * the relay: when SNS refuses an entry of a `PublishBatch` call but accepts a later version of the same user
 * in that call, the later one is already out. It is reported all the same, and consumers, who apply a
 * user's events in `streamversion` order, see the gap and wait for the missing version (docs/events.md).
 */
export function createRelay(options: RelayOptions): Relay {
  const { sns, topicArn } = options;

  return {
    async handle(input: DynamoDBStreamEvent, log: Logger = options.log): Promise<DynamoDBBatchResponse> {
      const records = input.Records;
      const failed = new Set<number>();
      const pending: Pending[] = [];
      // For each stream, the batch index after which its records must wait for a retry.
      const holdAfter = new Map<string, number>();
      // A failed record whose stream is unknown could belong to any stream: everything after it waits.
      let holdAllAfter = Infinity;
      let skipped = 0;
      const hold = (streamId: string, index: number): void => {
        holdAfter.set(streamId, Math.min(index, holdAfter.get(streamId) ?? Infinity));
      };
      const held = (p: Pending): boolean =>
        p.index > Math.min(holdAllAfter, holdAfter.get(p.event.streamId) ?? Infinity);

      records.forEach((record, index) => {
        const reading = read(record);
        if (reading.kind === 'skip') {
          skipped++;
        } else if (reading.kind === 'event') {
          const bytes = Buffer.byteLength(reading.message);
          pending.push({ index, event: reading.event, message: reading.message, bytes });
        } else {
          failed.add(index);
          const { streamId } = reading;
          if (streamId === undefined) holdAllAfter = Math.min(holdAllAfter, index);
          else hold(streamId, index);
          // The error alone, without its cause: a JSON parser's message quotes the text it choked on.
          const err = new Error(reading.error.message);
          err.name = reading.error.name;
          if (reading.error.stack !== undefined) err.stack = reading.error.stack;
          log.error(
            { err, streamId, sequenceNumber: record.dynamodb?.SequenceNumber },
            'stream record holds an unreadable event',
          );
        }
      });

      pending.sort((a, b) =>
        a.event.streamId === b.event.streamId
          ? a.event.version - b.event.version
          : a.event.streamId < b.event.streamId
            ? -1
            : 1,
      );

      let published = 0;
      let calls = 0;
      const refuse = (p: Pending, message: string): void => {
        failed.add(p.index);
        log.warn(ids(p.event), message);
      };

      let next = 0;
      while (next < pending.length) {
        const chunk: Pending[] = [];
        let bytes = 0;
        for (; next < pending.length && chunk.length < MAX_BATCH_ENTRIES; next++) {
          const candidate = pending[next]!;
          if (held(candidate)) {
            refuse(candidate, 'event held back behind a failed record of its stream');
            continue;
          }
          if (chunk.length > 0 && bytes + candidate.bytes > MAX_BATCH_BYTES) break;
          chunk.push(candidate);
          bytes += candidate.bytes;
        }
        // Only held records were left.
        if (chunk.length === 0) break;

        calls++;
        const accepted = await publish(chunk, log);
        // In version order, so that a failure holds back the later versions of its stream in the same call.
        for (const p of chunk) {
          if (!accepted.has(p.index)) {
            refuse(p, 'event not published');
            // Publishing later events of this stream now would let them overtake this one.
            hold(p.event.streamId, -1);
          } else if (held(p)) {
            // Already out, ahead of an earlier version that failed: report it, so that it follows again.
            refuse(p, 'event published ahead of a failed earlier version; reported for a retry');
          } else {
            published++;
            log.debug(ids(p.event), 'event published');
          }
        }
      }

      const batchItemFailures = [...failed]
        .sort((a, b) => a - b)
        .map((index) => ({ itemIdentifier: records[index]?.dynamodb?.SequenceNumber ?? '' }));
      const counts = { records: records.length, published, skipped, failed: failed.size, publishCalls: calls };
      if (batchItemFailures.some((failure) => failure.itemIdentifier === '')) {
        // Lambda would read an empty identifier as a failure of the whole batch; say so plainly instead.
        log.error(counts, 'a failed stream record has no sequence number');
        throw new Error('a failed stream record has no sequence number; the whole batch must be retried');
      }
      log[failed.size > 0 ? 'warn' : 'info'](counts, 'stream batch relayed');
      return { batchItemFailures };
    },
  };

  /** Publishes one batch, and answers the batch indexes SNS accepted; anything else counts as failed. */
  async function publish(chunk: readonly Pending[], log: Logger): Promise<Set<number>> {
    const byEntryId = new Map(chunk.map((p) => [`r${p.index}`, p]));
    try {
      const output = await sns.send(
        new PublishBatchCommand({
          TopicArn: topicArn,
          PublishBatchRequestEntries: [...byEntryId].map(([Id, p]) => ({
            Id,
            Message: p.message,
            MessageGroupId: p.event.streamId,
            MessageDeduplicationId: p.event.eventId,
          })),
        }),
      );
      const accepted = new Set<number>();
      for (const entry of output.Successful ?? []) {
        const p = byEntryId.get(String(entry.Id));
        if (p !== undefined) accepted.add(p.index);
      }
      for (const entry of output.Failed ?? []) {
        const p = byEntryId.get(String(entry.Id));
        if (p === undefined) continue;
        accepted.delete(p.index);
        log.error(
          { ...ids(p.event), code: entry.Code, senderFault: entry.SenderFault, reason: entry.Message },
          'SNS refused an event',
        );
      }
      return accepted;
    } catch (err) {
      log.error({ err, eventIds: chunk.map((p) => p.event.eventId) }, 'PublishBatch failed');
      return new Set();
    }
  }
}

/** What a stream record holds: an event to publish, something else to skip, or an event it cannot read. */
function read(record: DynamoDBRecord): Reading {
  // Events are immutable: only their insertion is news. Claims, idempotency records and snapshots come and go,
  // and are never published: a snapshot holds a fold of the user's state, secrets included.
  if (record.eventName !== 'INSERT') return SKIP;
  const image = record.dynamodb?.NewImage;
  const keyStreamId = streamIdOfKey(record);
  // Either mark makes the record an event to publish: should the two disagree, a failure beats a silent skip.
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
