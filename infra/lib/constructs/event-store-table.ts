import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  PARTITION_KEY,
  PARTITION_KEY_TYPE,
  SORT_KEY,
  SORT_KEY_TYPE,
  STREAM_VIEW_TYPE,
  TTL_ATTRIBUTE,
} from '@user-service/event-store/dynamodb/schema';

export interface EventStoreTableProps {
  /**
   * Production: RETAIN the table and its key on stack deletion, and turn on deletion protection.
   * Otherwise both are destroyed with the stack.
   */
  readonly retainData: boolean;
}

/**
 * The event store: the source of truth, and the only table whose stream the relay reads. Its key, TTL
 * attribute and stream view come from the event-store package, so the table cannot drift from the
 * adapter that writes it. Encrypted with a customer-managed key (rotated yearly) that the read-model
 * tables and the backup vault share (not the JWT secret, which uses Secrets Manager's own key).
 */
export class EventStoreTable extends Construct {
  public readonly table: Table;
  /** The customer-managed key of the stateful resources. */
  public readonly encryptionKey: Key;

  constructor(scope: Construct, id: string, props: EventStoreTableProps) {
    super(scope, id);
    const removalPolicy = props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.encryptionKey = new Key(this, 'Key', {
      description: 'Encrypts the user service event store, its two read-model tables and their backups',
      enableKeyRotation: true,
      removalPolicy,
    });
    this.table = new Table(this, 'Table', {
      partitionKey: { name: PARTITION_KEY, type: attributeType(PARTITION_KEY_TYPE) },
      sortKey: { name: SORT_KEY, type: attributeType(SORT_KEY_TYPE) },
      billingMode: BillingMode.PAY_PER_REQUEST,
      stream: streamViewType(STREAM_VIEW_TYPE),
      // Only idempotency records carry it; events and claims live forever.
      timeToLiveAttribute: TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.encryptionKey,
      deletionProtection: props.retainData,
      removalPolicy,
    });
  }
}

/** Maps the schema's DynamoDB attribute type letter onto CDK's enum. */
export function attributeType(type: string): AttributeType {
  switch (type) {
    case 'S':
      return AttributeType.STRING;
    case 'N':
      return AttributeType.NUMBER;
    case 'B':
      return AttributeType.BINARY;
    default:
      throw new Error(`unknown DynamoDB attribute type ${JSON.stringify(type)}`);
  }
}

function streamViewType(view: string): StreamViewType {
  const match = Object.values(StreamViewType).find((value) => value === view);
  if (match === undefined) throw new Error(`unknown stream view type ${JSON.stringify(view)}`);
  return match;
}
