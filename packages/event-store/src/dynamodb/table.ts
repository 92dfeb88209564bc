import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { TTL_ATTRIBUTE, eventStoreTableDefinition } from './schema.js';

/**
 * Creates the event-store table unless it exists, waits until it is ACTIVE and turns on TTL for
 * {@link TTL_ATTRIBUTE}. Safe to call concurrently and repeatedly.
 */
export async function ensureEventStoreTable(client: DynamoDBClient, tableName: string): Promise<void> {
  if (!(await tableExists(client, tableName))) {
    try {
      await client.send(new CreateTableCommand(eventStoreTableDefinition(tableName)));
    } catch (error) {
      // Someone else created it between our describe and create: wait for theirs.
      if (errorName(error) !== 'ResourceInUseException') throw error;
    }
  }
  // The waiter's default first delay is 20 s, far longer than a table takes (and DynamoDB Local is instant).
  await waitUntilTableExists(
    { client, minDelay: 1, maxDelay: 5, maxWaitTime: 300 },
    { TableName: tableName },
  );

  const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
  if (status === 'ENABLED' || status === 'ENABLING') return;
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { Enabled: true, AttributeName: TTL_ATTRIBUTE },
      }),
    );
  } catch (error) {
    // A concurrent caller enabled it first; DynamoDB rejects enabling it twice.
    const again = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    const now = again.TimeToLiveDescription?.TimeToLiveStatus;
    if (now !== 'ENABLED' && now !== 'ENABLING') throw error;
  }
}

async function tableExists(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return true;
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return false;
    throw error;
  }
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}
