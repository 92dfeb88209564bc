import type { StoredEvent } from '@user-service/event-store';
import { applyToView, type UserView } from '@user-service/user-read-model';
import t, { type Test } from 'tap';
import { assertProblem, buildService, TEST_JWT_SECRET, testClock, unique, type TestService } from './helper.js';

/**
 * Concurrent writers, optimistic concurrency with If-Match, idempotent retries, time travel, and the
 * read model against the event store it is projected from.
 */

type Tap = Pick<Test, 'test' | 'match' | 'ok' | 'strictSame'>;

const env = { JWT_SECRET: TEST_JWT_SECRET };
const eventCount = async (svc: TestService) => (await svc.allEvents()).length;
const key = (value: string) => ({ 'idempotency-key': `${value}-${unique()}` });

t.test('concurrent writes without If-Match are re-decided, and none is lost', async (t) => {
  const svc = await buildService(t, env);
  const user = await svc.signUp();
  const url = `/users/${user.id}`;

  t.test('20 PATCHes of different fields and values', async (t) => {
    const changes = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? { name: `name-${i}` } : { surname: `surname-${i}` }));
    const before = (await svc.stream(user.id)).length;
    const responses = await Promise.all(changes.map((payload) => svc.request({ method: 'PATCH', url, headers: user.auth, payload })));
    t.strictSame(
      responses.map((res) => res.statusCode),
      changes.map(() => 200),
      'all succeed',
      { bodies: responses.filter((res) => res.statusCode !== 200).map((res) => res.body) },
    );
    const stream = await svc.stream(user.id);
    t.equal(stream.length, before + 20, 'one event per real change');
    const recorded = stream.slice(before).map((event) => (event.data as { changes: object }).changes);
    t.same(
      [...recorded].sort(byJson),
      [...changes].sort(byJson),
      'every requested change is recorded exactly once',
    );
    // Each answer shows its own change applied; the versions are all distinct.
    const versions = responses.map((res) => res.json().version as number);
    t.equal(new Set(versions).size, 20, 'each answer has a version of its own');
    const final = (await svc.request({ method: 'GET', url, headers: user.auth })).json();
    t.equal(final.version, before + 20);
    const last = recorded.at(-1) as { name?: string; surname?: string };
    t.ok(last.name === undefined || final.name === last.name, 'the read model shows the last name written');
  });

  t.test('10 identical PATCHes make exactly one change', async (t) => {
    const before = (await svc.stream(user.id)).length;
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => svc.request({ method: 'PATCH', url, headers: user.auth, payload: { name: 'Same For All' } })),
    );
    t.ok(responses.every((res) => res.statusCode === 200), 'all succeed');
    t.equal((await svc.stream(user.id)).length, before + 1, 'the others are decided again, as no-ops');
    t.ok(responses.every((res) => res.json().name === 'Same For All'));
  });

  t.test('different commands at once', async (t) => {
    const before = (await svc.stream(user.id)).length;
    const email = `concurrent${unique()}@example.com`;
    const username = `concurrent_${unique()}`;
    const responses = await Promise.all([
      svc.request({ method: 'PATCH', url, headers: user.auth, payload: { username } }),
      svc.request({ method: 'PUT', url: `${url}/email`, headers: user.auth, payload: { email } }),
      svc.request({ method: 'PATCH', url, headers: user.auth, payload: { surname: 'Concurrent' } }),
      svc.request({ method: 'POST', url: '/password-resets', payload: { email: user.email } }),
    ]);
    t.strictSame(responses.map((res) => res.statusCode).slice(0, 3), [200, 200, 200]);
    t.equal(responses[3]!.statusCode, 202);
    t.ok((await svc.stream(user.id)).length >= before + 3, 'every write is kept');
    const final = (await svc.request({ method: 'GET', url, headers: svc.adminAuth() })).json();
    t.match(final, { username, email, surname: 'Concurrent' }, 'and shows');
  });
});

