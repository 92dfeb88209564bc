import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import t from 'tap';
import type { EventStore, StoredEvent } from '@user-service/event-store';
import { createMemoryEventStore } from '@user-service/event-store/memory';
import { isUserDomainError, type UserCommand } from '@user-service/user-domain';
import { createCommandRunner } from '../src/application/commands.js';
import { createKeyedQueue } from '../src/application/keyed-queue.js';
import { USER_SNAPSHOT_SCHEMA, createUserStates, foldAll } from '../src/application/user-states.js';
import { assertProblem, bearer, buildService, type TestService } from './helper.js';

/*
 * Loading a user costs the same whatever the length of its stream: a cached or snapshotted fold, brought up
 * to date with a tail read. These tests prove that such a state is always the fold of the whole stream, that
 * a new fold schema ignores old snapshots, that a load reads only the tail, and that revocation stays
 * immediate within and across processes.
 */

const quiet = { warn() {} };

/** An event store that records every `readStream` call and how many events it returned. */
function countingStore(store: EventStore) {
  const reads: Array<{ streamId: string; fromVersion: number; returned: number }> = [];
  const counted: EventStore = {
    ...store,
    async readStream(streamId, options = {}) {
      const events = await store.readStream(streamId, options);
      reads.push({ streamId, fromVersion: options.fromVersion ?? 1, returned: events.length });
      return events;
    },
  };
  return { store: counted, reads };
}

let ids = 0;
const newId = () => `id-${++ids}`;
const minute = (n: number) => new Date(Date.UTC(2030, 0, 1, 0, n)).toISOString();

/** A command a user may or may not accept in its state; the domain decides. */
const commandArbitrary: fc.Arbitrary<(n: number) => UserCommand> = fc.oneof(
  fc.constantFrom('Ann', 'Bo', null).map((name) => (n: number): UserCommand => ({ type: 'UpdateProfile', now: minute(n), name })),
  fc.constantFrom('a', 'b').map((tag) => (n: number): UserCommand => ({ type: 'ChangeEmail', now: minute(n), email: `${tag}${n}@example.com` })),
  fc.constant((n: number): UserCommand => ({ type: 'ConfirmEmail', now: minute(n) })),
  fc.constant((n: number): UserCommand => ({ type: 'ChangePassword', now: minute(n), passwordHash: `hash-${n}` })),
  fc.constant(
    (n: number): UserCommand => ({ type: 'RequestPasswordReset', now: minute(n), tokenHash: `t${n}`, expiresAt: minute(n + 60) }),
  ),
  fc.constant((n: number): UserCommand => ({ type: 'RemoveUser', now: minute(n) })),
);

