import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { StoredEvent } from '@user-service/event-store';
import { createDynamoDbEventStore, ensureEventStoreTable } from '@user-service/event-store/dynamodb';
import { openEventStore, openSlots, rebuild, type DynamoDbSlotStorage } from '@user-service/ops';
import { SQLITE_SLOT_FILES, type UserView } from '@user-service/user-read-model';
import {
  READ_MODEL_PARTITION_KEY,
  createDynamoDbUserReadModel,
  ensureUserReadModelTable,
} from '@user-service/user-read-model/dynamodb';
import { createSqliteUserReadModel } from '@user-service/user-read-model/sqlite';
import Database from 'better-sqlite3';
import type { BenchContext, BenchResult, Figure } from '../result.js';
import { interleave, median, summarize } from '../stats.js';
import { finalViews, insertViewsRaw, readEverything, sameView } from './projection.js';
import { isolatedClient, pool, sameDatabaseClient, withDynamoDbLocal } from './support/aws.js';
import { meter } from './support/capacity.js';
import { interleaved, userHistories } from './support/history.js';
import { seedSqliteEventStore } from './support/sqlite.js';
import { rate } from './support/timing.js';

const EVENTS_PER_USER = 20;
const round3 = (n: number): number => Math.round(n * 1000) / 1000;
/** `pnpm rebuild-read-model`'s defaults (apps/ops/src/config.ts). */
const CLI_PAGE_SIZE = 500;
const CHECKPOINT_NAME = 'user-views';
/** The file `pnpm rebuild-read-model` runs after its build step. */
const REBUILD_CLI = join(dirname(fileURLToPath(import.meta.resolve('@user-service/ops'))), 'rebuild-cli.js');

/** Runs the rebuild CLI on a data directory; answers its outcome line and wall time. */
function runRebuildCli(dataDir: string): Promise<{ seconds: number; outcome: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [REBUILD_CLI], {
      // Only what the tool needs: a STORAGE or DATA_DIR from the caller's shell must not leak in.
      env: { STORAGE: 'sqlite', DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
    child.once('error', reject);
    child.once('close', (code) => {
      const seconds = (performance.now() - start) / 1000;
      if (code !== 0) return reject(new Error(`rebuild-cli exited with ${code}:\n${stderr}`));
      try {
        resolve({ seconds, outcome: JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Record<string, unknown> });
      } catch {
        reject(new Error(`rebuild-cli printed no outcome line:\n${stdout}\n${stderr}`));
      }
    });
  });
}

/**
 * Reads every event of a SQLite store with raw SQL and parses its JSON: the floor of any rebuild's read. Rows
 * come as arrays of the columns a projection needs, the cheapest way better-sqlite3 hands them out.
 */
function rawReadSeconds(filename: string): number {
  const db = new Database(filename, { readonly: true });
  try {
    const start = performance.now();
    let parsed = 0;
    const rows = db
      .prepare<[], [string, number, string, number, string, string]>(
        'SELECT stream_id, version, type, schema_version, data, metadata FROM events ORDER BY position',
      )
      .raw();
    for (const row of rows.iterate()) {
      JSON.parse(row[4]);
      JSON.parse(row[5]);
      parsed++;
    }
    if (parsed === 0) throw new Error('rebuild: the seeded store is empty');
    return (performance.now() - start) / 1000;
  } finally {
    db.close();
  }
}

async function checkViews(
  finals: ReadonlyMap<string, UserView>,
  get: (id: string) => Promise<UserView | undefined>,
  what: string,
): Promise<void> {
  for (const [id, view] of finals) {
    if (!sameView(await get(id), view)) throw new Error(`${what}: the rebuilt view of ${id} differs from the fold of the store`);
  }
}

/**
 * `rebuild-sqlite`: `pnpm rebuild-read-model` (the apps/ops CLI, as a process, on a copy of a seeded SQLite store
 * each round) in events/s, against inserting the final views raw into the same read-model tables in one
 * transaction (events represented per second).
 */
