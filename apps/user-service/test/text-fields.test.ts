import t from 'tap';
import { assertProblem, buildService, TEST_JWT_SECRET, unique } from './helper.js';

/**
 * Every text field takes text: well-formed Unicode, without controls or bidirectional overrides. A lone
 * surrogate has no one encoding, so two different passwords would hash alike; a NUL or U+202E in a name
 * hides or reorders what it shows.
 */

const svc = await buildService(t, { JWT_SECRET: TEST_JWT_SECRET });

/** JSON text as a client sends it: `\ud800` stays an escape, so the server's JSON.parse makes the lone surrogate. */
const rawJson = (fields: Record<string, string>) =>
  `{${Object.entries(fields)
    .map(([key, value]) => `${JSON.stringify(key)}:"${value}"`)
    .join(',')}}`;

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  svc.request({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: body });

async function storeSize(): Promise<number> {
  return (await svc.allEvents()).length;
}

t.test('a password with a lone surrogate is refused, so it cannot collide with another', async (t) => {
  const before = await storeSize();
  for (const password of ['correct-horse\\ud800', 'correct-horse\\udfff', '\\ud83dcorrect-horse']) {
    const id = unique();
    const res = await post(
      '/users',
      rawJson({ email: `s${id}@example.com`, username: `s${id}`, password }),
    );
    assertProblem(t, res, 400, 'VALIDATION_FAILED', `register with ${password}`);
  }
  t.equal(await storeSize(), before, 'nothing was written');

  const user = await svc.signUp({ password: 'correct-horse\ufffd' });
  const lone = await post('/sessions', rawJson({ email: user.email, password: 'correct-horse\\ud800' }));
  assertProblem(t, lone, 400, 'VALIDATION_FAILED', 'a login with a lone surrogate is not a wrong password: it is no password');
  const change = await svc.request({
    method: 'PUT',
    url: `/users/${user.id}/password`,
    headers: { ...user.auth, 'content-type': 'application/json' },
    payload: rawJson({ currentPassword: 'correct-horse\ufffd', newPassword: 'new-password\\udfff' }),
  });
  assertProblem(t, change, 400, 'VALIDATION_FAILED', 'a new password with a lone surrogate');
  const paired = await post('/sessions', JSON.stringify({ email: user.email, password: 'correct-horse\ufffd' }));
  t.equal(paired.statusCode, 200, 'the real password, U+FFFD and all, still logs in');
});

t.test('names with controls, separators, bidi overrides or only blanks are refused, and nothing is written', async (t) => {
  const user = await svc.signUp();
  const names = ['Al\\u0000ice', '\\u202Eecila', 'Al\\u2066ice', 'Alice\\u2028', '   ', '\\t', 'Alice\\ud800'];
  const before = await storeSize();
  for (const name of names) {
    const id = unique();
    const register = await post('/users', rawJson({ email: `n${id}@example.com`, username: `n${id}`, password: 'long-enough-1', name }));
    assertProblem(t, register, 400, 'VALIDATION_FAILED', `register with name ${name}`);
    const update = await svc.request({
      method: 'PATCH',
      url: `/users/${user.id}`,
      headers: { ...user.auth, 'content-type': 'application/json' },
      payload: rawJson({ surname: name }),
    });
    assertProblem(t, update, 400, 'VALIDATION_FAILED', `surname ${name}`);
  }
  t.equal(await storeSize(), before, 'nothing was written');

  const fine = await svc.request({
    method: 'PATCH',
    url: `/users/${user.id}`,
    headers: user.auth,
    payload: { name: 'Zoë Ann', surname: "O'Brien-山田 👩‍💻" },
  });
  t.equal(fine.statusCode, 200, 'names in any script, with spaces, apostrophes and emoji, are fine');
  t.match(fine.json(), { name: 'Zoë Ann', surname: "O'Brien-山田 👩‍💻" });
});

t.test('tokens are base64url in dotted parts: anything else is refused before it is looked at', async (t) => {
  for (const token of ['abc def', 'x\\u0000y', 'abc\\ud800']) {
    const res = await post('/password-resets/confirm', rawJson({ token, newPassword: 'long-enough-1' }));
    assertProblem(t, res, 400, 'VALIDATION_FAILED', `token ${token}`);
  }
});
