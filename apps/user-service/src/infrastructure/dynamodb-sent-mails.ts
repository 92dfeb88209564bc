import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { ensureTtlTable } from './dynamodb-ttl-table.js';
import type { MailClaim, SentMailLedger } from '../application/mail-consumer.js';

/** The sent-mail table's key and expiry attributes, which infra's construct names too. */
export const SENT_MAIL_KEY_ATTRIBUTE = 'eventId';
export const SENT_MAIL_TTL_ATTRIBUTE = 'expiresAt';

export interface DynamoDbSentMailsOptions {
  readonly client: Pick<DynamoDBClient, 'send'>;
  readonly tableName: string;
}

/**
 * The mailer's ledger on DynamoDB: one item per event, `claimed` (with a lease) while a delivery sends it,
 * then `sent`. The claim is a conditional put that succeeds only on no item or an expired claim, so two
 * deliveries of one event (a redelivery while the first still runs, two Lambda instances) never both send.
 * DynamoDB's TTL sweeps an item once its mail's token has expired.
 */
export function dynamoDbSentMails({ client, tableName }: DynamoDbSentMailsOptions): SentMailLedger {
  const seconds = (ms: number) => ({ N: String(Math.ceil(ms / 1000)) });
  return {
    async claim(eventId, { nowMs, leaseUntilMs, keepUntilMs }): Promise<MailClaim> {
      const claimId = randomUUID();
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              [SENT_MAIL_KEY_ATTRIBUTE]: { S: eventId },
              state: { S: 'claimed' },
              claimId: { S: claimId },
              leaseUntil: { N: String(leaseUntilMs) },
              [SENT_MAIL_TTL_ATTRIBUTE]: seconds(keepUntilMs),
            },
            ConditionExpression: 'attribute_not_exists(#key) OR (#state = :claimed AND leaseUntil < :now)',
            ExpressionAttributeNames: { '#key': SENT_MAIL_KEY_ATTRIBUTE, '#state': 'state' },
            ExpressionAttributeValues: { ':claimed': { S: 'claimed' }, ':now': { N: String(nowMs) } },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { kind: 'claimed', claimId };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const held = error.Item;
        if (held?.['state']?.S === 'sent') return { kind: 'sent' };
        return { kind: 'held', untilMs: Number(held?.['leaseUntil']?.N ?? nowMs) };
      }
    },

    async markSent(eventId, claimId, keepUntilMs) {
      // Unconditional: a sent record is never stepped back, whoever's claim it replaces.
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            [SENT_MAIL_KEY_ATTRIBUTE]: { S: eventId },
            state: { S: 'sent' },
            claimId: { S: claimId },
            [SENT_MAIL_TTL_ATTRIBUTE]: seconds(keepUntilMs),
          },
        }),
      );
    },

    async release(eventId, claimId) {
      try {
        await client.send(
          new DeleteItemCommand({
            TableName: tableName,
            Key: { [SENT_MAIL_KEY_ATTRIBUTE]: { S: eventId } },
            ConditionExpression: '#state = :claimed AND claimId = :claim',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':claimed': { S: 'claimed' }, ':claim': { S: claimId } },
          }),
        );
      } catch (error) {
        // Someone else's claim or a sent record by now: theirs to keep.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },
  };
}

/** Creates the sent-mail table with its TTL where it does not exist (DynamoDB Local, tests); infra owns it on AWS. */
export async function ensureSentMailTable(client: Pick<DynamoDBClient, 'send'>, tableName: string): Promise<void> {
  await ensureTtlTable(client, tableName, { key: SENT_MAIL_KEY_ATTRIBUTE, ttl: SENT_MAIL_TTL_ATTRIBUTE });
}