export const rebuildSqlite: Figure = async (context: BenchContext): Promise<BenchResult[]> => {
  const users = context.quick ? 1000 : 10_000;
  const minSeconds = context.quick ? 0.3 : 1;
  const dir = join(context.workDir, 'rebuild-sqlite');
  mkdirSync(dir, { recursive: true });
  const seeded = join(dir, 'seed-events.db');
  await seedSqliteEventStore(seeded, interleaved(userHistories({ seed: 51, users, eventsPerUser: EVENTS_PER_USER }), 52));
  const events: StoredEvent[] = await readEverything(seeded);
  const finals = finalViews(events);
  const readSeconds = rawReadSeconds(seeded);
  context.log(`rebuild-sqlite: ${events.length} events of ${users} users, the rebuild CLI per round`);

  const outcomes: Array<Record<string, unknown>> = [];
  const rebuilt = async (round: number): Promise<number> => {
    const dataDir = join(dir, `data-${round}`);
    mkdirSync(dataDir, { recursive: true });
    copyFileSync(seeded, join(dataDir, 'events.db'));
    const { seconds, outcome } = await runRebuildCli(dataDir);
    if (outcome['status'] !== 'completed') throw new Error(`rebuild-sqlite: the rebuild ended ${JSON.stringify(outcome)}`);
    outcomes.push({ ...outcome, seconds: Math.round(seconds * 1000) / 1000 });
    if (round === 0) {
      const slot = outcome['active'] === 'green' ? 'green' : 'blue';
      const model = createSqliteUserReadModel({ filename: join(dataDir, SQLITE_SLOT_FILES[slot]) });
      try {
        await checkViews(finals, (id) => model.get(id), 'rebuild-sqlite');
      } finally {
        await model.close();
      }
    }
    return events.length / seconds;
  };
  const raw = async (round: number): Promise<number> =>
    (
      await rate(minSeconds, async (rep) => {
        // The read model's own file and schema; the rows go in with raw SQL.
        const filename = join(dir, `raw-${round}-${rep}.db`);
        await createSqliteUserReadModel({ filename }).close();
        return { count: events.length, seconds: insertViewsRaw(filename, finals.values()) };
      })
    ).perSecond;

  const rounds = await interleave(context.rounds, rebuilt, raw);
  const rawReadPerSecond = events.length / readSeconds;
  return [
    summarize(
      {
        id: 'rebuild-sqlite',
        description:
          '`pnpm rebuild-read-model` (apps/ops rebuild CLI as a process) on SQLite, events/s, against a raw batched insert of the final views into the same read-model tables (events represented per second)',
        target: '>= 0.5',
        unit: 'events/s',
        details: {
          events: events.length,
          users,
          seed: 51,
          order: 'users interleaved at random (seeded), each user in version order',
          cli: 'node apps/ops/dist/rebuild-cli.js (what `pnpm rebuild-read-model` runs after its build); wall time, process start-up included (no process follows the pointer, so the CLI skips its 2 s switch waits)',
          outcomes,
          rawReadEventsPerSecond: Math.round(rawReadPerSecond),
          // The baseline writes the final views only. A rebuild must also read every event: reading alone,
          // raw (SELECT and JSON.parse), caps the ratio.
          ceilingFromRawRead: round3(rawReadPerSecond / median(rounds.map((r) => r.baseline))),
          timing: `the baseline repeated on fresh files until its timed part reaches ${minSeconds} s per round`,
          rounds: context.rounds,
          quick: context.quick,
          ...(context.quick ? { scaledDown: `${users} users × ${EVENTS_PER_USER} events (full run: 10,000 users, 200,000 events)` } : {}),
        },
      },
      rounds,
    ),
  ];
};

const EVENT_TABLE = 'bench-rebuild-events';

/**
 * `rebuild-dynamodb-units`: the DynamoDB write units per user that the apps/ops rebuild spends on the
 * read-model tables (counted by an SDK middleware with AWS's size rules), against writing each final view
 * once through the read model's own `put`. The rebuild runs in process (`rebuild` with `openEventStore` and
 * `openSlots`, as the CLI wires them) because the middleware must sit on the client; fresh slot tables
 * each round.
 */
