import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureEventStoreTable } from '@user-service/event-store/dynamodb';
import { dynamoDbClientConfig, startDynamoDbLocal } from '@user-service/local-aws';
import { ensureUserReadModelTable } from '@user-service/user-read-model/dynamodb';
import t, { type Test } from 'tap';
import { buildService, TEST_JWT_SECRET, type SignedUp, type TestService } from '../helper.js';
import { checkHistory, type Op, type Profile, type ReadOp, type ViewFields } from './history.js';
import { versionGaps } from './support.js';

/**
 * Conflicts over HTTP and the history check, on SQLite and on DynamoDB Local: concurrent PATCHes of one
 * user with and without If-Match, and reads with `minVersion`, every invocation and answer recorded and
 * then checked against the stream the store holds (see history.ts for what is checked).
 */

// Real processes on a shared 2-core machine: far more than the run needs, well within CI's budget.
t.setTimeout(180_000);

const env = { JWT_SECRET: TEST_JWT_SECRET };
const BURST = 20;
const CLIENTS = 6;
const OPS_PER_CLIENT = 14;
const USERS = 2;
/** DynamoDB is run as several instances over the same tables, as Lambda runs it. */
const INSTANCES = 4;

const dynamo = await startDynamoDbLocal();
t.teardown(() => dynamo.stop());
let databases = 0;

/** What the proofs use of a deployment: one or several service instances over the same store. */
type Service = Pick<TestService, 'request' | 'signUp' | 'stream'>;
type Backend = { name: string; label: string; build: (t: Test) => Promise<Service> };
const backends: Backend[] = [
  { name: 'sqlite', label: 'sqlite', build: (t) => buildService(t, env) },
  {
    name: 'dynamodb',
    label: `dynamodb, ${INSTANCES} instances`,
    async build(t) {
      // One database per access key: each test starts from empty tables.
      const client = new DynamoDBClient(dynamoDbClientConfig(dynamo.endpoint, `proofs${++databases}`));
      t.teardown(() => client.destroy());
      await ensureEventStoreTable(client, 'events');
      await Promise.all(['views', 'views-green'].map((table) => ensureUserReadModelTable(client, table)));
      const storage = { STORAGE: 'dynamodb', EVENT_STORE_TABLE: 'events', READ_MODEL_TABLE: 'views', DYNAMODB_ENDPOINT: dynamo.endpoint };
      // Several instances over the same tables, as Lambda instances are: each has its own per-user queue and
      // state cache, so their writes to one user really race in the store.
      const build = () => buildService(t, { ...env, ...storage }, { dynamoDbClient: client });
      return roundRobin(await Promise.all(Array.from({ length: INSTANCES }, build)));
    },
  },
];

for (const backend of backends) {
  t.test(`${backend.label}: ${BURST} concurrent PATCHes, without If-Match, then all with the same one`, async (t) => {
    const svc = await backend.build(t);
    const user = await svc.signUp();
    const changes: Profile[] = Array.from({ length: BURST }, (_, i) => (i % 2 ? { name: `n${i}` } : { surname: `s${i}` }));
    const answers = await Promise.all(
      changes.map((payload) => svc.request({ method: 'PATCH', url: `/users/${user.id}`, headers: user.auth, payload })),
    );
    const statuses = answers.map((res) => res.statusCode);
    t.comment(`${backend.name} burst: statuses ${JSON.stringify(countBy(statuses))}`);
    t.strictSame(statuses, changes.map(() => 200), 'every un-conditioned PATCH succeeds', {
      refused: answers.filter((res) => res.statusCode !== 200).map((res) => res.body),
    });
    const stream = await svc.stream(user.id);
    t.strictSame(versionGaps(stream), [], 'versions 1..n');
    const ok = answers.flatMap((res, i) => (res.statusCode === 200 ? [{ version: res.json().version as number, change: changes[i] }] : []));
    t.strictSame(
      ok.filter(({ version, change }) => JSON.stringify((stream[version - 1]?.data as { changes?: Profile }).changes) !== JSON.stringify(change)),
      [],
      'every acknowledged change is at the version its answer gave',
    );
    t.equal(stream.length, 1 + ok.length, 'and the refused ones wrote nothing');

    // Another burst, of changes none of which is a no-op now, all with the If-Match of the current version:
    // exactly one may win. (A no-op decided at that version would rightly answer 200 and write nothing.)
    const current = stream.length;
    const fresh: Profile[] = changes.map((change) => ('name' in change ? { name: `${change.name}'` } : { surname: `${change.surname}'` }));
    const conditional = await Promise.all(
      fresh.map((payload) =>
        svc.request({ method: 'PATCH', url: `/users/${user.id}`, headers: { ...user.auth, 'if-match': `"${current}"` }, payload }),
      ),
    );
    const conditionalStatuses = conditional.map((res) => res.statusCode);
    t.comment(`${backend.label} burst with If-Match "${current}": statuses ${JSON.stringify(countBy(conditionalStatuses))}`);
    t.strictSame(
      [...conditionalStatuses].sort(),
      [200, ...Array.from({ length: BURST - 1 }, () => 412)],
      'one wins, every other gets 412',
    );
    const after = await svc.stream(user.id);
    const winner = conditional.findIndex((res) => res.statusCode === 200);
    t.equal(after.length, current + 1, 'the stream grew by the winner alone');
    t.same((after.at(-1)?.data as { changes?: Profile }).changes, fresh[winner], 'and holds its change');
  });

  t.test(`${backend.label}: a history of concurrent conditional and plain writes and minVersion reads`, async (t) => {
    const svc = await backend.build(t);
    const users = await Promise.all(Array.from({ length: USERS }, () => svc.signUp()));
    const histories = await Promise.all(users.map((user) => runHistory(svc, user)));
    for (const [index, ops] of histories.entries()) {
      const user = users[index]!;
      const verdict = checkHistory(ops, await svc.stream(user.id), 1);
      const f = verdict.figures;
      t.comment(
        `${backend.name} user ${index + 1}: ${f.writes} writes (${f.conditional} with If-Match), ${f.acknowledged} acknowledged, ` +
          `${f.preconditionFailed} × 412, ${f.reads} reads, ${f.events} events; statuses ${JSON.stringify(countBy(ops.map((op) => op.status)))}`,
      );
      t.strictSame(verdict.violations, [], `user ${index + 1}: the history is consistent with the stream`);
      t.ok(f.preconditionFailed > 0 && f.acknowledged >= 5, 'the run had both conflicts and successes to judge');
      t.equal(
        ops.filter((op) => op.kind === 'write' && op.ifMatch === undefined && op.status !== 200).length,
        0,
        'every plain write succeeded',
      );
    }
    if (backend.name === 'sqlite') await checkerCatchesCorruptions(t, histories[0]!, await svc.stream(users[0]!.id));
  });
}

