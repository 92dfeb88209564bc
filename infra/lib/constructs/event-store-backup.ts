import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BackupPlan, BackupPlanRule, BackupResource, BackupVault } from 'aws-cdk-lib/aws-backup';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Schedule } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { BackupParameters } from '../config.js';
import { acknowledge } from './acknowledge.js';

export interface EventStoreBackupProps extends BackupParameters {
  readonly table: ITable;
  /** Encrypts the vault's recovery points. */
  readonly encryptionKey: IKey;
  /** Production: RETAIN the vault (and so its recovery points) on stack deletion. */
  readonly retainData: boolean;
}

/**
 * AWS Backup of the event store, the one table nothing else can rebuild: a recovery point every day at
 * 03:00 UTC kept for `retention`, in an encrypted vault of its own, optionally locked (compliance mode)
 * and optionally copied to a vault in another account. PITR covers the last 35 days to the second
 * besides; restoring either is in infra/README.md, "Restoring the event store".
 */
export class EventStoreBackup extends Construct {
  public readonly vault: BackupVault;
  public readonly plan: BackupPlan;

  constructor(scope: Construct, id: string, props: EventStoreBackupProps) {
    super(scope, id);
    if (props.vaultLock !== undefined && props.vaultLock.minRetention.toDays() > props.retention.toDays()) {
      throw new Error('EventStoreBackup vaultLock.minRetention must not exceed the retention of the recovery points');
    }
    this.vault = new BackupVault(this, 'Vault', {
      encryptionKey: props.encryptionKey,
      removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      ...(props.vaultLock === undefined
        ? {}
        : {
            lockConfiguration: {
              minRetention: props.vaultLock.minRetention,
              // The grace period in which the lock can still be removed; after it, the lock is immutable.
              changeableFor: Duration.days(props.vaultLock.changeableForDays),
            },
          }),
    });
    this.plan = new BackupPlan(this, 'Plan', { backupVault: this.vault });
    this.plan.addRule(
      new BackupPlanRule({
        ruleName: 'Daily',
        scheduleExpression: Schedule.cron({ hour: '3', minute: '0' }),
        deleteAfter: props.retention,
        ...(props.copyToVaultArn === undefined
          ? {}
          : {
              copyActions: [
                {
                  destinationBackupVault: BackupVault.fromBackupVaultArn(this, 'CopyVault', props.copyToVaultArn),
                  deleteAfter: props.retention,
                },
              ],
            }),
      }),
    );
    const selection = this.plan.addSelection('EventStore', { resources: [BackupResource.fromDynamoDbTable(props.table)] });
    const role = selection.node.tryFindChild('Role');
    if (role === undefined) throw new Error('the backup selection created no role');
    acknowledge(
      role,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      'The role AWS Backup assumes to take the recovery points: AWS maintains this service policy for exactly that, ' +
        'and the selection limits the plan to the event-store table.',
    );
  }
}

