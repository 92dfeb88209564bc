import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Config } from '../config.js';

/** The service's secret from Secrets Manager, read once per cold start; at least 32 bytes. */
export async function fetchServiceSecret(client: Pick<SecretsManagerClient, 'send'>, secretArn: string): Promise<string> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (!SecretString || Buffer.byteLength(SecretString) < 32) {
    throw new Error('the JWT secret must be a string of at least 32 bytes');
  }
  return SecretString;
}

/**
 * The secret on Lambda: `JWT_SECRET` where set, else the Secrets Manager secret `JWT_SECRET_ARN`, read with a
 * client made for this one call (traced by the caller) and destroyed after it. Nothing is generated on Lambda.
 */
export async function serviceSecretOnLambda(
  config: Pick<Config, 'jwtSecret' | 'jwtSecretArn'>,
  client: () => Pick<SecretsManagerClient, 'send' | 'destroy'>,
): Promise<string> {
  if (config.jwtSecret !== undefined) return config.jwtSecret;
  if (config.jwtSecretArn === undefined) throw new Error('set JWT_SECRET_ARN (or JWT_SECRET) on Lambda');
  const secrets = client();
  try {
    return await fetchServiceSecret(secrets, config.jwtSecretArn);
  } finally {
    secrets.destroy();
  }
}
