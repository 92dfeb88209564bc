import { Dictionary } from './dictionary.js';

/**
 * Runs tasks one at a time per key, in arrival order, and tasks of different keys side by side. Commands on
 * one user queue here instead of racing each other into optimistic-concurrency retries; the queue of a key
 * is dropped as soon as it runs empty, so memory follows the keys in use, not the keys ever seen.
 */
export function createKeyedQueue() {
  const tails = new Dictionary<Promise<unknown>>();

  return {
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      // Tails never reject: a failed task must not fail the ones queued behind it.
      const result = (tails.get(key) ?? Promise.resolve()).then(task);
      const tail = result.catch(() => undefined);
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },

    /** How many keys have a task running or queued. */
    get size(): number {
      return tails.size;
    },
  };
}