t.test('concurrent registrations never share an email or a username', async (t) => {
  const svc = await buildService(t, env);
  const n = unique();
  const sameEmail = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      svc.request({ method: 'POST', url: '/users', payload: { email: `race${n}@example.com`, username: `race_${n}_${i}`, password: 'abcdefgh' } }),
    ),
  );
  t.equal(sameEmail.filter((res) => res.statusCode === 201).length, 1, 'one registration wins the email');
  for (const res of sameEmail.filter((r) => r.statusCode !== 201)) assertProblem(t, res, 409, 'EMAIL_TAKEN');

  const sameUsername = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      svc.request({ method: 'POST', url: '/users', payload: { email: `race${n}-${i}@example.com`, username: i % 2 ? `Racer_${n}` : `racer_${n}`, password: 'abcdefgh' } }),
    ),
  );
  t.equal(sameUsername.filter((res) => res.statusCode === 201).length, 1, 'one registration wins the username, whatever its case');
  for (const res of sameUsername.filter((r) => r.statusCode !== 201)) assertProblem(t, res, 409, 'USERNAME_TAKEN');
  t.equal(await eventCount(svc), 2, 'two users in the store');
});

t.test('concurrent PATCHes with the same If-Match: one wins, the rest get 412', async (t) => {
  const svc = await buildService(t, env);
  const user = await svc.signUp();
  const responses = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      svc.request({ method: 'PATCH', url: `/users/${user.id}`, headers: { ...user.auth, 'if-match': '"1"' }, payload: { name: `winner-${i}` } }),
    ),
  );
  const winners = responses.filter((res) => res.statusCode === 200);
  t.equal(winners.length, 1, 'exactly one 200');
  t.equal(winners[0]?.headers.etag, '"2"');
  const losers = responses.filter((res) => res.statusCode !== 200);
  t.equal(losers.length, 9);
  for (const res of losers) assertProblem(t, res, 412, 'VERSION_CONFLICT');
  t.equal((await svc.stream(user.id)).length, 2, 'one change recorded');
  const final = (await svc.request({ method: 'GET', url: `/users/${user.id}`, headers: user.auth })).json();
  t.equal(final.name, winners[0]?.json().name, 'the winner’s change is the one kept');
});

