import { RemovalPolicy } from 'aws-cdk-lib';
import { BillingMode, ProjectionType, Table, TableEncryption, TableGrants } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  READ_MODEL_INDEXES,
  READ_MODEL_PARTITION_KEY,
  READ_MODEL_PARTITION_KEY_TYPE,
} from '@user-service/user-read-model/dynamodb';
import { attributeType } from './event-store-table.js';

export interface ReadModelTableProps {
  readonly encryptionKey: IKey;
  /** Production: RETAIN on stack deletion, with deletion protection. */
  readonly retainData: boolean;
}

/**
 * The user read model: one view per user and the projector's checkpoints, with the sparse lookup indexes
 * the email and username queries need, each projecting keys only (a lookup reads the views by id). Key and indexes come from the read-model package. It can be
 * rebuilt from the events, but PITR spares a replay after a bad deploy.
 */
export class ReadModelTable extends Construct {
  public readonly table: Table;
  /** Each lookup index, by name. */
  public readonly indexArns: readonly string[];
  // Grants on the table alone: CDK's own grants on a table with indexes add `<table>/index/*`.
  private readonly tableGrants: TableGrants;

  constructor(scope: Construct, id: string, props: ReadModelTableProps) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: READ_MODEL_PARTITION_KEY, type: attributeType(READ_MODEL_PARTITION_KEY_TYPE) },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      deletionProtection: props.retainData,
      removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    for (const index of Object.values(READ_MODEL_INDEXES)) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: attributeType(index.partitionKeyType) },
        // Keys only: a put of a view writes an index item only when its email or username changes.
        projectionType: ProjectionType.KEYS_ONLY,
      });
    }
    this.indexArns = Object.values(READ_MODEL_INDEXES).map((index) => `${this.table.tableArn}/index/${index.indexName}`);
    this.tableGrants = new TableGrants({ table: this.table, hasIndex: false });
  }

  /** Reading views by id, and querying each lookup index, named one by one (with decryption). */
  grantReadViews(grantee: IGrantable): Grant {
    return this.tableGrants
      .readData(grantee)
      .combine(Grant.addToPrincipal({ grantee, actions: ['dynamodb:Query'], resourceArns: [...this.indexArns] }));
  }

  /** Reading and writing views and checkpoints by id (with encryption); no index access. */
  grantReadWriteViews(grantee: IGrantable): Grant {
    return this.tableGrants.readWriteData(grantee);
  }
}
