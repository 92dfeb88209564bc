import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { READ_MODEL_KEY_PREFIXES, READ_MODEL_PARTITION_KEY, type DynamoDbCommandSender } from './dynamodb.js';
import { ReadModelError } from './errors.js';
import { DEFAULT_SLOT, isSlot, requireSlot, type SlotPointer } from './slots.js';

/**
 * The pointer's item id. The read-model adapter prefixes every id it writes (`user#`, `checkpoint#`), so a
 * `control#` id can share a read-model table without ever meeting a view or a checkpoint.
 */
export const SLOT_POINTER_ITEM_ID = 'control#active-slot';

export interface DynamoDbSlotPointerOptions {
  /** The caller owns it. */
  readonly client: DynamoDbCommandSender;
  /**
   * A table keyed by {@link READ_MODEL_PARTITION_KEY} alone, such as the blue read-model table. A rebuild
   * that empties a slot table deletes only `user#` and `checkpoint#` items, so the pointer survives it.
   */
  readonly tableName: string;
  /** @default {@link SLOT_POINTER_ITEM_ID} */
  readonly itemId?: string;
  /** Milliseconds since the epoch, for `activatedAt`. @default Date.now */
  readonly now?: () => number;
}

/**
 * A pointer held in one DynamoDB item (`active`, `activatedAt`). Reads are strongly consistent, so a process
 * that reads after a switch was acknowledged sees it. It costs one `GetItem` (1 RCU) per reading process
 * and refresh interval.
 */
export function createDynamoDbSlotPointer(options: DynamoDbSlotPointerOptions): SlotPointer {
  const { client, tableName } = options;
  const itemId = options.itemId ?? SLOT_POINTER_ITEM_ID;
  const now = options.now ?? Date.now;
  if (Object.values(READ_MODEL_KEY_PREFIXES).some((prefix) => itemId.startsWith(prefix)) || itemId === '') {
    throw new ReadModelError('INVALID_ARGUMENT', `the pointer's item id ${itemId} would collide with the read model's`);
  }
  const key = { [READ_MODEL_PARTITION_KEY]: { S: itemId } };

  return {
    async active() {
      const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
      if (Item === undefined) return DEFAULT_SLOT;
      const active = Item['active']?.S;
      if (!isSlot(active)) throw new Error(`item ${itemId} of ${tableName} does not name a read-model slot`);
      return active;
    },

    async activate(slot) {
      requireSlot(slot);
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: { ...key, active: { S: slot }, activatedAt: { S: new Date(now()).toISOString() } },
        }),
      );
    },
  };
}