t.test('a cached or snapshotted state always equals the fold of the whole stream, and what a command recorded is what the store holds (property)', async (t) => {
  let checked = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        users: fc.integer({ min: 1, max: 3 }),
        snapshotEvery: fc.integer({ min: 1, max: 6 }),
        cacheEntries: fc.integer({ min: 1, max: 3 }),
        steps: fc.array(
          fc.record({
            user: fc.nat(2),
            // Which of two processes, each with its own cache, runs the step; 2 is a process that just started.
            process: fc.nat(2),
            command: fc.option(commandArbitrary, { freq: 4 }),
          }),
          { minLength: 5, maxLength: 40, size: 'max' },
        ),
      }),
      async ({ users, snapshotEvery, cacheEntries, steps }) => {
        const store = createMemoryEventStore();
        const process = () => {
          const states = createUserStates({ eventStore: store, snapshotEvery, cacheEntries, log: quiet });
          return { states, runner: createCommandRunner({ eventStore: store, states, newEventId: newId }) };
        };
        const processes = [process(), process()];
        const userIds = Array.from({ length: users }, (_, i) => `user-${ids++}-${i}`);
        for (const userId of userIds) {
          await processes[0]!.runner.run(
            userId,
            () => ({ type: 'RegisterUser', now: minute(0), email: `${userId}@example.com`, username: userId, passwordHash: 'h0' }),
            { correlationId: 'c' },
          );
        }
        for (const [n, step] of steps.entries()) {
          const userId = userIds[step.user % users]!;
          const running = step.process === 2 ? process() : processes[step.process]!;
          const same = (what: string, loaded: unknown, truth: unknown) => {
            if (JSON.stringify(loaded) !== JSON.stringify(truth)) {
              throw new Error(`step ${n}: ${what} ${JSON.stringify(loaded)}, fold ${JSON.stringify(truth)}`);
            }
            checked++;
          };
          if (step.command !== null) {
            try {
              const outcome = await running.runner.run(userId, () => step.command!(n + 1), { correlationId: `c${n}` });
              // Steps run one after another, so what a command answers with is the state of the whole stream.
              const stream = await store.readStream(userId);
              same('command answered', outcome.loaded, foldAll(stream));
              // What it recorded (which the embedded read model is fed) is what the store holds, positions included.
              const held = stream.slice(stream.length - outcome.recorded.length);
              if (outcome.recorded.length > 0 && !isDeepStrictEqual(outcome.recorded, held)) {
                throw new Error(`step ${n}: recorded ${JSON.stringify(outcome.recorded)}, stored ${JSON.stringify(held)}`);
              }
            } catch (error) {
              if (!isUserDomainError(error)) throw error;
            }
          }
          same('loaded', await running.states.load(userId), foldAll(await store.readStream(userId)));
        }
        for (const running of processes) await running.states.flush();
      },
    ),
    { numRuns: 150 },
  );
  t.comment(`${checked} loads compared with the fold of the whole stream`);
  t.ok(checked > 100, 'the property compared many loads');
});

/** A user with `count` events, appended straight to the store. */
async function longUser(store: EventStore, userId: string, count: number): Promise<void> {
  const states = createUserStates({ eventStore: store, log: quiet, snapshotEvery: 1_000_000 });
  const runner = createCommandRunner({ eventStore: store, states, newEventId: newId });
  const context = { correlationId: 'seed' };
  await runner.run(
    userId,
    () => ({ type: 'RegisterUser', now: minute(0), email: `${userId}@example.com`, username: userId, passwordHash: 'h' }),
    context,
  );
  for (let i = 1; i < count; i++) {
    await runner.run(userId, () => ({ type: 'UpdateProfile', now: minute(i), name: i % 2 ? 'Odd' : 'Even' }), context);
  }
}

t.test('a load reads only the tail: from the cache, or from the snapshot in a cold process', async (t) => {
  const { store, reads } = countingStore(createMemoryEventStore());
  await longUser(store, 'long', 1000);

  const warm = createUserStates({ eventStore: store, log: quiet, snapshotEvery: 100 });
  reads.length = 0;
  const first = await warm.load('long');
  t.equal(first.version, 1000);
  t.same(reads, [{ streamId: 'long', fromVersion: 1, returned: 1000 }], 'the first cold load, without a snapshot, folds the stream once');
  await warm.flush();

  reads.length = 0;
  for (let i = 0; i < 5; i++) await warm.load('long');
  t.same(
    reads.map((read) => [read.fromVersion, read.returned]),
    Array.from({ length: 5 }, () => [1001, 0]),
    'a warm load reads nothing but the empty tail',
  );

  const snapshot = await store.readSnapshot('long', USER_SNAPSHOT_SCHEMA);
  t.equal(snapshot?.version, 1000, 'that first load saved a snapshot');
  const cold = createUserStates({ eventStore: store, log: quiet, snapshotEvery: 100 });
  reads.length = 0;
  t.same(await cold.load('long'), first, 'a cold process starts from the snapshot');
  t.same(reads, [{ streamId: 'long', fromVersion: 1001, returned: 0 }], 'and reads only what follows it');

  // Another process appends; both see it with a tail read of just that event.
  await longUser(store, 'other', 1);
  const writer = createUserStates({ eventStore: store, log: quiet });
  const runner = createCommandRunner({ eventStore: store, states: writer, newEventId: newId });
  await runner.run('long', () => ({ type: 'UpdateProfile', now: minute(5000), surname: 'Tail' }), { correlationId: 'x' });
  reads.length = 0;
  const after = await cold.load('long');
  t.equal(after.view?.surname, 'Tail');
  t.same(reads, [{ streamId: 'long', fromVersion: 1001, returned: 1 }], 'a write by another process costs one event to read');
  t.same(after, foldAll(await store.readStream('long')), 'and the result is the fold of the whole stream');
});

