import { createHmac } from 'node:crypto';
import {
  GetItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { ensureTtlTable } from './dynamodb-ttl-table.js';
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';

/** The counters table's key and expiry attributes, which infra's table must match. */
export const RATE_LIMIT_TABLE_KEY = 'key';
export const RATE_LIMIT_TABLE_TTL = 'expiresAt';

export interface DynamoDbRateLimitStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /**
   * Keys the hash that items are stored under: a key names a client address or an account's email, and
   * neither belongs in a table in the clear (nor under an unkeyed hash, which a dictionary reverses).
   */
  readonly keySecret: string;
  /** Milliseconds since the epoch; replace it in tests. @default Date.now */
  readonly now?: () => number;
}

type Counted = { current: number; ttl: number };
type Callback = (error: Error | null, result?: Counted) => void;

/**
 * Counters for @fastify/rate-limit in a DynamoDB table, so that a limit holds across every Lambda instance.
 * Windows are fixed and aligned to the clock: a key counts in an item of its own per window, raised by one
 * atomic `ADD` that returns the new count, and removed by the table's TTL once the window is long over.
 * Items are named by a keyed hash of the key and the window's start.
 */
export function dynamoDbRateLimitStore(options: DynamoDbRateLimitStoreOptions): FastifyRateLimitStoreCtor {
  const { client, tableName } = options;
  const now = options.now ?? Date.now;

  const windowOf = (key: string, timeWindow: number) => {
    const at = now();
    const start = Math.floor(at / timeWindow) * timeWindow;
    const hashed = createHmac('sha256', options.keySecret).update(key).digest('base64url');
    return { item: { [RATE_LIMIT_TABLE_KEY]: { S: `${hashed}@${start}` } }, ttl: start + timeWindow - at, end: start + timeWindow };
  };
  const settle = (work: Promise<Counted>, callback: Callback) =>
    void work.then(
      (result) => callback(null, result),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );

  class DynamoDbRateLimitStore implements FastifyRateLimitStore {
    incr(key: string, callback: Callback, timeWindow: number): void {
      const window = windowOf(key, timeWindow);
      const work = client
        .send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: window.item,
            UpdateExpression: 'ADD #count :one SET #expires = if_not_exists(#expires, :expires)',
            ExpressionAttributeNames: { '#count': 'count', '#expires': RATE_LIMIT_TABLE_TTL },
            // Kept a minute past the window, then the TTL sweeps it (which may take a while; it is never read).
            ExpressionAttributeValues: { ':one': { N: '1' }, ':expires': { N: String(Math.ceil(window.end / 1000) + 60) } },
            ReturnValues: 'UPDATED_NEW',
          }),
        )
        .then(({ Attributes }) => ({ current: Number(Attributes?.['count']?.N ?? 1), ttl: window.ttl }));
      settle(work, callback);
    }

    read(key: string, callback: Callback, timeWindow: number): void {
      const window = windowOf(key, timeWindow);
      const work = client
        .send(new GetItemCommand({ TableName: tableName, Key: window.item, ConsistentRead: true }))
        .then(({ Item }) => ({ current: Number(Item?.['count']?.N ?? 0), ttl: Item === undefined ? 0 : window.ttl }));
      settle(work, callback);
    }

    child(): FastifyRateLimitStore {
      return new DynamoDbRateLimitStore();
    }
  }
  return DynamoDbRateLimitStore;
}

/** Creates the counters table if it is missing (DynamoDB Local, tests); on AWS, infra creates it. */
export async function ensureRateLimitTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await ensureTtlTable(client, tableName, { key: RATE_LIMIT_TABLE_KEY, ttl: RATE_LIMIT_TABLE_TTL });
}
