import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  GetItemCommand,
  QueryCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { EventStore, NewEvent } from '@user-service/event-store';
import {
  ITEM_TYPES,
  KEY_PREFIXES,
  createDynamoDbEventStore,
  ensureEventStoreTable,
} from '@user-service/event-store/dynamodb';
import { decide, evolve, fold, initialState, upcast, type UserState } from '@user-service/user-domain';
import { createProjector, createSlottedReadModel } from '@user-service/user-read-model';
import { createPersonalDataEventStore } from '@user-service/personal-data';
import { KEY_ITEM_PREFIX, openDynamoDbDataKeys } from '@user-service/personal-data/dynamodb';
import {
  READ_MODEL_KEY_PREFIXES,
  createDynamoDbUserReadModel,
  ensureUserReadModelTable,
} from '@user-service/user-read-model/dynamodb';
import { createDynamoDbSlotPointer } from '@user-service/user-read-model/slots/dynamodb';
import {
  app,
  composeRuntime,
  createLogger,
  loadConfig,
  serverOptions,
  type Config,
  type Runtime,
  type RuntimeOverrides,
} from '@user-service/user-service';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type InjectOptions, type LightMyRequestResponse } from 'fastify';
import type { BenchContext, BenchResult, Figure } from '../result.js';
import { summarize, type Round } from '../stats.js';
import { isolatedClient, sameDatabaseClient, withDynamoDbLocal } from './support/aws.js';
import { itemSize, meter, readUnits, type Item, type Meter, type MeterTotals } from './support/capacity.js';

const EVENT_STORE_TABLE = 'bench-read-units-events';
const READ_MODEL_TABLE = 'bench-read-units-views';
const READ_MODEL_GREEN_TABLE = 'bench-read-units-views-green';
/** The measured user's history before the first metered request, registration included. */
const EVENTS = 1000;
/** Events per seeding append (one transaction; the port allows 100 items). */
const SEED_BATCH = 50;
/** Longer than the slotted read model's pointer refresh (1 s by default, `createSlottedReadModel`). */
const POINTER_IDLE_MS = 1100;
const NAMES = ['Ada', 'Grace'] as const;
const EMAILS = ['reader@example.com', 'reader@example.org'] as const;
const PASSWORD = 'correct horse battery staple';

/**
 * The reads the design makes, each with what it reads (docs/event-store.md, `user-states.ts`,
 * `commands.ts`, `appendOnce`). The minimum of a shape applies AWS's rules (capacity.ts: strongly
 * consistent, 1 RCU per started 4 KB, at least 1 per request) to the items each of these reads must
 * return, fetched independently of the service by an unmetered client.
 */
export const DESIGN_READS = Object.freeze({
  'tail Query': 'readStream(id, { fromVersion: cached + 1 }), strongly consistent: the events after the state the process holds (none on a warm process: AWS bills 1 RCU for the empty Query)',
  'version GetItem': "append's strongly consistent read of the event at expectedVersion (a projection of its key; AWS bills the whole event item)",
  'idempotency GetItem': "the Idempotency-Key's record (absent for a first request), strongly consistent",
  'snapshot GetItem': "cold start only: the stream's snapshot (state and view), strongly consistent",
  'key GetItem': "cold start only: the user's data key item, to open the sealed personal data of the snapshot and the tail (a warm process has it cached); 1 RCU, the item being a few hundred bytes",
} as const);
type DesignRead = keyof typeof DESIGN_READS;

/** The measured request shapes on a warm process, with the reads the design gives each. */
const WARM_SHAPES = Object.freeze({
  patch: { request: 'PATCH /users/{id} (name changed: one event)', reads: ['tail Query', 'version GetItem'] },
  'patch+idempotency-key': {
    request: 'PATCH /users/{id} with a new Idempotency-Key',
    reads: ['tail Query', 'idempotency GetItem', 'version GetItem'],
  },
  'patch-retry': {
    request: 'the same PATCH sent again with the same Idempotency-Key (answered from the record)',
    reads: ['tail Query', 'idempotency GetItem'],
  },
  'put-email': {
    request: 'PUT /users/{id}/email (claims the new address, releases the old)',
    reads: ['tail Query', 'version GetItem'],
  },
  get: { request: 'GET /users/{id} of the caller themself (answered from the state authentication loaded)', reads: ['tail Query'] },
} satisfies Record<string, { request: string; reads: readonly DesignRead[] }>);
type Shape = keyof typeof WARM_SHAPES;