t.test('idempotent retries answer the original and write nothing', async (t) => {
  const svc = await buildService(t, env);

  t.test('POST /users', async (t) => {
    const n = unique();
    const payload = { email: `idem${n}@example.com`, username: `idem_${n}`, password: `idem password ${n}` };
    const headers = key('register');
    const first = await svc.request({ method: 'POST', url: '/users', headers, payload });
    t.equal(first.statusCode, 201);
    const before = await eventCount(svc);

    const retry = await svc.request({ method: 'POST', url: '/users', headers, payload });
    t.equal(retry.statusCode, 201, 'the original status');
    t.strictSame(retry.json(), first.json(), 'the original body');
    t.equal(retry.headers.location, first.headers.location);
    t.equal(retry.headers.etag, first.headers.etag);
    const reordered = await svc.request({
      method: 'POST',
      url: '/users',
      headers,
      payload: { password: payload.password, username: payload.username, email: payload.email },
    });
    t.strictSame(reordered.json(), first.json(), 'the same body with its fields in another order is the same request');
    t.equal(await eventCount(svc), before, 'nothing written');
    t.equal(svc.mails().filter((mail) => mail.to === payload.email).length, 1, 'one confirmation mail');

    const session = await svc.login(payload.email, payload.password);
    await svc.request({ method: 'PATCH', url: `/users/${first.json().id}`, headers: { authorization: `Bearer ${session}` }, payload: { name: 'Later' } });
    const afterChange = await svc.request({ method: 'POST', url: '/users', headers, payload });
    t.equal(afterChange.statusCode, 201);
    t.strictSame(afterChange.json(), first.json(), 'after another change, still the original');
    t.equal(await eventCount(svc), before + 1, 'and only that change was written');

    const other = await svc.request({ method: 'POST', url: '/users', headers, payload: { ...payload, email: `other${n}@example.com` } });
    assertProblem(t, other, 422, 'IDEMPOTENCY_KEY_REUSED', 'the same key with another body');
    t.equal(await eventCount(svc), before + 1, 'nothing written');

    const concurrentHeaders = key('register-concurrent');
    const m = unique();
    const concurrentPayload = { email: `idem${m}@example.com`, username: `idem_${m}`, password: 'abcdefgh' };
    const concurrent = await Promise.all(
      Array.from({ length: 5 }, () => svc.request({ method: 'POST', url: '/users', headers: concurrentHeaders, payload: concurrentPayload })),
    );
    t.strictSame(concurrent.map((res) => res.statusCode), [201, 201, 201, 201, 201], 'concurrent retries all answer 201');
    t.equal(new Set(concurrent.map((res) => res.json().id)).size, 1, 'for one user');
    t.equal((await svc.stream(concurrent[0]!.json().id)).length, 1, 'registered once');
    t.equal(svc.mails().filter((mail) => mail.to === concurrentPayload.email).length, 1, 'with one mail');
  });

  t.test('PATCH /users/{id}', async (t) => {
    const user = await svc.signUp();
    const url = `/users/${user.id}`;
    const headers = { ...user.auth, ...key('patch') };
    const first = await svc.request({ method: 'PATCH', url, headers, payload: { name: 'Idempotent' } });
    t.equal(first.statusCode, 200);
    const before = (await svc.stream(user.id)).length;

    const retry = await svc.request({ method: 'PATCH', url, headers, payload: { name: 'Idempotent' } });
    t.equal(retry.statusCode, 200);
    t.strictSame(retry.json(), first.json());
    t.equal(retry.headers.etag, first.headers.etag);
    t.equal((await svc.stream(user.id)).length, before, 'nothing written');

    await svc.request({ method: 'PATCH', url, headers: user.auth, payload: { name: 'Changed Since' } });
    const late = await svc.request({ method: 'PATCH', url, headers, payload: { name: 'Idempotent' } });
    t.equal(late.statusCode, 200);
    t.strictSame(late.json(), first.json(), 'after another change, the original answer');
    t.equal(late.headers.etag, first.headers.etag);
    t.equal((await svc.stream(user.id)).length, before + 1, 'and the retry did not undo the other change');
    t.equal((await svc.request({ method: 'GET', url, headers: user.auth })).json().name, 'Changed Since');

    assertProblem(
      t,
      await svc.request({ method: 'PATCH', url, headers, payload: { name: 'Something Else' } }),
      422,
      'IDEMPOTENCY_KEY_REUSED',
    );

    const pinned = { ...user.auth, ...key('patch-if-match'), 'if-match': `"${before + 1}"` };
    const withIfMatch = await svc.request({ method: 'PATCH', url, headers: pinned, payload: { surname: 'Pinned' } });
    t.equal(withIfMatch.statusCode, 200);
    await svc.request({ method: 'PATCH', url, headers: user.auth, payload: { surname: 'Moved On' } });
    const pinnedRetry = await svc.request({ method: 'PATCH', url, headers: pinned, payload: { surname: 'Pinned' } });
    t.equal(pinnedRetry.statusCode, 200, 'a retry with a now stale If-Match still answers the original');
    t.strictSame(pinnedRetry.json(), withIfMatch.json());
  });

  t.test('PUT /users/{id}/email', async (t) => {
    const user = await svc.signUp();
    const url = `/users/${user.id}/email`;
    const headers = { ...user.auth, ...key('email') };
    const email = `moved${unique()}@example.com`;
    const first = await svc.request({ method: 'PUT', url, headers, payload: { email } });
    t.equal(first.statusCode, 200);
    const before = (await svc.stream(user.id)).length;

    const retry = await svc.request({ method: 'PUT', url, headers, payload: { email } });
    t.equal(retry.statusCode, 200);
    t.strictSame(retry.json(), first.json());
    await svc.request({ method: 'PATCH', url: `/users/${user.id}`, headers: user.auth, payload: { name: 'Other Change' } });
    const late = await svc.request({ method: 'PUT', url, headers, payload: { email } });
    t.strictSame(late.json(), first.json(), 'after another change, the original answer');
    t.equal((await svc.stream(user.id)).length, before + 1, 'only the other change was written');
    t.equal(svc.mails().filter((mail) => mail.to === email).length, 1, 'one confirmation mail');
    assertProblem(
      t,
      await svc.request({ method: 'PUT', url, headers, payload: { email: `else${unique()}@example.com` } }),
      422,
      'IDEMPOTENCY_KEY_REUSED',
    );
  });

  t.test('POST /users/{id}/email-confirmation', async (t) => {
    const user = await svc.signUp();
    const token = svc.mails().find((mail) => mail.userId === user.id && mail.kind === 'email-confirmation')!.token;
    const headers = key('confirm');
    const url = `/users/${user.id}/email-confirmation`;
    const first = await svc.request({ method: 'POST', url, headers, payload: { token } });
    t.equal(first.statusCode, 200);
    const before = (await svc.stream(user.id)).length;
    const retry = await svc.request({ method: 'POST', url, headers, payload: { token } });
    t.equal(retry.statusCode, 200, 'not 409 INVALID_STATE: the original answer');
    t.strictSame(retry.json(), first.json());
    t.equal((await svc.stream(user.id)).length, before, 'nothing written');
    assertProblem(t, await svc.request({ method: 'POST', url, payload: { token } }), 409, 'INVALID_STATE', 'without the key it is a second confirmation');
  });

  t.test('DELETE /users/{id} by an admin', async (t) => {
    const user = await svc.signUp();
    const headers = { ...svc.adminAuth(), ...key('delete') };
    const first = await svc.request({ method: 'DELETE', url: `/users/${user.id}`, headers });
    t.equal(first.statusCode, 204);
    const before = await eventCount(svc);
    const retry = await svc.request({ method: 'DELETE', url: `/users/${user.id}`, headers });
    t.equal(retry.statusCode, 204, 'not 404: the original answer');
    t.equal(retry.body, first.body);
    const again = await svc.request({
      method: 'POST',
      url: '/users',
      payload: { email: user.email, username: user.username, password: 'abcdefgh' },
    });
    t.equal(again.statusCode, 201, 'another change in between: the address is taken again');
    t.equal((await svc.request({ method: 'DELETE', url: `/users/${user.id}`, headers })).statusCode, 204, 'still the original answer');
    t.equal(await eventCount(svc), before + 1, 'only the new registration was written');
    t.equal((await svc.request({ method: 'GET', url: `/users/${again.json().id}`, headers: svc.adminAuth() })).statusCode, 200, 'which the retry left alone');
  });

  t.test('DELETE /users/{id} by the user', async (t) => {
    const user = await svc.signUp();
    const headers = { ...user.auth, ...key('self-delete') };
    t.equal((await svc.request({ method: 'DELETE', url: `/users/${user.id}`, headers })).statusCode, 204);
    const before = await eventCount(svc);
    const retry = await svc.request({ method: 'DELETE', url: `/users/${user.id}`, headers });
    t.ok(retry.statusCode < 500, 'no 5xx', { status: retry.statusCode });
    t.equal(await eventCount(svc), before, 'nothing written');
    // A removal revokes every session of the user, and revocation wins over the retry: a session that no
    // longer exists cannot be used, not even to hear an earlier answer again (see the README).
    t.equal(retry.statusCode, 401, 'the removed user’s session is refused');
    t.equal(retry.json().code, 'UNAUTHORIZED');
  });

  t.test('POST /password-resets and /password-resets/confirm', async (t) => {
    const user = await svc.signUp();
    const other = await svc.signUp();
    const headers = key('reset');
    const first = await svc.request({ method: 'POST', url: '/password-resets', headers, payload: { email: user.email } });
    t.equal(first.statusCode, 202);
    const resets = () => svc.mails().filter((mail) => mail.kind === 'password-reset' && mail.userId === user.id);
    t.equal(resets().length, 1);
    const before = (await svc.stream(user.id)).length;

    const retry = await svc.request({ method: 'POST', url: '/password-resets', headers, payload: { email: user.email } });
    t.equal(retry.statusCode, 202);
    t.equal(retry.body, first.body);
    await svc.request({ method: 'PATCH', url: `/users/${user.id}`, headers: user.auth, payload: { name: 'In Between' } });
    const late = await svc.request({ method: 'POST', url: '/password-resets', headers, payload: { email: user.email } });
    t.equal(late.statusCode, 202, 'after another change too');
    t.equal((await svc.stream(user.id)).length, before + 1, 'only the other change was written');
    t.equal(resets().length, 1, 'no second mail');
    // The key is not used here: a key remembered only for known addresses would tell them apart.
    const elsewhere = await svc.request({ method: 'POST', url: '/password-resets', headers, payload: { email: other.email } });
    t.equal(elsewhere.statusCode, 202, 'for another account, the same 202');
    t.equal(svc.mails().filter((mail) => mail.kind === 'password-reset' && mail.userId === other.id).length, 1, 'and its own mail');

    const confirmHeaders = key('reset-confirm');
    const payload = { token: resets()[0]!.token, newPassword: 'idempotent reset' };
    const done = await svc.request({ method: 'POST', url: '/password-resets/confirm', headers: confirmHeaders, payload });
    t.equal(done.statusCode, 204);
    const afterDone = (await svc.stream(user.id)).length;
    const doneAgain = await svc.request({ method: 'POST', url: '/password-resets/confirm', headers: confirmHeaders, payload });
    t.equal(doneAgain.statusCode, 204, 'a retried confirmation answers 204, not INVALID_TOKEN');
    t.equal((await svc.stream(user.id)).length, afterDone, 'nothing written');
    assertProblem(
      t,
      await svc.request({ method: 'POST', url: '/password-resets/confirm', headers: confirmHeaders, payload: { ...payload, newPassword: 'another one!' } }),
      422,
      'IDEMPOTENCY_KEY_REUSED',
    );
  });

  t.test('keys belong to their caller', async (t) => {
    const alice = await svc.signUp();
    const bob = await svc.signUp();
    const shared = key('shared')['idempotency-key'];
    const a = await svc.request({ method: 'PATCH', url: `/users/${alice.id}`, headers: { ...alice.auth, 'idempotency-key': shared }, payload: { name: 'A' } });
    const b = await svc.request({ method: 'PATCH', url: `/users/${bob.id}`, headers: { ...bob.auth, 'idempotency-key': shared }, payload: { name: 'B' } });
    t.equal(a.statusCode, 200);
    t.equal(b.statusCode, 200, 'another user may use the same key');
    t.equal(b.json().name, 'B');
  });

  await readModelMatchesStore(t, svc);
});

