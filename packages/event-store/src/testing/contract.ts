import fc from 'fast-check';
import type { t as tapRoot } from 'tap';
import {
  isClaimNotHeldError,
  isConcurrencyError,
  isDuplicateEventIdError,
  isIdempotencyKeyReusedError,
  isInvalidArgumentError,
  isUniquenessError,
} from '../errors.js';
import { IDEMPOTENCY_TTL_SECONDS } from '../idempotency.js';
import type { AppendOptions, AppendResult, EventStore, NewEvent, OutcomeRecord, Snapshot, StoredEvent } from '../types.js';
import { asRetry, testEvent, testEvents, uniqueStreamId } from './fixtures.js';

type Tap = Parameters<Parameters<typeof tapRoot.test>[0]>[0];

export interface EventStoreFactory {
  /** Shown in the name of every test, e.g. `sqlite`. */
  readonly name: string;
  /**
   * A store over empty storage of its own, reading the clock from `now` (milliseconds since the epoch) when
   * given. The suite closes every store it creates.
   */
  create(options?: { readonly now?: () => number }): Promise<EventStore>;
  /** Whether stored events carry a global, gap-free `position` that a reader can follow. */
  readonly globalPosition: boolean;
  /**
   * Which earlier events of the stream an append's event ids are checked against: all of them, or only the
   * event at `expectedVersion` (DynamoDB: see docs/event-store.md).
   */
  readonly eventIdsUniqueWithin: 'stream' | 'last-event';
  /** Runs of the model-based property test. @default 40 */
  readonly propertyRuns?: number;
}

