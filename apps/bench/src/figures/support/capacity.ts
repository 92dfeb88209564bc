import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * DynamoDB capacity units as AWS bills them, computed from the requests and responses a client sends, by
 * an SDK middleware: DynamoDB Local's own `ConsumedCapacity` is wrong for transactions (it reports 4 for
 * any small transaction, see docs/event-store.md), so the bench applies AWS's published rules itself.
 *
 * Rules applied (on-demand and provisioned alike):
 * - item size: the UTF-8 bytes of every attribute name and string, about one byte per two significant
 *   digits plus one for a number, the bytes of a binary, one byte for a boolean or null, and three bytes
 *   plus one per element for a list or map;
 * - writes: 1 WCU per started KB of the item written, at least 1, per item; `TransactWriteItems` twice that;
 * - strongly consistent reads: 1 RCU per started 4 KB, rounded up per item for `GetItem` and
 *   `BatchGetItem`, over the whole response for `Query` and `Scan`, at least 1 per request; eventually
 *   consistent reads half that; `TransactGetItems` twice the strongly consistent figure.
 *
 * What a client-side meter cannot see, and therefore leaves out (each reported as a caveat where it
 * occurs, see {@link CAVEATS}): the size of an item that a put replaces or a delete removes (AWS bills the larger of old
 * and new; a delete is counted as 1 WCU), the full size of an item read through a projection (AWS bills
 * the whole item), items a filter expression dropped (AWS bills them), and writes to global secondary
 * indexes (AWS bills one write per index the item is in). The figures that use this say which apply.
 */

export type Item = Record<string, AttributeValue>;

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');

/** The size AWS gives a number: about one byte per two significant digits, plus one. */
function numberSize(text: string): number {
  const digits = text.replace(/^[-+]/, '').replace(/[eE].*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

/** The size of one attribute value, without its name. */
export function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberSize(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + b.byteLength, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + 1 + valueSize(v), 0);
  if (value.M !== undefined) {
    return 3 + Object.entries(value.M).reduce((sum, [name, v]) => sum + 1 + utf8(name) + valueSize(v), 0);
  }
  return 0;
}

/** An item's size by AWS's rules: names plus values. */
export function itemSize(item: Item | undefined): number {
  if (item === undefined) return 0;
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueSize(value), 0);
}

const KB = 1024;
const READ_UNIT = 4 * KB;

const writeUnitsOf = (bytes: number): number => Math.max(1, Math.ceil(bytes / KB));
const readUnitsOf = (bytes: number, consistent: boolean): number =>
  consistent ? Math.max(1, Math.ceil(bytes / READ_UNIT)) : Math.max(0.5, Math.ceil(bytes / READ_UNIT) / 2);

/** Capacity consumed by one request, per table. */
export interface Units {
  readonly units: number;
  readonly byTable: Readonly<Record<string, number>>;
  /** What AWS bills here that the client cannot see, if anything (see the module comment). */
  readonly caveats: readonly string[];
}

/** The caveats a meter can report. */
export const CAVEATS = Object.freeze({
  delete: 'a delete counts 1 WCU (the size of the deleted item is not in the request)',
  update: 'an update counts its key and new values (the size of the updated item is not in the request)',
  projection: 'a read through a projection counts the projected size (AWS bills the whole item)',
  filter: 'a filtered query or scan counts the items returned (AWS bills the items read)',
});

const NONE: Units = { units: 0, byTable: {}, caveats: [] };

function units(entries: ReadonlyArray<readonly [string, number]>, caveats: readonly string[]): Units {
  const byTable: Record<string, number> = {};
  let total = 0;
  for (const [table, n] of entries) {
    byTable[table] = (byTable[table] ?? 0) + n;
    total += n;
  }
  return { units: total, byTable, caveats };
}

// The SDK types each command separately; the rules only need a few common fields of any of them.
type Loose = Record<string, any>;

