import type { StoredEvent } from '@user-service/event-store';
import { USER_EVENT_TYPES, isActive, isUserDomainError } from '@user-service/user-domain';
import t from 'tap';
import { applyToView, isReadModelError, type ProjectableEvent, type UserView } from '../src/index.js';
import { ERASED_LIFECYCLE, decideHistory, foldView } from './fixtures.js';

const history = decideHistory('user-alice', ERASED_LIFECYCLE);
const events = history.events;
const at = (version: number): StoredEvent => {
  const event = events[version - 1];
  if (!event) throw new Error(`the lifecycle has no version ${version}`);
  return event;
};
/** The views after each version: views[v] is the view at version v. */
const views: Array<UserView | undefined> = [undefined];
for (const event of events) views.push(applyToView(views.at(-1), event));

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    if (isReadModelError(error)) return error.code;
    throw error;
  }
  return undefined;
};
const with_ = (event: ProjectableEvent, changes: Partial<ProjectableEvent>): ProjectableEvent => ({
  ...event,
  ...changes,
});

t.test('the lifecycle has one event of every type', async (t) => {
  t.same(new Set(events.map((e) => e.type)), new Set(USER_EVENT_TYPES));
});

t.test('maps every event type onto the view', async (t) => {
  const expected = (version: number, fields: Partial<UserView>): UserView => ({
    id: 'user-alice',
    email: 'alice@example.com',
    username: 'Alice',
    name: 'Alice',
    surname: null,
    status: 'registered',
    version,
    createdAt: at(1).metadata.occurredAt,
    updatedAt: at(version).metadata.occurredAt,
    ...fields,
  });
  t.strictSame(views[1], expected(1, {}), 'UserRegistered: a registered view with a normalized email');
  t.strictSame(views[2], expected(2, { status: 'confirmed' }), 'UserEmailConfirmed confirms');
  const edited = { status: 'confirmed', name: null, surname: 'Liddell' } as const;
  t.strictSame(views[3], expected(3, edited), 'UserProfileUpdated clears and sets only what changed');
  t.strictSame(views[4], expected(4, edited), 'PasswordResetRequested only bumps version and time');
  t.strictSame(views[5], expected(5, edited), 'UserPasswordChanged (by reset) only bumps version and time');
  const moved = { ...edited, email: 'alice@example.org', status: 'registered' } as const;
  t.strictSame(views[6], expected(6, moved), 'UserEmailChanged moves the email and unconfirms it');
  const renamed = { ...moved, username: 'alice_l' };
  t.strictSame(views[7], expected(7, renamed), 'UserProfileUpdated of the username alone');
  t.strictSame(views[8], expected(8, renamed), 'UserPasswordChanged (by change) only bumps version and time');
  t.strictSame(views[9], expected(9, { ...renamed, status: 'removed' }), 'UserRemoved leaves a tombstone');
  const forgotten = { email: '[erased]', username: '[erased]', name: null, surname: null } as const;
  t.strictSame(views[10], expected(10, { ...forgotten, status: 'removed' }), 'UserErased keeps no personal data');
  t.strictSame(foldView(events), views[10], 'a plain fold gives the same view');
});

t.test('agrees with the domain fold at every version', async (t) => {
  for (let version = 1; version <= events.length; version++) {
    const state = decideHistory('user-alice', ERASED_LIFECYCLE.slice(0, version)).state;
    const view = views[version];
    // An erased user's view is a removed user's tombstone without its personal data.
    t.equal(view?.status, state.status === 'erased' ? 'removed' : state.status, `status at version ${version}`);
    if (isActive(state)) {
      const { email, username, name, surname } = state;
      t.match(view, { email, username, name, surname }, `profile at version ${version}`);
    }
  }
});

t.test('never lets a secret into a view', async (t) => {
  const allowed = ['id', 'email', 'username', 'name', 'surname', 'status', 'version', 'createdAt', 'updatedAt'];
  const secretKeys = new Set<string>();
  const secretValues = new Set<string>();
  for (const event of events) {
    for (const [key, value] of Object.entries(event.data)) {
      if (/hash|token|password|secret/i.test(key)) {
        secretKeys.add(key);
        secretValues.add(String(value));
      }
    }
  }
  t.same([...secretKeys].sort(), ['passwordHash', 'tokenHash'], 'the data keys that hold secrets');
  for (const [version, view] of views.entries()) {
    if (view === undefined) continue;
    t.same(Object.keys(view).sort(), [...allowed].sort(), `view ${version} has exactly the view fields`);
    const json = JSON.stringify(view);
    t.ok(
      [...secretKeys, ...secretValues].every((secret) => !json.includes(secret)),
      `view ${version} holds no secret key or value`,
    );
  }
});

t.test('projects events stripped of their secrets exactly as the stored ones', async (t) => {
  const stripped = events.map((event) => {
    const { passwordHash: _p, tokenHash: _t, ...data } = event.data;
    return { ...event, data };
  });
  t.strictSame(foldView(stripped), foldView(events));
  t.strictSame(applyToView(undefined, stripped[0] as ProjectableEvent), views[1]);
});

