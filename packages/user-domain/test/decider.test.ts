import t from 'tap';
import {
  CURRENT_SCHEMA_VERSION,
  USER_EVENT_TYPES,
  decide,
  evolve,
  fold,
  initialState,
  type UserCommand,
  type UserErrorCode,
  type UserEvent,
  type UserState,
} from '../src/index.js';
import {
  ALICE,
  NOW,
  REGISTERED_AT,
  RESET_EXPIRES_AT,
  RESET_REQUESTED_AT,
  activeHistory,
  allCommands,
  allEvents,
  emailChanged,
  emailConfirmed,
  erased,
  passwordChanged,
  profileUpdated,
  registered,
  removed,
  resetRequested,
} from './fixtures.js';
import { errorCodeOf, given } from './given.js';
import { emailKey, uniqueKeyChanges, uniqueKeysOf, userEvent, usernameKey, type UserRemoved } from '../src/index.js';

const register = (fields: Partial<Omit<Extract<UserCommand, { type: 'RegisterUser' }>, 'type'>> = {}) =>
  ({ type: 'RegisterUser', now: REGISTERED_AT, ...ALICE, ...fields }) as const;
const confirmEmail = (now = NOW) => ({ type: 'ConfirmEmail', now }) as const;
const completeReset = (tokenHash = 'token-1', now = NOW, passwordHash = 'hash-3') =>
  ({ type: 'CompletePasswordReset', now, tokenHash, passwordHash }) as const;

/** Strings that would hide or reorder what a name shows, or that have no single encoding. */
const NOT_NAMES = [
  '',
  '   ',
  '\t\n',
  'Al\u0000ice',
  'Alice\u0007',
  'Al\u0085ice',
  'Alice\u2028Smith',
  '\u202Eecila',
  'Al\u2066ice\u2069',
  'Alice\u200F',
  'Alice\ud800',
  '\udfffAlice',
];
const NAMES = ['Alice', 'Mary Ann', "O'Brien", 'Zoë', 'José', 'Łukasz', '山田', 'محمد', 'Ἀλέξανδρος', 'Ann 👩‍💻'];

const historyFor = (command: UserCommand) => (command.type === 'RegisterUser' ? [] : activeHistory);

t.test('RegisterUser', async (t) => {
  t.test('registers a user with a normalized email and null name and surname by default', async (t) => {
    given(t)
      .when({
        type: 'RegisterUser',
        now: REGISTERED_AT,
        email: '  Alice@Example.COM ',
        username: 'Alice',
        passwordHash: 'hash-1',
      })
      .then([registered({ email: 'alice@example.com', username: 'Alice', name: null, surname: null })]);
  });

  t.test('keeps the given name and surname', async (t) => {
    given(t).when(register()).then([registered()]);
  });

  t.test('is rejected for a user that already exists, even a removed one', async (t) => {
    given(t, registered()).when(register()).thenThrows('USER_ALREADY_EXISTS');
    given(t, registered(), emailConfirmed()).when(register()).thenThrows('USER_ALREADY_EXISTS');
    given(t, registered(), removed()).when(register()).thenThrows('USER_ALREADY_EXISTS');
  });

  t.test('requires a non-blank email, username and password hash', async (t) => {
    for (const blank of ['', '   ']) {
      given(t)
        .when(register({ email: blank }))
        .thenThrows('INVALID_COMMAND');
      given(t)
        .when(register({ username: blank }))
        .thenThrows('INVALID_COMMAND');
      given(t)
        .when(register({ passwordHash: blank }))
        .thenThrows('INVALID_COMMAND');
    }
  });

  t.test('refuses a name or surname that is not text a person reads', async (t) => {
    for (const name of NOT_NAMES) {
      given(t).when(register({ name })).thenThrows('INVALID_COMMAND');
      given(t).when(register({ surname: name })).thenThrows('INVALID_COMMAND');
    }
  });

  t.test('accepts names in any script, with inner spaces, apostrophes and marks', async (t) => {
    for (const name of NAMES) given(t).when(register({ name })).then([registered({ name })]);
  });
});