const COLD_READS: readonly DesignRead[] = ['snapshot GetItem', 'key GetItem', 'tail Query', 'version GetItem'];

/** The result ids this figure reports, for `pnpm bench --only`. */
export const DDB_READ_UNITS_IDS: readonly string[] = [
  ...Object.keys(WARM_SHAPES).map((shape) => `ddb-read-units:${shape}`),
  'ddb-read-units-cold',
];

/**
 * What a read the service made beyond the design is, when it is one this figure knows the cause of. It is
 * only reported when it is seen.
 */
const KNOWN_EXTRA_READS: Partial<Record<Shape, Partial<Record<string, string>>>> = {
  'patch+idempotency-key': {
    'idempotency GetItem':
      "the record is read twice: by the application's recallAppend (commands.ts attemptCommand answers a retry before deciding again), then again by the adapter's appendOnce (liveRecord) before it writes; the transaction's condition on the record (attribute_not_exists OR expired) already makes the write safe without the second read",
  },
  'patch-retry': {
    'tail Query':
      'replay() in commands.ts loads the user again (states.load: a second strongly consistent tail Query) although authentication loaded it earlier in the same request',
  },
};

// ---------------------------------------------------------------------------------------------------
// Classifying requests

type Loose = Record<string, any>;

const STREAM = KEY_PREFIXES.stream;

/** Names each request after the read or write of the design it is. */
function classify(command: string, input: Loose): string {
  const table = String(input['TableName'] ?? '');
  const eventTable = table === EVENT_STORE_TABLE;
  if (command === 'Query') {
    if (!eventTable) return 'index Query';
    const to = input['ExpressionAttributeValues']?.[':to']?.N;
    return to === String(Number.MAX_SAFE_INTEGER) ? 'tail Query' : 'bounded stream Query';
  }
  if (command === 'GetItem') {
    if (eventTable) {
      const pk = String(input['Key']?.pk?.S ?? '');
      if (pk.startsWith(STREAM)) return 'version GetItem';
      if (pk.startsWith(KEY_PREFIXES.idempotency)) return 'idempotency GetItem';
      if (pk.startsWith(KEY_PREFIXES.snapshot)) return 'snapshot GetItem';
      if (pk.startsWith(KEY_PREFIXES.claim)) return 'claim GetItem';
      if (pk.startsWith(KEY_ITEM_PREFIX)) return 'key GetItem';
      return 'event-store GetItem';
    }
    const id = String(input['Key']?.id?.S ?? '');
    if (id.startsWith(READ_MODEL_KEY_PREFIXES.view)) return 'view GetItem';
    if (id.startsWith(READ_MODEL_KEY_PREFIXES.checkpoint)) return 'checkpoint GetItem';
    return 'slot pointer GetItem';
  }
  if (command === 'PutItem' && eventTable) {
    const pk = String(input['Item']?.pk?.S ?? '');
    return pk.startsWith(KEY_PREFIXES.snapshot) ? 'snapshot PutItem' : 'event PutItem';
  }
  return command;
}