t.test('refuses an event that does not follow the view', async (t) => {
  t.equal(codeOf(() => applyToView(views[1], at(3))), 'OUT_OF_ORDER', 'a version ahead');
  t.equal(codeOf(() => applyToView(views[2], at(2))), 'OUT_OF_ORDER', 'the same version again');
  t.equal(codeOf(() => applyToView(views[3], at(2))), 'OUT_OF_ORDER', 'an older version');
  t.equal(codeOf(() => applyToView(undefined, at(2))), 'OUT_OF_ORDER', 'a first event that is not version 1');
  t.equal(
    codeOf(() => applyToView(views[1], with_(at(2), { streamId: 'user-bob' }))),
    'INVALID_ARGUMENT',
    "another stream's event",
  );
});

t.test('takes occurredAt as an RFC 3339 date-time, and nothing else', async (t) => {
  const registered = at(1);
  const project = (occurredAt: string) => {
    try {
      return applyToView(undefined, { ...registered, metadata: { occurredAt } }).createdAt;
    } catch (error) {
      return isReadModelError(error) ? error.code : error;
    }
  };
  const instants = [
    '2026-12-01T13:22:19Z',
    '2026-12-01T13:22:19.123Z',
    '2026-12-01T13:22:19.123456789Z',
    '2026-12-01T13:22:19+01:00',
    '2026-12-01T13:22:19.5-23:59',
    '0001-01-01T00:00:00Z',
  ];
  for (const instant of instants) t.equal(project(instant), instant, `${instant} is an instant`);
  const others = [
    '2026-12-01',
    '2026-12-01T13:22Z',
    '2026-12-01 13:22:19Z',
    '2026/12/01T13:22:19Z',
    '2026-12-01T13-22-19Z',
    '26-12-01T13:22:19.000Z',
    '2026-12-01T13:22:19',
    '2026-12-01T13:22:19.Z',
    '2026-12-01T13:22:19.1234567890Z',
    '2026-12-01T13:22:19Zulu',
    '2026-12-01T13:22:19+0100',
    '2026-12-01T13:22:19+01-00',
    '2026-12-01T13:22:19+24:00',
    '2026-12-01T13:22:19+01:60',
    '2026-00-01T13:22:19Z',
    '2026-13-01T13:22:19Z',
    '2026-12-00T13:22:19Z',
    '2026-12-32T13:22:19Z',
    '2026-12-01T24:00:00Z',
    '2026-12-01T13:60:19Z',
    '2016-12-31T23:59:60Z',
    '2026-1a-01T13:22:19Z',
  ];
  for (const other of others) t.equal(project(other), 'INVALID_EVENT', `${other} is not`);
});

t.test('refuses an event it cannot project, naming no value', async (t) => {
  const registered = at(1);
  const cases: Array<[string, UserView | undefined, ProjectableEvent]> = [
    ['a first event that is not a registration', undefined, with_(at(2), { version: 1 })],
    ['a second registration', views[1], with_(registered, { version: 2 })],
    ['an event after the removal', views[9], with_(at(8), { version: 10 })],
    ['an erasure of a user not removed', views[8], with_(at(10), { version: 9 })],
    ['an event after the erasure', views[10], with_(at(8), { version: 11 })],
    ['an unknown type', undefined, with_(registered, { type: 'UserTeleported' })],
    ['a future schema version', undefined, with_(registered, { schemaVersion: 2 })],
    ['an email that is not text', undefined, with_(registered, { data: { ...registered.data, email: 7 } })],
    ['a missing username', undefined, with_(registered, { data: { ...registered.data, username: '' } })],
    ['a name that is not text', undefined, with_(registered, { data: { ...registered.data, name: ['x'] } })],
    ['a missing occurredAt', undefined, { ...registered, metadata: {} as { occurredAt: string } }],
    ['an occurredAt that is no instant', undefined, { ...registered, metadata: { occurredAt: 'yesterday' } }],
    ['profile changes that are not an object', views[2], with_(at(3), { data: { changes: null } })],
    ['a profile username of a wrong type', views[2], with_(at(3), { data: { changes: { username: 3 } } })],
    ['a profile surname of a wrong type', views[2], with_(at(3), { data: { changes: { surname: 3 } } })],
    ['a changed email that is not text', views[5], with_(at(6), { data: { email: null } })],
  ];
  for (const [what, view, event] of cases) {
    let error: unknown;
    try {
      applyToView(view, event);
    } catch (e) {
      error = e;
    }
    t.ok(isReadModelError(error) && error.code === 'INVALID_EVENT', `${what} is INVALID_EVENT`);
    t.notMatch(String((error as Error).message), /alice|Alice|hash|token/, `${what}: the message holds no data`);
  }

  let upcastError: unknown;
  try {
    applyToView(undefined, with_(registered, { type: 'UserTeleported' }));
  } catch (error) {
    upcastError = error;
  }
  t.ok(isUserDomainError((upcastError as Error).cause), 'the domain error is kept as the cause');
  t.notOk(isReadModelError(new Error('plain')), 'the guard refuses other errors');
});