/** The write units of one write item of a put, an update, a delete or a condition check. */
function writeItem(request: Loose): { table: string; units: number; caveat?: string } {
  if (request['Put'] ?? request['PutRequest']) {
    const put = (request['Put'] ?? request['PutRequest']) as Loose;
    return { table: put['TableName'] ?? '', units: writeUnitsOf(itemSize(put['Item'])) };
  }
  if (request['Delete'] ?? request['DeleteRequest']) {
    const del = (request['Delete'] ?? request['DeleteRequest']) as Loose;
    return { table: del['TableName'] ?? '', units: 1, caveat: CAVEATS.delete };
  }
  if (request['Update']) {
    const update = request['Update'] as Loose;
    return { table: update['TableName'] ?? '', units: updateUnits(update), caveat: CAVEATS.update };
  }
  const check = (request['ConditionCheck'] ?? {}) as Loose;
  return { table: check['TableName'] ?? '', units: 1 };
}

const caveatsOf = (items: ReadonlyArray<{ caveat?: string }>): string[] => [
  ...new Set(items.flatMap((item) => (item.caveat === undefined ? [] : [item.caveat]))),
];

/** An update's written size is unknown to the client: the key and the values it sets bound it from below. */
function updateUnits(input: Loose): number {
  const values = Object.values((input['ExpressionAttributeValues'] ?? {}) as Item);
  return writeUnitsOf(itemSize(input['Key']) + values.reduce((sum, v) => sum + valueSize(v), 0));
}

/**
 * The write units a DynamoDB request consumes by AWS's rules, from its command name (`PutItemCommand` or
 * `PutItem`) and input. Conditional writes that fail still consume capacity on AWS, so the result does not
 * depend on the outcome. Reads and control-plane commands consume none.
 */
export function writeUnits(commandName: string, input: Loose): Units {
  const name = commandName.replace(/Command$/, '');
  switch (name) {
    case 'PutItem':
      return units([[input['TableName'], writeUnitsOf(itemSize(input['Item']))]], []);
    case 'DeleteItem':
      return units([[input['TableName'], 1]], [CAVEATS.delete]);
    case 'UpdateItem':
      return units([[input['TableName'], updateUnits(input)]], [CAVEATS.update]);
    case 'BatchWriteItem': {
      const entries: Array<[string, number]> = [];
      const items: Array<{ caveat?: string }> = [];
      for (const [table, requests] of Object.entries((input['RequestItems'] ?? {}) as Record<string, Loose[]>)) {
        for (const request of requests) {
          const one = writeItem(request);
          entries.push([table, one.units]);
          items.push(one);
        }
      }
      return units(entries, caveatsOf(items));
    }
    case 'TransactWriteItems': {
      const items = ((input['TransactItems'] ?? []) as Loose[]).map(writeItem);
      return units(
        items.map((one) => [one.table, 2 * one.units] as const),
        caveatsOf(items),
      );
    }
    default:
      return NONE;
  }
}

/**
 * The read units a DynamoDB request consumed by AWS's rules, from its command name, input and output
 * (the items it returned). Writes consume none here, even when they return old items.
 */
export function readUnits(commandName: string, input: Loose, output: Loose | undefined): Units {
  const name = commandName.replace(/Command$/, '');
  const consistent = input['ConsistentRead'] === true;
  switch (name) {
    case 'GetItem': {
      const projected = input['ProjectionExpression'] !== undefined && output?.['Item'] !== undefined;
      return units([[input['TableName'], readUnitsOf(itemSize(output?.['Item']), consistent)]], projected ? [CAVEATS.projection] : []);
    }
    case 'Query':
    case 'Scan': {
      const items = (output?.['Items'] ?? []) as Item[];
      const bytes = items.reduce((sum, item) => sum + itemSize(item), 0);
      // A filter drops items after they were read (and billed); a projection shrinks them.
      const filtered = output?.['ScannedCount'] !== undefined && output['ScannedCount'] !== output['Count'];
      const projected = input['ProjectionExpression'] !== undefined;
      return units(
        [[input['TableName'], readUnitsOf(bytes, consistent)]],
        [...(filtered ? [CAVEATS.filter] : []), ...(projected ? [CAVEATS.projection] : [])],
      );
    }
    case 'BatchGetItem': {
      const entries: Array<[string, number]> = [];
      const requested = (input['RequestItems'] ?? {}) as Record<string, Loose>;
      for (const [table, items] of Object.entries((output?.['Responses'] ?? {}) as Record<string, Item[]>)) {
        const strong = requested[table]?.['ConsistentRead'] === true;
        for (const item of items) entries.push([table, readUnitsOf(itemSize(item), strong)]);
      }
      return units(entries, []);
    }
    case 'TransactGetItems': {
      const gets = (input['TransactItems'] ?? []) as Loose[];
      const responses = (output?.['Responses'] ?? []) as Array<{ Item?: Item }>;
      return units(
        gets.map((get, i) => [get['Get']?.['TableName'] ?? '', 2 * readUnitsOf(itemSize(responses[i]?.Item), true)] as const),
        [],
      );
    }
    default:
      return NONE;
  }
}

