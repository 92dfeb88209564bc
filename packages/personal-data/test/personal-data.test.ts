import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isUniquenessError, type EventStore, type NewEvent } from '@user-service/event-store';
import { createMemoryEventStore } from '@user-service/event-store/memory';
import { eventStoreContract, testEvent, uniqueStreamId } from '@user-service/event-store/testing';
import { FORGOTTEN } from '@user-service/user-domain';
import t from 'tap';
import {
  blindClaim,
  createDataKeys,
  createLocalKeyWrapper,
  createMemoryKeyStore,
  createPersonalDataEventStore,
  isPersonalDataError,
  type KeyStore,
} from '../src/index.js';
import { LOCAL_KEY_FILES, createSqliteKeyStore, openLocalDataKeys } from '../src/sqlite.js';
import { keyStoreContract } from '../src/testing.js';

const kek = randomBytes(32);
const wrapper = createLocalKeyWrapper(kek);

/** A key store that counts its reads, to show what the cache saves. */
function counted(store: KeyStore) {
  const calls = { get: 0, create: 0 };
  const wrapped: KeyStore = {
    get: (subject) => (calls.get++, store.get(subject)),
    create: (subject, key) => (calls.create++, store.create(subject, key)),
    destroy: (subject) => store.destroy(subject),
    close: () => store.close(),
  };
  return { store: wrapped, calls };
}

function decorated(options: { legacyPlaintextClaims?: boolean; inner?: EventStore } = {}) {
  const inner = options.inner ?? createMemoryEventStore();
  const keyStore = counted(createMemoryKeyStore());
  const keys = createDataKeys({ store: keyStore.store, wrapper });
  const store = createPersonalDataEventStore(inner, {
    keys,
    ...(options.legacyPlaintextClaims === undefined ? {} : { legacyPlaintextClaims: options.legacyPlaintextClaims }),
  });
  return { inner, store, keys, calls: keyStore.calls };
}

const registered = (email = 'alice@example.com', username = 'Alice'): NewEvent =>
  testEvent('UserRegistered', {
    email,
    username,
    passwordHash: 'scrypt$secret-hash',
    name: 'Alice',
    surname: null,
    registeredAt: '2026-01-01T00:00:00.000Z',
  });
const renamed = (): NewEvent => testEvent('UserProfileUpdated', { changes: { username: 'alice_l', name: 'Alicia' } });
const PLAINTEXT = ['alice@example.com', 'Alice', 'scrypt$secret-hash', 'alice_l', 'Alicia'];

await eventStoreContract(t, {
  name: 'personal-data over memory',
  globalPosition: true,
  eventIdsUniqueWithin: 'stream',
  propertyRuns: 40,
  create: async (options) =>
    createPersonalDataEventStore(createMemoryEventStore(options), {
      keys: createDataKeys({ store: createMemoryKeyStore(), wrapper }),
      // The contract's own data uses `name`: sealed and opened, it must come back exactly.
      personalFields: ['name', 'text'],
    }),
});

keyStoreContract(t, 'memory', async () => ({ store: createMemoryKeyStore() }));
keyStoreContract(t, 'sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'keys-'));
  return { store: createSqliteKeyStore({ filename: join(dir, 'keys.db') }), dispose: async () => rmSync(dir, { recursive: true }) };
});

