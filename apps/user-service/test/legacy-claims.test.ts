import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteEventStore } from '@user-service/event-store/sqlite';
import { decide, initialState, uniqueKeyChanges } from '@user-service/user-domain';
import t, { type Test } from 'tap';
import { createScryptHasher } from '../src/infrastructure/scrypt-hasher.js';
import { assertProblem, buildService, TEST_JWT_SECRET } from './helper.js';

/**
 * A store written before personal data was sealed keeps its claims under plaintext keys (`email:…`), where
 * the service now looks up blind ones. `LEGACY_PLAINTEXT_CLAIMS` makes those claims count again, so that an
 * upgraded store's users can still log in and nobody can register their address a second time.
 */

const password = 'correct horse battery staple';
const email = 'early@example.com';

/** A data directory whose event store holds one user registered the way the service did before sealing. */
async function storeFromBeforeSealing(t: Pick<Test, 'teardown'>): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'legacy-claims-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const store = createSqliteEventStore({ filename: join(dataDir, 'events.db') });
  const passwordHash = await createScryptHasher({ cost: 1024 }).hash(password);
  // Registered just now: an unconfirmed registration older than the confirmation TTL may be taken over.
  const now = new Date().toISOString();
  const decided = decide({ type: 'RegisterUser', now, email, username: 'early', passwordHash }, initialState);
  const events = decided.map((event) => ({
    eventId: randomUUID(),
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data as unknown as Record<string, never>,
    metadata: { occurredAt: now, correlationId: randomUUID(), causationId: randomUUID() },
  }));
  await store.append(randomUUID(), events, { expectedVersion: 0, ...uniqueKeyChanges(initialState, decided) });
  await store.close();
  return dataDir;
}

const login = { method: 'POST' as const, url: '/sessions', payload: { email, password } };
const register = { method: 'POST' as const, url: '/users', payload: { email, username: 'late', password } };

t.test('without LEGACY_PLAINTEXT_CLAIMS, an upgraded store’s plaintext claims are not found', async (t) => {
  const svc = await buildService(t, { JWT_SECRET: TEST_JWT_SECRET, DATA_DIR: await storeFromBeforeSealing(t) });
  assertProblem(t, await svc.request(login), 401, 'INVALID_CREDENTIALS', 'the early user cannot log in');
});

t.test('with LEGACY_PLAINTEXT_CLAIMS=true, they count for logins and for uniqueness', async (t) => {
  const env = { JWT_SECRET: TEST_JWT_SECRET, DATA_DIR: await storeFromBeforeSealing(t), LEGACY_PLAINTEXT_CLAIMS: 'true' };
  const svc = await buildService(t, env);
  t.equal((await svc.request(login)).statusCode, 200, 'the early user logs in');
  assertProblem(t, await svc.request(register), 409, 'EMAIL_TAKEN', 'and nobody can register the address again');
});
