import t from 'tap';
import {
  UserDomainError,
  decide,
  emailKey,
  fold,
  initialState,
  isUserDomainError,
  normalizeEmail,
  publicEventData,
  uniqueKeyChanges,
  uniqueKeysOf,
  upcast,
  usernameKey,
  type RecordedUserEvent,
  type UserCommand,
  type UserEvent,
} from '../src/index.js';
import {
  ALICE,
  NOW,
  REGISTERED_AT,
  RESET_EXPIRES_AT,
  RESET_REQUESTED_AT,
  allEvents,
  emailChanged,
  emailConfirmed,
  passwordChanged,
  profileUpdated,
  registered,
  removed,
  resetRequested,
} from './fixtures.js';
import { errorCodeOf } from './given.js';

t.test('unique keys', async (t) => {
  t.test('emails are normalized by trimming and lowercasing; usernames only by lowercasing', async (t) => {
    t.equal(normalizeEmail('  Alice@Example.COM\t'), 'alice@example.com');
    t.equal(emailKey(' Alice@Example.COM '), 'email:alice@example.com');
    t.equal(usernameKey('Alice'), 'username:alice');
  });

  t.test(
    'an active user holds its email and username keys; no user and a removed user hold none',
    async (t) => {
      const keys = ['email:alice@example.com', 'username:alice'];
      t.strictSame(uniqueKeysOf(fold([registered()])), keys);
      t.strictSame(uniqueKeysOf(fold([registered(), emailConfirmed()])), keys);
      t.strictSame(uniqueKeysOf(initialState), []);
      t.strictSame(uniqueKeysOf(fold([registered(), removed()])), []);
    },
  );

  // Changes are computed from the events decide() really produces, as the application will do.
  const changesFor = (history: UserEvent[], command: UserCommand) => {
    const state = fold(history);
    return uniqueKeyChanges(state, decide(command, state));
  };

  t.test('registering claims both keys', async (t) => {
    const command = { type: 'RegisterUser', now: NOW, ...ALICE, username: 'Alice' } as const;
    t.strictSame(changesFor([], command), {
      claims: ['email:alice@example.com', 'username:alice'],
      releases: [],
    });
  });

  t.test('a new username claims the new key and releases the old one', async (t) => {
    t.strictSame(changesFor([registered()], { type: 'UpdateProfile', now: NOW, username: 'Rabbit' }), {
      claims: ['username:rabbit'],
      releases: ['username:alice'],
    });
  });

  t.test('a change of username casing records an event but moves no key', async (t) => {
    const state = fold([registered()]);
    const events = decide({ type: 'UpdateProfile', now: NOW, username: 'ALICE' }, state);
    t.strictSame(events, [profileUpdated({ username: 'ALICE' })]);
    t.strictSame(uniqueKeyChanges(state, events), { claims: [], releases: [] });
  });

  t.test('a new email claims the new key and releases the old one', async (t) => {
    t.strictSame(
      changesFor([registered(), emailConfirmed()], {
        type: 'ChangeEmail',
        now: NOW,
        email: 'Alice@Example.ORG',
      }),
      {
        claims: ['email:alice@example.org'],
        releases: ['email:alice@example.com'],
      },
    );
  });

  t.test('removal releases both keys', async (t) => {
    t.strictSame(changesFor([registered(), emailConfirmed()], { type: 'RemoveUser', now: NOW }), {
      claims: [],
      releases: ['email:alice@example.com', 'username:alice'],
    });
  });

  t.test('events that touch no key, or no events, change nothing', async (t) => {
    t.strictSame(changesFor([registered()], { type: 'UpdateProfile', now: NOW, name: 'Alicia' }), {
      claims: [],
      releases: [],
    });
    t.strictSame(changesFor([registered()], { type: 'ChangeEmail', now: NOW, email: 'ALICE@example.com' }), {
      claims: [],
      releases: [],
    });
  });

  t.test('several events are netted into one set of changes', async (t) => {
    const state = fold([registered()]);
    t.strictSame(
      uniqueKeyChanges(state, [profileUpdated({ username: 'rabbit' }), emailChanged('alice@example.org')]),
      {
        claims: ['email:alice@example.org', 'username:rabbit'],
        releases: ['email:alice@example.com', 'username:alice'],
      },
    );
    // Renaming away and back within one batch keeps the key: nothing to claim or release.
    t.strictSame(
      uniqueKeyChanges(state, [
        profileUpdated({ username: 'rabbit' }),
        profileUpdated({ username: 'alice' }),
      ]),
      { claims: [], releases: [] },
    );
  });
});

