import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { EventStoreTable } from '../constructs/event-store-table.js';
import { JwtSecret } from '../constructs/jwt-secret.js';
import { ReadModelTable } from '../constructs/read-model-table.js';

export interface StatefulStackProps extends StackProps {
  /** Production: RETAIN everything here on stack deletion, and protect the tables from deletion. */
  readonly retainData: boolean;
}

/**
 * What must outlive any deploy: the event store, the read model's two slots, the JWT signing key and the
 * customer-managed key that encrypts them. Kept apart from the stateless stack, so replacing or deleting
 * compute never touches data.
 */
export class StatefulStack extends Stack {
  public readonly eventStore: EventStoreTable;
  /** The blue slot of the read model; it also holds the pointer to the slot that serves. */
  public readonly readModel: ReadModelTable;
  /** The green slot, which a rebuild fills while blue serves, and the other way round. */
  public readonly readModelGreen: ReadModelTable;
  public readonly jwtSecret: JwtSecret;

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

    new CfnOutput(this, 'EventStoreTableName', { value: this.eventStore.table.tableName });
    new CfnOutput(this, 'ReadModelTableName', { value: this.readModel.table.tableName });
    new CfnOutput(this, 'ReadModelGreenTableName', { value: this.readModelGreen.table.tableName });
    new CfnOutput(this, 'JwtSecretArn', { value: this.jwtSecret.secret.secretArn });
  }
}
