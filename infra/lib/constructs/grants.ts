import { Stack } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';

/**
 * Use of a customer-managed key only through one AWS service (`kms:ViaService`), so the grantee cannot
 * call KMS with it directly, only have that service encrypt or decrypt its own data.
 */
export function grantKeyVia(grantee: IGrantable, key: IKey, service: string, actions: readonly string[]): Grant {
  const { region, urlSuffix } = Stack.of(key);
  return Grant.addToPrincipal({
    grantee,
    actions: [...actions],
    resourceArns: [key.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `${service}.${region}.${urlSuffix}` } },
  });
}

/**
 * Sending to an encrypted queue, and nothing else: SQS needs a data key to encrypt the message and
 * `kms:Decrypt` to reuse a cached one; never `kms:Encrypt` or `kms:ReEncrypt*`.
 */
export function grantSendToEncryptedQueue(grantee: IGrantable, queue: IQueue): Grant {
  const send = Grant.addToPrincipal({
    grantee,
    actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
    resourceArns: [queue.queueArn],
  });
  if (queue.encryptionMasterKey === undefined) throw new Error(`${queue.node.path} has no customer-managed key`);
  return send.combine(grantKeyVia(grantee, queue.encryptionMasterKey, 'sqs', ['kms:GenerateDataKey', 'kms:Decrypt']));
}
