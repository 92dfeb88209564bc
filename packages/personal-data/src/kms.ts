import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { PersonalDataError } from './errors.js';
import type { KeyWrapper } from './ports.js';

export interface KmsKeyWrapperOptions {
  readonly client: KMSClient;
  /** The KMS key that wraps every data key (its id, ARN or alias). */
  readonly keyId: string;
}

/**
 * Envelope encryption with KMS: `GenerateDataKey` makes each data key, `Decrypt` unwraps it, the subject
 * as encryption context (so a wrapped key moved to another subject does not decrypt, and CloudTrail names
 * whose key was used).
 */
export function createKmsKeyWrapper(options: KmsKeyWrapperOptions): KeyWrapper {
  const { client, keyId } = options;
  const context = (subject: string) => ({ subject });
  return {
    async generate(subject) {
      const out = await client.send(
        new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: context(subject) }),
      );
      if (out.Plaintext === undefined || out.CiphertextBlob === undefined) {
        throw new PersonalDataError('UNREADABLE', 'KMS answered no data key');
      }
      return { plaintext: Buffer.from(out.Plaintext), wrapped: out.CiphertextBlob };
    },
    async unwrap(subject, wrapped) {
      const out = await client.send(
        new DecryptCommand({ KeyId: keyId, CiphertextBlob: wrapped, EncryptionContext: context(subject) }),
      );
      if (out.Plaintext === undefined) throw new PersonalDataError('UNREADABLE', `KMS did not unwrap the key of ${subject}`);
      return Buffer.from(out.Plaintext);
    },
  };
}
