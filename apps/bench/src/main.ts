import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventStore, NewEvent, StoredEvent } from '@user-service/event-store';
import { createDynamoDbEventStore, ensureEventStoreTable } from '@user-service/event-store/dynamodb';
import { createSqliteEventStore } from '@user-service/event-store/sqlite';
import { dynamoDbClientConfig, startDynamoDbLocal } from '@user-service/local-aws';
import {
  decide,
  fold,
  initialState,
  uniqueKeyChanges,
  type UserCommand,
  type UserEvent,
  type UserState,
} from '@user-service/user-domain';
import { applyToView, createProjector, type UserView } from '@user-service/user-read-model';
import { createSqliteUserReadModel } from '@user-service/user-read-model/sqlite';
import Database from 'better-sqlite3';

/**
 * `pnpm bench`: every figure is measured in this run next to a baseline measured the same way, and printed
 * as a ratio, so that a noisy machine moves both sides alike. Nothing here gates a test.
 */

const dir = mkdtempSync(join(tmpdir(), 'user-service-bench-'));
const rows: Array<{ what: string; measured: string; baseline: string; ratio: number }> = [];

function report(what: string, measured: string, baseline: string, ratio: number): void {
  rows.push({ what, measured, baseline, ratio });
  process.stderr.write(`  ${what}: ${ratio.toFixed(2)}×\n`);
}

const now = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();

/** A user's commands, decided by the domain into events, with the append options the service would use. */
function decideAll(commands: UserCommand[]): Array<{ events: NewEvent[]; claims: string[]; releases: string[] }> {
  let state: UserState = initialState;
  return commands.map((command) => {
    const decided = decide(command, state);
    const keys = uniqueKeyChanges(state, decided);
    state = fold(decided, state);
    return { events: decided.map(toNewEvent), ...keys };
  });
}

function toNewEvent(event: UserEvent): NewEvent {
  const id = randomUUID();
  return {
    eventId: id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data as unknown as NewEvent['data'],
    metadata: { occurredAt: now(0), correlationId: id, causationId: id },
  };
}

function lifecycle(n: number): UserCommand[] {
  return [
    { type: 'RegisterUser', now: now(0), email: `u${n}@example.com`, username: `user_${n}`, passwordHash: `scrypt$${'h'.repeat(80)}` },
    { type: 'ConfirmEmail', now: now(1) },
    { type: 'UpdateProfile', now: now(2), name: `Name ${n}` },
    { type: 'ChangeEmail', now: now(3), email: `u${n}@example.org` },
    { type: 'RemoveUser', now: now(4) },
  ];
}