/**
 * The checker must fail on a broken history: each corruption of the real, consistent history and stream
 * above is one that a broken service would produce, and each must be reported.
 */
async function checkerCatchesCorruptions(t: Test, ops: Op[], stream: Awaited<ReturnType<Service['stream']>>) {
  const lateRead = ops.findLast((op): op is ReadOp => op.kind === 'read' && op.status === 200 && (op.view?.version ?? 0) > 2);
  const refused = ops.find((op) => op.kind === 'write' && op.status === 412);
  const acknowledged = ops.find((op) => op.kind === 'write' && op.status === 200);
  const corruptions: Record<string, () => [Op[], typeof stream]> = {
    'an acknowledged write is missing': () => [ops, stream.slice(0, -1)],
    'a refused write wrote': () => [ops.map((op) => (op === refused ? { ...op, status: 200 } : op)), stream],
    'a read went back in time': () => [
      ops.map((op) => (op === lateRead ? { ...op, view: { ...(lateRead.view as ViewFields), version: 1 } } : op)),
      stream,
    ],
    'a read shows a state the stream never had': () => [
      ops.map((op) => (op === lateRead ? { ...op, view: { ...(lateRead.view as ViewFields), name: 'never written' } } : op)),
      stream,
    ],
    'a 412 before any write': () => [ops.map((op) => (op === refused ? { ...op, completedAt: -1 } : op)), stream],
    'an acknowledged write changed something else': () => [
      ops.map((op) => (op === acknowledged ? { ...op, change: { name: 'other' } } : op)),
      stream,
    ],
  };
  for (const [name, corrupt] of Object.entries(corruptions)) {
    const [badOps, badStream] = corrupt();
    t.ok(checkHistory(badOps, badStream, 1).violations.length > 0, `the checker reports it when ${name}`);
  }
}

/** CLIENTS clients, each reading with minVersion and writing with or without If-Match, all at once. */
async function runHistory(svc: Service, user: SignedUp): Promise<Op[]> {
  const ops: Op[] = [];
  let newestAcknowledged = 1;
  const client = async (id: number) => {
    let seen = 1;
    for (let i = 0; i < OPS_PER_CLIENT; i++) {
      const roll = Math.random();
      const invokedAt = performance.now();
      if (roll < 0.35) {
        const minVersion = Math.max(seen, newestAcknowledged);
        const res = await svc.request({ method: 'GET', url: `/users/${user.id}?minVersion=${minVersion}`, headers: user.auth });
        const body = res.statusCode === 200 ? (res.json() as ViewFields) : undefined;
        const view = body && { version: body.version, name: body.name, surname: body.surname, username: body.username };
        ops.push({ kind: 'read', client: id, invokedAt, completedAt: performance.now(), status: res.statusCode, minVersion, ...(view ? { view } : {}) });
        if (view) seen = Math.max(seen, view.version);
      } else {
        const change: Profile = i % 2 ? { name: `c${id}n${i}` } : { surname: `c${id}s${i}` };
        const ifMatch = roll < 0.7 ? seen : undefined;
        const res = await svc.request({
          method: 'PATCH',
          url: `/users/${user.id}`,
          headers: { ...user.auth, ...(ifMatch === undefined ? {} : { 'if-match': `"${ifMatch}"` }) },
          payload: change,
        });
        const version = res.statusCode === 200 ? (res.json().version as number) : undefined;
        ops.push({
          kind: 'write',
          client: id,
          invokedAt,
          completedAt: performance.now(),
          status: res.statusCode,
          change,
          ...(ifMatch === undefined ? {} : { ifMatch }),
          ...(version === undefined ? {} : { version }),
        });
        if (version !== undefined) {
          seen = Math.max(seen, version);
          newestAcknowledged = Math.max(newestAcknowledged, version);
        } else if (res.statusCode === 412) {
          // A client that lost a race reads again before its next conditional write.
          seen = Math.max(seen, newestAcknowledged);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, id) => client(id)));
  return ops;
}

/** Sends each request to the next instance in turn. */
function roundRobin(instances: readonly TestService[]): Service {
  let next = 0;
  const pick = () => instances[next++ % instances.length]!;
  return {
    request: (options) => pick().request(options),
    signUp: (fields) => pick().signUp(fields),
    stream: (id) => instances[0]!.stream(id),
  };
}

function countBy(values: readonly number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
