import { createDynamoDbEventStore, ensureEventStoreTable } from '@user-service/event-store/dynamodb';
import type { UserCommand } from '@user-service/user-domain';
import type { BenchContext, BenchResult, Figure } from '../result.js';
import { interleave, summarize } from '../stats.js';
import { isolatedClient, withDynamoDbLocal } from './support/aws.js';
import { meter, type MeterTotals } from './support/capacity.js';
import { decideCommands, idFrom, prng } from './support/history.js';

const TABLE = 'bench-write-units';

/** The minimum write units per command shape, as docs/event-store.md states them (items ≤ 1 KB). */
export const DOCUMENTED_WRITE_UNITS = Object.freeze({
  RegisterUser: 6,
  'RegisterUser+Idempotency-Key': 8,
  ConfirmEmail: 1,
  UpdateProfile: 1,
  ChangeEmail: 6,
  RemoveUser: 6,
});
type Shape = keyof typeof DOCUMENTED_WRITE_UNITS;

const lifecycle = (n: number): UserCommand[] => {
  const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
  return [
    {
      type: 'RegisterUser',
      now: at(0),
      email: `w${n}@example.com`,
      username: `writer_${n}`,
      passwordHash: `scrypt$16384$8$1$${'s'.repeat(22)}$${'h'.repeat(86)}`,
      name: `Name ${n}`,
    },
    { type: 'ConfirmEmail', now: at(1) },
    { type: 'UpdateProfile', now: at(2), name: `Renamed ${n}` },
    { type: 'ChangeEmail', now: at(3), email: `w${n}@example.org` },
    { type: 'RemoveUser', now: at(4) },
  ];
};

/** Which step of the lifecycle each shape is, and whether it carries an idempotency key. */
const SHAPES: Record<Shape, { step: number; key: boolean }> = {
  RegisterUser: { step: 0, key: false },
  'RegisterUser+Idempotency-Key': { step: 0, key: true },
  ConfirmEmail: { step: 1, key: false },
  UpdateProfile: { step: 2, key: false },
  ChangeEmail: { step: 3, key: false },
  RemoveUser: { step: 4, key: false },
};

/**
 * `ddb-write-units`: the write units each command shape costs on the DynamoDB event store, counted by an
 * SDK middleware applying AWS's size rules to the requests, against the minimum docs/event-store.md gives.
 * Commands are decided by the domain and appended with the claims, releases and idempotency key the
 * service would pass; one fresh user per shape and round, its earlier steps appended unmetered.
 *
 * Measured at the event store's port, not through the service: the service builds its DynamoDB client
 * inside `composeRuntime`, where no middleware can be added (see the report on `ddb-read-units`).
 */
export const ddbWriteUnits: Figure = async (context: BenchContext): Promise<BenchResult[]> =>
  withDynamoDbLocal(async (dynamo) => {
    const { client } = isolatedClient(dynamo.endpoint, 'writeunits');
    try {
      await ensureEventStoreTable(client, TABLE);
      const counted = meter(client);
      const store = createDynamoDbEventStore({ client, tableName: TABLE });
      const random = prng(31);
      let users = 0;

      const measure = async (shape: Shape): Promise<{ totals: MeterTotals }> => {
        const { step: at, key } = SHAPES[shape];
        const n = users++;
        const userId = `w-${idFrom(random)}`;
        const steps = decideCommands(userId, lifecycle(n), random);
        let version = 0;
        for (const [i, step] of steps.slice(0, at + 1).entries()) {
          counted.reset();
          await store.append(userId, step.events, {
            expectedVersion: version,
            claims: step.claims,
            releases: step.releases,
            ...(key && i === at ? { idempotencyKey: idFrom(random), idempotencyFingerprint: `f${n}` } : {}),
          });
          version += step.events.length;
        }
        return { totals: counted.totals() };
      };

      const results: BenchResult[] = [];
      for (const shape of Object.keys(SHAPES) as Shape[]) {
        const seen: MeterTotals[] = [];
        const rounds = await interleave(
          context.rounds,
          async () => {
            const { totals } = await measure(shape);
            seen.push(totals);
            return totals.wcu;
          },
          async () => DOCUMENTED_WRITE_UNITS[shape],
        );
        const last = seen.at(-1)!;
        context.log(`ddb-write-units ${shape}: ${last.wcu} WCU, ${last.rcu} RCU (${JSON.stringify(last.commands)})`);
        results.push(
          summarize(
            {
              id: `ddb-write-units:${shape}`,
              description: `DynamoDB write units of ${shape} (AWS size rules, transactions doubled) against the minimum in docs/event-store.md`,
              target: '= 1.00',
              unit: 'WCU',
              details: {
                requests: last.commands,
                readUnits: last.rcu,
                // Claim items (the only ones deleted) and event items (read through a projection) are far
                // below 1 KB here, so these caveats change no figure.
                caveats: last.caveats,
                measuredAt: 'the event-store port (DynamoDB adapter), not through the service',
                rounds: context.rounds,
              },
            },
            rounds,
          ),
        );
      }
      return results;
    } finally {
      client.destroy();
    }
  });
