import { SqsFifoPartialProcessorAsync, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { parseCloudEvent } from '@user-service/integration-events';
import { CONSUMER_METRICS, type QueueConsumer, type QueueMessage } from '@user-service/projector';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Logger } from 'pino';
import type { MailConsumer, MailOutcome } from '../application/mail-consumer.js';

/** The consumer's name: its queue is `mailer.fifo`, and it is the metrics' `service` dimension. */
export const MAILER_CONSUMER = 'mailer';

/**
 * The metric names the mailer emits per batch: every consumer's (`failed`: its mail not sent; `duplicates`: its
 * mail had gone out already; `lag`: to the mail sent), which infra's alarms name, and its own.
 */
export const MAILER_METRICS = {
  ...CONSUMER_METRICS,
  sent: 'MailsSent',
  /** Events whose token had expired before their mail could go: acknowledged without a send. */
  expired: 'MailsExpired',
} as const;

export interface MailBatchOptions {
  readonly consumer: MailConsumer;
  /** Gets a line per sent mail and per failed message: ids and types, never an address, a token or a body. */
  readonly log: Logger;
  /** Milliseconds since the epoch, for the lag. */
  readonly now: () => number;
  /** Where each batch's counts go. @default none */
  readonly metrics?: Metrics;
}

type Tally = Record<MailOutcome, number> & { oldestLiveMs: number | undefined };

/**
 * The mailer's batches, through Powertools' FIFO partial batch processor on both hosts: records one after
 * the other, and after a failure the rest of that message group fails too (`skipGroupOnError`), so a
 * user's mails never overtake each other; other groups go on. Failed records are redelivered, and after
 * the queue's `maxReceiveCount` receives they are in the mailer's DLQ.
 */
export function createMailBatch(options: MailBatchOptions) {
  const { consumer, log, now, metrics } = options;

  async function handle(record: SQSRecord, tally: Tally): Promise<MailOutcome> {
    const where = { messageId: record.messageId, receiveCount: Number(record.attributes.ApproximateReceiveCount) };
    let event;
    try {
      event = parseCloudEvent(record.body);
    } catch (err) {
      log.error({ ...where, err }, 'the message is not a user event; after its receives it is in the DLQ');
      throw err;
    }
    const about = { ...where, eventId: event.eventId, type: event.type, userId: event.streamId };
    try {
      const outcome = await consumer.deliver(event);
      tally[outcome]++;
      if (outcome === 'sent') {
        log.info(about, 'mail sent');
        if (!event.replayed) tally.oldestLiveMs = Math.min(tally.oldestLiveMs ?? Infinity, Date.parse(event.metadata.occurredAt));
      } else if (outcome === 'expired') log.warn(about, 'the mail was not sent: its token had expired');
      return outcome;
    } catch (err) {
      log.warn({ ...about, err }, 'the mail of an event was not sent; the message is retried');
      throw err;
    }
  }

  async function process(records: SQSRecord[], throwOnFullBatchFailure: boolean): Promise<SQSBatchResponse> {
    const tally: Tally = { sent: 0, duplicate: 0, none: 0, expired: 0, oldestLiveMs: undefined };
    let failed = records.length;
    try {
      const response = await processPartialResponse(
        { Records: records },
        (record: SQSRecord) => handle(record, tally),
        new SqsFifoPartialProcessorAsync(),
        { skipGroupOnError: true, throwOnFullBatchFailure },
      );
      failed = response.batchItemFailures.length;
      return response;
    } finally {
      if (metrics !== undefined && records.length > 0) {
        metrics.addMetric(MAILER_METRICS.sent, MetricUnit.Count, tally.sent);
        metrics.addMetric(MAILER_METRICS.failed, MetricUnit.Count, failed);
        metrics.addMetric(MAILER_METRICS.duplicates, MetricUnit.Count, tally.duplicate);
        metrics.addMetric(MAILER_METRICS.expired, MetricUnit.Count, tally.expired);
        if (tally.oldestLiveMs !== undefined) metrics.addMetric(MAILER_METRICS.lag, MetricUnit.Milliseconds, now() - tally.oldestLiveMs);
        metrics.publishStoredMetrics();
      }
    }
  }

  return {
    /**
     * The Lambda handler's body (with `ReportBatchItemFailures`). A batch whose every record failed throws,
     * as Powertools does by default, so that the function's `Errors` metric and alarm see it.
     */
    handleEvent: (event: SQSEvent): Promise<SQSBatchResponse> => process(event.Records, true),

    /** The same processing for the local worker, which receives the messages itself. */
    queueConsumer: {
      async applyMessages(messages: readonly QueueMessage[]) {
        const { batchItemFailures } = await process(messages.map(toRecord), false);
        const failed = new Set(batchItemFailures.map((failure) => failure.itemIdentifier));
        return {
          acknowledged: messages.filter((m) => !failed.has(m.messageId)).map((m) => m.messageId),
          failed: messages.filter((m) => failed.has(m.messageId)).map((m) => m.messageId),
        };
      },
    } satisfies QueueConsumer,
  };
}

export type MailBatch = ReturnType<typeof createMailBatch>;

/** A received message in the shape of a Lambda SQS record, as far as the processor and the handler read it. */
function toRecord(message: QueueMessage): SQSRecord {
  return {
    messageId: message.messageId,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount ?? 1),
      ...(message.groupId === undefined ? {} : { MessageGroupId: message.groupId }),
    },
    eventSource: 'aws:sqs',
  } as SQSRecord;
}
