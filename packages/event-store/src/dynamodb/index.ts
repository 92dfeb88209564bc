import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  type CancellationReason,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { ClaimNotHeldError, ConcurrencyError, DuplicateEventIdError, UniquenessError } from '../errors.js';
import {
  IDEMPOTENCY_TTL_SECONDS,
  answerRetry,
  idempotencyRecord,
  outcomeIdempotencyRecord,
  recordedResult,
  type IdempotencyRecord,
} from '../idempotency.js';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  NewEvent,
  OutcomeRecord,
  ReadAllOptions,
  ReadAllPage,
  ReadStreamOptions,
  RecallRequest,
  Snapshot,
  StoredEvent,
} from '../types.js';
import {
  validateAppend,
  validateKey,
  validateOutcomeRecord,
  validateReadAll,
  validateReadStream,
  validateRecall,
  validateSnapshot,
  validateSnapshotRead,
} from '../validation.js';
import {
  claimItem,
  claimKey,
  decodeCursor,
  encodeCursor,
  eventFromItem,
  eventItem,
  eventKey,
  idempotencyFromItem,
  idempotencyItem,
  idempotencyKey,
  plainItem,
  snapshotFromItem,
  snapshotItem,
  snapshotKey,
  streamPartition,
  type Item,
  type Key,
} from './items.js';
import { ITEM_TYPE_ATTRIBUTE, ITEM_TYPES, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from './schema.js';

export * from './schema.js';
export { ensureEventStoreTable } from './table.js';
export { eventFromItem } from './items.js';

/**
 * What the store sends its commands through: a `DynamoDBClient`, or a `DynamoDBDocumentClient` built on
 * one (it passes the low-level commands used here through untouched).
 */
export type DynamoDbCommandSender = Pick<DynamoDBClient, 'send'>;

export interface DynamoDbEventStoreOptions {
  /** The caller owns it: {@link EventStore.close} leaves it open, since others may share it. */
  readonly client: DynamoDbCommandSender;
  /** A table shaped by {@link eventStoreTableDefinition}. */
  readonly tableName: string;
  /** Milliseconds since the epoch, for `recordedAt` and idempotency expiry. @default Date.now */
  readonly now?: () => number;
}

/** Whole-append attempts when concurrent transactions touch the same items. */
const MAX_ATTEMPTS = 5;
const BACKOFF_BASE_MS = 20;

const names = {
  '#pk': PARTITION_KEY,
  '#sk': SORT_KEY,
  '#streamId': 'streamId',
  '#expiresAt': TTL_ATTRIBUTE,
  '#itemType': ITEM_TYPE_ATTRIBUTE,
  '#version': 'version',
  '#eventId': 'eventId',
} as const;

/** DynamoDB cancelled a write because another transaction held one of its items; worth retrying. */
class TransactionConflict extends Error {
  constructor(readonly original: unknown) {
    super('a concurrent transaction touched the same items', { cause: original });
  }
}

/**
 * An event store on one DynamoDB table (see `schema.ts`). Streams are partitions with the version as sort
 * key; unique claims and idempotency records are items of their own, written in the same transaction as
 * the events. Events carry no global `position`, and `readAll` returns streams in the table's hash order.
 *
 * Write cost: an append of one event with no claims, releases or idempotency key is a single conditional
 * `PutItem`; anything else is one `TransactWriteItems`, which DynamoDB bills at twice the write units.
 * An append to an existing stream first reads its current version, and one with an idempotency key first
 * reads the key's record (strongly consistent reads, 1 RCU each).
 *
 * `readAll` scans, so a page may come back short, and the last page may be empty, before `isEnd`.
 */
export function createDynamoDbEventStore(options: DynamoDbEventStoreOptions): EventStore {
  const { client, tableName } = options;
  const now = options.now ?? Date.now;
  let closed = false;

  const open = (): void => {
    if (closed) throw new Error('the DynamoDB event store is closed');
  };

  async function getItem(key: Key, projection?: string): Promise<Item | undefined> {
    const output = await client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: key,
        ConsistentRead: true,
        ...(projection === undefined
          ? {}
          : { ProjectionExpression: projection, ExpressionAttributeNames: pick(projection) }),
      }),
    );
    return output.Item;
  }

  async function liveRecord(key: string): Promise<IdempotencyRecord | undefined> {
    const found = idempotencyFromItem(await getItem(idempotencyKey(key)));
    // TTL deletes lazily (within days), so an expired record may still be there: treat it as gone.
    return found !== undefined && found.expiresAtSeconds * 1000 > now() ? found.record : undefined;
  }

  async function eventExists(streamId: string, version: number): Promise<boolean> {
    return (await getItem(eventKey(streamId, version), '#pk')) !== undefined;
  }

  /** The id of the event at `version`, or undefined when the stream has no such version. */
  async function eventIdAt(streamId: string, version: number): Promise<string | undefined> {
    return (await getItem(eventKey(streamId, version), '#eventId'))?.['eventId']?.S;
  }

  async function appendOnce(
    streamId: string,
    events: readonly NewEvent[],
    opts: AppendOptions,
  ): Promise<AppendResult> {
    const { expectedVersion, idempotencyKey: retryKey, idempotencyFingerprint: fingerprint } = opts;
    // A conditional put of version v+1 proves only that v+1 is free, not that v exists: without this read,
    // an append at a stale or invented expectedVersion could leave a gap. The read cannot go stale before
    // the write, because event items are never deleted: once version v exists it exists for good.
    //
    // The idempotency record is not read first: a retry's answer takes precedence over every other outcome
    // (the port's rule), so each failure path below looks for it before it reports anything else, and the
    // transaction's own condition on the record catches a retry that gets this far. Callers that answer
    // retries before deciding (`recallAppend`) then pay one read for the key, not two.
    //
    // The same read yields the id of the stream's last event: the one earlier event this adapter checks the
    // append's ids against (docs/event-store.md; checking every earlier event would read the whole stream).
    if (expectedVersion > 0) {
      const found = await eventIdAt(streamId, expectedVersion);
      if (found === undefined || (opts.expectedEventId !== undefined && found !== opts.expectedEventId)) {
        if (retryKey !== undefined) {
          const record = await liveRecord(retryKey);
          if (record !== undefined) return answerRetry(retryKey, record, streamId, fingerprint);
        }
        throw new ConcurrencyError(streamId, expectedVersion);
      }
      if (events.some((event) => event.eventId === found)) {
        return refuseDuplicate(streamId, expectedVersion, found, opts);
      }
    }

    const result: AppendResult = {
      streamId,
      firstVersion: expectedVersion + 1,
      lastVersion: expectedVersion + events.length,
      eventIds: events.map((event) => event.eventId),
      duplicate: false,
    };
    const recordedAt = new Date(now()).toISOString();
    const items = events.map((event, i) => eventItem(streamId, expectedVersion + i + 1, event, recordedAt));
    const claims = opts.claims ?? [];
    const releases = opts.releases ?? [];
    const [only, ...more] = items;
    const plain = more.length === 0 && claims.length === 0 && releases.length === 0 && retryKey === undefined;
    if (only !== undefined && plain) {
      await putEvent(only, streamId, expectedVersion);
      return result;
    }

    const writes: TransactWriteItem[] = items.map((Item) => ({
      Put: {
        TableName: tableName,
        Item,
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: pick('#pk'),
      },
    }));
    const claimAt = writes.length;
    for (const key of claims) {
      writes.push({
        Put: {
          TableName: tableName,
          Item: claimItem(key, streamId),
          ConditionExpression: 'attribute_not_exists(#pk) OR #streamId = :streamId',
          ExpressionAttributeNames: pick('#pk', '#streamId'),
          ExpressionAttributeValues: { ':streamId': { S: streamId } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      });
    }
    const releaseAt = writes.length;
    for (const key of releases) {
      writes.push({
        Delete: {
          TableName: tableName,
          Key: claimKey(key),
          ConditionExpression: '#streamId = :streamId',
          ExpressionAttributeNames: pick('#streamId'),
          ExpressionAttributeValues: { ':streamId': { S: streamId } },
        },
      });
    }
    const retryAt = writes.length;
    if (retryKey !== undefined) {
      const expiresAt = Math.ceil(now() / 1000) + IDEMPOTENCY_TTL_SECONDS;
      writes.push({
        Put: {
          TableName: tableName,
          Item: idempotencyItem(retryKey, idempotencyRecord(result, fingerprint), expiresAt),
          ...firstRecordCondition(),
        },
      });
    }

    try {
      await client.send(
        new TransactWriteItemsCommand({
          TransactItems: writes,
          // The SDK resends this token when it retries a request whose response was lost, and DynamoDB then
          // reports the first attempt's success instead of failing on conditions that attempt made false.
          // (The SDK would generate one too; it is explicit because correctness depends on it.)
          ClientRequestToken: randomUUID(),
        }),
      );
      return result;
    } catch (error) {
      if (errorName(error) !== 'TransactionCanceledException') throw error;
      const reasons: readonly (CancellationReason | undefined)[] =
        (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
      const failed = (i: number): boolean => reasons[i]?.Code === 'ConditionalCheckFailed';
      const conflicted = (i: number): boolean => reasons[i]?.Code === 'TransactionConflict';

      // Checked in the port's order of precedence: idempotency, concurrency, uniqueness, release (a repeated
      // event id was checked before the write).
      if (retryKey !== undefined) {
        if (failed(retryAt)) {
          // Another append with this key committed after our first read.
          const found = idempotencyFromItem(reasons[retryAt]?.Item)?.record ?? (await liveRecord(retryKey));
          if (found !== undefined) return answerRetry(retryKey, found, streamId, fingerprint);
          throw new TransactionConflict(error);
        }
        if (conflicted(retryAt)) throw new TransactionConflict(error);
      }
      const versionTaken = items.some((_, i) => failed(i));
      if (!versionTaken && reasons.some((reason) => reason?.Code === 'TransactionConflict')) {
        throw new TransactionConflict(error);
      }
      const taken = claims.find((_, j) => failed(claimAt + j));
      const notHeld = releases.find((_, j) => failed(releaseAt + j));
      if (!versionTaken && taken === undefined && notHeld === undefined) throw error;

      // The append fails. Should DynamoDB report only some of the failed conditions, these reads (on the
      // failure path only) keep the precedence: a retry's answer first, then a version conflict.
      if (retryKey !== undefined) {
        const record = await liveRecord(retryKey);
        if (record !== undefined) return answerRetry(retryKey, record, streamId, fingerprint);
      }
      if (versionTaken || (await eventExists(streamId, expectedVersion + 1))) {
        throw new ConcurrencyError(streamId, expectedVersion, { cause: error });
      }
      if (taken !== undefined) throw new UniquenessError(taken, { cause: error });
      if (notHeld !== undefined) throw new ClaimNotHeldError(notHeld, streamId, { cause: error });
      throw error;
    }
  }

  /** The condition of every write of an idempotency item: the key holds no live record yet. */
  function firstRecordCondition() {
    return {
      // An expired record that TTL has not deleted yet must not block the key's reuse.
      ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt <= :now',
      ExpressionAttributeNames: pick('#pk', '#expiresAt'),
      ExpressionAttributeValues: { ':now': { N: String(now() / 1000) } },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    } as const;
  }

  async function putEvent(Item: Item, streamId: string, expectedVersion: number): Promise<void> {
    try {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item,
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: pick('#pk'),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      const name = errorName(error);
      if (name === 'ConditionalCheckFailedException') {
        // The SDK retries a put whose response was lost; the retry then meets the item the first attempt
        // wrote. Our own event in that slot is success, not a conflict.
        const existing = (error as { Item?: Item }).Item;
        if (existing !== undefined && existing['eventId']?.S === Item['eventId']?.S) return;
        throw new ConcurrencyError(streamId, expectedVersion, { cause: error });
      }
      // The item is part of a transaction in flight (another writer's multi-event append).
      if (name === 'TransactionConflictException') throw new TransactionConflict(error);
      throw error;
    }
  }

  /**
   * An event repeats the id of the event at `expectedVersion`. The append must fail, but a retry's answer
   * and a version conflict take precedence, and the read of `expectedVersion` alone cannot tell them: these
   * reads, on this failure path only, can.
   */
  async function refuseDuplicate(
    streamId: string,
    expectedVersion: number,
    eventId: string,
    opts: AppendOptions,
  ): Promise<AppendResult> {
    const { idempotencyKey: retryKey, idempotencyFingerprint: fingerprint } = opts;
    if (retryKey !== undefined) {
      const record = await liveRecord(retryKey);
      if (record !== undefined) return answerRetry(retryKey, record, streamId, fingerprint);
    }
    if (await eventExists(streamId, expectedVersion + 1)) throw new ConcurrencyError(streamId, expectedVersion);
    throw new DuplicateEventIdError(streamId, eventId);
  }

  /**
   * One conditional put of the key's idempotency item: the first record of a key wins. On a failed
   * condition the item that won comes back with the error, and answers this call as a retry. (An SDK retry
   * of a put whose response was lost meets this call's own item, and so answers `duplicate: true`.)
   */
  async function recordOutcomeOnce(retryKey: string, record: OutcomeRecord): Promise<AppendResult> {
    const kept = outcomeIdempotencyRecord(record);
    try {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: idempotencyItem(retryKey, kept, Math.ceil(now() / 1000) + IDEMPOTENCY_TTL_SECONDS),
          ...firstRecordCondition(),
        }),
      );
      return recordedResult(kept, false);
    } catch (error) {
      const name = errorName(error);
      if (name === 'TransactionConflictException') throw new TransactionConflict(error);
      if (name !== 'ConditionalCheckFailedException') throw error;
      const found = idempotencyFromItem((error as { Item?: Item }).Item)?.record ?? (await liveRecord(retryKey));
      if (found === undefined) throw new TransactionConflict(error);
      return answerRetry(retryKey, found, record.streamId, record.fingerprint);
    }
  }

  /** Runs a write again after a transaction conflict, with jittered backoff, until `exhausted` decides. */
  async function withConflictRetries(
    write: () => Promise<AppendResult>,
    exhausted: (conflict: TransactionConflict) => Promise<AppendResult>,
  ): Promise<AppendResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (!(error instanceof TransactionConflict)) throw error;
        if (attempt >= MAX_ATTEMPTS) return exhausted(error);
        // Full jitter, so that writers who collided once do not collide again in lockstep.
        await sleep(Math.random() * BACKOFF_BASE_MS * 2 ** attempt);
      }
    }
  }

  /** Once retries are spent, report what the store now says rather than a raw SDK error, when it can. */
  async function explainConflict(
    streamId: string,
    opts: AppendOptions,
    conflict: TransactionConflict,
  ): Promise<AppendResult> {
    const { expectedVersion, idempotencyKey: retryKey, idempotencyFingerprint: fingerprint } = opts;
    if (retryKey !== undefined) {
      const record = await liveRecord(retryKey);
      if (record !== undefined) return answerRetry(retryKey, record, streamId, fingerprint);
    }
    if (await eventExists(streamId, expectedVersion + 1)) {
      throw new ConcurrencyError(streamId, expectedVersion, { cause: conflict.original });
    }
    throw conflict.original;
  }

  return {
    async append(streamId: string, events: readonly NewEvent[], opts: AppendOptions): Promise<AppendResult> {
      open();
      validateAppend(streamId, events, opts);
      return withConflictRetries(
        () => appendOnce(streamId, events, opts),
        (conflict) => explainConflict(streamId, opts, conflict),
      );
    },

    async readStream(streamId: string, readOptions: ReadStreamOptions = {}): Promise<StoredEvent[]> {
      open();
      validateReadStream(streamId, readOptions);
      const from = readOptions.fromVersion ?? 1;
      const to = readOptions.toVersion ?? Number.MAX_SAFE_INTEGER;
      // DynamoDB rejects BETWEEN with bounds in the wrong order.
      if (from > to) return [];
      const events: StoredEvent[] = [];
      let start: Item | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: tableName,
            ConsistentRead: true,
            KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
            ExpressionAttributeNames: pick('#pk', '#sk'),
            ExpressionAttributeValues: {
              ':pk': { S: streamPartition(streamId) },
              ':from': { N: String(from) },
              ':to': { N: String(to) },
            },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) {
          const event = eventFromItem(plainItem(item));
          if (event !== undefined) events.push(event);
        }
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
      return events;
    },

    async readAll(readOptions: ReadAllOptions): Promise<ReadAllPage> {
      open();
      validateReadAll(readOptions);
      const { limit, cursor } = readOptions;
      let start: Item | undefined = cursor === undefined ? undefined : decodeCursor(cursor);
      const events: StoredEvent[] = [];
      let isEnd = false;
      while (events.length < limit) {
        const room = limit - events.length;
        const page = await client.send(
          new ScanCommand({
            TableName: tableName,
            ConsistentRead: true,
            FilterExpression: '#itemType = :event',
            ExpressionAttributeNames: pick('#itemType'),
            ExpressionAttributeValues: { ':event': { S: ITEM_TYPES.event } },
            ExclusiveStartKey: start,
            // Limit counts items read before the filter drops claims and idempotency records; twice the
            // events still wanted bounds the over-read while sparing most extra round trips.
            Limit: room * 2,
          }),
        );
        const found: StoredEvent[] = [];
        for (const item of page.Items ?? []) {
          const event = eventFromItem(plainItem(item));
          if (event !== undefined) found.push(event);
        }
        events.push(...found.slice(0, room));
        // More events wait in this page: the next call resumes after the last one returned.
        if (found.length > room) break;
        start = page.LastEvaluatedKey;
        if (start === undefined) {
          isEnd = true;
          break;
        }
      }
      const last = events.at(-1);
      const next = last === undefined ? cursor : encodeCursor(last.streamId, last.version);
      return next === undefined ? { events, isEnd } : { events, cursor: next, isEnd };
    },

    async recallAppend(retryKey: string, request: RecallRequest): Promise<AppendResult | undefined> {
      open();
      validateRecall(retryKey, request);
      const record = await liveRecord(retryKey);
      if (record === undefined) return undefined;
      return answerRetry(retryKey, record, request.streamId, request.fingerprint);
    },

    async recordOutcome(retryKey: string, record: OutcomeRecord): Promise<AppendResult> {
      open();
      validateOutcomeRecord(retryKey, record);
      return withConflictRetries(
        () => recordOutcomeOnce(retryKey, record),
        async (conflict) => {
          throw conflict.original;
        },
      );
    },

    async readSnapshot(streamId: string, schema: string): Promise<Snapshot | undefined> {
      open();
      validateSnapshotRead(streamId, schema);
      return snapshotFromItem(await getItem(snapshotKey(streamId, schema)), schema);
    },

    /** One conditional put (1 WCU for a state under 1 KB); a kept later snapshot makes it a no-op. */
    async writeSnapshot(streamId: string, snapshot: Snapshot): Promise<void> {
      open();
      validateSnapshot(streamId, snapshot);
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: snapshotItem(streamId, snapshot),
            ConditionExpression: 'attribute_not_exists(#pk) OR #version < :version',
            ExpressionAttributeNames: pick('#pk', '#version'),
            ExpressionAttributeValues: { ':version': { N: String(snapshot.version) } },
          }),
        );
      } catch (error) {
        if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
      }
    },

    async lookupClaim(key: string): Promise<string | undefined> {
      open();
      validateKey(key);
      return (await getItem(claimKey(key), '#streamId'))?.['streamId']?.S;
    },

    /** Marks the store closed. The client stays open: the caller created it and may share it. */
    async close(): Promise<void> {
      closed = true;
    },
  };
}

/** The expression attribute names a set of placeholders needs; DynamoDB rejects unused ones. */
function pick(...placeholders: string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const placeholder of placeholders.flatMap((text) => text.match(/#\w+/g) ?? [])) {
    const name = names[placeholder as keyof typeof names];
    if (name === undefined) throw new Error(`no attribute name for ${placeholder}`);
    picked[placeholder] = name;
  }
  return picked;
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}
