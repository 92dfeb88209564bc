import { setTimeout as sleep } from 'node:timers/promises';

/** How a batch sender waits between resends: doubling from `initialMs` up to `maxMs`, `maxAttempts` calls in all. */
export interface BatchRetry {
  readonly initialMs?: number;
  readonly maxMs?: number;
  readonly maxAttempts?: number;
}

/** The part of an SNS `PublishBatch` or SQS `SendMessageBatch` answer that says what was taken. */
export interface BatchAnswer {
  readonly Successful?: ReadonlyArray<{ readonly Id?: string | undefined }> | undefined;
  readonly Failed?:
    | ReadonlyArray<{
        readonly Id?: string | undefined;
        readonly SenderFault?: boolean | undefined;
        readonly Code?: string | undefined;
        readonly Message?: string | undefined;
      }>
    | undefined;
}

export interface SendUntilTakenOptions {
  /** Names the service in messages: `SNS` or `SQS`. */
  readonly service: string;
  /** The event id behind an entry id, for messages. */
  readonly eventIdOf: (entryId: string) => string | undefined;
  /** The error the run stops with. */
  readonly fail: (message: string) => Error;
  readonly retry?: BatchRetry | undefined;
}

/**
 * Sends `entries` with one batch call, then resends whatever the service did not confirm until it has taken
 * all of them. An entry missing from both lists of the answer is resent too, so none is ever lost; one refused
 * as the sender's fault stops the run, as does running out of attempts. Errors of the whole call are the SDK's
 * to retry (throttling, 5xx); what it gives up on stops the run.
 */
export async function sendUntilTaken<Entry extends { readonly Id: string }>(
  entries: readonly Entry[],
  send: (pending: Entry[]) => Promise<BatchAnswer>,
  options: SendUntilTakenOptions,
): Promise<void> {
  const initialMs = options.retry?.initialMs ?? 100;
  const maxMs = options.retry?.maxMs ?? 10_000;
  const maxAttempts = options.retry?.maxAttempts ?? 10;
  const named = (ids: ReadonlyArray<{ readonly Id?: string | undefined }>): string =>
    ids.map((entry) => options.eventIdOf(String(entry.Id))).join(', ');
  let pending = [...entries];
  for (let attempt = 1; ; attempt++) {
    const output = await send(pending);
    const accepted = new Set((output.Successful ?? []).map((entry) => entry.Id));
    pending = pending.filter((entry) => !accepted.has(entry.Id));
    if (pending.length === 0) return;
    const refused = (output.Failed ?? []).find((entry) => entry.SenderFault === true);
    if (refused !== undefined) {
      const why = [refused.Code, refused.Message].filter(Boolean).join(' ');
      throw options.fail(`${options.service} refused event ${named([refused])}: ${why}`);
    }
    if (attempt >= maxAttempts) {
      throw options.fail(`${options.service} failed ${maxAttempts} times to take events ${named(pending)}`);
    }
    const pause = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
    // Half fixed, half jitter: resends of several tools do not collide again in lockstep.
    await sleep(pause / 2 + Math.random() * (pause / 2));
  }
}