t.test('every command requires `now` to be an instant', async (t) => {
  for (const command of allCommands) {
    for (const now of ['', 'not a date', '2024-13-45T99:00:00Z', '1', 'March 1, 2024', '2024-03-01T10:30:00', '2024-02-30T00:00:00.000Z']) {
      given(t, ...historyFor(command))
        .when({ ...command, now })
        .thenThrows('INVALID_COMMAND');
    }
  }
});

t.test('ConfirmEmail', async (t) => {
  t.test('confirms the email of a registered user', async (t) => {
    given(t, registered())
      .when(confirmEmail())
      .then([emailConfirmed(ALICE.email, NOW)]);
  });

  t.test('is rejected for a user whose email is already confirmed', async (t) => {
    given(t, registered(), emailConfirmed()).when(confirmEmail()).thenThrows('INVALID_STATE');
  });

  // The original service let a removed user be confirmed again, which resurrected the account.
  t.test('cannot confirm the email of a removed user', async (t) => {
    given(t, registered(), removed()).when(confirmEmail()).thenThrows('USER_REMOVED');
    given(t, registered(), emailConfirmed(), removed()).when(confirmEmail()).thenThrows('USER_REMOVED');
  });

  t.test('confirms the new address after an email change', async (t) => {
    given(t, registered(), emailConfirmed(), emailChanged('alice@example.org'))
      .when(confirmEmail())
      .then([emailConfirmed('alice@example.org', NOW)]);
  });
});

t.test('UpdateProfile', async (t) => {
  const update = (fields: { username?: string; name?: string | null; surname?: string | null }) =>
    ({ type: 'UpdateProfile', now: NOW, ...fields }) as const;

  t.test('records only the fields that really change', async (t) => {
    given(t, registered())
      .when(update({ username: 'alice', name: 'Alicia', surname: 'Liddell' }))
      .then([profileUpdated({ name: 'Alicia' })]);
    given(t, registered())
      .when(update({ username: 'white-rabbit', surname: 'Kingsleigh' }))
      .then([profileUpdated({ username: 'white-rabbit', surname: 'Kingsleigh' })]);
  });

  t.test('records nothing when nothing changes', async (t) => {
    given(t, registered()).when(update({})).then([]);
    given(t, registered())
      .when(update({ username: 'alice', name: 'Alice', surname: 'Liddell' }))
      .then([]);
    given(t, registered({ name: null, surname: null }))
      .when(update({ name: null, surname: null }))
      .then([]);
  });

  t.test('null clears the name and the surname', async (t) => {
    given(t, registered())
      .when(update({ name: null }))
      .then([profileUpdated({ name: null })]);
    given(t, registered())
      .when(update({ surname: null }))
      .then([profileUpdated({ surname: null })]);
  });

  t.test('a change of username casing is a change', async (t) => {
    given(t, registered())
      .when(update({ username: 'Alice' }))
      .then([profileUpdated({ username: 'Alice' })]);
  });

  t.test('refuses a name or surname that is not text a person reads, and records nothing', async (t) => {
    for (const name of NOT_NAMES) {
      given(t, registered()).when(update({ name })).thenThrows('INVALID_COMMAND');
      given(t, registered()).when(update({ surname: name })).thenThrows('INVALID_COMMAND');
    }
  });

  t.test('requires a given username to be non-blank', async (t) => {
    given(t, registered())
      .when(update({ username: '' }))
      .thenThrows('INVALID_COMMAND');
    given(t, registered())
      .when(update({ username: '  ' }))
      .thenThrows('INVALID_COMMAND');
  });
});

t.test('ChangeEmail', async (t) => {
  const changeEmail = (email: string) => ({ type: 'ChangeEmail', now: NOW, email }) as const;

  t.test('changes to the normalized new address and remembers the previous one', async (t) => {
    given(t, registered(), emailConfirmed())
      .when(changeEmail(' Alice@Example.ORG '))
      .then([emailChanged('alice@example.org', ALICE.email)]);
  });

  t.test('the same address in another case or with blanks changes nothing', async (t) => {
    given(t, registered(), emailConfirmed()).when(changeEmail(' ALICE@example.com ')).then([]);
  });

  t.test('requires a non-blank email', async (t) => {
    given(t, registered()).when(changeEmail('')).thenThrows('INVALID_COMMAND');
    given(t, registered()).when(changeEmail(' ')).thenThrows('INVALID_COMMAND');
  });
});

