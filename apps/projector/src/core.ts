import type { JsonObject } from '@user-service/event-store';
import { parseCloudEvent, type ReceivedUserEvent } from '@user-service/integration-events';
import type { Projector } from '@user-service/user-read-model';
import type { Logger } from 'pino';

/** One queue message as either host receives it: the worker from `ReceiveMessage`, Lambda from its event. */
export interface QueueMessage {
  readonly messageId: string;
  /** The CloudEvent JSON document, as published. */
  readonly body: string;
  /** SQS's `ApproximateReceiveCount`, when the host has it; only logged. */
  readonly receiveCount?: number;
  /**
   * The FIFO message group (SQS's `MessageGroupId`), when the host has it: once a message of a group fails,
   * every later one of that group in the batch fails too, as FIFO order requires.
   */
  readonly groupId?: string;
}

/**
 * What the queue hosts (the worker, the Lambda handler) need of a consumer: a batch of messages in, which
 * to delete and which to leave for redelivery out, never throwing. The projector is one; the mailer another.
 */
export interface QueueConsumer {
  applyMessages(messages: readonly QueueMessage[]): Promise<{ readonly acknowledged: readonly string[]; readonly failed: readonly string[] }>;
}

/** What one batch did, as counted in its log line. */
export interface BatchStats {
  /** Messages in the batch. */
  readonly messages: number;
  /** Events written to the read model. */
  readonly applied: number;
  /** Events the read model already held: acknowledged without a write. */
  readonly duplicates: number;
  /** Earlier events read from the event store to fill gaps, written along with the delivered ones. */
  readonly gapFilled: number;
  /** Events the projector could not project. */
  readonly failed: number;
  /** Messages that are not user events at all (not JSON, not a CloudEvent 1.0, malformed). */
  readonly invalid: number;
  /** Messages failed only because an earlier message of their group in the batch failed. */
  readonly heldBack: number;
  /**
   * The projection lag: how long after its command was decided the oldest event of the batch was
   * projected, in milliseconds. `null` when the batch held no live event (only replayed or invalid ones),
   * since a replayed event's age says nothing about lag.
   */
  readonly lagMs: number | null;
}

export interface MessageBatchResult {
  /** Messages that are done with (applied, duplicate or gap-filled): safe to delete. */
  readonly acknowledged: string[];
  /**
   * Messages to leave on the queue: they are delivered again, and after the queue's `maxReceiveCount`
   * receives the redrive policy moves them to the dead-letter queue.
   */
  readonly failed: string[];
  readonly stats: BatchStats;
}

/** The core that both hosts share: messages in, which ones to delete out. */
export interface MessageProjector {
  /**
   * Projects a batch of messages in any order, with any duplicates. It never throws: every message ends up
   * either acknowledged or failed, each exactly once, in the order given.
   */
  applyMessages(messages: readonly QueueMessage[]): Promise<MessageBatchResult>;
}

export interface MessageProjectorOptions {
  /** The version-gated projector over the read model and the event store. */
  readonly projector: Projector;
  /** Gets one line per batch and one per failed message; never a message body. */
  readonly log: Logger;
  /** Called with the counts of every non-empty batch, after its log line: where metrics are emitted. @default none */
  readonly onBatch?: (stats: BatchStats) => void;
  /** Milliseconds since the epoch, for the lag. @default Date.now */
  readonly now?: () => number;
}

/** A parsed event that remembers the message it came from, so a failure maps back to that message. */
type TaggedEvent = ReceivedUserEvent & {
  readonly data: JsonObject;
  readonly messageId: string;
  readonly receiveCount: number | undefined;
};

/**
 * Creates the message projector: it parses each body as a user CloudEvent, hands every parsed event to
 * {@link Projector.applyBatch} in one call, and maps the outcome back to message ids. A body that cannot be
 * parsed is failed rather than deleted, so that it ends up in the dead-letter queue for a person to look at.
 * Every later message of a failed message's FIFO group fails with it, the standard FIFO contract.
 */
export function createMessageProjector(options: MessageProjectorOptions): MessageProjector {
  const { projector, log } = options;
  const now = options.now ?? Date.now;

  return {
    async applyMessages(messages) {
      const failedIds = new Set<string>();
      const events: TaggedEvent[] = [];
      // Groups with an invalid message so far: their later messages are not projected at all.
      const brokenGroups = new Set<string>();
      let heldBack = 0;
      for (const { messageId, body, receiveCount, groupId } of messages) {
        if (groupId !== undefined && brokenGroups.has(groupId)) {
          failedIds.add(messageId);
          heldBack++;
          continue;
        }
        try {
          // JSON.parse only ever yields JSON values, so the received data is a JsonObject indeed.
          const event = parseCloudEvent(body) as ReceivedUserEvent & { readonly data: JsonObject };
          events.push({ ...event, messageId, receiveCount });
        } catch (err) {
          failedIds.add(messageId);
          if (groupId !== undefined) brokenGroups.add(groupId);
          log.error({ messageId, receiveCount, err }, 'the message is not a user event; left for the dead-letter queue');
        }
      }
      const invalid = failedIds.size - heldBack;

      let applied = 0;
      let duplicates = 0;
      let gapFilled = 0;
      let failed = 0;
      if (events.length > 0) {
        try {
          const outcome = await projector.applyBatch(events);
          ({ applied, duplicates, gapFilled } = outcome);
          failed = outcome.failed.length;
          for (const { event, error } of outcome.failed) {
            failedIds.add(event.messageId);
            const { messageId, receiveCount, streamId, version, type } = event;
            log.error(
              { messageId, receiveCount, streamId, version, type, err: error },
              'could not project the event; left for redelivery',
            );
          }
        } catch (err) {
          // The projector reports per-event failures itself; a throw means none of the batch is known done.
          for (const event of events) failedIds.add(event.messageId);
          failed = events.length;
          log.error({ err, events: events.length }, 'the projector failed the whole batch; left it for redelivery');
        }
      }

      heldBack += failLaterOfFailedGroups(messages, failedIds);
      if (heldBack > 0) log.warn({ heldBack }, 'messages after a failed one of their group left for redelivery too');

      const at = now();
      const live = events.filter((event) => !event.replayed);
      const lagMs =
        live.length === 0 ? null : Math.max(...live.map((event) => at - Date.parse(event.metadata.occurredAt)));
      const stats: BatchStats = { messages: messages.length, applied, duplicates, gapFilled, failed, invalid, heldBack, lagMs };
      if (messages.length > 0) {
        log.info(stats, 'projected a batch of messages');
        options.onBatch?.(stats);
      }

      return {
        acknowledged: messages.filter((m) => !failedIds.has(m.messageId)).map((m) => m.messageId),
        failed: messages.filter((m) => failedIds.has(m.messageId)).map((m) => m.messageId),
        stats,
      };
    },
  };
}

/**
 * The FIFO contract: a message after a failed one of its group must not be deleted ahead of it. The
 * projector already fails a user's later versions; this also covers a later message that holds an earlier
 * version (a redelivery or a replay interleaved), which was written and is harmlessly a duplicate next time.
 * Answers how many more messages it failed.
 */
function failLaterOfFailedGroups(messages: readonly QueueMessage[], failedIds: Set<string>): number {
  const failedGroups = new Set<string>();
  let added = 0;
  for (const { messageId, groupId } of messages) {
    if (groupId === undefined) continue;
    if (failedIds.has(messageId)) failedGroups.add(groupId);
    else if (failedGroups.has(groupId)) {
      failedIds.add(messageId);
      added++;
    }
  }
  return added;
}
