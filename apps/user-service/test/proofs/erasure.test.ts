import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { FORGOTTEN } from '@user-service/user-domain';
import { catchUp, createProjector } from '@user-service/user-read-model';
import { createMemoryUserReadModel } from '@user-service/user-read-model/memory';
import t from 'tap';
import { assertProblem, buildService, unique, type TestService } from '../helper.js';

/** Every file under `dir`, the mail outbox aside (mail that was sent is not the store's to unsend). */
function storeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'outbox' ? [] : storeFiles(path);
    return [path];
  });
}

/** The files of the data directory holding any of `needles`, byte for byte, as `file: needle`. */
function filesHolding(dataDir: string, needles: readonly string[]): string[] {
  return storeFiles(dataDir).flatMap((file) => {
    const bytes = readFileSync(file);
    return needles.filter((needle) => bytes.includes(Buffer.from(needle, 'utf8'))).map((n) => `${relative(dataDir, file)}: ${n}`);
  });
}

/** A user with a long history: every personal field set, changed, and a reset asked for. */
async function richUser(svc: TestService) {
  const n = unique();
  const user = await svc.signUp({ email: `zelda.${n}@example.com`, username: `Zelda_${n}` });
  await svc.confirmEmail(user);
  const patch = await svc.request({
    method: 'PATCH',
    url: `/users/${user.id}`,
    headers: user.auth,
    payload: { name: `Zeldana${n}`, surname: `Quartermain${n}`, username: `Zq_${n}` },
  });
  if (patch.statusCode !== 200) throw new Error(`profile update failed: ${patch.body}`);
  const newEmail = `zq.${n}@example.org`;
  const moved = await svc.request({ method: 'PUT', url: `/users/${user.id}/email`, headers: user.auth, payload: { email: newEmail } });
  if (moved.statusCode !== 200) throw new Error(`email change failed: ${moved.body}`);
  await svc.request({ method: 'POST', url: '/password-resets', payload: { email: newEmail } });
  const needles = [user.email, newEmail, user.username, `Zq_${n}`, `Zeldana${n}`, `Quartermain${n}`];
  return { ...user, newEmail, needles };
}

t.test('after an erasure no store file holds the user’s email, username, name or surname', async (t) => {
  // Snapshots every 2 events, so that the snapshot path is covered too.
  const svc = await buildService(t, { SNAPSHOT_EVERY: '2' });
  const zelda = await richUser(svc);
  const bob = await svc.signUp();
  await svc.request({ method: 'PATCH', url: `/users/${bob.id}`, headers: bob.auth, payload: { name: 'Bobbington' } });

  t.ok(filesHolding(svc.dataDir, zelda.needles).length > 0, 'before: the search finds the read model’s copy (it can fail)');
  t.same(
    filesHolding(svc.dataDir, zelda.needles).filter((hit) => !hit.startsWith('read-model')),
    [],
    'before: outside the read model the data is encrypted already (events, snapshots, claims)',
  );

  const url = `/users/${zelda.id}/erasure`;
  assertProblem(t, await svc.request({ method: 'POST', url, headers: zelda.auth, payload: {} }), 400, 'VALIDATION_FAILED', 'no password');
  const wrong = await svc.request({ method: 'POST', url, headers: zelda.auth, payload: { currentPassword: 'not-it' } });
  assertProblem(t, wrong, 401, 'INVALID_CREDENTIALS', 'a wrong password');
  assertProblem(t, await svc.request({ method: 'POST', url, headers: bob.auth, payload: {} }), 403, 'FORBIDDEN', 'another user');
  const erased = await svc.request({ method: 'POST', url, headers: zelda.auth, payload: { currentPassword: zelda.password } });
  t.equal(erased.statusCode, 204, 'the user erases themself with their password');

  t.same(filesHolding(svc.dataDir, zelda.needles), [], 'after: no file of the data directory holds any of them');
  t.ok(filesHolding(svc.dataDir, ['Bobbington']).length > 0, 'while another user’s data is still there');

  const types = (await svc.stream(zelda.id)).map((e) => e.type);
  t.same(types.slice(-2), ['UserRemoved', 'UserErased'], 'the erasure removed the user, then recorded the tombstone');
  const again = await svc.request({ method: 'POST', url, headers: svc.adminAuth(), payload: {} });
  t.equal(again.statusCode, 204, 'an admin may erase again: it changes nothing and is no error');
  t.equal((await svc.stream(zelda.id)).length, types.length, 'and records nothing more');
  assertProblem(t, await svc.request({ method: 'POST', url: '/users/nobody/erasure', headers: svc.adminAuth(), payload: {} }), 404, 'USER_NOT_FOUND');

  assertProblem(t, await svc.request({ method: 'GET', url: `/users/${zelda.id}`, headers: svc.adminAuth() }), 404, 'USER_NOT_FOUND', 'gone from reads');
  const login = await svc.request({ method: 'POST', url: '/sessions', payload: { email: zelda.newEmail, password: zelda.password } });
  assertProblem(t, login, 401, 'INVALID_CREDENTIALS', 'and from logins');
  const taken = await svc.request({
    method: 'POST',
    url: '/users',
    payload: { email: zelda.newEmail, username: `Zq_${zelda.needles[3]!.slice(3)}`, password: 'a-new-person-pw' },
  });
  t.equal(taken.statusCode, 201, 'the email and username are free for someone else');
  const bobNow = await svc.request({ method: 'GET', url: `/users/${bob.id}`, headers: bob.auth });
  t.equal((bobNow.json() as { name: string }).name, 'Bobbington', 'another user is untouched');
});

