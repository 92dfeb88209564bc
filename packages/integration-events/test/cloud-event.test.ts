import { readFileSync } from 'node:fs';
import type { StoredEvent } from '@user-service/event-store';
import { USER_EVENT_TYPES, decide, fold, type UserCommand, type UserEvent } from '@user-service/user-domain';
import t from 'tap';
import { InvalidMessageError, parseCloudEvent, toCloudEvent } from '../src/index.js';

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
    ['data that is not an object', JSON.stringify({ ...good, data: 'x' })],
    ['no correlation id', JSON.stringify({ ...good, correlationid: undefined })],
  ];
  for (const [what, body] of cases) {
    t.throws(() => parseCloudEvent(body), InvalidMessageError, what);
  }
});
