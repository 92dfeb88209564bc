import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { READ_MODEL_PARTITION_KEY } from '@user-service/user-read-model/dynamodb';
import type { LeaseRecord, LeaseStore } from './lease.js';

/** The lease's item id in the blue read-model table, beside the slot pointer (`control#active-slot`). */
export const REBUILD_LEASE_ITEM_ID = 'control#rebuild-lease';

/** The lease as one item of a DynamoDB table keyed by `id` alone (the blue read-model table). */
export function createDynamoDbLeaseStore(
  client: Pick<DynamoDBClient, 'send'>,
  tableName: string,
  itemId: string = REBUILD_LEASE_ITEM_ID,
): LeaseStore {
  const key = { [READ_MODEL_PARTITION_KEY]: { S: itemId } };
  const names = { '#owner': 'owner', '#expiresAt': 'expiresAt' };
  const conditionFailed = (error: unknown) => (error as { name?: unknown }).name === 'ConditionalCheckFailedException';
  return {
    async acquire(owner, expiresAt, now) {
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: { ...key, ...leaseItem({ owner, expiresAt, acquiredAt: new Date(now).toISOString() }) },
            ConditionExpression: 'attribute_not_exists(#owner) OR #expiresAt < :now OR #owner = :owner',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ':now': { N: String(now) }, ':owner': { S: owner } },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return undefined;
      } catch (error) {
        if (!conditionFailed(error)) throw error;
        return leaseFromItem((error as { Item?: Record<string, AttributeValue> }).Item);
      }
    },
    async renew(owner, expiresAt) {
      try {
        await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: key,
            UpdateExpression: 'SET #expiresAt = :expiresAt',
            ConditionExpression: '#owner = :owner',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ':expiresAt': { N: String(expiresAt) }, ':owner': { S: owner } },
          }),
        );
        return true;
      } catch (error) {
        if (conditionFailed(error)) return false;
        throw error;
      }
    },
    async release(owner) {
      try {
        await client.send(
          new DeleteItemCommand({
            TableName: tableName,
            Key: key,
            ConditionExpression: '#owner = :owner',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':owner': { S: owner } },
          }),
        );
      } catch (error) {
        // Someone took it over after ours ran out: theirs is not ours to delete.
        if (!conditionFailed(error)) throw error;
      }
    },
    async read() {
      const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
      return leaseFromItem(Item);
    },
    async close() {},
  };
}

function leaseItem(lease: LeaseRecord): Record<string, AttributeValue> {
  return {
    owner: { S: lease.owner },
    expiresAt: { N: String(lease.expiresAt) },
    acquiredAt: { S: lease.acquiredAt },
  };
}

function leaseFromItem(item: Record<string, AttributeValue> | undefined): LeaseRecord | undefined {
  const owner = item?.['owner']?.S;
  if (owner === undefined) return undefined;
  return { owner, expiresAt: Number(item?.['expiresAt']?.N), acquiredAt: item?.['acquiredAt']?.S ?? '' };
}
