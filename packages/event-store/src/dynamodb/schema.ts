import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The event-store table's schema. `infra/` imports these (from `@user-service/event-store/dynamodb/schema`,
 * which loads no AWS SDK) so that the deployed table and the adapter cannot drift apart.
 */

/**
 * Partition key attribute, a string: `stream#<streamId>`, `claim#<key>`, `idempotency#<key>` or
 * `snapshot#<schema>#<streamId>`.
 */
export const PARTITION_KEY = 'pk';
export const PARTITION_KEY_TYPE = 'S';
/** Sort key attribute, a number: an event's version, or 0 for claims, idempotency records and snapshots. */
export const SORT_KEY = 'sk';
export const SORT_KEY_TYPE = 'N';
/** Epoch seconds after which DynamoDB may delete an item; only idempotency records carry it. */
export const TTL_ATTRIBUTE = 'expiresAt';
/** Names what an item is, so stream consumers can tell events from claims, idempotency records and snapshots. */
export const ITEM_TYPE_ATTRIBUTE = 'itemType';
/** The stream view the relay needs: it publishes inserted events and never needs the old image. */
export const STREAM_VIEW_TYPE = 'NEW_IMAGE';

export const ITEM_TYPES = Object.freeze({
  event: 'event',
  claim: 'claim',
  idempotency: 'idempotency',
  snapshot: 'snapshot',
} as const);

export const KEY_PREFIXES = Object.freeze({
  stream: 'stream#',
  claim: 'claim#',
  idempotency: 'idempotency#',
  /** Followed by the snapshot's schema, `#`, and the stream id. */
  snapshot: 'snapshot#',
} as const);

/** The sort key of the single item a claim or an idempotency key partition holds. */
export const SINGLETON_SORT_KEY = 0;

/**
 * The `CreateTable` input for the event-store table: on-demand billing and a stream of new images. For
 * tests and local tooling; `infra/` builds the same table from the constants above.
 */
export function eventStoreTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [
      { AttributeName: PARTITION_KEY, AttributeType: PARTITION_KEY_TYPE },
      { AttributeName: SORT_KEY, AttributeType: SORT_KEY_TYPE },
    ],
    KeySchema: [
      { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
      { AttributeName: SORT_KEY, KeyType: 'RANGE' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamEnabled: true, StreamViewType: STREAM_VIEW_TYPE },
  };
}
