import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  ITEM_TYPE_ATTRIBUTE,
  PARTITION_KEY,
  SINGLETON_SORT_KEY,
  SORT_KEY,
} from '@user-service/event-store/dynamodb/schema';
import { createDataKeys, type DataKeys, type DataKeysOptions } from './data-keys.js';
import { createLocalKeyWrapper, deriveKeyEncryptionKey } from './local-wrapper.js';
import { PersonalDataError } from './errors.js';
import type { KeyStore, KeyWrapper, StoredKey } from './ports.js';
import { KEY_ITEM_PREFIX, KEY_ITEM_TYPE } from './dynamodb-schema.js';

export { KEY_ITEM_PREFIX, KEY_ITEM_TYPE } from './dynamodb-schema.js';

export interface DynamoDbKeyStoreOptions {
  readonly client: Pick<DynamoDBClient, 'send'>;
  /** The event-store table. */
  readonly tableName: string;
}

/**
 * Data keys as items of the event-store table: `{ wrapped }` while active, `{ destroyedAt }` once destroyed.
 * Creation is a conditional put; destruction is one unconditional put that replaces the item, wrapped key and
 * all; every read is strongly consistent, so no instance reads a destroyed key back from the table.
 */
export function createDynamoDbKeyStore(options: DynamoDbKeyStoreOptions): KeyStore {
  const { client, tableName } = options;
  const key = (subject: string) => ({
    [PARTITION_KEY]: { S: `${KEY_ITEM_PREFIX}${subject}` },
    [SORT_KEY]: { N: String(SINGLETON_SORT_KEY) },
  });

  async function get(subject: string): Promise<StoredKey | undefined> {
    const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: key(subject), ConsistentRead: true }));
    if (Item === undefined) return undefined;
    const wrapped = Item['wrapped']?.B;
    return wrapped === undefined ? { state: 'destroyed' } : { state: 'active', wrapped };
  }

  return {
    get,
    async create(subject, wrapped) {
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: { ...key(subject), [ITEM_TYPE_ATTRIBUTE]: { S: KEY_ITEM_TYPE }, wrapped: { B: wrapped } },
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': PARTITION_KEY },
          }),
        );
        return { state: 'active', wrapped };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        return (await get(subject)) as StoredKey;
      }
    },
    async destroy(subject) {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: { ...key(subject), [ITEM_TYPE_ATTRIBUTE]: { S: KEY_ITEM_TYPE }, destroyedAt: { S: new Date().toISOString() } },
        }),
      );
    },
    async close() {},
  };
}

export interface DynamoDbDataKeysOptions extends Omit<DataKeysOptions, 'store' | 'wrapper'> {
  readonly client: Pick<DynamoDBClient, 'send'>;
  /** The event-store table, which holds the key items. */
  readonly tableName: string;
  /** The KMS key that wraps data keys; absent, `localKeyEncryptionKey` does (DynamoDB Local). */
  readonly kmsKeyId?: string | undefined;
  /**
   * Without KMS: the secret every process of the deployment shares (the service's JWT secret), from which
   * the key that wraps data keys derives (`deriveKeyEncryptionKey`). With neither, every key use fails with
   * `NO_KEY_ACCESS`: a tool without key access must stop, never take sealed data for forgotten.
   */
  readonly keySecret?: string | undefined;
}

/**
 * The data keys of a DynamoDB deployment: key items in the event-store table, wrapped by KMS (whose client
 * is loaded only then), or by a shared local key where no KMS key is configured. `wrapping` says which, so that
 * the caller can warn about the local one.
 */
export async function openDynamoDbDataKeys(
  options: DynamoDbDataKeysOptions,
): Promise<{ keys: DataKeys; wrapping: 'kms' | 'local' | 'none' }> {
  const { client, tableName, kmsKeyId, keySecret, ...cache } = options;
  const store = createDynamoDbKeyStore({ client, tableName });
  if (kmsKeyId === undefined) {
    const wrapper = keySecret === undefined ? noKeyAccess : createLocalKeyWrapper(deriveKeyEncryptionKey(keySecret));
    return { keys: createDataKeys({ ...cache, store, wrapper }), wrapping: keySecret === undefined ? 'none' : 'local' };
  }
  const [{ KMSClient }, { createKmsKeyWrapper }] = await Promise.all([import('@aws-sdk/client-kms'), import('./kms.js')]);
  const kms = new KMSClient({});
  const keys = createDataKeys({ ...cache, store, wrapper: createKmsKeyWrapper({ client: kms, keyId: kmsKeyId }) });
  return {
    keys: {
      ...keys,
      async close() {
        await keys.close();
        kms.destroy();
      },
    },
    wrapping: 'kms',
  };
}

const refuse = async (): Promise<never> => {
  throw new PersonalDataError('NO_KEY_ACCESS', 'sealed personal data needs KMS_KEY_ID (or, with DynamoDB Local, the JWT secret)');
};
const noKeyAccess: KeyWrapper = { generate: refuse, unwrap: refuse };