t.test('every reader handles an erased user: /events, temporal queries, a rebuild', async (t) => {
  const svc = await buildService(t);
  const zelda = await richUser(svc);
  const bob = await svc.signUp();
  const erased = await svc.request({ method: 'POST', url: `/users/${zelda.id}/erasure`, headers: svc.adminAuth(), payload: {} });
  t.equal(erased.statusCode, 204, 'an admin erases the user');

  const events = await svc.request({ method: 'GET', url: `/users/${zelda.id}/events?limit=100`, headers: svc.adminAuth() });
  t.equal(events.statusCode, 200, '/events answers');
  const items = (events.json() as { items: Array<{ type: string; data: Record<string, unknown> }> }).items;
  t.equal(items.at(-1)?.type, 'UserErased', 'ending with the tombstone');
  t.equal(items[0]?.data['email'], FORGOTTEN, 'personal fields read as forgotten');
  t.notOk(zelda.needles.some((needle) => events.body.includes(needle)), 'and none of them is in the answer');

  const asOf = await svc.request({ method: 'GET', url: `/users/${zelda.id}?version=2`, headers: svc.adminAuth() });
  t.equal(asOf.statusCode, 200, 'a temporal query of a version before the erasure answers');
  t.equal((asOf.json() as { email: string }).email, FORGOTTEN, 'with the data forgotten');
  t.notOk(zelda.needles.some((needle) => asOf.body.includes(needle)), 'and nothing of it');
  const at = await svc.request({ method: 'GET', url: `/users/${zelda.id}?at=2100-01-01T00:00:00Z`, headers: svc.adminAuth() });
  assertProblem(t, at, 404, 'USER_NOT_FOUND', 'at an instant after the erasure there is no user');

  // A rebuild from scratch: the projector folds every event through the same decorated store.
  const rebuilt = createMemoryUserReadModel();
  const projector = createProjector({ readModel: rebuilt, eventStore: svc.runtime.eventStore });
  await catchUp(svc.runtime.eventStore, projector, rebuilt, { checkpointName: 'rebuild' });
  const tombstone = await rebuilt.get(zelda.id);
  t.match(tombstone, { status: 'removed', email: FORGOTTEN, username: FORGOTTEN, name: null, surname: null }, 'the rebuild succeeds and the user stays gone');
  t.equal((await rebuilt.get(bob.id))?.email, bob.email, 'while others are rebuilt as they are');
});