/** Runs the whole contract against one adapter. */
export async function eventStoreContract(t: Tap, factory: EventStoreFactory): Promise<void> {
  const scenario = (name: string, body: (t: Tap, store: EventStore) => Promise<void>) =>
    t.test(`${factory.name}: ${name}`, async (t) => {
      const store = await factory.create();
      t.teardown(() => store.close());
      await body(t, store);
    });

  await scenario('appends and reads back the exact envelope', async (t, store) => {
    const streamId = uniqueStreamId();
    const data = {
      text: 'Zoë — 雪 🚀',
      empty: '',
      nested: { list: [1, -2.5, 9007199254740991, true, null, { deep: [] }], object: {} },
    };
    const first = [testEvent('Opened', data, 'user-1'), testEvent('Renamed', { name: 'x' })];
    const result = await store.append(streamId, first, { expectedVersion: 0 });
    t.same(result, {
      streamId,
      firstVersion: 1,
      lastVersion: 2,
      eventIds: first.map((e) => e.eventId),
      duplicate: false,
      ...(factory.globalPosition ? { firstPosition: 1 } : {}),
    });

    const more = testEvents(3);
    const next = await store.append(streamId, more, { expectedVersion: 2 });
    t.equal(next.firstVersion, 3);
    t.equal(next.lastVersion, 5);

    const read = await store.readStream(streamId);
    t.same(
      read.map(({ position: _position, ...event }) => event),
      [...first, ...more].map((event, i) => ({ ...event, streamId, version: i + 1 })),
      'every field of every event comes back as it was written',
    );
    t.strictSame(read[0]?.data, data, 'JSON data round-trips exactly');
    t.equal(read[0]?.metadata.actor, 'user-1');
    t.notOk('actor' in (read[1]?.metadata ?? {}), 'an absent actor stays absent');

    t.same(
      (await store.readStream(streamId, { fromVersion: 2, toVersion: 4 })).map((e) => e.version),
      [2, 3, 4],
    );
    t.same((await store.readStream(streamId, { fromVersion: 5 })).map((e) => e.version), [5]);
    t.same(await store.readStream(streamId, { fromVersion: 6 }), []);
    t.same(await store.readStream(uniqueStreamId()), [], 'a stream that does not exist reads empty');
  });

  await scenario('rejects a stale, early or late expected version and writes nothing', async (t, store) => {
    const streamId = uniqueStreamId();
    await store.append(streamId, testEvents(3), { expectedVersion: 0 });
    for (const expectedVersion of [0, 2, 4, 10]) {
      const error = await rejection(store.append(streamId, testEvents(1), { expectedVersion }));
      t.ok(isConcurrencyError(error), `expected version ${expectedVersion} conflicts`);
      t.match(error, { code: 'CONCURRENCY_CONFLICT', streamId, expectedVersion });
    }
    const other = uniqueStreamId();
    t.ok(isConcurrencyError(await rejection(store.append(other, testEvents(1), { expectedVersion: 1 }))));
    t.equal((await store.readStream(streamId)).length, 3);
    t.same(await store.readStream(other), [], 'a conflicting append to a new stream creates nothing');
  });

  await scenario('appends on top of the expected event only', async (t, store) => {
    const streamId = uniqueStreamId();
    const first = testEvents(2);
    await store.append(streamId, first, { expectedVersion: 0 });
    const lastId = first[1]!.eventId;
    const onTop = await store.append(streamId, testEvents(1), { expectedVersion: 2, expectedEventId: lastId });
    t.equal(onTop.lastVersion, 3, 'the event at the expected version has the expected id: appended');

    // Another writer's event holds version 4: an append that expects its own event there must not land.
    const foreign = testEvents(1);
    await store.append(streamId, foreign, { expectedVersion: 3 });
    const error = await rejection(
      store.append(streamId, testEvents(1), { expectedVersion: 4, expectedEventId: 'the-event-that-failed' }),
    );
    t.ok(isConcurrencyError(error), 'another event at the expected version conflicts');
    t.match(error, { code: 'CONCURRENCY_CONFLICT', streamId, expectedVersion: 4 });
    const retryKey = `key-${uniqueStreamId()}`;
    const keyed = await store.append(streamId, testEvents(1), {
      expectedVersion: 4,
      expectedEventId: foreign[0]!.eventId,
      idempotencyKey: retryKey,
    });
    t.equal(keyed.lastVersion, 5, 'the right id, with an idempotency key');
    t.match(
      await store.append(streamId, testEvents(1), { expectedVersion: 4, expectedEventId: 'stale', idempotencyKey: retryKey }),
      { duplicate: true, lastVersion: 5 },
      'a retry is answered before the expected event is checked',
    );
    t.ok(
      isConcurrencyError(await rejection(store.append(streamId, testEvents(1), { expectedVersion: 9, expectedEventId: lastId }))),
      'a version the stream has not reached conflicts as usual',
    );
    t.ok(
      isInvalidArgumentError(await rejection(store.append(uniqueStreamId(), testEvents(1), { expectedVersion: 0, expectedEventId: 'x' }))),
      'a new stream has no event to expect',
    );
    t.same((await store.readStream(streamId)).map((event) => event.version), [1, 2, 3, 4, 5], 'nothing else was written');
  });

  await scenario('lets exactly one of 50 concurrent appends at one version win', async (t, store) => {
    const streamId = uniqueStreamId();
    const attempts = Array.from({ length: 50 }, () => testEvents(2));
    const outcomes = await Promise.allSettled(
      attempts.map((events) => store.append(streamId, events, { expectedVersion: 0 })),
    );
    const winners = outcomes.filter((o) => o.status === 'fulfilled');
    t.equal(winners.length, 1, 'one winner');
    t.ok(
      outcomes.every((o) => o.status === 'fulfilled' || isConcurrencyError(o.reason)),
      'every loser gets a concurrency error',
    );
    const stored = await store.readStream(streamId);
    const winner = attempts[outcomes.findIndex((o) => o.status === 'fulfilled')];
    t.same(
      stored.map((e) => e.eventId),
      winner?.map((e) => e.eventId),
      'the stream holds the winner and nothing else',
    );
  });

  await scenario('loses no write when concurrent writers retry on conflict', async (t, store) => {
    const streamId = uniqueStreamId();
    const writers = 20;
    const written = await Promise.all(
      Array.from({ length: writers }, async () => {
        const event = testEvent('Counted');
        for (;;) {
          const version = (await store.readStream(streamId)).length;
          try {
            await store.append(streamId, [event], { expectedVersion: version });
            return event.eventId;
          } catch (error) {
            if (!isConcurrencyError(error)) throw error;
          }
        }
      }),
    );
    const stored = await store.readStream(streamId);
    t.same(
      stored.map((e) => e.version),
      Array.from({ length: writers }, (_, i) => i + 1),
      'versions are gap-free',
    );
    t.same(new Set(stored.map((e) => e.eventId)), new Set(written), 'every acknowledged event is stored');
  });

  await scenario('holds, refuses, releases and hands over unique claims', async (t, store) => {
    const alice = uniqueStreamId('alice');
    const bob = uniqueStreamId('bob');
    const email = `email:${uniqueStreamId()}@example.com`;
    const username = `username:${uniqueStreamId()}`;
    const other = `username:${uniqueStreamId()}`;

    await store.append(alice, testEvents(1), { expectedVersion: 0, claims: [email, username] });
    t.equal(await store.lookupClaim(email), alice);
    t.equal(await store.lookupClaim(username), alice);
    t.equal(await store.lookupClaim(other), undefined);

    const taken = await rejection(
      store.append(bob, testEvents(1), { expectedVersion: 0, claims: [other, email] }),
    );
    t.ok(isUniquenessError(taken), 'a held key refuses another stream');
    t.match(taken, { code: 'UNIQUENESS_VIOLATION', key: email });
    t.same(await store.readStream(bob), [], 'the refused append wrote no event');
    t.equal(await store.lookupClaim(other), undefined, 'nor took its other claims');

    await store.append(alice, testEvents(1), { expectedVersion: 1, claims: [email] });
    t.equal(await store.lookupClaim(email), alice, 'claiming a key the stream holds is harmless');

    const notHeld = await rejection(
      store.append(bob, testEvents(1), { expectedVersion: 0, releases: [email] }),
    );
    t.ok(isClaimNotHeldError(notHeld), "a stream cannot release another stream's key");
    t.match(notHeld, { code: 'CLAIM_NOT_HELD', key: email });
    t.same(await store.readStream(bob), []);
    t.equal(await store.lookupClaim(email), alice);

    // An email change: the new key is taken and the old one freed in one write.
    const newEmail = `email:${uniqueStreamId()}@example.com`;
    await store.append(alice, testEvents(1), {
      expectedVersion: 2,
      claims: [newEmail],
      releases: [email],
    });
    t.equal(await store.lookupClaim(newEmail), alice);
    t.equal(await store.lookupClaim(email), undefined);

    await store.append(bob, testEvents(1), { expectedVersion: 0, claims: [email] });
    t.equal(await store.lookupClaim(email), bob, 'a released key can be claimed by another stream');

    const conflict = await rejection(
      store.append(alice, testEvents(1), { expectedVersion: 1, claims: [other] }),
    );
    t.ok(isConcurrencyError(conflict), 'a version conflict fails the claims with it');
    t.equal(await store.lookupClaim(other), undefined);
  });

  await scenario('gives a key to exactly one of 20 streams claiming it at once', async (t, store) => {
    const key = `email:${uniqueStreamId()}`;
    const streams = Array.from({ length: 20 }, () => uniqueStreamId());
    const outcomes = await Promise.allSettled(
      streams.map((streamId) => store.append(streamId, testEvents(1), { expectedVersion: 0, claims: [key] })),
    );
    const winners = streams.filter((_, i) => outcomes[i]?.status === 'fulfilled');
    t.equal(winners.length, 1);
    t.ok(outcomes.every((o) => o.status === 'fulfilled' || isUniquenessError(o.reason)));
    t.equal(await store.lookupClaim(key), winners[0]);
    const written = await Promise.all(streams.map((s) => store.readStream(s)));
    t.equal(written.flat().length, 1, 'only the winner wrote its event');
  });

  await scenario('answers an idempotent retry with the original result', async (t, store) => {
    const streamId = uniqueStreamId();
    const idempotencyKey = uniqueStreamId('request');
    const claim = `email:${uniqueStreamId()}`;
    const options: AppendOptions = {
      expectedVersion: 0,
      idempotencyKey,
      idempotencyFingerprint: 'sha256:aaa',
      claims: [claim],
    };
    const original = await store.append(streamId, testEvents(2), options);
    t.equal(original.duplicate, false);

    // A retry decides again, so it brings new event ids; the store must still write nothing.
    const retry = await store.append(streamId, testEvents(2), options);
    t.same(retry, asRetry(original));
    t.same(
      (await store.readStream(streamId)).map((e) => e.eventId),
      original.eventIds,
      'the retry wrote nothing',
    );

    t.same(
      await store.recallAppend(idempotencyKey, { streamId, fingerprint: 'sha256:aaa' }),
      asRetry(original),
      'the original result can be recalled before deciding again',
    );
    t.equal(await store.recallAppend('never-used', { streamId }), undefined);
    t.ok(
      isIdempotencyKeyReusedError(
        await rejection(store.recallAppend(idempotencyKey, { streamId, fingerprint: 'sha256:bbb' })),
      ),
      'recalling with another fingerprint is refused',
    );

    const otherRequest = await rejection(
      store.append(streamId, testEvents(1), { ...options, idempotencyFingerprint: 'sha256:bbb' }),
    );
    t.ok(isIdempotencyKeyReusedError(otherRequest), 'the same key for another request is refused');
    t.match(otherRequest, { code: 'IDEMPOTENCY_KEY_REUSED' });
    const otherStream = await rejection(store.append(uniqueStreamId(), testEvents(1), options));
    t.ok(isIdempotencyKeyReusedError(otherStream), 'the same key for another stream is refused');
    t.equal((await store.readStream(streamId)).length, 2);

    const next = await store.append(streamId, testEvents(1), { expectedVersion: 2, idempotencyKey: 'k2' });
    t.same([next.firstVersion, next.duplicate], [3, false], 'a new key appends as usual');
  });

  await scenario('answers concurrent idempotent retries once', async (t, store) => {
    const streamId = uniqueStreamId();
    const idempotencyKey = uniqueStreamId('request');
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        store.append(streamId, testEvents(1), { expectedVersion: 0, idempotencyKey }),
      ),
    );
    t.equal(results.filter((r) => !r.duplicate).length, 1, 'exactly one append wrote');
    const eventIds = results.map((r) => r.eventIds.join());
    t.equal(new Set(eventIds).size, 1, 'every caller got the same result');
    t.same((await store.readStream(streamId)).map((e) => e.eventId).join(), eventIds[0]);
  });

  await scenario('records an outcome that wrote nothing, and answers every retry of it from the record', async (t, store) => {
    const streamId = uniqueStreamId();
    const idempotencyKey = uniqueStreamId('request');
    const record: OutcomeRecord = { streamId, fingerprint: 'sha256:aaa', version: 0, outcome: { status: 409, code: 'X' } };
    const recorded = await store.recordOutcome(idempotencyKey, record);
    t.strictSame(
      recorded,
      { streamId, firstVersion: 1, lastVersion: 0, eventIds: [], duplicate: false, outcome: record.outcome },
      'the answer is an empty range at the recorded version, with the outcome',
    );
    const retried = { ...recorded, duplicate: true };
    const request = { streamId, fingerprint: 'sha256:aaa' };
    t.strictSame(await store.recallAppend(idempotencyKey, request), retried, 'recallAppend answers from it');
    const options: AppendOptions = { expectedVersion: 0, idempotencyKey, idempotencyFingerprint: 'sha256:aaa' };
    t.strictSame(await store.append(streamId, testEvents(1), options), retried, 'and so does an append');
    t.same(await store.readStream(streamId), [], 'which writes nothing');
    t.strictSame(
      await store.recordOutcome(idempotencyKey, { ...record, version: 3, outcome: { status: 200 } }),
      retried,
      'the first record of a key wins',
    );

    const reused: Array<[string, () => Promise<unknown>]> = [
      ['recording another fingerprint', () => store.recordOutcome(idempotencyKey, { ...record, fingerprint: 'sha256:bbb' })],
      ['recording without a fingerprint', () => store.recordOutcome(idempotencyKey, { streamId, version: 0, outcome: {} })],
      ['recording another stream', () => store.recordOutcome(idempotencyKey, { ...record, streamId: uniqueStreamId() })],
      ['recalling another fingerprint', () => store.recallAppend(idempotencyKey, { streamId, fingerprint: 'sha256:bbb' })],
      ['appending another fingerprint', () => store.append(streamId, testEvents(1), { ...options, idempotencyFingerprint: 'sha256:bbb' })],
      ['appending to another stream', () => store.append(uniqueStreamId(), testEvents(1), options)],
    ];
    for (const [what, call] of reused) {
      t.ok(isIdempotencyKeyReusedError(await rejection(call())), `${what} with the key is refused`);
    }

    // A key an append used first answers an outcome as a retry of that append.
    const appendKey = uniqueStreamId('request');
    const appended = await store.append(streamId, testEvents(2), { expectedVersion: 0, idempotencyKey: appendKey });
    t.strictSame(
      await store.recordOutcome(appendKey, { streamId, version: 2, outcome: { status: 200 } }),
      asRetry(appended),
      "recording under an append's key answers the append, and records nothing",
    );
    t.strictSame(await store.recallAppend(appendKey, { streamId }), asRetry(appended));
  });

  await scenario('answers a retry of a no-op from its record, not by undoing a later change', async (t, store) => {
    // The defect of issue 9: a no-op under key K, then another change, then a retry of K that wrote.
    const streamId = uniqueStreamId();
    await store.append(streamId, [testEvent('Named', { name: 'Alice' })], { expectedVersion: 0 });
    const noOp = uniqueStreamId('request');
    const keyed = { idempotencyKey: noOp, idempotencyFingerprint: 'name=Alice' } as const;
    await store.recordOutcome(noOp, { streamId, fingerprint: keyed.idempotencyFingerprint, version: 1, outcome: { unchanged: true } });
    await store.append(streamId, [testEvent('Named', { name: 'Bob' })], { expectedVersion: 1 });
    const retry = await store.append(streamId, [testEvent('Named', { name: 'Alice' })], { expectedVersion: 2, ...keyed });
    t.match(retry, { duplicate: true, lastVersion: 1, eventIds: [], outcome: { unchanged: true } });
    t.same(
      (await store.readStream(streamId)).map((e) => e.data['name']),
      ['Alice', 'Bob'],
      'the retry wrote nothing: Bob stays',
    );
  });

  await scenario('of appends and outcomes racing on one key, exactly one is recorded and answers all', async (t, store) => {
    const streamId = uniqueStreamId();
    const idempotencyKey = uniqueStreamId('request');
    const fingerprint = 'sha256:race';
    const calls: Array<() => Promise<AppendResult>> = [];
    for (let i = 0; i < 10; i++) {
      calls.push(() => store.append(streamId, testEvents(1), { expectedVersion: 0, idempotencyKey, idempotencyFingerprint: fingerprint }));
      calls.push(() => store.recordOutcome(idempotencyKey, { streamId, fingerprint, version: 0, outcome: { caller: i } }));
    }
    const results = await Promise.all(calls.map((call) => call()));
    const winners = results.filter((result) => !result.duplicate);
    t.equal(winners.length, 1, 'exactly one call recorded');
    const winner = winners[0]!;
    t.ok(
      results.every((result) => result === winner || JSON.stringify(result) === JSON.stringify(asRetry(winner))),
      'every other call was answered from the winner',
    );
    const stored = (await store.readStream(streamId)).map((e) => e.eventId);
    t.same(stored, winner.eventIds, winner.outcome === undefined ? 'an append won: its event alone' : 'an outcome won: no event');
  });

  await scenario('refuses an event id the stream already holds', async (t, store) => {
    const streamId = uniqueStreamId();
    const [first, last] = testEvents(2);
    await store.append(streamId, [first!, last!], { expectedVersion: 0 });
    const again = { ...testEvent(), eventId: last!.eventId };
    const repeat = await rejection(store.append(streamId, [testEvent(), again], { expectedVersion: 2 }));
    t.ok(isDuplicateEventIdError(repeat), "the last event's id again is refused");
    t.match(repeat, { code: 'DUPLICATE_EVENT_ID', streamId, eventId: last!.eventId });
    const keyed = await rejection(store.append(streamId, [again], { expectedVersion: 2, idempotencyKey: uniqueStreamId() }));
    t.ok(isDuplicateEventIdError(keyed), 'with an idempotency key too');

    const older = { ...testEvent(), eventId: first!.eventId };
    const earlier = await store.append(streamId, [older], { expectedVersion: 2 }).catch((error: unknown) => error);
    if (factory.eventIdsUniqueWithin === 'stream') {
      t.ok(isDuplicateEventIdError(earlier), "an earlier event's id again is refused");
      t.same((await store.readStream(streamId)).map((e) => e.eventId), [first!.eventId, last!.eventId], 'nothing was written');
    } else {
      t.match(earlier, { lastVersion: 3 }, 'an id of an event before the last is not checked here (documented)');
    }

    const elsewhere = await store.append(uniqueStreamId(), [{ ...testEvent(), eventId: last!.eventId }], { expectedVersion: 0 });
    t.equal(elsewhere.lastVersion, 1, 'another stream may hold the same id: ids are unique within a stream');
  });

  await scenario('decides an append that breaks several rules by the documented precedence', async (t, store) => {
    const streamId = uniqueStreamId();
    const other = uniqueStreamId('other');
    const [held, heldToo] = [`email:${uniqueStreamId()}`, `email:${uniqueStreamId()}`];
    const [free, notHeld, notHeldToo] = [`k:${uniqueStreamId()}`, `k:${uniqueStreamId()}`, `k:${uniqueStreamId()}`];
    await store.append(other, testEvents(1), { expectedVersion: 0, claims: [held, heldToo] });
    const usedKey = uniqueStreamId('request');
    const original = await store.append(streamId, testEvents(2), { expectedVersion: 0, idempotencyKey: usedKey, idempotencyFingerprint: 'f' });
    const lastId = original.eventIds[1]!;
    const repeatLast = () => [testEvent(), { ...testEvent(), eventId: lastId }];
    // Every rule but the input's at once: a held key, a stale version, a repeated id, a taken claim, a release not held.
    const broken: AppendOptions = { expectedVersion: 1, claims: [free, held], releases: [notHeld], idempotencyKey: usedKey, idempotencyFingerprint: 'f' };

    const invalidEvent = testEvent();
    t.ok(isInvalidArgumentError(await rejection(store.append(streamId, [invalidEvent, invalidEvent], broken))), '1. invalid input first');
    t.match(await store.append(streamId, repeatLast(), broken), asRetry(original), "2. then the key's record");
    t.ok(
      isIdempotencyKeyReusedError(await rejection(store.append(streamId, repeatLast(), { ...broken, idempotencyFingerprint: 'g' }))),
      '2. or the key reused',
    );
    const unkeyed: AppendOptions = { expectedVersion: 1, claims: [free, held, heldToo], releases: [notHeld, notHeldToo] };
    for (const expectedVersion of [1, 3]) {
      const stale = await rejection(store.append(streamId, repeatLast(), { ...unkeyed, expectedVersion }));
      t.ok(isConcurrencyError(stale), `3. then the version (expected ${expectedVersion})`);
    }
    const current = { ...unkeyed, expectedVersion: 2 };
    const duplicate = await rejection(store.append(streamId, repeatLast(), current));
    t.match(duplicate, { code: 'DUPLICATE_EVENT_ID', eventId: lastId }, '4. then a repeated event id');
    t.match(await rejection(store.append(streamId, testEvents(1), current)), { code: 'UNIQUENESS_VIOLATION', key: held }, '5. then the first taken claim');
    t.match(
      await rejection(store.append(streamId, testEvents(1), { ...current, claims: [free] })),
      { code: 'CLAIM_NOT_HELD', key: notHeld },
      '6. then the first release not held',
    );
    t.equal((await store.readStream(streamId)).length, 2, 'nothing was written');
    t.equal(await store.lookupClaim(free), undefined, 'no claim was taken');
    t.equal(await store.lookupClaim(held), other);
  });

  await scenario('rejects invalid outcome records with INVALID_ARGUMENT and records nothing', async (t, store) => {
    const streamId = uniqueStreamId();
    const good: OutcomeRecord = { streamId, version: 0, outcome: {} };
    const invalid: Array<[string, string, unknown]> = [
      ['an empty key', '', good],
      ['no record', 'k', undefined],
      ['an empty stream id', 'k', { ...good, streamId: '' }],
      ['an empty fingerprint', 'k', { ...good, fingerprint: '' }],
      ['a negative version', 'k', { ...good, version: -1 }],
      ['a fractional version', 'k', { ...good, version: 0.5 }],
      ['an array as outcome', 'k', { ...good, outcome: [] }],
      ['no outcome', 'k', { streamId, version: 0 }],
      ['a Date in the outcome', 'k', { ...good, outcome: { at: new Date() } }],
      ['an outcome over 64 KB', 'k', { ...good, outcome: { s: 'x'.repeat(65 * 1024) } }],
    ];
    for (const [what, key, record] of invalid) {
      t.ok(isInvalidArgumentError(await rejection(store.recordOutcome(key, record as OutcomeRecord))), `${what} is refused`);
    }
    t.equal(await store.recallAppend('k', { streamId }), undefined, 'nothing was recorded');
  });

  await t.test(`${factory.name}: remembers an outcome for the key's lifetime, then forgets it`, async (t) => {
    // Whole seconds, like DynamoDB's epoch-second expiry.
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const store = await factory.create({ now: () => clock });
    t.teardown(() => store.close());
    const streamId = uniqueStreamId();
    const idempotencyKey = uniqueStreamId('request');
    await store.recordOutcome(idempotencyKey, { streamId, version: 0, outcome: { unchanged: true } });
    clock += IDEMPOTENCY_TTL_SECONDS * 1000 - 1;
    t.match(await store.recallAppend(idempotencyKey, { streamId }), { duplicate: true, outcome: { unchanged: true } }, 'kept just before the end');
    clock += 1;
    t.equal(await store.recallAppend(idempotencyKey, { streamId }), undefined, 'forgotten at the end of its lifetime');
    const fresh = await store.append(streamId, testEvents(1), { expectedVersion: 0, idempotencyKey });
    t.match(fresh, { duplicate: false, lastVersion: 1 }, 'the key is free again');
    t.equal(fresh.outcome, undefined);
  });

  await scenario('reads a stream longer than one storage page', async (t, store) => {
    const streamId = uniqueStreamId();
    // 30 events of about 40 KB: 1.2 MB, more than a DynamoDB page of 1 MB.
    const payload = 'x'.repeat(40 * 1024);
    const events = Array.from({ length: 30 }, (_, i) => testEvent('Big', { i, payload }));
    for (let i = 0; i < events.length; i += 10) {
      await store.append(streamId, events.slice(i, i + 10), { expectedVersion: i });
    }
    const read = await store.readStream(streamId);
    t.same(
      read.map((e) => e.eventId),
      events.map((e) => e.eventId),
    );
    t.ok(
      read.every((e, i) => e.version === i + 1 && e.data['payload'] === payload),
      'all data intact, in order',
    );
    t.equal((await store.readStream(streamId, { fromVersion: 29 })).length, 2);
  });

  await scenario('pages readAll over every event exactly once', async (t, store) => {
    t.same(await store.readAll({ limit: 10 }), { events: [], isEnd: true }, 'an empty store');

    const streams = Array.from({ length: 6 }, () => uniqueStreamId());
    const versions = new Map(streams.map((s) => [s, 0]));
    const appended: string[] = [];
    const results: AppendResult[] = [];
    for (let round = 0; round < 4; round++) {
      for (const [i, streamId] of streams.entries()) {
        const events = testEvents(1 + ((i + round) % 3));
        const expectedVersion = versions.get(streamId) ?? 0;
        results.push(await store.append(streamId, events, { expectedVersion }));
        versions.set(streamId, expectedVersion + events.length);
        appended.push(...events.map((e) => e.eventId));
      }
    }
    const withKey = { expectedVersion: 0, claims: [`email:${uniqueStreamId()}`], idempotencyKey: uniqueStreamId() };
    const keyed = uniqueStreamId();
    results.push(await store.append(keyed, testEvents(1), withKey));
    t.equal(
      (await store.append(keyed, testEvents(1), withKey)).firstPosition,
      undefined,
      'a retry answered from its record, which wrote nothing, answers no position',
    );

    const { events, pages, cursor } = await readEverything(store, 7);
    t.ok(pages > 1, 'it took several pages');
    const ids = events.map((e) => e.eventId);
    t.equal(new Set(ids).size, ids.length, 'no event twice');
    t.equal(ids.length, appended.length + 1, 'every event once, and no claim or idempotency record');
    t.ok(
      appended.every((id) => ids.includes(id)),
      'every appended event is visited',
    );
    for (const streamId of streams) {
      const seen = events.filter((e) => e.streamId === streamId).map((e) => e.version);
      t.same(seen, Array.from({ length: seen.length }, (_, i) => i + 1), 'stream order holds');
    }

    if (factory.globalPosition) {
      t.same(
        events.map((e) => e.position),
        events.map((_, i) => i + 1),
        'global positions are gap-free and in order',
      );
      t.same(
        results.map((result) => result.firstPosition),
        results.map((result) => events.find((e) => e.eventId === result.eventIds[0])?.position),
        'each append answers the position its first event got',
      );
      const later = testEvents(2);
      await store.append(streams[0] ?? '', later, { expectedVersion: versions.get(streams[0] ?? '') ?? 0 });
      const followed = await store.readAll({ cursor, limit: 10 });
      t.same(
        followed.events.map((e) => e.eventId),
        later.map((e) => e.eventId),
        'a reader follows new events from its cursor',
      );
      t.equal(followed.isEnd, true);
    } else {
      t.ok(
        events.every((e) => e.position === undefined),
        'no position is claimed where none is kept',
      );
      t.ok(
        results.every((result) => result.firstPosition === undefined),
        'no append answers a position where none is kept',
      );
    }
  });

  await scenario('rejects invalid input with INVALID_ARGUMENT and writes nothing', async (t, store) => {
    const streamId = uniqueStreamId();
    const claim = `email:${uniqueStreamId()}`;
    const good = testEvent();
    const invalidAppends: Array<[string, string, unknown[], unknown]> = [
      ['an empty stream id', '', [good], { expectedVersion: 0 }],
      ['a stream id with a control character', 'a\nb', [good], { expectedVersion: 0 }],
      ['a negative version', streamId, [good], { expectedVersion: -1 }],
      ['a fractional version', streamId, [good], { expectedVersion: 1.5 }],
      ['a version given as a string', streamId, [good], { expectedVersion: '0' }],
      ['a NaN version', streamId, [good], { expectedVersion: Number.NaN }],
      ['no options', streamId, [good], undefined],
      ['no events', streamId, [], { expectedVersion: 0 }],
      ['an event without id', streamId, [{ ...good, eventId: '' }], { expectedVersion: 0 }],
      ['a repeated event id', streamId, [good, good], { expectedVersion: 0 }],
      ['a schema version of 0', streamId, [{ ...good, schemaVersion: 0 }], { expectedVersion: 0 }],
      ['undefined in data', streamId, [{ ...good, data: { a: undefined } }], { expectedVersion: 0 }],
      ['a Date in data', streamId, [{ ...good, data: { at: new Date() } }], { expectedVersion: 0 }],
      ['NaN in data', streamId, [{ ...good, data: { n: Number.NaN } }], { expectedVersion: 0 }],
      ['an array as data', streamId, [{ ...good, data: [] }], { expectedVersion: 0 }],
      ['a bad occurredAt', streamId, [{ ...good, metadata: { ...good.metadata, occurredAt: 'soon' } }], { expectedVersion: 0 }],
      // Both pass Date.parse, and neither could be projected: the read model takes RFC 3339 date-times only.
      ['an occurredAt that is a date only', streamId, [{ ...good, metadata: { ...good.metadata, occurredAt: '2026-12-01' } }], { expectedVersion: 0 }],
      ['an occurredAt in local time', streamId, [{ ...good, metadata: { ...good.metadata, occurredAt: '2026-12-01T13:22:19' } }], { expectedVersion: 0 }],
      ['a missing correlation id', streamId, [{ ...good, metadata: { ...good.metadata, correlationId: undefined } }], { expectedVersion: 0 }],
      ['an empty claim', streamId, [good], { expectedVersion: 0, claims: [''] }],
      ['a claim twice', streamId, [good], { expectedVersion: 0, claims: [claim, claim] }],
      ['a key claimed and released', streamId, [good], { expectedVersion: 0, claims: [claim], releases: [claim] }],
      ['a fingerprint without key', streamId, [good], { expectedVersion: 0, idempotencyFingerprint: 'f' }],
      ['an event over 300 KB', streamId, [testEvent('Huge', { s: 'x'.repeat(310 * 1024) })], { expectedVersion: 0 }],
      ['more than 100 items', streamId, testEvents(100), { expectedVersion: 0, claims: [claim] }],
    ];
    for (const [what, id, events, options] of invalidAppends) {
      const error = await rejection(store.append(id, events as NewEvent[], options as AppendOptions));
      t.ok(isInvalidArgumentError(error), `${what} is refused`);
    }
    const invalidReads: Array<[string, () => Promise<unknown>]> = [
      ['readStream of an empty id', () => store.readStream('')],
      ['readStream from version 0', () => store.readStream(streamId, { fromVersion: 0 })],
      ['readStream to version 1.5', () => store.readStream(streamId, { toVersion: 1.5 })],
      ['readAll with limit 0', () => store.readAll({ limit: 0 })],
      ['readAll with limit 100000', () => store.readAll({ limit: 100_000 })],
      ['readAll with a forged cursor', () => store.readAll({ limit: 1, cursor: '{"not":"ours"}' })],
      ['lookupClaim of an empty key', () => store.lookupClaim('')],
      ['recallAppend of an empty key', () => store.recallAppend('', { streamId })],
    ];
    for (const [what, call] of invalidReads) {
      t.ok(isInvalidArgumentError(await rejection(call())), `${what} is refused`);
    }
    t.same(await store.readAll({ limit: 10 }), { events: [], isEnd: true }, 'nothing was written');
    t.equal(await store.lookupClaim(claim), undefined);
    const offset = { ...good, metadata: { ...good.metadata, occurredAt: '2026-12-01T13:22:19.5+01:00' } };
    t.equal((await store.append(streamId, [offset], { expectedVersion: 0 })).lastVersion, 1, 'an offset date-time is taken');
  });

  await scenario('reads the exact tail of a long stream from any version', async (t, store) => {
    const streamId = uniqueStreamId();
    // 60 events of about 40 KB: 2.4 MB, three DynamoDB pages of 1 MB, so tails start inside a page, at its
    // edge, and run across the following ones.
    const payload = 'y'.repeat(40 * 1024);
    const events = Array.from({ length: 60 }, (_, i) => testEvent('Big', { i, payload }));
    for (let i = 0; i < events.length; i += 12) {
      await store.append(streamId, events.slice(i, i + 12), { expectedVersion: i });
    }
    for (const version of [0, 1, 23, 24, 25, 47, 58, 59]) {
      const tail = await store.readStream(streamId, { fromVersion: version + 1 });
      t.same(
        tail.map((e) => e.eventId),
        events.slice(version).map((e) => e.eventId),
        `the tail after version ${version} is exactly events ${version + 1} to 60`,
      );
      t.ok(
        tail.every((e, i) => e.version === version + i + 1 && e.data['i'] === version + i && e.data['payload'] === payload),
        `the tail after version ${version} is in order, with its data intact`,
      );
    }
    t.same(await store.readStream(streamId, { fromVersion: 61 }), [], 'the tail after the last version is empty');
    t.same(await store.readStream(streamId, { fromVersion: 1000 }), [], 'and so is any tail beyond it');
    t.same(
      (await store.readStream(streamId, { fromVersion: 20, toVersion: 30 })).map((e) => e.version),
      Array.from({ length: 11 }, (_, i) => 20 + i),
      'a bounded range across a page edge',
    );

    // How a cold reader loads: the snapshot, then only the events after it.
    await store.writeSnapshot(streamId, { schema: 'count@1', version: 50, state: { count: 50 } });
    const snapshot = await store.readSnapshot(streamId, 'count@1');
    const rest = await store.readStream(streamId, { fromVersion: (snapshot?.version ?? 0) + 1 });
    t.same(
      rest.map((e) => e.version),
      [51, 52, 53, 54, 55, 56, 57, 58, 59, 60],
      'the snapshot and the tail after it cover the stream exactly once',
    );
  });

  await scenario('keeps the latest snapshot of a stream under each schema', async (t, store) => {
    const streamId = uniqueStreamId();
    t.equal(await store.readSnapshot(streamId, 'user@1'), undefined, 'no snapshot: undefined');

    const state = {
      text: 'Zoë — 雪 🚀',
      empty: '',
      zeta: 1,
      alpha: { list: [1, -2.5, 9007199254740991, true, null, { deep: [] }], object: {} },
    };
    await store.writeSnapshot(streamId, { schema: 'user@1', version: 3, state });
    const read = await store.readSnapshot(streamId, 'user@1');
    t.strictSame(read, { schema: 'user@1', version: 3, state }, 'a written snapshot reads back exactly');
    t.equal(JSON.stringify(read?.state), JSON.stringify(state), 'keys keep their order');

    await store.writeSnapshot(streamId, { schema: 'user@1', version: 5, state: { at: 5 } });
    t.same(await store.readSnapshot(streamId, 'user@1'), { schema: 'user@1', version: 5, state: { at: 5 } }, 'a later version replaces it');
    await store.writeSnapshot(streamId, { schema: 'user@1', version: 5, state: { at: 'again' } });
    await store.writeSnapshot(streamId, { schema: 'user@1', version: 4, state: { at: 4 } });
    await store.writeSnapshot(streamId, { schema: 'user@1', version: 1, state: { at: 1 } });
    t.same(
      await store.readSnapshot(streamId, 'user@1'),
      { schema: 'user@1', version: 5, state: { at: 5 } },
      'an equal or earlier version is ignored',
    );

    t.equal(await store.readSnapshot(streamId, 'user@2'), undefined, 'a snapshot under user@1 is never returned for user@2');
    await store.writeSnapshot(streamId, { schema: 'user@2', version: 2, state: { schema: 2 } });
    t.same(await store.readSnapshot(streamId, 'user@2'), { schema: 'user@2', version: 2, state: { schema: 2 } });
    t.same(
      await store.readSnapshot(streamId, 'user@1'),
      { schema: 'user@1', version: 5, state: { at: 5 } },
      'snapshots under two schemas coexist, each at its own version',
    );
    t.equal(await store.readSnapshot(uniqueStreamId(), 'user@1'), undefined, 'another stream has none');
  });

  await scenario('keeps the highest version when snapshot writers race', async (t, store) => {
    const streamId = uniqueStreamId();
    // Versions 1 to 30 in a scrambled order, all at once.
    const versions = Array.from({ length: 30 }, (_, i) => ((i * 7) % 30) + 1);
    await Promise.all(
      versions.map((version) => store.writeSnapshot(streamId, { schema: 'user@1', version, state: { version } })),
    );
    t.same(
      await store.readSnapshot(streamId, 'user@1'),
      { schema: 'user@1', version: 30, state: { version: 30 } },
      'the highest version wins, whatever the order of arrival',
    );

    const writers = Array.from({ length: 10 }, (_, writer) => writer);
    await Promise.all(
      writers.map((writer) => store.writeSnapshot(streamId, { schema: 'user@1', version: 31, state: { writer } })),
    );
    const kept = await store.readSnapshot(streamId, 'user@1');
    t.equal(kept?.version, 31);
    t.ok(writers.includes(kept?.state['writer'] as number), 'of writers at one version, one state is kept whole');
  });

  await scenario('rejects invalid snapshot arguments with INVALID_ARGUMENT and keeps nothing', async (t, store) => {
    const streamId = uniqueStreamId();
    const good: Snapshot = { schema: 'user@1', version: 1, state: {} };
    const invalidWrites: Array<[string, string, unknown]> = [
      ['an empty stream id', '', good],
      ['a stream id with a control character', 'a\u0000b', good],
      ['no snapshot', streamId, undefined],
      ['a null snapshot', streamId, null],
      ['an empty schema', streamId, { ...good, schema: '' }],
      ['a schema with #', streamId, { ...good, schema: 'user#1' }],
      ['a schema with a space', streamId, { ...good, schema: 'user 1' }],
      ['a schema with a newline', streamId, { ...good, schema: 'user\n1' }],
      ['a schema of 65 characters', streamId, { ...good, schema: 'u'.repeat(65) }],
      ['a schema that is not a string', streamId, { ...good, schema: 1 }],
      ['no schema', streamId, { version: 1, state: {} }],
      ['version 0', streamId, { ...good, version: 0 }],
      ['a negative version', streamId, { ...good, version: -1 }],
      ['a fractional version', streamId, { ...good, version: 1.5 }],
      ['a version given as a string', streamId, { ...good, version: '2' }],
      ['a NaN version', streamId, { ...good, version: Number.NaN }],
      ['an array as state', streamId, { ...good, state: [] }],
      ['a null state', streamId, { ...good, state: null }],
      ['a string as state', streamId, { ...good, state: 'folded' }],
      ['no state', streamId, { schema: 'user@1', version: 1 }],
      ['a Date in state', streamId, { ...good, state: { at: new Date() } }],
      ['NaN in state', streamId, { ...good, state: { n: Number.NaN } }],
      ['a state over 300 KB', streamId, { ...good, state: { s: 'x'.repeat(310 * 1024) } }],
    ];
    for (const [what, id, snapshot] of invalidWrites) {
      const error = await rejection(store.writeSnapshot(id, snapshot as Snapshot));
      t.ok(isInvalidArgumentError(error), `writing ${what} is refused`);
    }
    const invalidReads: Array<[string, string, unknown]> = [
      ['an empty stream id', '', 'user@1'],
      ['an empty schema', streamId, ''],
      ['a schema with #', streamId, 'a#b'],
      ['a schema of 65 characters', streamId, 'u'.repeat(65)],
      ['no schema', streamId, undefined],
    ];
    for (const [what, id, schema] of invalidReads) {
      t.ok(isInvalidArgumentError(await rejection(store.readSnapshot(id, schema as string))), `reading ${what} is refused`);
    }
    t.equal(await store.readSnapshot(streamId, 'user@1'), undefined, 'nothing was kept');
  });

  await scenario('never returns snapshots from readStream or readAll', async (t, store) => {
    const streams = [uniqueStreamId(), uniqueStreamId()];
    const appended: string[] = [];
    for (const streamId of streams) {
      const events = testEvents(3);
      await store.append(streamId, events, { expectedVersion: 0 });
      appended.push(...events.map((e) => e.eventId));
      await store.writeSnapshot(streamId, { schema: 'user@1', version: 2, state: { folded: 2 } });
      await store.writeSnapshot(streamId, { schema: 'user@2', version: 3, state: { folded: 3 } });
    }
    await store.writeSnapshot(uniqueStreamId(), { schema: 'user@1', version: 1, state: {} });

    for (const streamId of streams) {
      t.same(
        (await store.readStream(streamId)).map((e) => [e.version, e.type]),
        [[1, 'Tested'], [2, 'Tested'], [3, 'Tested']],
        'readStream returns the events alone',
      );
    }
    const { events } = await readEverything(store, 2);
    t.same(events.map((e) => e.eventId).sort(), [...appended].sort(), 'readAll returns every event and no snapshot');
    if (factory.globalPosition) {
      t.same(
        events.map((e) => e.position),
        [1, 2, 3, 4, 5, 6],
        'snapshots take no position',
      );
    }
  });

  await t.test(`${factory.name}: behaves like a Map model under random operations`, async (t) => {
    await fc.assert(
      fc.asyncProperty(fc.commands(modelCommands(), { maxCommands: 25 }), async (commands) => {
        const store = await factory.create();
        try {
          await fc.asyncModelRun(() => ({ model: emptyModel(), real: store }), commands);
        } finally {
          await store.close();
        }
      }),
      { numRuns: factory.propertyRuns ?? 40 },
    );
    t.pass('every random sequence matched the model');
  });
}