t.test('time travel: ?at and ?version rebuild the user from its events', async (t) => {
  const clock = testClock('2030-01-01T00:00:00.000Z');
  const svc = await buildService(t, env, { clock });
  const user = await svc.signUp(); // at T0
  const bob = await svc.signUp();
  const url = `/users/${user.id}`;
  const minute = 60_000;
  const t0 = clock.now().toISOString();
  clock.advance(minute);
  const t1 = clock.now().toISOString();
  await svc.request({ method: 'PATCH', url, headers: user.auth, payload: { name: 'Ada' } });
  clock.advance(minute);
  const newEmail = `travel${unique()}@example.com`;
  await svc.request({ method: 'PUT', url: `${url}/email`, headers: user.auth, payload: { email: newEmail } });
  clock.advance(minute);
  await svc.request({ method: 'PATCH', url, headers: user.auth, payload: { surname: 'Lovelace' } });
  clock.advance(minute);
  const current = await svc.request({ method: 'GET', url, headers: user.auth });
  t.equal(current.json().version, 4);

  const get = (query: string, headers = user.auth) => svc.request({ method: 'GET', url: `${url}?${query}`, headers });
  const at = (instant: string) => `at=${encodeURIComponent(instant)}`;
  /** One assertion per look back: the status, the ETag and the view. */
  const expectView = async (t: Tap, query: string, view: object, headers = user.auth) => {
    const res = await get(query, headers);
    let body: unknown = res.body;
    try {
      body = res.json();
    } catch {
      // left as text for the diff
    }
    const version = (view as { version?: number }).version;
    t.match(
      { status: res.statusCode, etag: res.headers.etag, body },
      { status: 200, ...(version === undefined ? {} : { etag: `"${version}"` }), body: view },
      query,
    );
  };

  t.test('?version', async (t) => {
    await expectView(t, 'version=1', { version: 1, email: user.email, name: null, surname: null, status: 'registered' });
    await expectView(t, 'version=2', { version: 2, name: 'Ada', email: user.email });
    await expectView(t, 'version=3', { version: 3, email: newEmail, surname: null });
    await expectView(t, 'version=4', current.json());
  });

  t.test('?at', async (t) => {
    await expectView(t, at(t0), { version: 1, name: null });
    await expectView(t, at(new Date(Date.parse(t1) - 1).toISOString()), { version: 1 });
    await expectView(t, at(t1), { version: 2, name: 'Ada' });
    await expectView(t, at('2030-01-01T01:01:30+01:00'), { version: 2 });
    await expectView(t, at('2031-01-01T00:00:00Z'), current.json());
    assertProblem(t, await get(at('2029-12-31T23:59:59.999Z')), 404, 'USER_NOT_FOUND', 'before it existed');
  });

  t.test('self or admin', async (t) => {
    assertProblem(t, await get(at(t1), bob.auth), 403, 'FORBIDDEN', '?at');
    assertProblem(t, await get('version=1', bob.auth), 403, 'FORBIDDEN', '?version');
    await expectView(t, at(t1), { version: 2 }, svc.adminAuth());
    await expectView(t, 'version=2', { version: 2 }, svc.adminAuth());
  });

  t.test('after removal', async (t) => {
    clock.advance(minute);
    t.equal((await svc.request({ method: 'DELETE', url, headers: svc.adminAuth() })).statusCode, 204);
    assertProblem(t, await get(at('2031-01-01T00:00:00Z'), svc.adminAuth()), 404, 'USER_NOT_FOUND', 'now it is gone');
    // …but it was there then.
    await expectView(t, 'version=2', { name: 'Ada', version: 2 }, svc.adminAuth());
    await expectView(t, at(t1), { name: 'Ada', version: 2 }, svc.adminAuth());
  });
});