export const rebuildDynamoDbUnits: Figure = async (context: BenchContext): Promise<BenchResult[]> =>
  withDynamoDbLocal(async (dynamo) => {
    // The scale: the rebuild's few writes of its own (lease, slot pointer, state) are then what they
    // are in production, a rounding error per user. Quick runs a tenth of it, where they still show (~1.01).
    const users = context.quick ? 1_000 : 10_000;
    // Units are counted, not timed, so three rounds show any variation; at this scale each takes a minute.
    const roundCount = Math.min(context.rounds, 3);
    const { client: plain, accessKeyId } = isolatedClient(dynamo.endpoint, 'rebuild');
    const counted = sameDatabaseClient(dynamo.endpoint, accessKeyId);
    // Which read-model items the writes went to: views (`user#…`), checkpoints, or the slot pointer.
    const units = meter(counted, {
      classify: (_command, input) => {
        const key = (input['Item'] as Record<string, { S?: string }> | undefined)?.[READ_MODEL_PARTITION_KEY]?.S;
        return key === undefined ? undefined : key.slice(0, key.indexOf('#') + 1) || key;
      },
    });
    try {
      const tables = (round: number) => ({ blue: `rm-${round}`, green: `rm-${round}-green`, baseline: `rm-${round}-baseline` });
      // Every table before any write (LOCAL-STACK.md's performance trap).
      await ensureEventStoreTable(plain, EVENT_TABLE);
      for (let round = 0; round < roundCount; round++) {
        for (const table of Object.values(tables(round))) await ensureUserReadModelTable(plain, table);
      }
      const histories = userHistories({ seed: 61, users, eventsPerUser: EVENTS_PER_USER });
      const store = createDynamoDbEventStore({ client: plain, tableName: EVENT_TABLE });
      // One append per user (no claims: the rebuild reads events only).
      await pool(histories, 8, async ({ userId, steps }) => {
        await store.append(userId, steps.flatMap((step) => step.events), { expectedVersion: 0 });
      });
      const finals = finalViews(
        (await Promise.all(histories.map((h) => store.readStream(h.userId)))).flat(),
      );
      context.log(`rebuild-dynamodb-units: ${users * EVENTS_PER_USER} events of ${users} users on DynamoDB Local`);

      const perRound: Array<Record<string, unknown>> = [];
      const rebuilt = async (round: number): Promise<number> => {
        const names = tables(round);
        const storage: DynamoDbSlotStorage = {
          kind: 'dynamodb',
          eventStoreTable: EVENT_TABLE,
          endpoint: dynamo.endpoint,
          readModelTables: { blue: names.blue, green: names.green },
        };
        units.reset();
        const opened = await openEventStore(storage, counted);
        const slots = await openSlots(storage, counted);
        let result;
        try {
          result = await rebuild({
            eventStore: opened.eventStore,
            slots: slots.slots,
            pointer: slots.pointer,
            lease: slots.lease,
            checkpointName: CHECKPOINT_NAME,
            followsPositions: opened.followsPositions,
            pageSize: CLI_PAGE_SIZE,
            // No other process reads these slots: the wait for them to see the switch would only be a sleep.
            switchDelayMs: 0,
          });
        } finally {
          await slots.close();
          await opened.close();
        }
        const totals = units.totals();
        if (result.status !== 'completed') throw new Error(`rebuild-dynamodb-units: the rebuild ended ${result.status}`);
        const wcu = (totals.wcuByTable[names.blue] ?? 0) + (totals.wcuByTable[names.green] ?? 0);
        perRound.push({
          slot: result.slot,
          eventsRead: result.events,
          requests: totals.commands,
          readModelWcu: wcu,
          wcuByItemKind: totals.wcuByKind,
          rcuPerUser: round3(totals.rcu / users),
          caveats: totals.caveats,
        });
        if (round === 0) {
          const model = createDynamoDbUserReadModel({ client: plain, tableName: names[result.slot] });
          await checkViews(finals, (id) => model.get(id), 'rebuild-dynamodb-units');
        }
        return wcu / users;
      };
      const baseline = async (round: number): Promise<number> => {
        units.reset();
        const model = createDynamoDbUserReadModel({ client: counted, tableName: tables(round).baseline });
        await pool([...finals.values()], 16, async (view) => {
          if (!(await model.put(view, 0))) throw new Error(`rebuild-dynamodb-units: the baseline could not write ${view.id}`);
        });
        return units.totals().wcu / users;
      };

      const rounds = await interleave(roundCount, rebuilt, baseline);
      return [
        summarize(
          {
            id: 'rebuild-dynamodb-units',
            description:
              'apps/ops rebuild on DynamoDB: write units per user on the read-model tables (AWS size rules), against writing each final view once',
            target: '= 1.00',
            unit: 'WCU/user',
            details: {
              users,
              events: users * EVENTS_PER_USER,
              pageSize: CLI_PAGE_SIZE,
              order: 'one append per user; readAll scans, so a page holds whole partitions (users) in hash order',
              perRound,
              indexes: 'writes to the two lookup GSIs are not counted, on either side (AWS bills one per index per view write)',
              inProcess: 'rebuild() with openEventStore/openSlots on a metered client, switchDelayMs 0; otherwise the CLI defaults',
              rounds: roundCount,
              quick: context.quick,
              ...(context.quick ? { scaledDown: `${users} users × ${EVENTS_PER_USER} events (full run: 10,000 users, as the issue specifies)` } : {}),
            },
          },
          rounds,
        ),
      ];
    } finally {
      plain.destroy();
      counted.destroy();
    }
  });