t.test('a change of the fold schema makes old snapshots ignored', async (t) => {
  const store = createMemoryEventStore();
  await longUser(store, 'u', 10);
  const truth = foldAll(await store.readStream('u'));
  // A snapshot that an older fold wrote: its state is not what today's fold makes of the events.
  const stale = { ...truth, view: { ...truth.view!, name: 'from the old fold' } };
  await store.writeSnapshot('u', { schema: 'user-state@old', version: 10, state: stale as never });

  const old = createUserStates({ eventStore: store, log: quiet, snapshotSchema: 'user-state@old' });
  t.equal((await old.load('u')).view?.name, 'from the old fold', 'under its own schema the snapshot is used');
  const current = createUserStates({ eventStore: store, log: quiet, snapshotSchema: 'user-state@new' });
  t.same(await current.load('u'), truth, 'under a new schema it is ignored and the events are folded');
  t.not(USER_SNAPSHOT_SCHEMA, 'user-state@old');
  t.match(USER_SNAPSHOT_SCHEMA, /^user-state@\d+\.\d+$/, 'the service keys snapshots by the state and view schema versions');
});

t.test('a snapshot that cannot be saved is logged, and loading goes on from the events', async (t) => {
  const memory = createMemoryEventStore();
  await longUser(memory, 'u', 5);
  const warnings: object[] = [];
  const failing: EventStore = {
    ...memory,
    writeSnapshot: async () => {
      throw new Error('disk full');
    },
  };
  const states = createUserStates({ eventStore: failing, log: { warn: (obj) => warnings.push(obj) }, snapshotEvery: 2 });
  t.same(await states.load('u'), foldAll(await memory.readStream('u')));
  await states.flush();
  t.match(warnings, [{ userId: 'u', version: 5 }], 'the failure is logged with the user and version');
});

t.test('commands on one user queue in process, and other users run beside them', async (t) => {
  const queue = createKeyedQueue();
  const order: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const first = queue.run('a', async () => {
    order.push('a1 start');
    await gate;
    order.push('a1 end');
    throw new Error('a1 failed');
  });
  const second = queue.run('a', async () => {
    order.push('a2');
    return 2;
  });
  const other = queue.run('b', async () => {
    order.push('b1');
    return 'b';
  });
  t.equal(await other, 'b', 'another key does not wait');
  t.same(order, ['a1 start', 'b1']);
  release();
  await t.rejects(first, /a1 failed/);
  t.equal(await second, 2, 'a failed task does not fail the next one');
  t.same(order, ['a1 start', 'b1', 'a1 end', 'a2'], 'one key runs in arrival order');
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(queue.size, 0, 'an empty queue is dropped');
});

t.test('concurrent commands on one user in one process never conflict', async (t) => {
  const memory = createMemoryEventStore();
  let conflicts = 0;
  const store: EventStore = {
    ...memory,
    async append(streamId, events, options) {
      try {
        return await memory.append(streamId, events, options);
      } catch (error) {
        conflicts++;
        throw error;
      }
    },
  };
  await longUser(store, 'hot', 1);
  const states = createUserStates({ eventStore: store, log: quiet });
  const runner = createCommandRunner({ eventStore: store, states, newEventId: newId, maxAttempts: 1 });
  const outcomes = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      runner.run('hot', () => ({ type: 'UpdateProfile', now: minute(i + 1), name: `N${i}` }), { correlationId: `c${i}` }),
    ),
  );
  t.same(
    outcomes.map((outcome) => outcome.loaded.version).sort((a, b) => a - b),
    Array.from({ length: 20 }, (_, i) => i + 2),
    'each command got its own version',
  );
  t.equal(conflicts, 0, 'no append met a concurrency conflict, so none needed a retry');
});

