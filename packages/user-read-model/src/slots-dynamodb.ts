import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { READ_MODEL_KEY_PREFIXES, READ_MODEL_PARTITION_KEY, type DynamoDbCommandSender } from './dynamodb.js';
import { ReadModelError } from './errors.js';
import { DEFAULT_SLOT, isSlot, requireSlot, type Slot, type SlotPointer, type SlotPointerState } from './slots.js';

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
 * A pointer held in one DynamoDB item (`active`, `activatedAt`, and `filling` while a rebuild runs). Reads
 * are strongly consistent, so a process that reads after a change was acknowledged sees it. It costs one
 * `GetItem` (1 RCU) per reading process and refresh interval. Each change is one `UpdateItem` of its own
 * attributes, so a switch keeps `filling` and the start of a fill keeps `active`.
 */
export function createDynamoDbSlotPointer(options: DynamoDbSlotPointerOptions): SlotPointer {
  const { client, tableName } = options;
  const itemId = options.itemId ?? SLOT_POINTER_ITEM_ID;
  const now = options.now ?? Date.now;
  if (Object.values(READ_MODEL_KEY_PREFIXES).some((prefix) => itemId.startsWith(prefix)) || itemId === '') {
    throw new ReadModelError('INVALID_ARGUMENT', `the pointer's item id ${itemId} would collide with the read model's`);
  }
  const key = { [READ_MODEL_PARTITION_KEY]: { S: itemId } };

  async function read(): Promise<SlotPointerState> {
    const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
    const slotAt = (attribute: string, what: string): Slot | undefined => {
      const value = Item?.[attribute];
      if (value === undefined) return undefined;
      if (!isSlot(value.S)) throw new Error(`item ${itemId} of ${tableName} does not name a read-model slot as ${what}`);
      return value.S;
    };
    return { active: slotAt('active', 'the active one') ?? DEFAULT_SLOT, filling: slotAt('filling', 'the one being filled') };
  }

  return {
    active: async () => (await read()).active,
    read,

    async activate(slot) {
      requireSlot(slot);
      await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key,
          UpdateExpression: 'SET active = :active, activatedAt = :at',
          ExpressionAttributeValues: { ':active': { S: slot }, ':at': { S: new Date(now()).toISOString() } },
        }),
      );
    },

    async setFilling(slot) {
      if (slot !== undefined) requireSlot(slot);
      await client.send(
        new UpdateItemCommand(
          slot === undefined
            ? { TableName: tableName, Key: key, UpdateExpression: 'REMOVE filling' }
            : {
                TableName: tableName,
                Key: key,
                UpdateExpression: 'SET filling = :filling',
                ExpressionAttributeValues: { ':filling': { S: slot } },
              },
        ),
      );
    },
  };
}
