import {
  emailLookupKey,
  requireText,
  usernameLookupKey,
  validateIds,
  validatePut,
  validatePutMany,
  type UserReadModel,
} from './port.js';
import { viewOf, type UserView } from './view.js';

/**
 * A read model in process memory, for unit tests. Each call runs to completion within one turn of the event
 * loop, which makes the conditional write atomic; views are copied in and out, as storage would.
 */
export function createMemoryUserReadModel(): UserReadModel {
  const views = new Map<string, UserView>();
  const checkpoints = new Map<string, string>();
  let closed = false;

  const open = (): void => {
    if (closed) throw new Error('the memory user read model is closed');
  };
  const visible = (matches: (view: UserView) => boolean): UserView[] =>
    [...views.values()]
      .filter((view) => view.status !== 'removed' && matches(view))
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((view) => structuredClone(view));

  const write = (view: UserView, expectedVersion: number): boolean => {
    if ((views.get(view.id)?.version ?? 0) !== expectedVersion) return false;
    views.set(view.id, viewOf(view));
    return true;
  };

  return {
    async get(id) {
      open();
      requireText(id, 'id');
      const view = views.get(id);
      return view === undefined ? undefined : structuredClone(view);
    },

    async getMany(ids) {
      open();
      validateIds(ids);
      return ids.map((id) => {
        const view = views.get(id);
        return view === undefined ? undefined : structuredClone(view);
      });
    },

    async findByEmail(email) {
      open();
      requireText(email, 'email');
      const key = emailLookupKey(email);
      return visible((view) => emailLookupKey(view.email) === key);
    },

    async findByUsername(username) {
      open();
      requireText(username, 'username');
      const key = usernameLookupKey(username);
      return visible((view) => usernameLookupKey(view.username) === key);
    },

    async put(view, expectedVersion) {
      open();
      validatePut(view, expectedVersion);
      return write(view, expectedVersion);
    },

    async putMany(writes, checkpoint) {
      open();
      validatePutMany(writes, checkpoint);
      // Within one turn, like a transaction: no other call sees a part of the batch.
      const outcomes = writes.map(({ view, expectedVersion }) => write(view, expectedVersion));
      if (checkpoint !== undefined && outcomes.every(Boolean)) checkpoints.set(checkpoint.name, checkpoint.cursor);
      return outcomes;
    },

    async getCheckpoint(name) {
      open();
      requireText(name, 'name');
      return checkpoints.get(name);
    },

    async setCheckpoint(name, cursor) {
      open();
      requireText(name, 'name');
      requireText(cursor, 'cursor');
      checkpoints.set(name, cursor);
    },

    async close() {
      closed = true;
    },
  };
}
