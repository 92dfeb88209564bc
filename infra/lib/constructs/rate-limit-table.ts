import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledge.js';

/**
 * The key and expiry attributes of the counters, as the user service's DynamoDB rate-limit store
 * (`apps/user-service/src/infrastructure/dynamodb-rate-limit-store.ts`) writes them.
 */
export const RATE_LIMIT_KEY_ATTRIBUTE = 'key';
export const RATE_LIMIT_TTL_ATTRIBUTE = 'expiresAt';

/**
 * The user service's rate-limit counters, shared by every Lambda instance so that a limit per address or per
 * account holds however many instances run. One item per key and window, raised by an atomic update and
 * swept by TTL. The keys are keyed hashes of the addresses and accounts, never the plain values. Counters
 * are worth nothing past their window: no backups, and the table goes with the stack.
 */
export class RateLimitTable extends Construct {
  public readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: RATE_LIMIT_KEY_ATTRIBUTE, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: RATE_LIMIT_TTL_ATTRIBUTE,
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledge(
      this.table,
      'AwsSolutions-DDB3',
      'Rate-limit counters live for one window (minutes) and are swept by TTL; a restored copy would hold ' +
        'nothing of use, so point-in-time recovery would only cost.',
    );
  }

  /** Reads and raises counters: GetItem and UpdateItem on this table, nothing else. */
  grantCounting(grantee: IGrantable): void {
    Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      resourceArns: [this.table.tableArn],
    });
  }
}