t.test('ChangePassword', async (t) => {
  t.test('sets the new password hash by change', async (t) => {
    given(t, registered())
      .when({ type: 'ChangePassword', now: NOW, passwordHash: 'hash-2' })
      .then([passwordChanged('hash-2', 'change', NOW)]);
  });

  t.test('requires a non-blank password hash', async (t) => {
    given(t, registered())
      .when({ type: 'ChangePassword', now: NOW, passwordHash: '' })
      .thenThrows('INVALID_COMMAND');
  });
});

t.test('RequestPasswordReset', async (t) => {
  const requestReset = (expiresAt: string, tokenHash = 'token-1') =>
    ({ type: 'RequestPasswordReset', now: RESET_REQUESTED_AT, tokenHash, expiresAt }) as const;

  t.test('records the token hash and its expiry, for registered and confirmed users', async (t) => {
    given(t, registered()).when(requestReset(RESET_EXPIRES_AT)).then([resetRequested()]);
  });

  t.test('changes nothing while a token is pending, and issues a new one once it has expired', async (t) => {
    given(t, registered(), resetRequested()).when(requestReset(RESET_EXPIRES_AT, 'token-2')).then([]);
    const afterExpiry = { type: 'RequestPasswordReset', now: RESET_EXPIRES_AT, tokenHash: 'token-2', expiresAt: '2024-03-02T12:00:00.000Z' } as const;
    given(t, registered(), resetRequested())
      .when(afterExpiry)
      .then([resetRequested('token-2', '2024-03-02T12:00:00.000Z', RESET_EXPIRES_AT)]);
    given(t, registered(), resetRequested(), passwordChanged('hash-2', 'change'))
      .when(requestReset(RESET_EXPIRES_AT, 'token-2'))
      .then([resetRequested('token-2')]); // a password change ended the pending reset
    given(t, registered(), emailConfirmed()).when(requestReset(RESET_EXPIRES_AT)).then([resetRequested()]);
  });

  t.test('requires the token to expire after now', async (t) => {
    given(t, registered()).when(requestReset(RESET_REQUESTED_AT)).thenThrows('INVALID_COMMAND');
    given(t, registered()).when(requestReset('2024-03-01T09:59:59.999Z')).thenThrows('INVALID_COMMAND');
    given(t, registered())
      .when(requestReset('2024-03-01T10:00:00.001Z'))
      .then([resetRequested('token-1', '2024-03-01T10:00:00.001Z')]);
  });

  t.test('requires a non-blank token hash and an instant for expiresAt', async (t) => {
    given(t, registered()).when(requestReset(RESET_EXPIRES_AT, '')).thenThrows('INVALID_COMMAND');
    given(t, registered()).when(requestReset('tomorrow')).thenThrows('INVALID_COMMAND');
  });
});