/** Items each read returned, by kind: shows that a warm tail read is empty and how long a cold one is. */
function traceItems(client: DynamoDBClient): { items(): Record<string, number>; reset(): void } {
  let seen: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const command = String(context.commandName ?? '').replace(/Command$/, '');
      const output = result.output as Loose;
      const n = command === 'GetItem' ? (output['Item'] === undefined ? 0 : 1) : command === 'Query' ? (output['Items']?.length ?? 0) : undefined;
      if (n !== undefined) {
        const kind = classify(command, args.input as Loose);
        seen[kind] = (seen[kind] ?? 0) + n;
      }
      return result;
    },
    { step: 'initialize', name: 'benchReadUnitsItems' },
  );
  return {
    items: () => seen,
    reset() {
      seen = {};
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// The service under test

type Mail = Parameters<NonNullable<RuntimeOverrides['mailer']>['send']>[0];

interface Sample {
  readonly status: number;
  readonly rcu: number;
  readonly totals: MeterTotals;
  /** Read units and read requests by kind (see {@link classify}). */
  readonly rcuByKind: Record<string, number>;
  readonly readsByKind: Record<string, number>;
  /** Items returned by kind. */
  readonly itemsByKind: Record<string, number>;
  readonly response: LightMyRequestResponse;
}

interface Service {
  readonly server: FastifyInstance;
  readonly runtime: Runtime;
  /** Requests sent since the service was composed, before any request of the figure. */
  readonly startupRequests: number;
  /** Sends one request and answers exactly the DynamoDB reads and writes it caused. */
  measure(request: InjectOptions): Promise<Sample>;
  close(): Promise<void>;
}

/** A runtime of the real service on its own metered DynamoDB client: one process, as on AWS. */
async function startService(endpoint: string, accessKeyId: string, config: Config, mails: Mail[]): Promise<Service> {
  const client = sameDatabaseClient(endpoint, accessKeyId);
  const counted: Meter = meter(client, { classify, name: 'benchReadUnitsMeter' });
  const traced = traceItems(client);
  const log = createLogger('silent');
  const runtime = await composeRuntime(config, log, {
    dynamoDbClient: client,
    mailer: { send: async (message) => void mails.push(message) },
  });
  const server = Fastify({ ...serverOptions(), loggerInstance: log as FastifyBaseLogger });
  await server.register(app, runtime.appOptions);
  await server.ready();
  const startupRequests = counted.totals().requests;
  return {
    server,
    runtime,
    startupRequests,
    async measure(request) {
      counted.reset();
      traced.reset();
      const response = await server.inject(request);
      // Snapshot writes run in the background of a request; they belong to it.
      await runtime.appOptions.users.flush();
      const totals = counted.totals();
      const rcuByKind: Record<string, number> = {};
      const readsByKind: Record<string, number> = {};
      for (const one of counted.requests()) {
        if (one.read.units === 0) continue;
        const kind = one.kind ?? one.command;
        rcuByKind[kind] = (rcuByKind[kind] ?? 0) + one.read.units;
        readsByKind[kind] = (readsByKind[kind] ?? 0) + 1;
      }
      return { status: response.statusCode, rcu: totals.rcu, totals, rcuByKind, readsByKind, itemsByKind: { ...traced.items() }, response };
    },
    async close() {
      await server.close();
      await runtime.close();
      client.destroy();
    },
  };
}

function expectStatus(sample: { status: number; response: LightMyRequestResponse }, status: number, what: string): void {
  if (sample.status !== status) {
    throw new Error(`${what}: expected ${status}, got ${sample.status}: ${sample.response.body.slice(0, 500)}`);
  }
}

const versionOf = (response: LightMyRequestResponse): number => Number(/\d+/.exec(String(response.headers['etag']))?.[0]);

// ---------------------------------------------------------------------------------------------------
// What the design must read, fetched without the service

/** Independent, unmetered reads of the items the design's reads return, and their units by AWS's rules. */
function designReads(client: DynamoDBClient, userId: string) {
  const strong = { ConsistentRead: true, TableName: EVENT_STORE_TABLE };
  const getItem = async (table: string, key: Record<string, AttributeValue>): Promise<Item | undefined> =>
    (await client.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;

  /** A strongly consistent Query's units over its pages, and what it returned. */
  async function streamRange(from: number): Promise<{ rcu: number; events: number; bytes: number }> {
    let rcu = 0;
    let events = 0;
    let bytes = 0;
    let start: Item | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: EVENT_STORE_TABLE,
          ConsistentRead: true,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': { S: STREAM + userId },
            ':from': { N: String(from) },
            ':to': { N: String(Number.MAX_SAFE_INTEGER) },
          },
          ExclusiveStartKey: start,
        }),
      );
      const items = page.Items ?? [];
      rcu += readUnits('Query', strong, { Items: items }).units;
      events += items.length;
      bytes += items.reduce((sum, item) => sum + itemSize(item), 0);
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return { rcu, events, bytes };
  }

  return {
    streamRange,
    /** The event item at `version`, whole: what AWS bills append's version check for. */
    async versionCheck(version: number): Promise<{ rcu: number; bytes: number }> {
      const item = await getItem(EVENT_STORE_TABLE, { pk: { S: STREAM + userId }, sk: { N: String(version) } });
      if (item === undefined) throw new Error(`no event ${version} of ${userId}`);
      return { rcu: readUnits('GetItem', strong, { Item: item }).units, bytes: itemSize(item) };
    },
    /** An absent record: the first request with a key. A retry's record is measured by `record`. */
    async idempotencyRecord(key?: string): Promise<{ rcu: number; bytes: number }> {
      const item = key === undefined ? undefined : await getItem(EVENT_STORE_TABLE, { pk: { S: KEY_PREFIXES.idempotency + key }, sk: { N: '0' } });
      return { rcu: readUnits('GetItem', strong, { Item: item }).units, bytes: itemSize(item) };
    },
    /** The stream's newest snapshot, found by a scan (its key names the service's fold schema). */
    async snapshot(): Promise<{ rcu: number; bytes: number; version: number }> {
      const found: Item[] = [];
      let start: Item | undefined;
      do {
        const page = await client.send(
          new ScanCommand({
            TableName: EVENT_STORE_TABLE,
            ConsistentRead: true,
            FilterExpression: 'itemType = :snapshot AND streamId = :id',
            ExpressionAttributeValues: { ':snapshot': { S: ITEM_TYPES.snapshot }, ':id': { S: userId } },
            ExclusiveStartKey: start,
          }),
        );
        found.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
      const newest = found.sort((a, b) => Number(b['version']?.N) - Number(a['version']?.N))[0];
      if (newest === undefined) throw new Error(`no snapshot of ${userId}: the cold start would fold the whole stream`);
      return {
        rcu: readUnits('GetItem', strong, { Item: newest }).units,
        bytes: itemSize(newest),
        version: Number(newest['version']?.N),
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Seeding

/**
 * Appends profile changes straight through the event-store adapter until the stream has `target` events:
 * each decided by the domain on the fold of the stream, alternating names, as a PATCH through the service
 * would append them (same event items; several per append, which changes no item).
 */
async function seedProfileChanges(store: EventStore, userId: string, target: number): Promise<{ version: number; name: string }> {
  const history = await store.readStream(userId);
  let state: UserState = history.reduce((folded, event) => evolve(folded, upcast(event)), initialState);
  let version = history.length;
  let name = '';
  while (version < target) {
    const batch: NewEvent[] = [];
    while (batch.length < SEED_BATCH && version + batch.length < target) {
      name = NAMES[(version + batch.length) % 2]!;
      const decided = decide({ type: 'UpdateProfile', now: new Date().toISOString(), name }, state);
      if (decided.length !== 1) throw new Error(`seeding: UpdateProfile to ${name} decided ${decided.length} events`);
      state = fold(decided, state);
      for (const event of decided) {
        const eventId = randomUUID();
        batch.push({
          eventId,
          type: event.type,
          schemaVersion: event.schemaVersion,
          data: event.data as unknown as NewEvent['data'],
          metadata: { occurredAt: new Date().toISOString(), correlationId: randomUUID(), causationId: eventId, actor: userId },
        });
      }
    }
    await store.append(userId, batch, { expectedVersion: version });
    version += batch.length;
  }
  return { version, name };
}

// ---------------------------------------------------------------------------------------------------
// The figure

interface ShapeRun {
  readonly rounds: Round[];
  readonly samples: Sample[];
  readonly minimums: Array<Record<string, number>>;
  readonly sizes: Array<Record<string, number>>;
}

/** Reads of the design that the service made more often than the design does, by kind. */
function extraReads(sample: Sample, reads: readonly DesignRead[]): Record<string, number> {
  const expected: Record<string, number> = {};
  for (const read of reads) expected[read] = (expected[read] ?? 0) + 1;
  const extra: Record<string, number> = {};
  for (const [kind, n] of Object.entries(sample.readsByKind)) {
    if (n > (expected[kind] ?? 0)) extra[kind] = n - (expected[kind] ?? 0);
  }
  return extra;
}

const sum = (values: Record<string, number>): number => Object.values(values).reduce((a, b) => a + b, 0);

/**
 * `ddb-read-units`: DynamoDB read units per request through the real service (`composeRuntime` on
 * DynamoDB Local, Fastify `inject`) on a user with 1,000 events, counted by an SDK middleware applying
 * AWS's size rules to the service's own client, against the design minimum: the reads the design makes
 * ({@link DESIGN_READS}), each priced by AWS's rules on the items it must return. One result per shape of
 * a warm process, and `ddb-read-units-cold`: the first request of a fresh runtime on the same tables.
 */
export const ddbReadUnits: Figure = async (context: BenchContext): Promise<BenchResult[]> =>
  withDynamoDbLocal(async (dynamo) => {
    const { client: setup, accessKeyId } = isolatedClient(dynamo.endpoint, 'readunits');
    const services: Service[] = [];
    try {
      // Every table first, before any write (LOCAL-STACK.md: stream tables created later write slowly).
      await ensureEventStoreTable(setup, EVENT_STORE_TABLE);
      await ensureUserReadModelTable(setup, READ_MODEL_TABLE);
      await ensureUserReadModelTable(setup, READ_MODEL_GREEN_TABLE);
      const dataDir = join(context.workDir, 'ddb-read-units');
      mkdirSync(dataDir, { recursive: true });
      const config = loadConfig({
        STORAGE: 'dynamodb',
        EVENT_STORE_TABLE,
        READ_MODEL_TABLE,
        READ_MODEL_GREEN_TABLE,
        DYNAMODB_ENDPOINT: dynamo.endpoint,
        JWT_SECRET: `bench-read-units-${randomUUID()}`.padEnd(48, 'x'),
        DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
      });
      const mails: Mail[] = [];
      // As the service's own processes open it: personal data sealed under the users' keys, wrapped here
      // (no KMS) by the key derived from the service's secret.
      const { keys } = await openDynamoDbDataKeys({ client: setup, tableName: EVENT_STORE_TABLE, keySecret: config.jwtSecret });
      const store = createPersonalDataEventStore(createDynamoDbEventStore({ client: setup, tableName: EVENT_STORE_TABLE }), { keys });
      const warm = await startService(dynamo.endpoint, accessKeyId, config, mails);
      services.push(warm);

      // A user through the service: register, confirm, log in (default scrypt cost: three hashes in all).
      const registered = await warm.measure({
        method: 'POST',
        url: '/users',
        payload: { email: EMAILS[0], username: 'reader', password: PASSWORD, name: 'Reader' },
      });
      expectStatus(registered, 201, 'POST /users');
      const userId = String((registered.response.json() as { id: string }).id);
      // On DynamoDB the mailer consumer sends the registration's mail; the service itself sends a re-sent one
      // (in the background, after its 202), which is what this in-process run can catch.
      expectStatus(await warm.measure({ method: 'POST', url: '/email-confirmations', payload: { email: EMAILS[0] } }), 202, 'POST /email-confirmations');
      const sentTo = () => mails.find((mail) => mail.kind === 'email-confirmation' && mail.userId === userId);
      for (let waited = 0; sentTo() === undefined && waited < 10_000; waited += 50) await sleep(50);
      const confirmation = sentTo();
      if (confirmation === undefined) throw new Error('no confirmation mail was sent');
      expectStatus(
        await warm.measure({ method: 'POST', url: `/users/${userId}/email-confirmation`, payload: { token: confirmation.token } }),
        200,
        'POST /users/{id}/email-confirmation',
      );
      const login = await warm.measure({ method: 'POST', url: '/sessions', payload: { email: EMAILS[0], password: PASSWORD } });
      expectStatus(login, 200, 'POST /sessions');
      const headers = { authorization: `Bearer ${(login.response.json() as { token: string }).token}` };

      const seedStart = Date.now();
      const seeded = await seedProfileChanges(store, userId, EVENTS);
      context.log(`ddb-read-units: seeded ${seeded.version} events in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);
      let version = seeded.version;
      let name = seeded.name;
      let email: string = EMAILS[0];

      // The projector's part, unmetered: the read model table kept up to date for GET.
      const setupReadModel = createSlottedReadModel({
        slots: {
          blue: createDynamoDbUserReadModel({ client: setup, tableName: READ_MODEL_TABLE }),
          green: createDynamoDbUserReadModel({ client: setup, tableName: READ_MODEL_GREEN_TABLE }),
        },
        pointer: createDynamoDbSlotPointer({ client: setup, tableName: READ_MODEL_TABLE }),
      });
      const projector = createProjector({ readModel: setupReadModel, eventStore: store });
      const project = async (): Promise<void> => {
        // The last event alone: the projector fills the gap before it from the store.
        const outcome = await projector.applyBatch(await store.readStream(userId, { fromVersion: version }));
        if (outcome.failed.length > 0) throw new Error(`projecting ${userId} failed`, { cause: outcome.failed[0]?.error });
      };
      await project();
      const design = designReads(setup, userId);
      const fullHistory = await design.streamRange(1);

      // The first load after the seeding folds the 998 events this process has not seen, and saves the
      // snapshot a cold process starts from (SNAPSHOT_EVERY = 100).
      const firstLoad = await warm.measure({ method: 'GET', url: `/users/${userId}`, headers });
      expectStatus(firstLoad, 200, 'GET /users/{id} (first load)');

      // Cold processes first, while the tail after the snapshot is short.
      const cold: ShapeRun = { rounds: [], samples: [], minimums: [], sizes: [] };
      const coldFacts: Array<Record<string, unknown>> = [];
      for (let round = 0; round < context.rounds; round++) {
        const snapshot = await design.snapshot();
        const tail = await design.streamRange(snapshot.version + 1);
        const check = await design.versionCheck(version);
        const minimum = { 'snapshot GetItem': snapshot.rcu, 'key GetItem': 1, 'tail Query': tail.rcu, 'version GetItem': check.rcu };
        const fresh = await startService(dynamo.endpoint, accessKeyId, config, mails);
        services.push(fresh);
        name = name === NAMES[0] ? NAMES[1] : NAMES[0];
        const sample = await fresh.measure({ method: 'PATCH', url: `/users/${userId}`, headers, payload: { name } });
        expectStatus(sample, 200, 'cold PATCH /users/{id}');
        version = versionOf(sample.response);
        await fresh.close();
        services.splice(services.indexOf(fresh), 1);
        cold.rounds.push({ value: sample.rcu, baseline: sum(minimum) });
        cold.samples.push(sample);
        cold.minimums.push(minimum);
        coldFacts.push({
          startupRequests: fresh.startupRequests,
          snapshotVersion: snapshot.version,
          snapshotBytes: snapshot.bytes,
          tailEvents: tail.events,
          tailBytes: tail.bytes,
          eventItemBytes: check.bytes,
        });
      }

      // The warm process catches up with the cold processes' writes once, unmetered by the figure.
      expectStatus(await warm.measure({ method: 'GET', url: `/users/${userId}`, headers }), 200, 'GET /users/{id} (catch-up)');

      const runs = Object.fromEntries(
        Object.keys(WARM_SHAPES).map((shape) => [shape, { rounds: [], samples: [], minimums: [], sizes: [] } as ShapeRun]),
      ) as Record<Shape, ShapeRun>;
      const record = (shape: Shape, sample: Sample, minimum: Record<string, number>, sizes: Record<string, number>) => {
        const run = runs[shape];
        run.rounds.push({ value: sample.rcu, baseline: sum(minimum) });
        run.samples.push(sample);
        run.minimums.push(minimum);
        run.sizes.push(sizes);
      };
      const emptyTail = (await design.streamRange(Number.MAX_SAFE_INTEGER - 1)).rcu; // nothing changed: 1 RCU
      let idle: Sample | undefined;

      for (let round = 0; round < context.rounds; round++) {
        // PATCH, no key.
        {
          const check = await design.versionCheck(version);
          name = name === NAMES[0] ? NAMES[1] : NAMES[0];
          const sample = await warm.measure({ method: 'PATCH', url: `/users/${userId}`, headers, payload: { name } });
          expectStatus(sample, 200, 'PATCH /users/{id}');
          version = versionOf(sample.response);
          record('patch', sample, { 'tail Query': emptyTail, 'version GetItem': check.rcu }, { eventItemBytes: check.bytes });
        }
        // PATCH with a new key, then its retry.
        const key = `read-units-${round}-${randomUUID()}`;
        name = name === NAMES[0] ? NAMES[1] : NAMES[0];
        const keyed: InjectOptions = { method: 'PATCH', url: `/users/${userId}`, headers: { ...headers, 'idempotency-key': key }, payload: { name } };
        {
          const check = await design.versionCheck(version);
          const absent = await design.idempotencyRecord();
          const sample = await warm.measure(keyed);
          expectStatus(sample, 200, 'PATCH /users/{id} with Idempotency-Key');
          version = versionOf(sample.response);
          record(
            'patch+idempotency-key',
            sample,
            { 'tail Query': emptyTail, 'idempotency GetItem': absent.rcu, 'version GetItem': check.rcu },
            { eventItemBytes: check.bytes },
          );
        }
        {
          const stored = await design.idempotencyRecord(`${userId}:${key}`);
          const sample = await warm.measure(keyed);
          expectStatus(sample, 200, 'PATCH /users/{id} retried');
          if (versionOf(sample.response) !== version) throw new Error('the retry did not answer the original version');
          record('patch-retry', sample, { 'tail Query': emptyTail, 'idempotency GetItem': stored.rcu }, { recordBytes: stored.bytes });
        }
        // PUT email.
        {
          const check = await design.versionCheck(version);
          email = email === EMAILS[0] ? EMAILS[1] : EMAILS[0];
          const sample = await warm.measure({ method: 'PUT', url: `/users/${userId}/email`, headers, payload: { email } });
          expectStatus(sample, 200, 'PUT /users/{id}/email');
          version = versionOf(sample.response);
          record('put-email', sample, { 'tail Query': emptyTail, 'version GetItem': check.rcu }, { eventItemBytes: check.bytes });
        }
        // GET, on a read model the projector brought up to date, by a process that read the slot pointer
        // less than a second ago (as any process serving more than one read a second has).
        {
          await project();
          expectStatus(await warm.measure({ method: 'GET', url: `/users/${userId}`, headers }), 200, 'GET /users/{id} (pointer)');
          const sample = await warm.measure({ method: 'GET', url: `/users/${userId}`, headers });
          expectStatus(sample, 200, 'GET /users/{id}');
          if (versionOf(sample.response) !== version) throw new Error(`GET answered version ${versionOf(sample.response)}, not ${version}`);
          record('get', sample, { 'tail Query': emptyTail }, {});
          if (round === context.rounds - 1) {
            // What the pointer refresh adds, once a second per process.
            await sleep(POINTER_IDLE_MS);
            idle = await warm.measure({ method: 'GET', url: `/users/${userId}`, headers });
            expectStatus(idle, 200, 'GET /users/{id} after an idle second');
          }
        }
      }

      const results: BenchResult[] = [];
      for (const shape of Object.keys(WARM_SHAPES) as Shape[]) {
        const { request, reads } = WARM_SHAPES[shape];
        const run = runs[shape];
        const last = run.samples.at(-1)!;
        const extra = extraReads(last, reads);
        const explained = Object.fromEntries(
          Object.keys(extra).map((kind) => [kind, KNOWN_EXTRA_READS[shape]?.[kind] ?? 'not a read of the design: see readsByKind']),
        );
        context.log(
          `ddb-read-units ${shape}: ${last.rcu} RCU (minimum ${run.rounds.at(-1)!.baseline}) ${JSON.stringify(last.readsByKind)}`,
        );
        results.push(
          summarize(
            {
              id: `ddb-read-units:${shape}`,
              description: `DynamoDB read units of ${request} on a ${EVENTS.toLocaleString('en-US')}-event user, warm process (SDK middleware, AWS size rules) ÷ the design minimum`,
              target: '= 1.00',
              unit: 'RCU',
              details: {
                minimum: Object.fromEntries(reads.map((read) => [read, DESIGN_READS[read]])),
                minimumUnits: run.minimums.at(-1),
                measuredRcuByRead: last.rcuByKind,
                readsByKind: last.readsByKind,
                itemsReturned: last.itemsByKind,
                requests: last.totals.commands,
                writeUnits: last.totals.wcu,
                ...(Object.keys(extra).length === 0 ? {} : { extraReads: extra, finding: explained }),
                rcuPerRound: run.rounds.map((r) => r.value),
                itemSizes: run.sizes.at(-1),
                caveats: last.totals.caveats,
                ...(shape === 'get' && idle !== undefined
                  ? {
                      afterIdleSecond: {
                        rcu: idle.rcu,
                        readsByKind: idle.readsByKind,
                        note: 'the slotted read model reads its pointer (1 RCU) at most once a second per process; left out of the per-request figure',
                      },
                      note: 'the view GetItem is strongly consistent (the projector needs that); a query alone would do with an eventually consistent read, 0.5 RCU',
                    }
                  : {}),
                rounds: context.rounds,
              },
            },
            run.rounds,
          ),
        );
      }

      const lastCold = cold.samples.at(-1)!;
      const meanEventBytes = fullHistory.bytes / fullHistory.events;
      const lastColdMinimum = cold.minimums.at(-1)!;
      const worstColdMinimum =
        lastColdMinimum['snapshot GetItem']! +
        Math.max(1, Math.ceil(((config.snapshotEvery - 1) * meanEventBytes) / 4096)) +
        lastColdMinimum['version GetItem']!;
      const coldExtra = extraReads(lastCold, COLD_READS);
      context.log(`ddb-read-units-cold: ${lastCold.rcu} RCU (minimum ${cold.rounds.at(-1)!.baseline}) ${JSON.stringify(lastCold.readsByKind)}`);
      results.push(
        summarize(
          {
            id: 'ddb-read-units-cold',
            description: `DynamoDB read units of the first request (PATCH /users/{id}) of a fresh runtime on a ${EVENTS.toLocaleString('en-US')}-event user (SDK middleware, AWS size rules) ÷ the design minimum: snapshot GetItem + tail Query + version GetItem`,
            target: 'reported',
            unit: 'RCU',
            details: {
              minimum: Object.fromEntries(COLD_READS.map((read) => [read, DESIGN_READS[read]])),
              minimumUnits: cold.minimums.at(-1),
              measuredRcuByRead: lastCold.rcuByKind,
              readsByKind: lastCold.readsByKind,
              itemsReturned: lastCold.itemsByKind,
              requests: lastCold.totals.commands,
              ...(Object.keys(coldExtra).length === 0 ? {} : { extraReads: coldExtra }),
              rcuPerRound: cold.rounds.map((r) => r.value),
              perRound: coldFacts,
              wholeHistory: {
                events: fullHistory.events,
                bytes: fullHistory.bytes,
                rcu: fullHistory.rcu,
                note: 'what a cold load without a snapshot would read (a strongly consistent Query of the whole stream)',
              },
              firstLoadAfterSeeding: {
                rcu: firstLoad.rcu,
                readsByKind: firstLoad.readsByKind,
                itemsReturned: firstLoad.itemsByKind,
                requests: firstLoad.totals.commands,
                note: `a warm process that last saw version 2 folds the ${EVENTS - 2} events appended by others (the seeding), then saves the snapshot`,
              },
              snapshotEvery: config.snapshotEvery,
              beforeTheNextSnapshot: {
                tailEvents: config.snapshotEvery - 1,
                rcu: worstColdMinimum,
                note: `the design's cold cost just before a process saves the next snapshot: the tail then holds up to SNAPSHOT_EVERY - 1 events (${Math.round(meanEventBytes)} bytes each here), read in one Query`,
              },
              caveats: lastCold.totals.caveats,
              rounds: context.rounds,
            },
          },
          cold.rounds,
        ),
      );
      return results;
    } finally {
      for (const service of services.reverse()) await service.close().catch(() => undefined);
      setup.destroy();
    }
  });
