import fc from 'fast-check';
import t from 'tap';
import { createAppendFeed, isInvalidArgumentError, type EventStore, type ReadAllOptions, type StoredEvent } from '../src/index.js';
import { createMemoryEventStore } from '../src/memory/index.js';
import { testEvents, uniqueStreamId } from '../src/testing/index.js';

/** A memory store that counts its `readAll` calls, and appends as the process using a feed would. */
function counted() {
  const store = createMemoryEventStore();
  const versions = new Map<string, number>();
  let reads = 0;
  const source: Pick<EventStore, 'readAll'> = {
    readAll: (options: ReadAllOptions) => {
      reads++;
      return store.readAll(options);
    },
  };
  /** Appends `count` events to a stream and answers them as stored, with their positions. */
  const append = async (count = 1, streamId = uniqueStreamId()): Promise<StoredEvent[]> => {
    const events = testEvents(count);
    const expectedVersion = versions.get(streamId) ?? 0;
    const result = await store.append(streamId, events, { expectedVersion });
    versions.set(streamId, result.lastVersion);
    return events.map((event, i) => ({ streamId, version: expectedVersion + i + 1, position: result.firstPosition! + i, ...event }));
  };
  return { store, source, append, reads: () => reads };
}

t.test('serves the events handed over, as the store holds them, without reading it', async (t) => {
  const { store, source, append, reads } = counted();
  const feed = createAppendFeed(source);
  const before = await append(2);
  t.same(await feed.readAll({ limit: 10 }), await store.readAll({ limit: 10 }), 'from the start: the store');
  const cursor = String(before.at(-1)!.position);
  const reading = reads();

  const mine = [...(await append(1)), ...(await append(2))];
  feed.add(mine);
  const page = await feed.readAll({ cursor, limit: 10 });
  t.equal(reads(), reading, 'the store was not read');
  t.same(page, await store.readAll({ cursor, limit: 10 }), 'the same page as the store answers');
  t.equal(page.isEnd, true);
  t.same(await feed.readAll({ cursor: page.cursor, limit: 10 }), { events: [], cursor: page.cursor, isEnd: true }, 'then the store: its end');
});

t.test('pages what it holds by the limit', async (t) => {
  const { source, append, reads } = counted();
  const feed = createAppendFeed(source);
  feed.add(await append(5));
  const first = await feed.readAll({ limit: 2 });
  t.match(first, { cursor: '2', isEnd: false });
  const second = await feed.readAll({ cursor: first.cursor, limit: 2 });
  const third = await feed.readAll({ cursor: second.cursor, limit: 2 });
  t.same(
    [first, second, third].map((page) => page.events.map((e) => e.position)),
    [[1, 2], [3, 4], [5]],
  );
  t.equal(third.isEnd, true);
  t.equal(reads(), 0, 'all from the feed');
});

t.test('reads the store for what was not handed over, and then the feed again', async (t) => {
  const { source, append, reads } = counted();
  const feed = createAppendFeed(source);
  const theirs = await append(2); // another process's: never handed over
  const mine = await append(1);
  feed.add(mine);
  const page = await feed.readAll({ limit: 10 });
  t.same(
    page.events.map((e) => e.eventId),
    [...theirs, ...mine].map((e) => e.eventId),
    'a gap before what it holds: the store, which has it all',
  );
  t.equal(reads(), 1);

  const later = await append(1);
  const theirsAgain = await append(1);
  const last = await append(1);
  feed.add(later);
  feed.add(last);
  const next = await feed.readAll({ cursor: page.cursor, limit: 10 });
  t.same(next.events, later, 'the feed, up to the gap');
  t.equal(next.isEnd, false, 'which is not the end');
  const after = await feed.readAll({ cursor: next.cursor, limit: 10 });
  t.same(
    after.events.map((e) => e.eventId),
    [...theirsAgain, ...last].map((e) => e.eventId),
    'the gap from the store, with what follows it',
  );
  t.equal(reads(), 2);
});

