import type { MailComposer, MailSource } from './mail.js';
import type { Mailer, MailMessage } from './ports.js';

/** What the ledger says when a sender asks for the right to send the mail of one event. */
export type MailClaim =
  /** This sender holds the claim until its lease ends; `claimId` names it for the record and the release. */
  | { readonly kind: 'claimed'; readonly claimId: string }
  /** The mail went out already: nothing to do. */
  | { readonly kind: 'sent' }
  /** Another sender holds an unexpired claim (it is sending now, or crashed less than a lease ago). */
  | { readonly kind: 'held'; readonly untilMs: number };

/**
 * A record per event of the mail sent for it, shared by every instance of the mailer: the consumer's
 * idempotency. Records are kept until `keepUntilMs` (the mail's token has expired by then, so a later
 * redelivery is dropped as expired instead of being sent).
 */
export interface SentMailLedger {
  /** Takes the right to send, unless the mail was sent or another unexpired claim holds it. */
  claim(eventId: string, claim: { readonly nowMs: number; readonly leaseUntilMs: number; readonly keepUntilMs: number }): Promise<MailClaim>;
  /** Records the mail as sent, for good: no later claim succeeds. */
  markSent(eventId: string, claimId: string, keepUntilMs: number): Promise<void>;
  /** Gives a claim up after a failed send, so that the retry need not wait for the lease to end. */
  release(eventId: string, claimId: string): Promise<void>;
}

/** What became of one event. */
export type MailOutcome = 'sent' | 'duplicate' | 'none' | 'expired';

/** The mail of an event could not be sent now; the message is retried, then dead-lettered. */
export class MailNotSentError extends Error {
  override readonly name = 'MailNotSentError';
  constructor(
    readonly code: 'MAIL_CLAIM_HELD' | 'MAIL_SEND_FAILED',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface MailConsumerDeps {
  readonly composer: MailComposer;
  readonly mailer: Mailer;
  readonly ledger: SentMailLedger;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /**
   * How long a claim holds before another delivery of the event may take it over: at least the longest a
   * send can take (the Lambda timeout), and at most the queue's visibility timeout, so that a redelivery
   * after a crash finds the claim expired.
   */
  readonly leaseMs: number;
  /** How long a sent record outlives the mail's token, for redeliveries of an expired mail. @default 1 day */
  readonly keepAfterExpiryMs?: number;
}

const DAY_MS = 86_400_000;

/**
 * The mailer consumer's core, the same on Lambda and in the local worker: the mail of one event, sent at
 * most once per claim and recorded per event id, so that redeliveries and retries send nothing twice.
 *
 * The order is claim, send, record. A crash after the claim and before the send leaves a claim that
 * expires after `leaseMs`, and the redelivered message sends the mail then: never lost. A crash after SES
 * accepted the mail and before the record is written lets the redelivery send it a second time: the one
 * window where a mail can be doubled, since SES has no idempotency key for `SendEmail`.
 */
export function createMailConsumer(deps: MailConsumerDeps) {
  const keepAfterExpiryMs = deps.keepAfterExpiryMs ?? DAY_MS;

  async function send(mail: MailMessage): Promise<MailOutcome> {
    const nowMs = deps.now();
    const validUntilMs = Date.parse(mail.validUntil);
    // A redelivery weeks later (a DLQ redrive, a republish) would mail a dead token: the user asks again.
    if (validUntilMs <= nowMs) return 'expired';
    const keepUntilMs = validUntilMs + keepAfterExpiryMs;
    const claim = await deps.ledger.claim(mail.eventId, { nowMs, leaseUntilMs: nowMs + deps.leaseMs, keepUntilMs });
    if (claim.kind === 'sent') return 'duplicate';
    if (claim.kind === 'held') {
      throw new MailNotSentError(
        'MAIL_CLAIM_HELD',
        `another delivery of event ${mail.eventId} holds its mail until ${new Date(claim.untilMs).toISOString()}`,
      );
    }
    try {
      await deps.mailer.send(mail);
    } catch (cause) {
      await deps.ledger.release(mail.eventId, claim.claimId);
      throw new MailNotSentError('MAIL_SEND_FAILED', `sending the ${mail.kind} mail of event ${mail.eventId} failed`, { cause });
    }
    await deps.ledger.markSent(mail.eventId, claim.claimId, keepUntilMs);
    return 'sent';
  }

  return {
    /**
     * Sends the mail the event asks for, if any, unless it went out already or its token has expired.
     * Throws {@link MailNotSentError} when it could not be sent now; any other error is the ledger's or the
     * event store's. Either way the message is to be retried.
     */
    async deliver(event: MailSource): Promise<MailOutcome> {
      const mail = await deps.composer.mailFor(event);
      return mail === undefined ? 'none' : send(mail);
    },
  };
}

export type MailConsumer = ReturnType<typeof createMailConsumer>;
