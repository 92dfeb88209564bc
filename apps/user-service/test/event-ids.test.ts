import t from 'tap';
import { createEventIds } from '../src/infrastructure/event-ids.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

t.test('event ids are distinct UUIDv7s of the time they were made, across refills of the pool', async (t) => {
  const newEventId = createEventIds();
  const before = Date.now();
  // Four fills of the pool and then some.
  const ids = Array.from({ length: 1100 }, () => newEventId());
  const after = Date.now();
  t.ok(
    ids.every((id) => UUID_V7.test(id)),
    'each is a UUIDv7 (version 7, RFC 9562 variant)',
  );
  t.equal(new Set(ids).size, ids.length, 'none twice');
  const times = ids.map((id) => Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16));
  t.ok(
    times.every((time) => time >= before && time <= after),
    'each carries the millisecond it was made in',
  );
  const randomParts = ids.map((id) => id.slice(24));
  t.equal(new Set(randomParts).size, ids.length, 'no random bytes reused: the trailing 48 random bits all differ');
});

t.test('two sources share no random bytes', async (t) => {
  const [a, b] = [createEventIds(), createEventIds()];
  const fromA = new Set(Array.from({ length: 300 }, () => a().slice(24)));
  t.ok(
    Array.from({ length: 300 }, () => b().slice(24)).every((tail) => !fromA.has(tail)),
    'independent pools',
  );
});
