import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { EventStore, StoredEvent } from '@user-service/event-store';
import { createSqliteEventStore } from '@user-service/event-store/sqlite';
import { applyToView, catchUp, createProjector, type UserView } from '@user-service/user-read-model';
import { createSqliteUserReadModel } from '@user-service/user-read-model/sqlite';
import type { BenchContext, BenchResult, Figure } from '../result.js';
import { interleave, median, summarize } from '../stats.js';
import { interleaved, userHistories } from './support/history.js';
import { durableDatabase, seedSqliteEventStore } from './support/sqlite.js';
import { rate, type Timed } from './support/timing.js';

/** Events per `applyBatch` call: the page the embedded service's catch-up follower reads. */
const EVENTS_PER_USER = 20;

/** Every event of a SQLite store in global order, through the adapter. */
export async function readEverything(filename: string): Promise<StoredEvent[]> {
  const store = createSqliteEventStore({ filename });
  try {
    const events: StoredEvent[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await store.readAll({ cursor, limit: 1000 });
      events.push(...page.events);
      cursor = page.cursor ?? cursor;
      if (page.isEnd) return events;
    }
  } finally {
    await store.close();
  }
}

/** The view of each user after all their events: what a projection must end with. */
/**
 * The events already read, served as `readAll` pages (the cursor is an index): the projector's side reads no
 * storage, as the baseline's does not.
 */
function inMemory(events: readonly StoredEvent[]): Pick<EventStore, 'readAll'> {
  return {
    readAll: async ({ cursor, limit }) => {
      const from = cursor === undefined ? 0 : Number(cursor);
      const to = Math.min(events.length, from + limit);
      return { events: events.slice(from, to), isEnd: to === events.length, ...(to > from ? { cursor: String(to) } : {}) };
    },
  };
}

export function finalViews(events: readonly StoredEvent[]): Map<string, UserView> {
  const views = new Map<string, UserView>();
  for (const event of events) views.set(event.streamId, applyToView(views.get(event.streamId), event));
  return views;
}

const VIEW_FIELDS = ['id', 'email', 'username', 'name', 'surname', 'status', 'version', 'createdAt', 'updatedAt'] as const;

/** Field by field, so that a read model may store its views in any key order. */
export function sameView(a: UserView | undefined, b: UserView | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return VIEW_FIELDS.every((field) => a[field] === b[field]);
}

/**
 * Inserts the final views in one fsync'd transaction with raw better-sqlite3 into the `user_views` table of
 * a file the SQLite read model created, and answers how long it took in seconds. The row is what the read
 * model stores: lookup columns and the view as JSON.
 */
export function insertViewsRaw(filename: string, views: Iterable<UserView>): number {
  const db = durableDatabase(filename);
  try {
    const insert = db.prepare(
      'INSERT INTO user_views (id, email, username_lower, status, version, view) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const start = performance.now();
    db.transaction(() => {
      for (const view of views) {
        insert.run(view.id, view.email.trim().toLowerCase(), view.username.toLowerCase(), view.status, view.version, JSON.stringify(view));
      }
    }).immediate();
    return (performance.now() - start) / 1000;
  } finally {
    db.close();
  }
}

/**
 * `projection`: events/s through the projector core (`createProjector` + `applyBatch` in pages of 500,
 * into the SQLite read model), against the same events "projected" by inserting only the final views, raw,
 * in one transaction.
 */
export const projection: Figure = async (context: BenchContext): Promise<BenchResult[]> => {
  const users = context.quick ? 300 : 2500;
  const minSeconds = context.quick ? 0.3 : 1;
  const dir = join(context.workDir, 'projection');
  mkdirSync(dir, { recursive: true });
  const storeFile = join(dir, 'events.db');
  const histories = userHistories({ seed: 21, users, eventsPerUser: EVENTS_PER_USER });
  await seedSqliteEventStore(storeFile, interleaved(histories, 22));
  const events = await readEverything(storeFile);
  const finals = finalViews(events);
  context.log(`projection: ${events.length} events of ${users} users, through catchUp with its defaults`);

  const eventStore = createSqliteEventStore({ filename: storeFile });
  let checked = false;
  const once = async (file: string): Promise<Timed> => {
    const readModel = createSqliteUserReadModel({ filename: file });
    try {
      const projector = createProjector({ readModel, eventStore });
      const start = performance.now();
      // catchUp throws on any event it cannot project.
      const seen = await catchUp(inMemory(events), projector, readModel, { checkpointName: 'bench' });
      const seconds = (performance.now() - start) / 1000;
      if (seen !== events.length) throw new Error(`projection: the projector read ${seen} events of ${events.length}`);
      if (!checked) {
        // A fast projection that ends with other views than the fold of the store would be no result.
        for (const [id, view] of finals) {
          const got = await readModel.get(id);
          if (!sameView(got, view)) throw new Error(`projection: the view of ${id} differs from the fold`);
        }
        checked = true;
      }
      return { count: events.length, seconds };
    } finally {
      await readModel.close();
    }
  };
  const projected = async (round: number) =>
    (await rate(minSeconds, (rep) => once(join(dir, `views-${round}-${rep}.db`)))).perSecond;
  const raw = async (round: number) =>
    (
      await rate(minSeconds, async (rep) => {
        // The read model's own file and schema; the rows go in with raw SQL.
        const filename = join(dir, `raw-${round}-${rep}.db`);
        await createSqliteUserReadModel({ filename }).close();
        return { count: events.length, seconds: insertViewsRaw(filename, finals.values()) };
      })
    ).perSecond;

  // The pure fold (applyToView over every event, no storage at all): a floor for any projector's time.
  const fold = await rate(minSeconds, () => {
    const start = performance.now();
    finalViews(events);
    return { count: events.length, seconds: (performance.now() - start) / 1000 };
  });

  try {
    const rounds = await interleave(context.rounds, projected, raw);
    const baselineMedian = median(rounds.map((round) => round.baseline));
    return [
      summarize(
        {
          id: 'projection',
          description:
            'events/s through the projector (createProjector + catchUp with its default pages and batches, over events already read) into the SQLite read model, against inserting the final views raw in one transaction (events represented per second)',
          target: '>= 0.5',
          unit: 'events/s',
          details: {
            events: events.length,
            users,
            timing: `each side repeated on fresh files until its timed part reaches ${minSeconds} s per round`,
            order: 'users interleaved at random (seeded), each user in version order',
            foldEventsPerSecond: Math.round(fold.perSecond),
            // The baseline does no per-event work at all; the fold alone caps the ratio at this.
            ceilingFromFold: Math.round((fold.perSecond / baselineMedian) * 1000) / 1000,
            rounds: context.rounds,
            quick: context.quick,
            ...(context.quick ? { scaledDown: `${users} users × ${EVENTS_PER_USER} events (full run: 2,500 users)` } : {}),
          },
        },
        rounds,
      ),
    ];
  } finally {
    await eventStore.close();
  }
};
