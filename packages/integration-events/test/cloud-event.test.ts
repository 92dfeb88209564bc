import { readFileSync } from 'node:fs';
import type { StoredEvent } from '@user-service/event-store';
import { USER_EVENT_TYPES, decide, fold, type UserCommand, type UserEvent } from '@user-service/user-domain';
import t from 'tap';
import {
  InvalidMessageError,
  deduplicationIdOf,
  eventIdentity,
  fifoIdDigest,
  isFifoSafeId,
  messageGroupId,
  parseCloudEvent,
  toCloudEvent,
  withoutSecretFields,
} from '../src/index.js';

const docs = readFileSync(new URL('../../../docs/events.md', import.meta.url), 'utf8');

/** The `data` example documented under each `### Type (vN)` heading. */
function documentedData(): Map<string, { version: number; data: Record<string, unknown> }> {
  const found = new Map<string, { version: number; data: Record<string, unknown> }>();
  for (const [, type, version, json] of docs.matchAll(/^### (\w+) \(v(\d+)\)\n[\s\S]*?```json\n([\s\S]*?)```/gm)) {
    found.set(type!, { version: Number(version), data: JSON.parse(json!) as Record<string, unknown> });
  }
  return found;
}

/** The attribute names of the envelope table. */
function documentedAttributes(): string[] {
  const table = docs.slice(docs.indexOf('## Envelope'), docs.indexOf('An example'));
  return [...table.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]!);
}

const PASSWORD_HASH = 'scrypt$16384$8$1$c2FsdA$c2VjcmV0LWhhc2gtdGhhdC1tdXN0LW5vdC1sZWFr';
const TOKEN_HASH = 'f'.repeat(64);

/** One realistic stored event of every type, decided by the domain. */
function historyOfEveryType(): StoredEvent[] {
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 27, 10, minute)).toISOString();
  const commands: UserCommand[] = [
    { type: 'RegisterUser', now: at(0), email: 'Ann@Example.com', username: 'ann', passwordHash: PASSWORD_HASH, name: 'Ann' },
    { type: 'ConfirmEmail', now: at(1) },
    { type: 'UpdateProfile', now: at(2), username: 'ann.b', name: null },
    { type: 'ChangeEmail', now: at(3), email: 'ann@example.org' },
    { type: 'RequestPasswordReset', now: at(4), tokenHash: TOKEN_HASH, expiresAt: at(50) },
    { type: 'CompletePasswordReset', now: at(5), tokenHash: TOKEN_HASH, passwordHash: `${PASSWORD_HASH}2` },
    { type: 'RemoveUser', now: at(6) },
    { type: 'EraseUser', now: at(7) },
  ];
  const events: UserEvent[] = [];
  for (const command of commands) events.push(...decide(command, fold(events)));
  return events.map((event, i) => ({
    ...event,
    data: event.data as unknown as StoredEvent['data'],
    streamId: 'user-1',
    version: i + 1,
    eventId: `event-${i + 1}`,
    metadata: { occurredAt: at(i), correlationId: `request-${i}`, causationId: `request-${i}` },
  }));
}

t.test('every published type is documented with its schema version and exactly its data fields', async (t) => {
  const documented = documentedData();
  const history = historyOfEveryType();
  t.same(
    new Set(history.map((e) => e.type)),
    new Set(USER_EVENT_TYPES),
    'the sample history covers every event type',
  );
  t.same([...documented.keys()].sort(), [...USER_EVENT_TYPES].sort(), 'docs/events.md documents every type');
  for (const event of history) {
    const published = toCloudEvent(event);
    const doc = documented.get(event.type);
    t.equal(published.dataschema, `urn:user-service:events:${event.type}:v${doc?.version}`, `${event.type} version`);
    if (event.type === 'UserProfileUpdated') {
      t.same(Object.keys(published.data), ['changes'], 'UserProfileUpdated data');
    } else {
      t.same(Object.keys(published.data).sort(), Object.keys(doc?.data ?? {}).sort(), `${event.type} data fields`);
    }
  }
});

t.test('the envelope has exactly the documented attributes', async (t) => {
  const [event] = historyOfEveryType();
  const attributes = documentedAttributes();
  const live = toCloudEvent(event!);
  t.same(Object.keys(live).sort(), attributes.filter((a) => a !== 'replayed').sort());
  const replayed = toCloudEvent(event!, { replayed: true });
  t.same(Object.keys(replayed).sort(), [...attributes].sort());
  t.match(live, {
    specversion: '1.0',
    id: 'event-1',
    source: 'urn:user-service:users',
    type: 'UserRegistered',
    subject: 'user-1',
    datacontenttype: 'application/json',
    streamversion: 1,
    correlationid: 'request-0',
    causationid: 'request-0',
  });
  t.equal(JSON.parse(docs.slice(docs.indexOf('```json') + 7, docs.indexOf('```', docs.indexOf('```json') + 7))).specversion, '1.0', 'the documented example parses');
});

t.test('no published message carries a password hash or a token hash', async (t) => {
  for (const event of historyOfEveryType()) {
    const body = JSON.stringify(toCloudEvent(event));
    t.notOk(body.includes(PASSWORD_HASH) || body.includes(TOKEN_HASH), `${event.type} carries no secret`);
    t.notMatch(body, /hash|password"|token"/i, `${event.type} has no secret-looking field`);
  }
});

