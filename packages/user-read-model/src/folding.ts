import type { UserReadModel, ViewWrite } from './port.js';
import type { UserView } from './view.js';

/**
 * A read model in memory in front of another, for a projection that folds many pages before it writes
 * ({@link ProjectionFold}): it reads each user's view from the one behind once, keeps every write, and hands
 * them on when asked, each conditional on the version the read model behind held. It holds one view per user
 * it met, never events.
 */
export interface FoldingReadModel extends Pick<UserReadModel, 'getMany' | 'putMany'> {
  /** The view of every user written since, each conditional on the version stored behind when first read. */
  writes(): ViewWrite[];
}

export function createFoldingReadModel(behind: Pick<UserReadModel, 'getMany'>): FoldingReadModel {
  /** Each user met: the version stored behind, and the view folded since (the stored one until written). */
  const met = new Map<string, { readonly stored: number; view: UserView | undefined }>();
  return {
    async getMany(ids) {
      const unmet = [...new Set(ids)].filter((id) => !met.has(id));
      if (unmet.length > 0) {
        const views = await behind.getMany(unmet);
        unmet.forEach((id, i) => met.set(id, { stored: views[i]?.version ?? 0, view: views[i] }));
      }
      return ids.map((id) => met.get(id)?.view);
    },

    // Conditional like any read model's write, against the views folded so far; never given a checkpoint,
    // which goes with the writes handed on.
    async putMany(writes) {
      return writes.map(({ view, expectedVersion }) => {
        const user = met.get(view.id);
        if (user === undefined || (user.view?.version ?? 0) !== expectedVersion) return false;
        user.view = view;
        return true;
      });
    },

    writes() {
      const writes: ViewWrite[] = [];
      for (const { stored, view } of met.values()) {
        if (view !== undefined && view.version > stored) writes.push({ view, expectedVersion: stored });
      }
      return writes;
    },
  };
}
