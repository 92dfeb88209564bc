import { CfnOutput, CrossStackReferences, ReferenceStrength, Stack, type StackProps } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { Construct } from 'constructs';
import type { BackupParameters } from '../config.js';
import { EventStoreBackup } from '../constructs/event-store-backup.js';
import { EventStoreTable } from '../constructs/event-store-table.js';
import { JwtSecret } from '../constructs/jwt-secret.js';
import { PersonalDataKey } from '../constructs/personal-data-key.js';
import { ReadModelTable } from '../constructs/read-model-table.js';

export interface StatefulStackProps extends StackProps {
  /** Production: RETAIN everything here on stack deletion, and protect the tables from deletion. */
  readonly retainData: boolean;
  readonly backup: BackupParameters;
}

/**
 * What must outlive any deploy: the event store and its backups, the read model's two slots, the JWT
 * signing key and the customer-managed key of the tables. Kept apart from the stateless stack, so
 * replacing or deleting compute never touches data.
 *
 * Every value the service stack takes from here is a strong reference (an export and `Fn::ImportValue`):
 * CloudFormation then refuses to replace a table, key or secret while the service stack still uses it,
 * instead of leaving the functions on the old one (see infra/README.md, "Cross-stack references").
 */
export class StatefulStack extends Stack {
  public readonly eventStore: EventStoreTable;
  /** The blue slot of the read model; it also holds the pointer to the slot that serves. */
  public readonly readModel: ReadModelTable;
  /** The green slot, which a rebuild fills while blue serves, and the other way round. */
  public readonly readModelGreen: ReadModelTable;
  public readonly jwtSecret: JwtSecret;
  /** Wraps every user's data key; erasure destroys the wrapped key (see docs/privacy.md). */
  public readonly personalDataKey: PersonalDataKey;
  public readonly backup: EventStoreBackup;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    this.eventStore = new EventStoreTable(this, 'EventStore', { retainData: props.retainData });
    this.readModel = new ReadModelTable(this, 'ReadModel', {
      encryptionKey: this.eventStore.encryptionKey,
      retainData: props.retainData,
    });
    this.readModelGreen = new ReadModelTable(this, 'ReadModelGreen', {
      encryptionKey: this.eventStore.encryptionKey,
      retainData: props.retainData,
    });
    this.jwtSecret = new JwtSecret(this, 'JwtSecret', { retainData: props.retainData });
    this.personalDataKey = new PersonalDataKey(this, 'PersonalDataKey', { retainData: props.retainData });
    this.backup = new EventStoreBackup(this, 'Backup', {
      ...props.backup,
      table: this.eventStore.table,
      encryptionKey: this.eventStore.encryptionKey,
      retainData: props.retainData,
    });
    const shared: IConstruct[] = [
      this.eventStore.table,
      this.eventStore.encryptionKey,
      this.readModel.table,
      this.readModelGreen.table,
      this.jwtSecret.secret,
      this.personalDataKey.key,
    ];
    for (const resource of shared) CrossStackReferences.of(resource).produce(ReferenceStrength.STRONG);

    new CfnOutput(this, 'EventStoreTableName', { value: this.eventStore.table.tableName });
    new CfnOutput(this, 'ReadModelTableName', { value: this.readModel.table.tableName });
    new CfnOutput(this, 'ReadModelGreenTableName', { value: this.readModelGreen.table.tableName });
    new CfnOutput(this, 'PersonalDataKeyArn', { value: this.personalDataKey.key.keyArn });
    new CfnOutput(this, 'JwtSecretArn', { value: this.jwtSecret.secret.secretArn });
    new CfnOutput(this, 'BackupVaultName', { value: this.backup.vault.backupVaultName });
  }
}