t.test('CompletePasswordReset', async (t) => {
  t.test('sets the new password hash by reset with the pending token before it expires', async (t) => {
    given(t, registered(), resetRequested())
      .when(completeReset())
      .then([passwordChanged('hash-3', 'reset', NOW)]);
    given(t, registered(), resetRequested())
      .when(completeReset('token-1', '2024-03-01T10:59:59.999Z'))
      .then([passwordChanged('hash-3', 'reset', '2024-03-01T10:59:59.999Z')]);
  });

  t.test('is rejected without a pending reset or with another token', async (t) => {
    given(t, registered()).when(completeReset()).thenThrows('INVALID_RESET_TOKEN');
    given(t, registered(), resetRequested()).when(completeReset('token-x')).thenThrows('INVALID_RESET_TOKEN');
  });

  t.test('is rejected at and after the expiry', async (t) => {
    given(t, registered(), resetRequested())
      .when(completeReset('token-1', RESET_EXPIRES_AT))
      .thenThrows('RESET_TOKEN_EXPIRED');
    given(t, registered(), resetRequested())
      .when(completeReset('token-1', '2024-03-02T00:00:00.000Z'))
      .thenThrows('RESET_TOKEN_EXPIRED');
  });

  t.test('a token is single use', async (t) => {
    const history = [registered(), resetRequested()];
    const used = decide(completeReset(), fold(history));
    t.strictSame(used, [passwordChanged('hash-3', 'reset', NOW)]);
    given(t, ...history, ...used)
      .when(completeReset())
      .thenThrows('INVALID_RESET_TOKEN');
  });

  t.test('an email change voids the pending token: it was mailed to the old address', async (t) => {
    // Whoever still reads the old mailbox must not take over the account after it moved to another address.
    given(t, registered(), resetRequested(), emailChanged('new@example.com'))
      .when(completeReset())
      .thenThrows('INVALID_RESET_TOKEN');
    given(t, registered(), emailConfirmed(), resetRequested(), emailChanged('new@example.com'), resetRequested('token-2'))
      .when(completeReset('token-2'))
      .then([passwordChanged('hash-3', 'reset', NOW)]);
  });

  t.test('a newer request replaces the pending token', async (t) => {
    const history = [registered(), resetRequested('token-1'), resetRequested('token-2')];
    given(t, ...history)
      .when(completeReset('token-1'))
      .thenThrows('INVALID_RESET_TOKEN');
    given(t, ...history)
      .when(completeReset('token-2'))
      .then([passwordChanged('hash-3', 'reset', NOW)]);
  });

  t.test('a normal password change invalidates the pending token', async (t) => {
    given(t, registered(), resetRequested(), passwordChanged('hash-2', 'change'))
      .when(completeReset())
      .thenThrows('INVALID_RESET_TOKEN');
  });

  t.test('requires a non-blank password hash', async (t) => {
    given(t, registered(), resetRequested())
      .when(completeReset('token-1', NOW, ' '))
      .thenThrows('INVALID_COMMAND');
  });
});

t.test('RemoveUser removes a registered or confirmed user', async (t) => {
  given(t, registered())
    .when({ type: 'RemoveUser', now: NOW })
    .then([removed(NOW)]);
  given(t, registered(), emailConfirmed())
    .when({ type: 'RemoveUser', now: NOW })
    .then([removed(NOW)]);
});

t.test('ExpireRegistration', async (t) => {
  const expire = (now: string, confirmationTtlSeconds = 3600) => ({ type: 'ExpireRegistration', now, confirmationTtlSeconds }) as const;
  const expired = (removedAt: string) => userEvent<UserRemoved>('UserRemoved', { removedAt, reason: 'confirmation-expired' });

  t.test('removes a registration never confirmed within the window, from its end on', async (t) => {
    given(t, registered()).when(expire('2024-03-01T10:00:00.000Z')).then([expired('2024-03-01T10:00:00.000Z')]);
    given(t, registered(), profileUpdated({ name: 'Al' })).when(expire(NOW)).then([expired(NOW)]);
  });

  t.test('leaves alone a registration still inside its window', async (t) => {
    given(t, registered()).when(expire('2024-03-01T09:59:59.999Z')).thenThrows('INVALID_STATE');
  });

  t.test('leaves alone a user who ever confirmed, even one whose new address is unconfirmed', async (t) => {
    given(t, registered(), emailConfirmed()).when(expire(NOW)).thenThrows('INVALID_STATE');
    given(t, registered(), emailConfirmed(), emailChanged('new@example.com')).when(expire(NOW)).thenThrows('INVALID_STATE');
  });

  t.test('a removed or unknown user has nothing to expire', async (t) => {
    given(t).when(expire(NOW)).thenThrows('USER_NOT_FOUND');
    given(t, registered(), removed()).when(expire(NOW)).thenThrows('USER_REMOVED');
  });
});