t.test('keeps what it is handed in the order of positions, once each, and only with a position', async (t) => {
  const { source, append, reads } = counted();
  const feed = createAppendFeed(source);
  const [a, b, c] = [await append(1), await append(2), await append(1)];
  feed.add(c);
  feed.add(a);
  feed.add(b);
  feed.add(b);
  const { position: _none, ...unpositioned } = (await append(1))[0]!;
  feed.add([unpositioned]);
  const page = await feed.readAll({ limit: 10 });
  t.same(
    page.events.map((e) => e.position),
    [1, 2, 3, 4],
  );
  t.equal(page.isEnd, true, 'it ends where it holds no more: the event without a position is the store’s to give');
  t.equal(reads(), 0);
  t.same((await feed.readAll({ cursor: page.cursor, limit: 10 })).events.map((e) => e.position), [5]);
});

t.test('holds at most maxEvents, the newest; the store gives the rest', async (t) => {
  const { source, append, reads } = counted();
  const feed = createAppendFeed(source, { maxEvents: 3 });
  feed.add(await append(5));
  const page = await feed.readAll({ limit: 10 });
  t.same(page.events.map((e) => e.position), [1, 2, 3, 4, 5]);
  t.equal(reads(), 1, 'the two dropped made a gap at the start: the store');
  feed.add(await append(1));
  t.same((await feed.readAll({ cursor: page.cursor, limit: 10 })).events.map((e) => e.position), [6]);
  t.equal(reads(), 1, 'and the feed again after it');
});

t.test('refuses what the store refuses', async (t) => {
  const { source } = counted();
  const feed = createAppendFeed(source);
  for (const options of [{ limit: 0 }, { cursor: 'not-a-position', limit: 10 }]) {
    const refused = await feed.readAll(options).then(
      () => undefined,
      (error: unknown) => error,
    );
    t.ok(isInvalidArgumentError(refused), `${JSON.stringify(options)} is refused with INVALID_ARGUMENT`);
  }
});

t.test('a follower of the feed reads every event of the store once, in order (property)', async (t) => {
  // Commands of this process (handed over at once, later, or never) and of another process, interleaved
  // with rounds of a follower that reads to the end as the feed tells it.
  const step = fc.oneof(
    fc.record({ kind: fc.constant('mine' as const), count: fc.integer({ min: 1, max: 3 }), delay: fc.integer({ min: 0, max: 2 }) }),
    fc.record({ kind: fc.constant('theirs' as const), count: fc.integer({ min: 1, max: 3 }) }),
    fc.record({ kind: fc.constant('round' as const), limit: fc.integer({ min: 1, max: 4 }) }),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(step, { maxLength: 40 }), fc.integer({ min: 1, max: 6 }), async (steps, maxEvents) => {
      const { store, source, append } = counted();
      const feed = createAppendFeed(source, { maxEvents });
      const followed: StoredEvent[] = [];
      let cursor: string | undefined;
      let waiting: Array<{ events: StoredEvent[]; delay: number }> = [];
      let lastHandedOver = 0;
      const handOver = (events: StoredEvent[]) => {
        feed.add(events);
        lastHandedOver = Math.max(lastHandedOver, events.at(-1)!.position!);
      };
      const round = async (limit: number) => {
        for (;;) {
          const page = await feed.readAll({ limit, ...(cursor === undefined ? {} : { cursor }) });
          const truth = await store.readAll({ limit: page.events.length || 1, ...(cursor === undefined ? {} : { cursor }) });
          if (page.events.length > 0) t.same(page.events, truth.events, 'a page is what the store holds there');
          followed.push(...page.events);
          cursor = page.cursor ?? cursor;
          if (page.isEnd) break;
        }
        // What a command of this process waits for: the round after its commit was handed over reads it.
        t.ok(followed.length >= lastHandedOver, 'a round reads every event handed over before it');
      };
      for (const s of steps) {
        if (s.kind === 'round') await round(s.limit);
        else if (s.kind === 'theirs') await append(s.count);
        else waiting.push({ events: await append(s.count, uniqueStreamId()), delay: s.delay });
        for (const w of waiting) if (w.delay-- === 0) handOver(w.events);
        waiting = waiting.filter((w) => w.delay >= 0);
      }
      for (const w of waiting) handOver(w.events);
      await round(4);
      const all = await store.readAll({ limit: 1000 });
      t.same(
        followed.map((e) => e.position),
        followed.map((_, i) => i + 1),
        'no event twice, none skipped',
      );
      t.same(followed, all.events.slice(0, followed.length), 'each as the store holds it');
    }),
    { numRuns: 100 },
  );
});
