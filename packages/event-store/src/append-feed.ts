import type { EventStore, ReadAllPage, StoredEvent } from './types.js';
import { parsePositionCursor, validateReadAll } from './validation.js';

/**
 * What a follower in the appending process reads instead of the store: the events this process has just
 * appended, handed over with their positions, and the store itself for everything else.
 */
export interface AppendFeed extends Pick<EventStore, 'readAll'> {
  /**
   * Hands over events this process appended, with the positions the store gave them. Events without a
   * position are ignored, as is an event whose position is already held.
   */
  add(events: readonly StoredEvent[]): void;
}

export interface AppendFeedOptions {
  /**
   * How many handed-over events are held, at most, until the follower reads past them; past that the oldest
   * are dropped, and the follower reads them from the store. @default 1000
   */
  readonly maxEvents?: number;
}

/**
 * A follower of a store with global positions (memory, SQLite) in the process that appends to it, such as
 * the embedded read model, reads back each commit it is told of. This hands it the events instead.
 *
 * `readAll` answers from the handed-over events when they continue the cursor without a gap: they are then
 * exactly the events the store holds at those positions, since a position is never given twice. The page
 * ends where they end, and says it reaches the end (`isEnd`) unless a gap follows. Whatever else there is
 * (the start, a gap, an event appended by another process) is read from the store. So a follower misses
 * nothing; but the store may hold events after such a last page (another process's, or one whose
 * commit has not been handed over yet), which the follower finds on a later round, as a gap. Use this only
 * where a follower reads again after each commit, and reads the store's true end some other way when that
 * matters.
 *
 * Pages hand out the events they were given, not copies: neither side may change them.
 */
export function createAppendFeed(store: Pick<EventStore, 'readAll'>, options: AppendFeedOptions = {}): AppendFeed {
  const maxEvents = Math.max(1, options.maxEvents ?? 1000);
  /** Handed over and not read past yet, in the order of their positions. */
  let held: StoredEvent[] = [];

  return {
    add(events) {
      for (const event of events) {
        const { position } = event;
        if (position === undefined) continue;
        // Commits are mostly handed over in the order of their positions: look from the end.
        let at = held.length;
        while (at > 0 && held[at - 1]!.position! > position) at--;
        if (held[at - 1]?.position === position) continue;
        held.splice(at, 0, event);
      }
      if (held.length > maxEvents) held = held.slice(held.length - maxEvents);
    },

    async readAll(readOptions): Promise<ReadAllPage> {
      validateReadAll(readOptions);
      const after = parsePositionCursor(readOptions.cursor);
      let read = 0;
      while (read < held.length && held[read]!.position! <= after) read++;
      if (read > 0) held = held.slice(read);
      if (held[0]?.position !== after + 1) return store.readAll(readOptions);
      let count = 1;
      while (count < held.length && count < readOptions.limit && held[count]!.position === after + count + 1) count++;
      return { events: held.slice(0, count), cursor: String(after + count), isEnd: count === held.length };
    },
  };
}
