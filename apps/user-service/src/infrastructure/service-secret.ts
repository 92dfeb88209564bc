import { createHmac } from 'node:crypto';

/**
 * One secret, several purposes: each purpose gets its own key, derived from the service's secret, so
 * that no key can stand in for another. The user service and the mailer derive the reset-token key alike.
 * (Reading the secret on Lambda is in `lambda-secret.ts`, apart, so that the embedded service, which derives
 * keys too, never loads the AWS SDK.)
 */
export function deriveKey(secret: string, purpose: string): string {
  return createHmac('sha256', secret).update(purpose).digest('base64url');
}