/** One request as the meter saw it. */
export interface MeteredRequest {
  readonly command: string;
  /** What the meter's `classify` option called it, if anything. */
  readonly kind: string | undefined;
  readonly read: Units;
  readonly write: Units;
  readonly failed: boolean;
}

/** Totals over the requests a meter saw since it was last reset. */
export interface MeterTotals {
  readonly requests: number;
  readonly rcu: number;
  readonly wcu: number;
  /** Requests per command name, e.g. `{ PutItem: 3 }`. */
  readonly commands: Readonly<Record<string, number>>;
  readonly rcuByTable: Readonly<Record<string, number>>;
  readonly wcuByTable: Readonly<Record<string, number>>;
  /** Write units by what `classify` called each request (unclassified requests are left out). */
  readonly wcuByKind: Readonly<Record<string, number>>;
  /** Every caveat of the requests counted (see {@link CAVEATS}); empty when every figure is exact. */
  readonly caveats: readonly string[];
}

export interface Meter {
  /** Totals since the last reset. */
  totals(): MeterTotals;
  /** Every request since the last reset, in completion order. */
  requests(): readonly MeteredRequest[];
  reset(): void;
}

/**
 * Adds a middleware to `client` that applies {@link readUnits} and {@link writeUnits} to every request it
 * sends, and returns the running totals. Counting happens when a request completes (a failed conditional
 * write still costs its write units, as on AWS).
 */
export function meter(
  client: DynamoDBClient,
  options: { readonly classify?: (command: string, input: Loose) => string | undefined; readonly name?: string } = {},
): Meter {
  const classify = options.classify ?? (() => undefined);
  let seen: MeteredRequest[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      const input = args.input as Loose;
      const kind = classify(command, input);
      try {
        const result = await next(args);
        seen.push({ command, kind, read: readUnits(command, input, result.output as Loose), write: writeUnits(command, input), failed: false });
        return result;
      } catch (error) {
        seen.push({ command, kind, read: NONE, write: writeUnits(command, input), failed: true });
        throw error;
      }
    },
    { step: 'initialize', name: options.name ?? 'benchCapacityMeter' },
  );
  return {
    totals() {
      const commands: Record<string, number> = {};
      const rcuByTable: Record<string, number> = {};
      const wcuByTable: Record<string, number> = {};
      const wcuByKind: Record<string, number> = {};
      let rcu = 0;
      let wcu = 0;
      const caveats = new Set<string>();
      for (const request of seen) {
        commands[request.command] = (commands[request.command] ?? 0) + 1;
        rcu += request.read.units;
        wcu += request.write.units;
        for (const [table, n] of Object.entries(request.read.byTable)) rcuByTable[table] = (rcuByTable[table] ?? 0) + n;
        for (const [table, n] of Object.entries(request.write.byTable)) wcuByTable[table] = (wcuByTable[table] ?? 0) + n;
        if (request.kind !== undefined && request.write.units > 0) {
          wcuByKind[request.kind] = (wcuByKind[request.kind] ?? 0) + request.write.units;
        }
        for (const caveat of [...request.read.caveats, ...request.write.caveats]) caveats.add(caveat);
      }
      return { requests: seen.length, rcu, wcu, commands, rcuByTable, wcuByTable, wcuByKind, caveats: [...caveats] };
    },
    requests: () => seen,
    reset() {
      seen = [];
    },
  };
}