t.test('HTTP: revocation is immediate in the same process and across processes', async (t) => {
  const a = await buildService(t);
  // A second process on the same data directory: its own caches, the same stores.
  const b = await buildService(t, { DATA_DIR: a.dataDir });
  const alice = await a.signUp();
  t.equal((await a.request({ method: 'GET', url: `/users/${alice.id}`, headers: alice.auth })).statusCode, 200);
  t.equal((await b.request({ method: 'GET', url: `/users/${alice.id}`, headers: alice.auth })).statusCode, 200);

  const changed = await b.request({
    method: 'PUT',
    url: `/users/${alice.id}/password`,
    headers: alice.auth,
    payload: { currentPassword: alice.password, newPassword: 'a new password 1' },
  });
  t.equal(changed.statusCode, 204, 'the other process changed the password');
  assertProblem(t, await a.request({ method: 'GET', url: `/users/${alice.id}`, headers: alice.auth }), 401, 'UNAUTHORIZED', 'old session, first process');
  assertProblem(t, await b.request({ method: 'GET', url: `/users/${alice.id}`, headers: alice.auth }), 401, 'UNAUTHORIZED', 'old session, second process');

  const fresh = bearer(await a.login(alice.email, 'a new password 1'));
  t.equal((await b.request({ method: 'GET', url: `/users/${alice.id}`, headers: fresh })).statusCode, 200, 'a new session works');
  t.equal((await a.request({ method: 'DELETE', url: `/users/${alice.id}`, headers: fresh })).statusCode, 204);
  assertProblem(t, await b.request({ method: 'GET', url: `/users/${alice.id}`, headers: fresh }), 401, 'UNAUTHORIZED', 'removed, other process');
  assertProblem(t, await a.request({ method: 'PATCH', url: `/users/${alice.id}`, headers: fresh, payload: { name: 'X' } }), 401, 'UNAUTHORIZED', 'removed, same process');
});

/**
 * Appends a profile change straight to the service's store, past its commands: nothing hands it to the read
 * model. Answers the user's version before it.
 */
async function appendPastCommands(svc: TestService, userId: string, eventId: string, changes: Record<string, string>): Promise<number> {
  const at = (await svc.stream(userId)).length;
  await svc.runtime.eventStore.append(
    userId,
    [
      {
        eventId,
        type: 'UserProfileUpdated',
        schemaVersion: 1,
        data: { changes },
        metadata: { occurredAt: new Date().toISOString(), correlationId: 'c', causationId: 'c' },
      },
    ],
    { expectedVersion: at },
  );
  return at;
}

t.test('HTTP: the embedded read model holds every commit, handed over or written by another process', async (t) => {
  const a = await buildService(t);
  // A second process on the same data directory: the same stores, a read model it projects into too.
  const b = await buildService(t, { DATA_DIR: a.dataDir });
  const alice = await a.signUp();
  const url = `/users/${alice.id}`;
  // An admin's read without minVersion answers from the read model. (b's own dataDir is not the one it uses.)
  const view = async (svc: typeof a) => (await svc.request({ method: 'GET', url, headers: a.adminAuth() })).json();
  for (const [i, svc] of [a, b, a, a, b, b, a].entries()) {
    const patched = await svc.request({ method: 'PATCH', url, headers: alice.auth, payload: { name: `Name ${i}` } });
    t.equal(patched.statusCode, 200);
    for (const reader of [a, b]) t.equal((await view(reader)).name, `Name ${i}`, `commit ${i}, read in ${reader === a ? 'a' : 'b'}`);
  }

  // A write outside the commands, which nothing hands over, to another user; the next command's projection,
  // for alice, reads it from the store.
  const bob = await a.signUp();
  const at = await appendPastCommands(a, bob.id, 'from-elsewhere', { surname: 'Elsewhere' });
  t.equal((await a.request({ method: 'PATCH', url, headers: alice.auth, payload: { name: 'After' } })).statusCode, 200);
  t.equal((await view(a)).name, 'After');
  const bobs = await a.request({ method: 'GET', url: `/users/${bob.id}`, headers: a.adminAuth() });
  t.match(bobs.json(), { surname: 'Elsewhere', version: at + 1 }, 'the write nothing handed over is projected too');
});

