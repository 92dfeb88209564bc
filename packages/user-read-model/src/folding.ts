import type { UserReadModel, ViewWrite } from './port.js';
import { applyToView, type ProjectableEvent, type UserView } from './view.js';

/**
 * A read model in memory in front of another, for a projection that folds many pages before it writes
 * ({@link ProjectionFold}): it reads each user's view from the one behind once, keeps every write, and hands
 * them on when asked, each conditional on the version the read model behind held. It holds one view per user
 * it met, never events.
 */
export interface FoldingReadModel extends Pick<UserReadModel, 'getMany' | 'putMany'> {
  /**
   * Folds deliveries that are each the next version of their user's view, in the order given (as a page of
   * the event store is), onto the views folded so far, and answers how many it applied: all of them. When any
   * one is not (a duplicate, a gap, a malformed delivery, an event the view refuses) or a view cannot be read,
   * it changes no view and answers `undefined`, and the deliveries are left to the projector's general way,
   * which groups them per user, fills gaps from the event store and reports each failure. For the pages of a
   * catch-up, which are all in order, this saves that bookkeeping per delivery: a lookup and the fold.
   */
  foldInOrder(events: readonly ProjectableEvent[]): Promise<number | undefined>;
  /** The view of every user written since, each conditional on the version stored behind when first read. */
  writes(): ViewWrite[];
}

interface Met {
  /** The version stored behind when the user was first read. */
  stored: number;
  /** The view folded since (the stored one until written). */
  view: UserView | undefined;
  /** The view {@link FoldingReadModel.foldInOrder} is folding, until it has folded the whole call. */
  draft: UserView | undefined;
}

export function createFoldingReadModel(behind: Pick<UserReadModel, 'getMany'>): FoldingReadModel {
  const met = new Map<string, Met>();

  /** The user of each id, in order, each looked up once; those not met yet are read from behind in one call. */
  async function usersOf(ids: readonly string[]): Promise<Met[]> {
    const users: Met[] = [];
    const unmet = new Map<string, Met>();
    for (const id of ids) {
      let user = met.get(id) ?? unmet.get(id);
      if (user === undefined) {
        user = { stored: 0, view: undefined, draft: undefined };
        unmet.set(id, user);
      }
      users.push(user);
    }
    if (unmet.size > 0) {
      // Only once they are read do the new users count as met: a read that fails leaves them unmet.
      const views = await behind.getMany([...unmet.keys()]);
      let i = 0;
      for (const [id, user] of unmet) {
        const view = views[i++];
        user.stored = view?.version ?? 0;
        user.view = view;
        met.set(id, user);
      }
    }
    return users;
  }

  return {
    async getMany(ids) {
      return (await usersOf(ids)).map((user) => user.view);
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

    async foldInOrder(events) {
      let users: Met[];
      try {
        users = await usersOf(events.map((event) => event.streamId));
      } catch {
        return undefined;
      }
      // Folded into drafts first, so that a delivery out of order leaves every view as it was.
      const drafted: Met[] = [];
      let inOrder = true;
      for (let i = 0; i < events.length && inOrder; i++) {
        const event = events[i]!;
        const user = users[i]!;
        const view = user.draft ?? user.view;
        try {
          if (event.version !== (view?.version ?? 0) + 1) inOrder = false;
          else {
            if (user.draft === undefined) drafted.push(user);
            user.draft = applyToView(view, event);
          }
        } catch {
          inOrder = false;
        }
      }
      for (const user of drafted) {
        if (inOrder) user.view = user.draft;
        user.draft = undefined;
      }
      return inOrder ? events.length : undefined;
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