t.test('rules over every command type', async (t) => {
  t.test(
    'every sample command is valid for an active user, so the rejections below come from the state',
    async (t) => {
      for (const command of allCommands) {
        const state = fold(historyFor(command));
        t.equal(
          errorCodeOf(() => decide(command, state)),
          undefined,
          `${command.type} is accepted`,
        );
      }
    },
  );

  t.test('with no user, every command except RegisterUser is rejected with USER_NOT_FOUND', async (t) => {
    for (const command of allCommands) {
      if (command.type === 'RegisterUser') {
        const { email, username, passwordHash, now } = command;
        given(t)
          .when(command)
          .then([
            registered({ email, username, passwordHash, name: null, surname: null, registeredAt: now }),
          ]);
      } else {
        given(t).when(command).thenThrows('USER_NOT_FOUND');
      }
    }
  });

  t.test('a removed user rejects every command', async (t) => {
    for (const history of [
      [registered(), removed()],
      [registered(), emailConfirmed(), resetRequested(), removed()],
    ]) {
      for (const command of allCommands) {
        // Erasure is the one thing a removed user may still ask for; see the erasure tests.
        if (command.type === 'EraseUser') continue;
        const code: UserErrorCode = command.type === 'RegisterUser' ? 'USER_ALREADY_EXISTS' : 'USER_REMOVED';
        given(t, ...history)
          .when(command)
          .thenThrows(code);
      }
    }
  });

  t.test('every event decided carries the current schema version of its type', async (t) => {
    const seen = new Set<string>();
    for (const command of allCommands) {
      for (const event of decide(command, fold(historyFor(command)))) {
        seen.add(event.type);
        t.equal(event.schemaVersion, CURRENT_SCHEMA_VERSION[event.type], `${event.type} schema version`);
      }
    }
    t.strictSame(
      [...seen].sort(),
      [...USER_EVENT_TYPES].sort(),
      'the sample commands decide every event type',
    );
  });

  // Decided twice some milliseconds apart: a domain that read the clock or a random source would differ.
  t.test('decisions are deterministic and leave the state untouched', async (t) => {
    const decideAll = () =>
      allCommands.map((command) => {
        const state = deepFreeze(fold(historyFor(command)));
        const snapshot = structuredClone(state);
        const events = decide(command, state);
        t.strictSame(state, snapshot, `${command.type} does not mutate the state`);
        return events;
      });
    const first = decideAll();
    await new Promise((resolve) => setTimeout(resolve, 5));
    t.strictSame(decideAll(), first, 'the same commands on the same states decide the same events');
  });
});

t.test('evolve', async (t) => {
  const active = {
    status: 'registered',
    ...ALICE,
    registeredAt: REGISTERED_AT,
    everConfirmed: false,
    passwordChangedAt: REGISTERED_AT,
    pendingReset: null,
  } as const;

  t.test('UserRegistered starts a registered user whose password was set at registration', async (t) => {
    t.strictSame(fold([registered()]), active);
  });

  t.test('UserEmailConfirmed confirms the user', async (t) => {
    t.strictSame(fold([registered(), emailConfirmed()]), { ...active, status: 'confirmed', everConfirmed: true });
  });

  t.test('UserProfileUpdated applies the changes it carries and leaves the other fields', async (t) => {
    t.strictSame(fold([registered(), profileUpdated({ username: 'Alice' })]), {
      ...active,
      username: 'Alice',
    });
    t.strictSame(fold([registered(), profileUpdated({ name: null, surname: 'Kingsleigh' })]), {
      ...active,
      name: null,
      surname: 'Kingsleigh',
    });
  });

  t.test('UserEmailChanged sets the new email and requires a new confirmation', async (t) => {
    t.strictSame(fold([registered(), emailConfirmed(), emailChanged('alice@example.org')]), {
      ...active,
      email: 'alice@example.org',
      everConfirmed: true,
    });
  });

  t.test('PasswordResetRequested sets the pending reset, replacing an older one', async (t) => {
    t.strictSame(fold([registered(), resetRequested()]), {
      ...active,
      pendingReset: { tokenHash: 'token-1', expiresAt: RESET_EXPIRES_AT },
    });
    t.strictSame(
      fold([registered(), resetRequested(), resetRequested('token-2', '2024-03-02T00:00:00.000Z')]),
      {
        ...active,
        pendingReset: { tokenHash: 'token-2', expiresAt: '2024-03-02T00:00:00.000Z' },
      },
    );
  });

  t.test('UserPasswordChanged sets the hash and its time and clears a pending reset', async (t) => {
    for (const method of ['change', 'reset'] as const) {
      t.strictSame(
        fold([registered(), emailConfirmed(), resetRequested(), passwordChanged('hash-2', method)]),
        {
          ...active,
          status: 'confirmed',
          everConfirmed: true,
          passwordHash: 'hash-2',
          passwordChangedAt: NOW,
        },
      );
    }
  });

  t.test('UserRemoved keeps only the time of removal', async (t) => {
    t.strictSame(fold([registered(), resetRequested(), removed()]), { status: 'removed', removedAt: NOW });
  });

  t.test('UserErased keeps only the times of removal and erasure', async (t) => {
    t.strictSame(fold([registered(), removed(REGISTERED_AT), erased()]), {
      status: 'erased',
      removedAt: REGISTERED_AT,
      erasedAt: NOW,
    });
  });

  t.test('fold continues from a given state', async (t) => {
    t.strictSame(fold([emailConfirmed()], fold([registered()])), { ...active, status: 'confirmed', everConfirmed: true });
    t.equal(fold([]), initialState);
  });

  t.test('refuses an event that cannot follow the state', async (t) => {
    const removedUser = fold([registered(), removed()]);
    const cases: [string, UserState, UserEvent][] = [
      ['UserRegistered on a registered user', fold([registered()]), registered()],
      ['UserRegistered on a confirmed user', fold([registered(), emailConfirmed()]), registered()],
      ...allEvents
        .filter((event) => event.type !== 'UserRegistered')
        .map((event): [string, UserState, UserEvent] => [`${event.type} on no user`, initialState, event]),
      ...allEvents
        .filter((event) => event.type !== 'UserErased')
        .map((event): [string, UserState, UserEvent] => [`${event.type} after UserRemoved`, removedUser, event]),
      ['UserErased on a registered user', fold([registered()]), erased()],
      ...allEvents.map((event): [string, UserState, UserEvent] => [
        `${event.type} after UserErased`,
        fold([registered(), removed(), erased()]),
        event,
      ]),
    ];
    for (const [name, state, event] of cases) {
      t.equal(
        errorCodeOf(() => evolve(state, event)),
        'INVALID_STATE',
        name,
      );
    }
  });
});