t.test('HTTP: GET /users/{id}?minVersion never answers older than the version asked for', async (t) => {
  const svc = await buildService(t);
  const alice = await svc.signUp();
  const url = `/users/${alice.id}`;
  // A write the read model has not seen yet, as when the projector lags behind (on AWS it always may).
  const at = await appendPastCommands(svc, alice.id, 'lagging-1', { name: 'Written' });
  const own = await svc.request({ method: 'GET', url, headers: alice.auth });
  t.equal(own.json().name, 'Written', 'a user reading themself gets the state their authentication loaded');
  t.equal(own.headers.etag, `"${at + 1}"`, 'with the ETag of what it sent');

  const plain = await svc.request({ method: 'GET', url, headers: svc.adminAuth() });
  t.equal(plain.json().name, null, 'an admin without minVersion: the read model, which lags');
  t.equal(plain.headers.etag, `"${at}"`, 'and its ETag is the version it shows');

  const fresh = await svc.request({ method: 'GET', url: `${url}?minVersion=${at + 1}`, headers: svc.adminAuth() });
  t.equal(fresh.statusCode, 200);
  t.equal(fresh.json().name, 'Written', 'with minVersion: the write side answers');
  t.equal(fresh.headers.etag, `"${at + 1}"`, 'with the ETag of what it sent');
  t.equal(fresh.json().version, at + 1);
  const older = await svc.request({ method: 'GET', url: `${url}?minVersion=1`, headers: svc.adminAuth() });
  t.equal(older.headers.etag, `"${at}"`, 'a version the read model has reached is answered from it');
  const ownFresh = await svc.request({ method: 'GET', url: `${url}?minVersion=${at + 1}`, headers: alice.auth });
  t.equal(ownFresh.headers.etag, `"${at + 1}"`, 'the user themself reads their writes with minVersion too');

  assertProblem(t, await svc.request({ method: 'GET', url: `${url}?minVersion=${at + 2}`, headers: alice.auth }), 404, 'VERSION_NOT_FOUND');
  for (const bad of ['0', '-1', '1.5', 'abc', '']) {
    assertProblem(t, await svc.request({ method: 'GET', url: `${url}?minVersion=${bad}`, headers: alice.auth }), 400, 'VALIDATION_FAILED', `minVersion=${bad}`);
  }
  assertProblem(t, await svc.request({ method: 'GET', url: `${url}?minVersion=1&version=1`, headers: alice.auth }), 400, 'VALIDATION_FAILED', 'with version');
  const bob = await svc.signUp();
  assertProblem(t, await svc.request({ method: 'GET', url: `${url}?minVersion=1`, headers: bob.auth }), 403, 'FORBIDDEN', "another user's");
});

t.test('HTTP: a command answers from the new state, and its ETag is that version', async (t) => {
  const svc = await buildService(t);
  const alice = await svc.signUp();
  let etag = '';
  for (let i = 0; i < 30; i++) {
    const res = await svc.request({ method: 'PATCH', url: `/users/${alice.id}`, headers: alice.auth, payload: { name: `Name ${i}` } });
    t.equal(res.statusCode, 200);
    etag = String(res.headers.etag);
    if (res.json().name !== `Name ${i}`) t.fail(`PATCH ${i} answered ${res.body}`);
  }
  const events = await svc.stream(alice.id);
  t.equal(etag, `"${events.length}"`, 'the last ETag is the stream version');
  const truth = foldAll(events).view!;
  const { status: _status, ...shown } = truth;
  t.match((await svc.request({ method: 'GET', url: `/users/${alice.id}`, headers: alice.auth })).json(), shown, 'the read model agrees');
});

