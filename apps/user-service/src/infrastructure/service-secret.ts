import { createHmac } from 'node:crypto';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * One secret, several purposes: each purpose gets its own key, derived from the service's secret, so
 * that no key can stand in for another. The user service and the mailer derive the reset-token key alike.
 */
export function deriveKey(secret: string, purpose: string): string {
  return createHmac('sha256', secret).update(purpose).digest('base64url');
}

/** The service's secret from Secrets Manager, read once per cold start; at least 32 bytes. */
export async function fetchServiceSecret(client: Pick<SecretsManagerClient, 'send'>, secretArn: string): Promise<string> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (!SecretString || Buffer.byteLength(SecretString) < 32) {
    throw new Error('the JWT secret must be a string of at least 32 bytes');
  }
  return SecretString;
}
