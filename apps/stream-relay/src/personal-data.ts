import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createEventOpener } from '@user-service/personal-data';
import { openDynamoDbDataKeys } from '@user-service/personal-data/dynamodb';
import type { RelayConfig } from './config.js';
import type { RelayOptions } from './relay.js';

/**
 * What opens the events' personal data before they are published: the users' key items in the event-store
 * table, unwrapped by KMS (or, locally, under the key derived from `JWT_SECRET`). Undefined without the table.
 */
export async function personalDataOpener(
  keys: RelayConfig['keys'],
  client: Pick<DynamoDBClient, 'send'>,
): Promise<RelayOptions['openPersonalData']> {
  if (keys.tableName === undefined) return undefined;
  const opened = await openDynamoDbDataKeys({
    client,
    tableName: keys.tableName,
    kmsKeyId: keys.kmsKeyId,
    keySecret: keys.keySecret,
  });
  return createEventOpener(opened.keys);
}