/**
 * The read model is a projection of the store: for every user it equals the fold of the stream, both as
 * GET ?version=<latest> rebuilds it and as the projection's own fold (`applyToView`) computes it.
 */
async function readModelMatchesStore(t: Tap, svc: TestService): Promise<void> {
  await t.test('the read model equals the fold of the event store', async (t) => {
    const admin = svc.adminAuth();
    const streams = new Map<string, StoredEvent[]>();
    for (const event of await svc.allEvents()) streams.set(event.streamId, [...(streams.get(event.streamId) ?? []), event]);
    t.ok(streams.size >= 8, 'many users to compare', { users: streams.size });
    const projected: string[] = [];
    const rebuilt: string[] = [];
    for (const [id, events] of streams) {
      let folded: UserView | undefined;
      for (const event of events) folded = applyToView(folded, event);
      const now = await svc.request({ method: 'GET', url: `/users/${id}`, headers: admin });
      if (folded === undefined || folded.status === 'removed') {
        if (now.statusCode !== 404) projected.push(`${id}: removed, yet ${now.statusCode}`);
        continue;
      }
      if (now.statusCode !== 200 || JSON.stringify(now.json()) !== JSON.stringify(folded)) {
        projected.push(`${id}: read model ${now.body} != fold ${JSON.stringify(folded)}`);
      }
      const asOf = await svc.request({ method: 'GET', url: `/users/${id}?version=${events.length}`, headers: admin });
      if (asOf.statusCode !== 200 || asOf.body !== now.body) {
        rebuilt.push(`${id}: ?version=${events.length} answered ${asOf.statusCode} ${asOf.body.slice(0, 200)}`);
      }
    }
    t.strictSame(projected, [], 'GET /users/{id} equals the fold of every stream');
    t.strictSame(rebuilt, [], 'GET /users/{id}?version=<latest> equals GET /users/{id} for every user');
  });
}