t.test('HTTP: GET /users/{id}/events comes a page at a time', async (t) => {
  const svc = await buildService(t);
  const alice = await svc.signUp();
  for (let i = 0; i < 6; i++) {
    await svc.request({ method: 'PATCH', url: `/users/${alice.id}`, headers: alice.auth, payload: { name: `N${i}` } });
  }
  const all: StoredEvent[] = await svc.stream(alice.id);
  t.equal(all.length, 7);

  const versions: number[] = [];
  let url: string | undefined = `/users/${alice.id}/events?limit=3`;
  let pages = 0;
  while (url !== undefined) {
    const res = await svc.request({ method: 'GET', url, headers: alice.auth });
    t.equal(res.statusCode, 200, url);
    const body = res.json() as { items: Array<{ version: number }>; next?: string };
    versions.push(...body.items.map((item) => item.version));
    if (body.next !== undefined) t.equal(res.headers.link, `<${body.next}>; rel="next"`, 'the next page is linked');
    else t.notOk(res.headers.link, 'the last page links nowhere');
    url = body.next;
    pages++;
  }
  t.same(versions, [1, 2, 3, 4, 5, 6, 7], 'the pages together are the whole history, in order');
  t.equal(pages, 3);

  const defaulted = (await svc.request({ method: 'GET', url: `/users/${alice.id}/events`, headers: alice.auth })).json();
  t.equal(defaulted.items.length, 7, 'the default page holds up to 100');
  t.notOk(defaulted.next);
  const past = await svc.request({ method: 'GET', url: `/users/${alice.id}/events?fromVersion=50`, headers: alice.auth });
  t.same(past.json(), { items: [] }, 'past the end: an empty page for an existing user');
  for (const query of ['limit=0', 'limit=1001', 'limit=x', 'fromVersion=0', 'fromVersion=-2', 'other=1']) {
    assertProblem(t, await svc.request({ method: 'GET', url: `/users/${alice.id}/events?${query}`, headers: alice.auth }), 400, 'VALIDATION_FAILED', query);
  }
  const nobody = '00000000-0000-4000-8000-000000000000';
  assertProblem(t, await svc.request({ method: 'GET', url: `/users/${nobody}/events?fromVersion=5`, headers: svc.adminAuth() }), 404, 'USER_NOT_FOUND', 'an unknown user, past version 1');
});

/**
 * An event store whose appends are applied at once, in call order, but acknowledged only when the test lets
 * them: the shape of the SQLite writer thread, with the commit's fsync under the test's control.
 */
function gatedStore(memory: EventStore) {
  const calls: Array<{ expectedVersion: number; expectedEventId: string | undefined; outcome: 'ok' | 'conflict' | 'other' }> = [];
  let open!: () => void;
  let gate = new Promise<void>((resolve) => (open = resolve));
  let beforeNext: (() => Promise<void>) | undefined;
  const store: EventStore = {
    ...memory,
    append(streamId, events, options) {
      const inject = beforeNext;
      beforeNext = undefined;
      const applied = (async () => {
        if (inject) await inject();
        return memory.append(streamId, events, options);
      })();
      const call = { expectedVersion: options.expectedVersion, expectedEventId: options.expectedEventId, outcome: 'other' as 'ok' | 'conflict' | 'other' };
      calls.push(call);
      applied.then(
        () => (call.outcome = 'ok'),
        (error: { code?: string }) => (call.outcome = error.code === 'CONCURRENCY_CONFLICT' ? 'conflict' : 'other'),
      );
      return gate.then(() => applied);
    },
  };
  return {
    store,
    calls,
    release() {
      open();
      gate = new Promise<void>((resolve) => (open = resolve));
    },
    /** Runs `write` right before the next append is applied: another process's write that gets in first. */
    interleave(write: () => Promise<void>) {
      beforeNext = write;
    },
  };
}