t.test('EraseUser', async (t) => {
  t.test('removes an active user first, then records the tombstone, in one decision', async (t) => {
    given(t, registered()).when({ type: 'EraseUser', now: NOW }).then([removed(), erased()]);
    given(t, registered(), emailConfirmed(), resetRequested())
      .when({ type: 'EraseUser', now: NOW })
      .then([removed(), erased()]);
  });

  t.test('only records the tombstone of a user removed before', async (t) => {
    given(t, registered(), removed(REGISTERED_AT)).when({ type: 'EraseUser', now: NOW }).then([erased()]);
    const expired = userEvent<UserRemoved>('UserRemoved', { removedAt: REGISTERED_AT, reason: 'confirmation-expired' });
    given(t, registered(), expired).when({ type: 'EraseUser', now: NOW }).then([erased()]);
  });

  t.test('changes nothing for a user already erased, so that a retry is not an error', async (t) => {
    given(t, registered(), removed(), erased()).when({ type: 'EraseUser', now: NOW }).then([]);
  });

  t.test('is refused for no user, and for a malformed time', async (t) => {
    given(t).when({ type: 'EraseUser', now: NOW }).thenThrows('USER_NOT_FOUND');
    given(t, registered()).when({ type: 'EraseUser', now: 'yesterday' }).thenThrows('INVALID_COMMAND');
  });

  t.test('an erased user rejects every other command', async (t) => {
    for (const command of allCommands) {
      if (command.type === 'EraseUser') continue;
      const code: UserErrorCode = command.type === 'RegisterUser' ? 'USER_ALREADY_EXISTS' : 'USER_REMOVED';
      given(t, registered(), removed(), erased()).when(command).thenThrows(code);
    }
  });

  t.test('an erased user holds no unique key', async (t) => {
    t.strictSame(uniqueKeysOf(fold([registered(), removed(), erased()])), []);
    t.strictSame(uniqueKeyChanges(fold([registered()]), [removed(), erased()]), {
      claims: [],
      releases: [emailKey(ALICE.email), usernameKey(ALICE.username)],
    });
  });
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

t.test('a command or an event of an unknown type is refused, never silently ignored', async (t) => {
  const unknownCommand = { type: 'PromoteUser', now: NOW } as unknown as UserCommand;
  t.equal(errorCodeOf(() => decide(unknownCommand, fold(activeHistory))), 'INVALID_COMMAND');
  const unknownEvent = { type: 'UserPromoted', schemaVersion: 1, data: {} } as unknown as UserEvent;
  t.equal(errorCodeOf(() => evolve(fold(activeHistory), unknownEvent)), 'UNSUPPORTED_EVENT');
});
