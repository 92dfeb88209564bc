/** Turns SIGINT and SIGTERM into an abort signal, for tools that stop after the work in hand. */
export interface SignalStop {
  readonly signal: AbortSignal;
  /** 128 + the signal's number, the shell's convention for "ended by a signal": 130 or 143. */
  exitCode(): number;
}

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;

/**
 * Aborts on the first SIGINT or SIGTERM and says so on stderr. `once`: a second signal gets Node's default
 * handling, which ends a stop that takes too long.
 */
export function stopOnSignals(message: string): SignalStop {
  const controller = new AbortController();
  let received: keyof typeof SIGNAL_NUMBERS = 'SIGINT';
  for (const name of Object.keys(SIGNAL_NUMBERS) as Array<keyof typeof SIGNAL_NUMBERS>) {
    process.once(name, () => {
      received = name;
      process.stderr.write(`${name}: ${message}\n`);
      controller.abort();
    });
  }
  return { signal: controller.signal, exitCode: () => 128 + SIGNAL_NUMBERS[received] };
}