t.test('a published message parses back into the event', async (t) => {
  for (const event of historyOfEveryType()) {
    const received = parseCloudEvent(JSON.stringify(toCloudEvent(event, { replayed: event.version === 2 })));
    t.same(received, {
      eventId: event.eventId,
      streamId: event.streamId,
      version: event.version,
      type: event.type,
      schemaVersion: 1,
      data: toCloudEvent(event).data,
      metadata: event.metadata,
      replayed: event.version === 2,
    });
  }
});

t.test('a malformed message is refused with a reason', async (t) => {
  const good = toCloudEvent(historyOfEveryType()[0]!) as unknown as Record<string, unknown>;
  const cases: Array<[string, string]> = [
    ['not json', '{'],
    ['an array', '[]'],
    ['another spec version', JSON.stringify({ ...good, specversion: '0.3' })],
    ['no id', JSON.stringify({ ...good, id: '' })],
    ['a version of 0', JSON.stringify({ ...good, streamversion: 0 })],
    ['a fractional version', JSON.stringify({ ...good, streamversion: 1.5 })],
    ['a schema of another type', JSON.stringify({ ...good, dataschema: 'urn:user-service:events:UserRemoved:v1' })],
    ['a bad time', JSON.stringify({ ...good, time: 'yesterday' })],
    ['a time without a zone', JSON.stringify({ ...good, time: '2026-12-01T13:22:19' })],
    ['data that is not an object', JSON.stringify({ ...good, data: 'x' })],
    ['no correlation id', JSON.stringify({ ...good, correlationid: undefined })],
  ];
  for (const [what, body] of cases) {
    t.throws(() => parseCloudEvent(body), InvalidMessageError, what);
  }
});

t.test('an event newer than this code is published as stored, in its own schema version, without secret fields', async (t) => {
  const [registered, , updated] = historyOfEveryType();
  const newerVersion = toCloudEvent({
    ...registered!,
    schemaVersion: 7,
    data: { email: 'ann@example.com', passwordHash: PASSWORD_HASH, login: { otpSecret: 's', devices: [{ tokenHash: TOKEN_HASH, name: 'phone' }] } },
  });
  t.equal(newerVersion.dataschema, 'urn:user-service:events:UserRegistered:v7', 'labelled with the stored version');
  t.same(newerVersion.data, { email: 'ann@example.com', login: { devices: [{ name: 'phone' }] } }, 'as stored, less secrets');
  const newerType = toCloudEvent({ ...updated!, type: 'UserAvatarChanged', data: { url: 'https://x/a.png', uploadToken: 't' } });
  t.match(newerType, { type: 'UserAvatarChanged', dataschema: 'urn:user-service:events:UserAvatarChanged:v1', data: { url: 'https://x/a.png' } });
  t.notOk('uploadToken' in newerType.data);
  t.same(parseCloudEvent(JSON.stringify(newerVersion)).schemaVersion, 7, 'consumers read the version to upcast from');

  t.throws(() => toCloudEvent({ ...registered!, schemaVersion: 0 }), /schema version/, 'a malformed version is refused');
  t.throws(() => toCloudEvent({ ...updated!, type: 'UserAvatarChanged', data: [] as never }), InvalidMessageError);
});

t.test('the secret-field rule covers every field the domain keeps secret in the schemas known here', async (t) => {
  for (const event of historyOfEveryType()) {
    const hidden = Object.keys(event.data).filter((name) => !(name in toCloudEvent(event).data));
    t.same(Object.keys(withoutSecretFields(event.data)).filter((name) => hidden.includes(name)), [], `${event.type}: ${hidden.join(', ') || 'none'}`);
  }
});

t.test('deduplicationIdOf is the user and the version, or its digest where SNS would refuse it', async (t) => {
  t.equal(eventIdentity({ streamId: 'ann', version: 7 }), 'ann:7');
  t.equal(deduplicationIdOf({ streamId: 'ann', version: 7 }), 'ann:7');
  t.equal(deduplicationIdOf({ streamId: 'é', version: 1 }), fifoIdDigest('é:1'), 'outside printable ASCII: the digest');
  t.equal(deduplicationIdOf({ streamId: 'x'.repeat(127), version: 1 }), fifoIdDigest(`${'x'.repeat(127)}:1`), 'over 128 characters: the digest');
});

t.test('messageGroupId keeps ids FIFO queues accept and digests the rest, the same on every path', async (t) => {
  t.equal(messageGroupId('5d1e7f4a-0b8e-4c53-9a55-3b2b8e1f0c9d'), '5d1e7f4a-0b8e-4c53-9a55-3b2b8e1f0c9d');
  t.equal(messageGroupId('!~'), '!~', 'every printable ASCII character is allowed');
  for (const refused of ['ann smith', 'añn', 'x'.repeat(129), '']) {
    const id = messageGroupId(refused);
    t.match(id, /^[A-Za-z0-9_-]{43}$/, `${JSON.stringify(refused.slice(0, 10))} becomes a digest`);
    t.ok(isFifoSafeId(id));
    t.equal(messageGroupId(refused), id, 'deterministically');
  }
  t.equal(messageGroupId('x'.repeat(128)), 'x'.repeat(128), '128 characters is the limit, inclusive');
  t.not(messageGroupId('ann smith'), messageGroupId('ann  smith'), 'distinct ids keep distinct groups');
  t.equal(fifoIdDigest('a'), fifoIdDigest('a'));
});