t.test('upcast', async (t) => {
  t.test('an event of every known type at version 1 passes through unchanged', async (t) => {
    for (const event of allEvents) {
      const recorded = JSON.parse(JSON.stringify(event)) as RecordedUserEvent;
      t.strictSame(upcast(recorded), event, event.type);
    }
  });

  t.test('refuses what it cannot read with UNSUPPORTED_EVENT', async (t) => {
    const data = { removedAt: NOW };
    const cases: [string, RecordedUserEvent][] = [
      ['an unknown type', { type: 'UserRenamed', schemaVersion: 1, data }],
      ['an inherited property name as type', { type: 'constructor', schemaVersion: 1, data }],
      ['schema version 0', { type: 'UserRemoved', schemaVersion: 0, data }],
      ['a schema version above the current one', { type: 'UserRemoved', schemaVersion: 2, data }],
      ['a non-integer schema version', { type: 'UserRemoved', schemaVersion: 1.5, data }],
      ['a NaN schema version', { type: 'UserRemoved', schemaVersion: Number.NaN, data }],
      ['null data', { type: 'UserRemoved', schemaVersion: 1, data: null }],
      ['string data', { type: 'UserRemoved', schemaVersion: 1, data: '{"removedAt":"x"}' }],
      ['missing data', { type: 'UserRemoved', schemaVersion: 1, data: undefined }],
    ];
    for (const [name, recorded] of cases) {
      t.equal(
        errorCodeOf(() => upcast(recorded)),
        'UNSUPPORTED_EVENT',
        name,
      );
    }
  });
});

t.test('publicEventData', async (t) => {
  t.test('leaves out password and reset-token hashes', async (t) => {
    t.strictSame(publicEventData(registered()), {
      email: ALICE.email,
      username: ALICE.username,
      name: ALICE.name,
      surname: ALICE.surname,
      registeredAt: REGISTERED_AT,
    });
    t.strictSame(publicEventData(passwordChanged('hash-2', 'reset')), { method: 'reset', changedAt: NOW });
    t.strictSame(publicEventData(resetRequested()), {
      expiresAt: RESET_EXPIRES_AT,
      requestedAt: RESET_REQUESTED_AT,
    });
  });

  t.test('copies the data of events without secrets', async (t) => {
    for (const event of [
      emailConfirmed(),
      profileUpdated({ name: null }),
      emailChanged('a@b.c'),
      removed(),
    ]) {
      const data = publicEventData(event);
      t.strictSame(data, event.data, event.type);
      t.not(data, event.data, `${event.type} data is a copy, not the stored object`);
    }
  });

  // A new event type with a secret would have to be added to the switch; this catches the obvious names.
  t.test('no public data of any event type carries a hash', async (t) => {
    for (const event of allEvents) {
      t.strictSame(
        Object.keys(publicEventData(event)).filter((key) => /hash|secret|token/i.test(key)),
        [],
        event.type,
      );
    }
  });
});

t.test('domain errors', async (t) => {
  t.test('carry a string code and the UserDomainError name', async (t) => {
    const error = new UserDomainError('USER_NOT_FOUND', 'no such user');
    t.ok(error instanceof Error, 'is an Error');
    t.equal(error.name, 'UserDomainError');
    t.equal(error.code, 'USER_NOT_FOUND');
    t.equal(error.message, 'no such user');
  });

  t.test('isUserDomainError recognizes the shape, also from another copy of the module', async (t) => {
    t.ok(isUserDomainError(new UserDomainError('INVALID_STATE', 'x')), 'a UserDomainError');
    const foreign = Object.assign(new Error('x'), { name: 'UserDomainError', code: 'INVALID_STATE' });
    t.ok(isUserDomainError(foreign), 'an Error with the same name and a string code');
    t.notOk(isUserDomainError(new Error('x')), 'a plain Error');
    t.notOk(
      isUserDomainError(Object.assign(new Error('x'), { code: 'INVALID_STATE' })),
      'another error name',
    );
    t.notOk(
      isUserDomainError(Object.assign(new Error('x'), { name: 'UserDomainError', code: 42 })),
      'a numeric code',
    );
    t.notOk(
      isUserDomainError({ name: 'UserDomainError', code: 'INVALID_STATE', message: 'x' }),
      'not an Error',
    );
    t.notOk(isUserDomainError(null), 'null');
    t.notOk(isUserDomainError('USER_NOT_FOUND'), 'a bare code string');
  });

  t.test('errors thrown by decide are recognized by the guard', async (t) => {
    try {
      decide({ type: 'ConfirmEmail', now: NOW }, initialState);
      t.fail('expected decide to throw');
    } catch (error) {
      t.ok(isUserDomainError(error), 'recognized by the guard');
      t.ok(error instanceof UserDomainError, 'an instance of UserDomainError');
    }
  });
});

t.test('publicEventData shows nothing of an event type it does not know', async (t) => {
  const unknown = { type: 'UserPromoted', schemaVersion: 1, data: { secret: 'x' } } as unknown as UserEvent;
  t.strictSame(publicEventData(unknown), {});
});