t.test('pipelined commands on one user share a commit and keep their order', async (t) => {
  const memory = createMemoryEventStore();
  await longUser(memory, 'hot', 1);
  const gated = gatedStore(memory);
  const states = createUserStates({ eventStore: gated.store, log: quiet });
  const runner = createCommandRunner({ eventStore: gated.store, states, newEventId: newId, pipeline: true, maxAttempts: 1 });
  const outcomes = Array.from({ length: 20 }, (_, i) =>
    runner.run('hot', () => ({ type: 'UpdateProfile', now: minute(i + 1), name: `N${i}` }), { correlationId: `c${i}` }),
  );
  // Let the queue hand every command to the store while no commit has been acknowledged yet.
  for (let i = 0; i < 50 && gated.calls.length < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  t.equal(gated.calls.length, 20, 'all 20 appends reached the store before the first commit was acknowledged');
  gated.release();
  const done = await Promise.all(outcomes);
  t.same(done.map((outcome) => outcome.loaded.version), Array.from({ length: 20 }, (_, i) => i + 2), 'in arrival order');
  t.same(done.map((outcome) => outcome.loaded.view?.name), Array.from({ length: 20 }, (_, i) => `N${i}`), 'each answers its own state');
  t.ok(gated.calls.every((call) => call.outcome === 'ok'), 'none conflicted');
  t.same(
    (await memory.readStream('hot')).slice(1).map((event) => (event.data as { changes: { name: string } }).changes.name),
    Array.from({ length: 20 }, (_, i) => `N${i}`),
    'the stream holds them in order',
  );
});

t.test('a pipelined command never lands on a history it did not see', async (t) => {
  const memory = createMemoryEventStore();
  await longUser(memory, 'u', 1);
  const gated = gatedStore(memory);
  const states = createUserStates({ eventStore: gated.store, log: quiet });
  const runner = createCommandRunner({ eventStore: gated.store, states, newEventId: newId, pipeline: true });
  // Another process changes the surname right before this process's first append is applied.
  gated.interleave(async () => {
    await memory.append('u', [{ eventId: 'foreign', type: 'UserProfileUpdated', schemaVersion: 1, data: { changes: { surname: 'Other' } }, metadata: { occurredAt: minute(1), correlationId: 'x', causationId: 'x' } }], { expectedVersion: 1 });
  });
  const first = runner.run('u', () => ({ type: 'UpdateProfile', now: minute(2), name: 'First' }), { correlationId: 'a' });
  const second = runner.run('u', () => ({ type: 'UpdateProfile', now: minute(3), name: 'Second' }), { correlationId: 'b' });
  for (let i = 0; i < 50 && gated.calls.length < 2; i++) await new Promise((resolve) => setImmediate(resolve));
  t.equal(gated.calls.length, 2, 'the second was decided on the first before either committed');
  t.match(gated.calls[1], { expectedVersion: 2, expectedEventId: String }, 'and expects the first one’s event at version 2');
  for (let i = 0; i < 10; i++) {
    gated.release();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const interval = setInterval(() => gated.release(), 1);
  const [a, b] = await Promise.all([first, second]).finally(() => clearInterval(interval));
  t.same(gated.calls.slice(0, 2).map((call) => call.outcome), ['conflict', 'conflict'], 'both first appends were refused: the foreign event holds version 2');
  const stream = await memory.readStream('u');
  const what = (event: StoredEvent) =>
    event.version === 1 ? event.type : event.eventId === 'foreign' ? 'foreign' : (event.data as { changes: { name?: string } }).changes.name;
  t.same(stream.map(what), ['UserRegistered', 'foreign', 'First', 'Second'], 'decided again on top of the foreign write, in order');
  t.equal(a.loaded.version, 3);
  t.equal(b.loaded.version, 4);
  t.same(b.loaded, foldAll(stream), 'and the last answer is the fold of the whole stream');
  t.equal(b.loaded.view?.surname, 'Other', 'the foreign write is kept');
});
