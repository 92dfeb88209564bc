import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoDbClientConfig, startDynamoDbLocal, type DynamoDbLocal } from '@user-service/local-aws';

/**
 * Runs `body` against a DynamoDB Local of its own (its own port), stopped afterwards whatever happens.
 * Each figure starts one: a few seconds each, but no figure's stream records can slow another's writes
 * (LOCAL-STACK.md: writes slow down with the stream records a database held when a table was created).
 */
export async function withDynamoDbLocal<T>(body: (dynamo: DynamoDbLocal) => Promise<T>): Promise<T> {
  const dynamo = await startDynamoDbLocal();
  try {
    return await body(dynamo);
  } finally {
    await dynamo.stop();
  }
}

/** A client of a database of its own: DynamoDB Local keeps one database per access key. */
export function isolatedClient(endpoint: string, label: string): { client: DynamoDBClient; accessKeyId: string } {
  const accessKeyId = `${label.replace(/[^A-Za-z0-9]/g, '')}${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  return { client: new DynamoDBClient(dynamoDbClientConfig(endpoint, accessKeyId)), accessKeyId };
}

/** Another client of the same database (same access key), for requests that must not be metered. */
export function sameDatabaseClient(endpoint: string, accessKeyId: string): DynamoDBClient {
  return new DynamoDBClient(dynamoDbClientConfig(endpoint, accessKeyId));
}

/** Runs `tasks` with at most `limit` in flight. */
export async function pool<T>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) await task(items[i]!, i);
    }),
  );
}