t.test('personal fields are sealed at rest and opened on every read', async (t) => {
  const { inner, store } = decorated();
  const streamId = uniqueStreamId('user');
  await store.append(streamId, [registered(), renamed()], { expectedVersion: 0 });

  const raw = JSON.stringify(await inner.readStream(streamId));
  for (const text of PLAINTEXT) t.notOk(raw.includes(text), `the stored events hold no ${text}`);
  t.match(raw, /"\$sealed":"v1\./, 'they hold sealed values');
  t.match(raw, /"registeredAt":"2026-01-01T00:00:00.000Z"/, 'and the other fields as they were');
  t.match(raw, /"surname":null/, 'null stays null');

  const [first, second] = await store.readStream(streamId);
  t.same(first?.data, registered().data, 'readStream opens the registration');
  t.same(second?.data, renamed().data, 'and nested personal fields');
  const page = await store.readAll({ limit: 10 });
  t.same(page.events.map((e) => e.data), [registered().data, renamed().data], 'readAll opens them too');
});

t.test('claims are kept under blind keys; lookups and uniqueness still work', async (t) => {
  const { inner, store } = decorated();
  const alice = uniqueStreamId('user');
  const bob = uniqueStreamId('user');
  await store.append(alice, [registered()], { expectedVersion: 0, claims: ['email:alice@example.com', 'username:alice'] });
  t.equal(await store.lookupClaim('email:alice@example.com'), alice, 'looked up by the plain key');
  t.equal(await inner.lookupClaim('email:alice@example.com'), undefined, 'the store holds no plaintext key');

  const taken = await store
    .append(bob, [registered('alice@example.com', 'Bob')], { expectedVersion: 0, claims: ['email:alice@example.com'] })
    .catch((error: unknown) => error);
  t.ok(isUniquenessError(taken), 'a second claim of the value is refused');
  t.equal((taken as { key: string }).key, 'email:alice@example.com', 'and the error names the key the caller gave');

  await store.append(alice, [testEvent('UserRemoved', {})], { expectedVersion: 1, releases: ['email:alice@example.com'] });
  t.equal(await store.lookupClaim('email:alice@example.com'), undefined, 'a release frees it');
  const key = blindClaim('email:alice@example.com', randomBytes(32));
  t.match(key, /^email#[\w-]{43}$/, 'a blind key keeps its kind and hides its value');
});

t.test('once the key is destroyed, the data reads as forgotten, never as an error', async (t) => {
  const { store } = decorated();
  const streamId = uniqueStreamId('user');
  const other = uniqueStreamId('user');
  await store.append(streamId, [registered(), renamed()], { expectedVersion: 0 });
  await store.append(other, [registered('bob@example.com', 'Bob')], { expectedVersion: 0 });
  await store.writeSnapshot(streamId, { schema: 's', version: 2, state: { state: { email: 'alice@example.com' } } });
  t.same((await store.readSnapshot(streamId, 's'))?.state, { state: { email: 'alice@example.com' } }, 'the snapshot opens');

  await store.forget(streamId);
  const [first, second] = await store.readStream(streamId);
  t.same(
    first?.data,
    { ...registered().data, email: FORGOTTEN, username: FORGOTTEN, passwordHash: FORGOTTEN, name: FORGOTTEN },
    'each personal field reads as the placeholder',
  );
  t.same(second?.data, { changes: { username: FORGOTTEN, name: FORGOTTEN } }, 'nested ones too');
  const page = await store.readAll({ limit: 10 });
  t.equal(page.events.length, 3, 'readAll still reads every event');
  t.equal(page.events[2]?.data['email'], 'bob@example.com', "and another user's data is intact");
  t.equal(await store.readSnapshot(streamId, 's'), undefined, 'a snapshot with forgotten fields is ignored');
  await store.writeSnapshot(streamId, { schema: 's', version: 3, state: { email: 'x@example.com' } });
  t.equal(await store.readSnapshot(streamId, 's'), undefined, 'and none is written for an erased user');

  const refused = await store.append(streamId, [registered()], { expectedVersion: 2 }).catch((e: unknown) => e);
  t.ok(isPersonalDataError(refused) && refused.code === 'KEY_DESTROYED', 'no new personal data is written for them');
  await store.append(streamId, [testEvent('UserErased', { erasedAt: '2026-01-02T00:00:00.000Z' })], { expectedVersion: 2 });
  t.equal((await store.readStream(streamId)).length, 3, 'events without personal data still append');
});

t.test('a sealed value that does not open under an existing key is an error, not forgotten', async (t) => {
  const { inner, store } = decorated();
  const streamId = uniqueStreamId('user');
  await store.append(streamId, [registered()], { expectedVersion: 0 });
  const [stored] = await inner.readStream(streamId);
  const moved = uniqueStreamId('user');
  await store.append(moved, [registered('bob@example.com')], { expectedVersion: 0 });
  // The sealed email of one user, copied into another's stream: its additional data names the first.
  await inner.append(moved, [{ ...testEvent('UserEmailChanged'), data: { email: stored!.data['email']! } }], { expectedVersion: 1 });
  const error = await store.readStream(moved).catch((e: unknown) => e);
  t.ok(isPersonalDataError(error) && error.code === 'UNREADABLE', 'it is UNREADABLE');
  t.notMatch(String((error as Error).message), /alice|bob/, 'and the message names no value');
});

t.test('a store keeps no plaintext of what it sealed: even its own appends read back only through the key', async (t) => {
  // Keys that encrypt under one key and hand out another for reading: nothing written opens, unless kept aside.
  const real = createDataKeys({ store: createMemoryKeyStore(), wrapper });
  const misleading = {
    ...real,
    forReading: async (subject: string) => ((await real.forReading(subject)) === undefined ? undefined : randomBytes(32)),
  };
  const store = createPersonalDataEventStore(createMemoryEventStore(), { keys: misleading });
  const unreadable = (error: unknown) => isPersonalDataError(error) && error.code === 'UNREADABLE';
  const alice = uniqueStreamId('user');
  await store.append(alice, [registered(), renamed()], { expectedVersion: 0 });
  t.ok(unreadable(await store.readStream(alice).catch((e: unknown) => e)), 'readStream decrypts');
  t.ok(unreadable(await store.readAll({ limit: 10 }).catch((e: unknown) => e)), 'and so does readAll');

  await store.forget(alice);
  t.same(
    (await store.readStream(alice))[1]?.data,
    { changes: { username: FORGOTTEN, name: FORGOTTEN } },
    'once the key is destroyed, its fields read as forgotten',
  );
});

t.test('data written before encryption reads as it was (the upgrade path)', async (t) => {
  const inner = createMemoryEventStore();
  const streamId = uniqueStreamId('user');
  await inner.append(streamId, [registered()], { expectedVersion: 0, claims: ['email:alice@example.com'] });
  const { store } = decorated({ inner, legacyPlaintextClaims: true });
  t.same((await store.readStream(streamId))[0]?.data, registered().data, 'a plaintext event passes through');
  t.equal(await store.lookupClaim('email:alice@example.com'), streamId, 'a plaintext claim is found');
  const taken = await store
    .append(uniqueStreamId('user'), [registered()], { expectedVersion: 0, claims: ['email:alice@example.com'] })
    .catch((e: unknown) => e);
  t.ok(isUniquenessError(taken), 'and still counts for uniqueness');
  await store.append(streamId, [testEvent('UserRemoved')], { expectedVersion: 1, releases: ['email:alice@example.com'] });
  t.equal(await inner.lookupClaim('email:alice@example.com'), undefined, 'a release gives up the plaintext form');

  const { store: strict } = decorated({ inner });
  t.equal(await strict.lookupClaim('username:nobody'), undefined, 'without the option only blind keys count');
});

t.test('keys: one creation under concurrency, a warm read does no key I/O', async (t) => {
  const { store, calls } = decorated();
  const streamId = uniqueStreamId('user');
  await Promise.all([
    store.append(streamId, [registered()], { expectedVersion: 0 }).catch(() => undefined),
    store.append(streamId, [registered()], { expectedVersion: 0 }).catch(() => undefined),
  ]);
  const created = calls.create;
  t.ok(created <= 2, 'at most one creation for the stream and one for the claim key');
  await store.readStream(streamId);
  const reads = calls.get;
  for (let i = 0; i < 10; i++) await store.readStream(streamId);
  t.equal(calls.get, reads, 'ten warm reads fetched no key');
});

t.test('wrapping binds the subject; a wrong key-encryption key does not unwrap', async (t) => {
  const key = await wrapper.generate('user-1');
  t.same(await wrapper.unwrap('user-1', key.wrapped), key.plaintext);
  const other = await wrapper.unwrap('user-2', key.wrapped).catch((e: unknown) => e);
  t.ok(isPersonalDataError(other) && other.code === 'UNREADABLE', 'another subject cannot unwrap it');
  const foreign = await createLocalKeyWrapper(randomBytes(32)).unwrap('user-1', key.wrapped).catch((e: unknown) => e);
  t.ok(isPersonalDataError(foreign), 'nor another key-encryption key');
  t.throws(() => createLocalKeyWrapper(randomBytes(16)), 'the key-encryption key must be 32 bytes');
});

t.test('sqlite: a destroyed key leaves no byte in the key store or its log', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'keys-'));
  t.teardown(() => rmSync(dir, { recursive: true }));
  const keys = openLocalDataKeys({ dataDir: dir });
  const plain = await keys.forWriting('user-1');
  await keys.forWriting('user-2');
  const raw = createSqliteKeyStore({ filename: join(dir, LOCAL_KEY_FILES.keys) });
  const wrapped = Buffer.from(((await raw.get('user-1')) as { wrapped: Uint8Array }).wrapped);
  const holdsKey = () =>
    readdirSync(dir).filter((file) => {
      const bytes = readFileSync(join(dir, file));
      return bytes.includes(wrapped) || bytes.includes(plain);
    });
  t.ok(holdsKey().length > 0, 'the wrapped key is on disk before');
  await raw.close();

  await keys.destroy('user-1');
  t.same(holdsKey(), [], 'no file of the data directory holds it after');
  t.equal(await keys.forReading('user-1'), undefined, 'it reads as gone');
  t.ok(await keys.forReading('user-2'), 'another key is kept');
  await keys.close();

  const reopened = openLocalDataKeys({ dataDir: dir });
  t.ok(await reopened.forReading('user-2'), 'keys outlive the process, under the same key-encryption key');
  await reopened.close();
});