function byJson(a: object, b: object): number {
  return JSON.stringify(a).localeCompare(JSON.stringify(b));
}

t.test('every outcome of a key is kept: a no-op or a refusal retried later writes nothing (issue 9, defect 4)', async (t) => {
  const svc = await buildService(t, env);
  const user = await svc.signUp();
  const url = `/users/${user.id}`;
  await svc.request({ method: 'PATCH', url, headers: user.auth, payload: { name: 'Alice' } });
  const k = { ...user.auth, 'idempotency-key': `noop-${unique()}` };

  const first = await svc.request({ method: 'PATCH', url, headers: k, payload: { name: 'Alice' } });
  t.equal(first.statusCode, 200, 'a no-op: Alice is Alice already');
  const bob = await svc.request({ method: 'PATCH', url, headers: user.auth, payload: { name: 'Bob' } });
  t.equal(bob.json().name, 'Bob', 'another request sets Bob');
  const before = (await svc.stream(user.id)).length;
  const retry = await svc.request({ method: 'PATCH', url, headers: k, payload: { name: 'Alice' } });
  t.strictSame([retry.statusCode, retry.json()], [200, first.json()], 'the retry answers the original no-op');
  t.equal((await svc.stream(user.id)).length, before, 'and writes nothing');
  t.equal((await svc.request({ method: 'GET', url, headers: user.auth })).json().name, 'Bob', 'Bob stays');

  const stale = { ...user.auth, 'if-match': '"1"', 'idempotency-key': `stale-${unique()}` };
  const refused = await svc.request({ method: 'PATCH', url, headers: stale, payload: { surname: 'Stale' } });
  t.equal(refused.statusCode, 412);
  const refusedAgain = await svc.request({ method: 'PATCH', url, headers: stale, payload: { surname: 'Stale' } });
  t.strictSame([refusedAgain.statusCode, refusedAgain.json().code, refusedAgain.json().detail], [412, refused.json().code, refused.json().detail], 'a refusal is answered again, word for word');
  t.equal((await svc.stream(user.id)).length, before, 'nothing written');
  const other = await svc.request({ method: 'PATCH', url, headers: stale, payload: { surname: 'Other' } });
  assertProblem(t, other, 422, 'IDEMPOTENCY_KEY_REUSED', 'the key of a refusal with another body');

  const wrong = { ...user.auth, 'idempotency-key': `pw-${unique()}` };
  const body = { currentPassword: 'not-the-password', newPassword: 'a new password' };
  assertProblem(t, await svc.request({ method: 'PUT', url: `${url}/password`, headers: wrong, payload: body }), 401, 'INVALID_CREDENTIALS');
  assertProblem(t, await svc.request({ method: 'PUT', url: `${url}/password`, headers: wrong, payload: body }), 401, 'INVALID_CREDENTIALS', 'the retry hears the same refusal');
});
