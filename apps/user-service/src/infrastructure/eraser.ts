import type { PersonalDataEventStore } from '@user-service/personal-data';
import { createProjector, type UserReadModel } from '@user-service/user-read-model';
import type { PersonalDataEraser } from '../application/ports.js';

export interface EraserOptions {
  readonly eventStore: PersonalDataEventStore;
  /**
   * Every read-model slot, not only the active one: a slot left from before the last rebuild still holds
   * the user's view as it was then.
   */
  readonly slots: readonly UserReadModel[];
  /** Removes older copies of scrubbed rows from the stores' files (SQLite: truncates their logs). */
  readonly scrubFiles?: () => void;
}

/**
 * Forgets an erased user: destroys their data key, then brings each read-model slot to the user's
 * tombstone (the projector fills whatever versions a slot lacks, so a stale slot is scrubbed too), then
 * scrubs the files. Every step is idempotent: a retry after a failure finishes the job.
 */
export function createEraser(options: EraserOptions): PersonalDataEraser {
  const { eventStore, slots } = options;
  return {
    async forget(userId) {
      await eventStore.forget(userId);
      const tombstone = (await eventStore.readStream(userId)).at(-1);
      if (tombstone?.type !== 'UserErased') return;
      for (const readModel of slots) {
        const outcome = await createProjector({ readModel, eventStore }).applyBatch([tombstone]);
        const [failed] = outcome.failed;
        if (failed !== undefined) throw failed.error;
      }
      options.scrubFiles?.();
    },
  };
}