/** Durable single-event appends on SQLite, against the cheapest durable insert SQLite can do. */
function sqliteAppends(count: number): Promise<void> {
  return (async () => {
    const raw = new Database(join(dir, 'raw.db'));
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = FULL');
    raw.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY AUTOINCREMENT, stream_id TEXT NOT NULL,
      version INTEGER NOT NULL, data TEXT NOT NULL, UNIQUE (stream_id, version)) STRICT`);
    const insert = raw.prepare('INSERT INTO events (stream_id, version, data) VALUES (?, ?, ?)');
    const once = raw.transaction((i: number) => insert.run(`s-${i % 50}`, Math.floor(i / 50) + 1, '{"n":1}'));
    let start = performance.now();
    for (let i = 0; i < count; i++) once.immediate(i);
    const baselineMs = performance.now() - start;
    raw.close();

    const store = createSqliteEventStore({ filename: join(dir, 'events.db') });
    const versions = new Map<string, number>();
    start = performance.now();
    for (let i = 0; i < count; i++) {
      const streamId = `s-${i % 50}`;
      const expectedVersion = versions.get(streamId) ?? 0;
      const [event] = decideAll([lifecycle(i)[0]!])[0]!.events;
      await store.append(streamId, [event!], { expectedVersion });
      versions.set(streamId, expectedVersion + 1);
    }
    const storeMs = performance.now() - start;
    await store.close();
    report(
      `SQLite: ${count} durable single-event appends, time`,
      `${Math.round((count / storeMs) * 1000)} appends/s`,
      `${Math.round((count / baselineMs) * 1000)} raw inserts/s`,
      storeMs / baselineMs,
    );
  })();
}

/** Projecting a history into the SQLite read model, against writing the same final views directly. */
async function projection(users: number): Promise<void> {
  const store = createSqliteEventStore({ filename: join(dir, 'projection-events.db') });
  const events: StoredEvent[] = [];
  for (let n = 0; n < users; n++) {
    const userId = `user-${n}`;
    let version = 0;
    for (const { events: decided, claims, releases } of decideAll(lifecycle(n).slice(0, 4))) {
      await store.append(userId, decided, { expectedVersion: version, claims, releases });
      version += decided.length;
    }
    events.push(...(await store.readStream(userId)));
  }

  const baselineModel = createSqliteUserReadModel({ filename: join(dir, 'baseline-views.db') });
  const finals = new Map<string, UserView>();
  for (const event of events) finals.set(event.streamId, applyToView(finals.get(event.streamId), event));
  let start = performance.now();
  for (const view of finals.values()) await baselineModel.put(view, 0);
  const baselineMs = performance.now() - start;
  await baselineModel.close();

  const readModel = createSqliteUserReadModel({ filename: join(dir, 'views.db') });
  const projector = createProjector({ readModel, eventStore: store });
  start = performance.now();
  for (let i = 0; i < events.length; i += 100) await projector.applyBatch(events.slice(i, i + 100));
  const projectMs = performance.now() - start;
  await readModel.close();
  await store.close();
  report(
    `Projection: ${events.length} events of ${users} users into SQLite, time`,
    `${Math.round((events.length / projectMs) * 1000)} events/s`,
    `${Math.round((users / baselineMs) * 1000)} final views/s written`,
    projectMs / baselineMs,
  );
}

/**
 * The write units each command costs on DynamoDB, against the minimum docs/event-store.md gives for it.
 * Billed units are counted from the requests (PutItem 1, TransactWriteItems 2 per item, all items here
 * under 1 KB), since DynamoDB Local's own figures for transactions are wrong.
 */
async function dynamoDbWriteUnits(): Promise<void> {
  const dynamo = await startDynamoDbLocal();
  const client = new DynamoDBClient(dynamoDbClientConfig(dynamo.endpoint, `bench${Date.now()}`));
  try {
    await ensureEventStoreTable(client, 'bench-events');
    let wcu = 0;
    let reads = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { TransactItems?: unknown[] };
        if (context.commandName === 'PutItemCommand') wcu += 1;
        if (context.commandName === 'TransactWriteItemsCommand') wcu += 2 * (input.TransactItems?.length ?? 0);
        if (context.commandName === 'GetItemCommand') reads += 1;
        return next(args);
      },
      { step: 'initialize', name: 'countWriteUnits' },
    );
    const store: EventStore = createDynamoDbEventStore({ client, tableName: 'bench-events' });
    const minimum: Record<string, number> = {
      RegisterUser: 6,
      'RegisterUser + Idempotency-Key': 8,
      ConfirmEmail: 1,
      UpdateProfile: 1,
      ChangeEmail: 6,
      RemoveUser: 6,
    };
    const measured: Record<string, number> = {};
    for (const [n, withKey] of [
      [1, false],
      [2, true],
    ] as const) {
      const userId = randomUUID();
      let version = 0;
      for (const [i, step] of decideAll(lifecycle(n)).entries()) {
        const type = lifecycle(n)[i]!.type;
        const name = type === 'RegisterUser' && withKey ? 'RegisterUser + Idempotency-Key' : type;
        const idempotency = name.endsWith('Key') ? { idempotencyKey: randomUUID() } : {};
        wcu = 0;
        await store.append(userId, step.events, {
          expectedVersion: version,
          claims: step.claims,
          releases: step.releases,
          ...idempotency,
        });
        version += step.events.length;
        if (!withKey || name.endsWith('Key')) measured[name] = wcu;
      }
    }
    for (const [name, units] of Object.entries(measured)) {
      report(`DynamoDB: write units of ${name}`, `${units} WCU`, `${minimum[name]} WCU minimum`, units / (minimum[name] ?? 1));
    }
    process.stderr.write(`  (${reads} strongly consistent reads in all, for version checks and idempotency records)\n`);
  } finally {
    client.destroy();
    await dynamo.stop();
  }
}

async function main(): Promise<void> {
  process.stderr.write('Measuring…\n');
  try {
    await sqliteAppends(1000);
    await projection(300);
    await dynamoDbWriteUnits();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const width = Math.max(...rows.map((row) => row.what.length));
  process.stdout.write(`\n${'what'.padEnd(width)}  ratio   measured / baseline\n`);
  for (const row of rows) {
    process.stdout.write(`${row.what.padEnd(width)}  ${row.ratio.toFixed(2).padStart(5)}×  ${row.measured} / ${row.baseline}\n`);
  }
}

await main();
