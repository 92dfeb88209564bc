import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

/**
 * Creates an on-demand table keyed by one string attribute and swept by TTL on another, where it does not
 * exist yet (DynamoDB Local, tests); on AWS infra owns the tables. The rate-limit counters and the mailer's
 * ledger are such tables.
 */
export async function ensureTtlTable(
  client: Pick<DynamoDBClient, 'send'>,
  tableName: string,
  attributes: { readonly key: string; readonly ttl: string },
): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: attributes.key, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: attributes.key, KeyType: 'HASH' }],
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: attributes.ttl, Enabled: true } }),
  );
}
