import type { EventStore } from '@user-service/event-store';
import type { MailComposer } from './mail.js';
import type { Mailer } from './ports.js';

/** Where the follower has sent up to: a position in `readAll`, absent for "from the start". */
export interface MailCheckpoint {
  load(): Promise<{ readonly cursor?: string } | undefined>;
  save(cursor: string | undefined): Promise<void>;
}

export interface MailFollowerDeps {
  readonly eventStore: Pick<EventStore, 'readAll'>;
  readonly composer: MailComposer;
  readonly mailer: Mailer;
  readonly checkpoint: MailCheckpoint;
  /** Where a mail goes that failed `maxAttempts` times, so that it no longer holds up the ones after it. */
  readonly deadLetter: (record: { eventId: string; kind: string; userId: string; error: string }) => Promise<void>;
  readonly log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** @default 100 */
  readonly pageSize?: number;
  /** Attempts at one mail before it is dead-lettered. @default 5 */
  readonly maxAttempts?: number;
  /** Events passed without a mail before the position is saved anyway. @default 1000 */
  readonly saveEvery?: number;
}

/**
 * Sends the mail of every event, in store order, following the store's global position (the embedded
 * default). The position is saved after the mails of each page, so a crash resends at most the page in
 * hand, and a mailer that can tell what it sent (the outbox) sends each mail exactly once. A mail that keeps
 * failing is retried on the next round, and dead-lettered after `maxAttempts`.
 */
export function createMailFollower(deps: MailFollowerDeps) {
  const pageSize = deps.pageSize ?? 100;
  const maxAttempts = deps.maxAttempts ?? 5;
  const saveEvery = deps.saveEvery ?? 1000;
  const failures = new Map<string, number>();
  /** The position reached in this process, and how many events past the saved one it is. */
  let cursor: string | undefined;
  let unsaved = 0;

  async function deliver(event: Parameters<MailComposer['mailFor']>[0]): Promise<'none' | 'sent' | 'failed'> {
    const mail = await deps.composer.mailFor(event);
    if (mail === undefined || (await deps.mailer.sent?.(mail.eventId))) return 'none';
    try {
      await deps.mailer.send(mail);
      failures.delete(mail.eventId);
      return 'sent';
    } catch (err) {
      const attempts = (failures.get(mail.eventId) ?? 0) + 1;
      failures.set(mail.eventId, attempts);
      const where = { eventId: mail.eventId, kind: mail.kind, userId: mail.userId, attempts };
      if (attempts < maxAttempts) {
        deps.log.warn({ ...where, err }, 'sending mail failed; it is retried');
        return 'failed';
      }
      deps.log.error({ ...where, err }, 'sending mail failed too often; it is dead-lettered');
      await deps.deadLetter({ eventId: mail.eventId, kind: mail.kind, userId: mail.userId, error: String(err) });
      failures.delete(mail.eventId);
      return 'sent';
    }
  }

  return {
    /**
     * Makes sure a position is kept. A store that has events but no mail position comes from a version that
     * mailed in the request: its mails went out then, so the follower starts at the end.
     */
    async start(): Promise<void> {
      if ((await deps.checkpoint.load()) !== undefined) return;
      let cursor: string | undefined;
      let skipped = 0;
      for (;;) {
        const page = await deps.eventStore.readAll({ limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
        skipped += page.events.length;
        cursor = page.cursor ?? cursor;
        if (page.isEnd) break;
      }
      if (skipped > 0) deps.log.info({ events: skipped }, 'no mail position yet: mail follows new events only');
      await deps.checkpoint.save(cursor);
    },

    /**
     * Sends the mails of the events after the position; false when one failed and waits for a retry. The
     * position is saved (an fsync) after a page that sent mail, or once `saveEvery` events passed without
     * any: most commits send none, and a mailer that knows what it sent loses nothing by re-reading a few
     * events after a crash. A mailer that cannot tell gets the position saved after every page.
     */
    async catchUp(): Promise<boolean> {
      cursor ??= (await deps.checkpoint.load())?.cursor;
      for (;;) {
        const page = await deps.eventStore.readAll({ limit: pageSize, ...(cursor === undefined ? {} : { cursor }) });
        let sent = 0;
        for (const event of page.events) {
          // The page is sent again after a failure: what the mailer already sent, it skips.
          const outcome = await deliver(event);
          if (outcome === 'failed') return false;
          if (outcome === 'sent') sent++;
        }
        if (page.cursor !== undefined && page.cursor !== cursor) {
          cursor = page.cursor;
          unsaved += page.events.length;
          if (sent > 0 || unsaved >= saveEvery || deps.mailer.sent === undefined) {
            await deps.checkpoint.save(cursor);
            unsaved = 0;
          }
        }
        if (page.isEnd) return true;
      }
    },

    /** Saves the position reached, if a round left it unsaved (before the process stops). */
    async savePosition(): Promise<void> {
      if (unsaved === 0 || cursor === undefined) return;
      await deps.checkpoint.save(cursor);
      unsaved = 0;
    },
  };
}

export type MailFollower = ReturnType<typeof createMailFollower>;
