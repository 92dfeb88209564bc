/** One timed run: how many items it handled, and how long its timed part took. */
export interface Timed {
  readonly count: number;
  readonly seconds: number;
}

/**
 * Repeats `run` (each repetition with its own fresh state, set up outside its timed part) until the timed
 * parts add up to `minSeconds`, and answers items per second over all of them. A side that takes a few
 * milliseconds once (a raw insert of a few hundred rows) is otherwise measured mostly as timer noise.
 */
export async function rate(minSeconds: number, run: (repetition: number) => Promise<Timed> | Timed): Promise<{ perSecond: number; repetitions: number }> {
  let count = 0;
  let seconds = 0;
  let repetitions = 0;
  while (seconds < minSeconds || repetitions === 0) {
    const timed = await run(repetitions++);
    count += timed.count;
    seconds += timed.seconds;
  }
  return { perSecond: count / seconds, repetitions };
}