/** Pages through the whole store, returning everything and the cursor of the last page. */
async function readEverything(store: EventStore, limit: number) {
  const events: StoredEvent[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await store.readAll({ cursor, limit });
    pages++;
    if (page.events.length > limit) throw new Error(`a page of ${page.events.length} exceeds ${limit}`);
    events.push(...page.events);
    cursor = page.cursor ?? cursor;
    if (page.isEnd) return { events, pages, cursor };
    if (pages > 10_000) throw new Error('readAll never reached the end');
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to be rejected, but it succeeded');
}

// ---- Model-based test: random appends, claims and reads against a Map model ----

interface Model {
  streams: Map<string, string[]>;
  claims: Map<string, string>;
}

const emptyModel = (): Model => ({ streams: new Map(), claims: new Map() });
const STREAMS = ['s-a', 's-b', 's-c'];
const KEYS = ['k-1', 'k-2', 'k-3'];

class AppendCommand implements fc.AsyncCommand<Model, EventStore> {
  constructor(
    readonly stream: string,
    readonly count: number,
    readonly versionSkew: number,
    readonly claim: string | undefined,
    readonly release: string | undefined,
  ) {}

  check(): boolean {
    return true;
  }

  async run(model: Model, store: EventStore): Promise<void> {
    const current = model.streams.get(this.stream) ?? [];
    const expectedVersion = Math.max(0, current.length + this.versionSkew);
    const events = testEvents(this.count);
    const options: AppendOptions = {
      expectedVersion,
      claims: this.claim === undefined ? [] : [this.claim],
      releases: this.release === undefined ? [] : [this.release],
    };
    const expected =
      expectedVersion !== current.length
        ? 'CONCURRENCY_CONFLICT'
        : this.claim !== undefined && (model.claims.get(this.claim) ?? this.stream) !== this.stream
          ? 'UNIQUENESS_VIOLATION'
          : this.release !== undefined && model.claims.get(this.release) !== this.stream
            ? 'CLAIM_NOT_HELD'
            : 'ok';
    let outcome = 'ok';
    try {
      const result = await store.append(this.stream, events, options);
      if (result.firstVersion !== current.length + 1 || result.lastVersion !== current.length + this.count) {
        throw new Error(`append answered versions ${result.firstVersion}..${result.lastVersion}`);
      }
    } catch (error) {
      outcome = (error as { code?: string }).code ?? String(error);
    }
    if (outcome !== expected) throw new Error(`${this.toString()}: expected ${expected}, got ${outcome}`);
    if (outcome !== 'ok') return;
    model.streams.set(this.stream, [...current, ...events.map((e) => e.eventId)]);
    if (this.claim !== undefined) model.claims.set(this.claim, this.stream);
    if (this.release !== undefined) model.claims.delete(this.release);
  }

  toString(): string {
    return `append(${this.stream}, ${this.count}, skew ${this.versionSkew}, claim ${this.claim}, release ${this.release})`;
  }
}

class ReadStreamCommand implements fc.AsyncCommand<Model, EventStore> {
  constructor(
    readonly stream: string,
    readonly fromVersion: number,
  ) {}

  check(): boolean {
    return true;
  }

  async run(model: Model, store: EventStore): Promise<void> {
    const expected = (model.streams.get(this.stream) ?? []).slice(this.fromVersion - 1);
    const read = await store.readStream(this.stream, { fromVersion: this.fromVersion });
    assertSame(read.map((e) => e.eventId), expected, this.toString());
    assertSame(
      read.map((e) => e.version),
      expected.map((_, i) => this.fromVersion + i),
      this.toString(),
    );
  }

  toString(): string {
    return `readStream(${this.stream}, from ${this.fromVersion})`;
  }
}

class LookupClaimCommand implements fc.AsyncCommand<Model, EventStore> {
  constructor(readonly key: string) {}

  check(): boolean {
    return true;
  }

  async run(model: Model, store: EventStore): Promise<void> {
    assertSame(await store.lookupClaim(this.key), model.claims.get(this.key), this.toString());
  }

  toString(): string {
    return `lookupClaim(${this.key})`;
  }
}

class ReadAllCommand implements fc.AsyncCommand<Model, EventStore> {
  constructor(readonly limit: number) {}

  check(): boolean {
    return true;
  }

  async run(model: Model, store: EventStore): Promise<void> {
    const { events } = await readEverything(store, this.limit);
    const expected = [...model.streams.values()].flat().sort();
    assertSame(events.map((e) => e.eventId).sort(), expected, this.toString());
  }

  toString(): string {
    return `readAll(limit ${this.limit})`;
  }
}

function modelCommands() {
  const stream = fc.constantFrom(...STREAMS);
  const key = fc.option(fc.constantFrom(...KEYS), { nil: undefined });
  return [
    fc
      .tuple(stream, fc.integer({ min: 1, max: 3 }), fc.constantFrom(0, 0, 0, -1, 1), key, key)
      .map(([s, count, skew, claim, release]) =>
        // Claiming and releasing one key at once is invalid input, covered elsewhere.
        new AppendCommand(s, count, skew, claim, release === claim ? undefined : release),
      ),
    fc.tuple(stream, fc.integer({ min: 1, max: 4 })).map(([s, from]) => new ReadStreamCommand(s, from)),
    fc.constantFrom(...KEYS).map((k) => new LookupClaimCommand(k)),
    fc.integer({ min: 1, max: 5 }).map((limit) => new ReadAllCommand(limit)),
  ];
}

function assertSame(actual: unknown, expected: unknown, what: string): void {
  const [a, e] = [JSON.stringify(actual), JSON.stringify(expected)];
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}
