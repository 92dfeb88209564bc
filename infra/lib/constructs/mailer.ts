import { RemovalPolicy, type Duration } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { EmailIdentity } from 'aws-cdk-lib/aws-ses';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { grantUnwrapDataKeys } from './personal-data-key.js';
import { MAILER_CONSUMER } from '../config.js';
import { acknowledge } from './acknowledge.js';
import { ServiceFunction } from './service-function.js';

/**
 * The sent-mail ledger's key and expiry attributes, as the mailer's DynamoDB ledger
 * (`apps/user-service/src/infrastructure/dynamodb-sent-mails.ts`) writes them.
 */
export const SENT_MAIL_KEY_ATTRIBUTE = 'eventId';
export const SENT_MAIL_TTL_ATTRIBUTE = 'expiresAt';

/** The event-store reads a reset mail's address takes: the stream's snapshot and its events, nothing else. */
const EVENT_STORE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query'];

/** The ledger's claim (conditional put), record (put) and release (conditional delete). */
const LEDGER_ACTIONS = ['dynamodb:PutItem', 'dynamodb:DeleteItem'];

export interface MailerProps {
  readonly repositoryRoot: string;
  /** The mailer's FIFO queue on the event topic; its visibility timeout must be `visibilityTimeoutFor(timeout)`. */
  readonly queue: IQueue;
  /** Read only: a reset mail goes to the address the user had at the event's version. */
  readonly eventStoreTable: ITable;
  /** Unwraps users' data keys (KMS_KEY_ID), to open the sealed address a reset mail goes to. */
  readonly personalDataKey: IKey;
  /** The service's secret: confirmation tokens are signed with it, reset tokens keyed by a key derived from it. */
  readonly jwtSecret: ISecret;
  /** The `From` of every mail. */
  readonly sesFromAddress: string;
  /** SES identities the mailer may send as (the sender address and its domain, at least). */
  readonly sesIdentities: readonly string[];
  /** Base URL in mail; the user service's own. */
  readonly publicUrl: string;
  readonly logLevel: string;
  readonly logRetention: RetentionDays;
  readonly retainLogs: boolean;
  /**
   * Production: keep the sent-mail ledger on stack deletion, like the queues whose redeliveries it
   * deduplicates; elsewhere it goes with the stack.
   */
  readonly retainData: boolean;
  /**
   * The function's timeout. It is also the claim's lease (`MAIL_LEASE_SECONDS`): no delivery runs longer,
   * and a redelivery (after the queue's visibility timeout, six times it) always finds a dead claim expired.
   */
  readonly timeout: Duration;
  /** Executions reserved for the mailer, so that the API cannot starve it, nor it the API. */
  readonly reservedConcurrency: number;
  /** The SQS event source's MaximumConcurrency: at most `reservedConcurrency`, so no poll is throttled. */
  readonly maximumConcurrency: number;
  /** @default 10, the most a FIFO event source takes */
  readonly batchSize?: number;
}

/**
 * The mailer on AWS, the topic's second consumer: a Lambda fed by its own FIFO queue (and DLQ, from the
 * event topic) that sends the confirmation and reset mails of the events through SES, with Powertools'
 * FIFO partial batch responses, and a DynamoDB ledger of the mails it sent (one item per event id, swept by
 * TTL once the mail's token has expired) so that no redelivery sends a mail twice. Its Powertools service
 * name, the `service` dimension of its metrics, is the consumer name `mailer`.
 */
export class Mailer extends Construct {
  public readonly function: ServiceFunction;
  /** The sent-mail ledger. */
  public readonly sentMails: Table;

  constructor(scope: Construct, id: string, props: MailerProps) {
    super(scope, id);
    if (props.sesIdentities.length === 0) throw new Error('Mailer needs at least one SES identity');

    this.sentMails = new Table(this, 'SentMails', {
      partitionKey: { name: SENT_MAIL_KEY_ATTRIBUTE, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: SENT_MAIL_TTL_ATTRIBUTE,
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledge(
      this.sentMails,
      'AwsSolutions-DDB3',
      'The ledger holds which events had their mail sent, each item only until its token expires (TTL). A ' +
        'restore could only bring back stale items; losing it costs at most a repeated mail on a redelivery, ' +
        'never a lost one, so point-in-time recovery would only cost.',
    );

    this.function = new ServiceFunction(this, 'Mailer', {
      repositoryRoot: props.repositoryRoot,
      entry: 'apps/user-service/src/mailer/handler.ts',
      description: 'Sends confirmation and reset mails from the user events of its SQS FIFO queue',
      serviceName: MAILER_CONSUMER,
      environment: {
        EVENT_STORE_TABLE: props.eventStoreTable.tableName,
        KMS_KEY_ID: props.personalDataKey.keyArn,
        SENT_MAIL_TABLE: this.sentMails.tableName,
        JWT_SECRET_ARN: props.jwtSecret.secretArn,
        MAILER: 'ses',
        SES_FROM_ADDRESS: props.sesFromAddress,
        PUBLIC_URL: props.publicUrl,
        MAIL_LEASE_SECONDS: String(props.timeout.toSeconds()),
        LOG_LEVEL: props.logLevel,
      },
      logRetention: props.logRetention,
      retainLogs: props.retainLogs,
      timeout: props.timeout,
      reservedConcurrency: props.reservedConcurrency,
    });
    this.function.consumeQueue(props.queue, {
      maximumConcurrency: props.maximumConcurrency,
      ...(props.batchSize === undefined ? {} : { batchSize: props.batchSize }),
    });

    const role = this.function.role;
    props.eventStoreTable.grant(role, ...EVENT_STORE_READ_ACTIONS);
    props.eventStoreTable.encryptionKey?.grantDecrypt(role);
    grantUnwrapDataKeys(role, props.personalDataKey);
    Grant.addToPrincipal({ grantee: role, actions: LEDGER_ACTIONS, resourceArns: [this.sentMails.tableArn] });
    props.jwtSecret.grantRead(role);
    props.sesIdentities.forEach((identity, index) =>
      EmailIdentity.fromEmailIdentityName(this, `SesIdentity${index}`, identity).grantSendEmail(role),
    );
    this.function.acknowledgeWildcards();
  }
}
