import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KMSClient } from '@aws-sdk/client-kms';
import t from 'tap';
import { createDataKeys, createMemoryKeyStore, isPersonalDataError } from '../src/index.js';
import { createKmsKeyWrapper } from '../src/kms.js';

/**
 * KMS does not run here (no emulator is installed, see LOCAL-STACK.md), so this test answers the SDK's
 * `GenerateDataKey` and `Decrypt` at the last step before the network. The answers follow KMS's rules
 * as the adapter relies on them. A ciphertext opens only under the encryption context it was made with.
 * `Decrypt` refuses another key id. The test checks what the adapter sends, and that a wrapped key moved to
 * another user does not unwrap.
 */
function fakeKms() {
  const master = randomBytes(32);
  const calls: Array<{ command: string; input: Record<string, unknown> }> = [];
  const client = new KMSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const seal = (plaintext: Buffer, context: string) => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', master, iv).setAAD(Buffer.from(context));
    return Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  };
  const open = (blob: Uint8Array, context: string) => {
    const bytes = Buffer.from(blob);
    const decipher = createDecipheriv('aes-256-gcm', master, bytes.subarray(0, 12)).setAAD(Buffer.from(context));
    decipher.setAuthTag(bytes.subarray(-16));
    return Buffer.concat([decipher.update(bytes.subarray(12, -16)), decipher.final()]);
  };
  const refused = (name: string) => Object.assign(new Error(name), { name, $fault: 'client', $metadata: {} });
  client.middlewareStack.add(
    (_next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      calls.push({ command: String(context.commandName), input });
      const encryptionContext = JSON.stringify(input['EncryptionContext'] ?? {});
      if (input['KeyId'] !== 'alias/personal-data') throw refused('IncorrectKeyException');
      if (context.commandName === 'GenerateDataKeyCommand') {
        const plaintext = randomBytes(32);
        return { output: { Plaintext: plaintext, CiphertextBlob: seal(plaintext, encryptionContext), $metadata: {} }, response: {} };
      }
      try {
        return { output: { Plaintext: open(input['CiphertextBlob'] as Uint8Array, encryptionContext), $metadata: {} }, response: {} };
      } catch {
        throw refused('InvalidCiphertextException');
      }
    },
    { step: 'initialize', name: 'fakeKms' },
  );
  return { client, calls };
}

t.test('the KMS wrapper names the user in every call, and a key moved to another user does not unwrap', async (t) => {
  const { client, calls } = fakeKms();
  t.teardown(() => client.destroy());
  const wrapper = createKmsKeyWrapper({ client, keyId: 'alias/personal-data' });

  const made = await wrapper.generate('user-1');
  t.equal(made.plaintext.length, 32, 'an AES-256 data key');
  t.same(calls[0], {
    command: 'GenerateDataKeyCommand',
    input: { KeyId: 'alias/personal-data', KeySpec: 'AES_256', EncryptionContext: { subject: 'user-1' } },
  }, 'made under the key, with the user as encryption context (what the IAM condition requires)');

  t.same(await wrapper.unwrap('user-1', made.wrapped), made.plaintext, 'it unwraps for its user');
  t.match(calls[1], { command: 'DecryptCommand', input: { KeyId: 'alias/personal-data', EncryptionContext: { subject: 'user-1' } } });
  const moved = await wrapper.unwrap('user-2', made.wrapped).catch((e: unknown) => e);
  t.match(moved, { name: 'InvalidCiphertextException' }, 'and not for another user');
});

t.test('through the data keys: a key is made once, read back through KMS in another process, and gone once destroyed', async (t) => {
  const { client, calls } = fakeKms();
  t.teardown(() => client.destroy());
  const store = createMemoryKeyStore();
  const wrapper = createKmsKeyWrapper({ client, keyId: 'alias/personal-data' });
  const writer = createDataKeys({ store, wrapper });
  const key = await writer.forWriting('user-1');
  t.same(await writer.forWriting('user-1'), key, 'cached: no second call');
  t.equal(calls.length, 1, 'one GenerateDataKey');

  const reader = createDataKeys({ store, wrapper });
  t.same(await reader.forReading('user-1'), key, 'another process unwraps the stored key with Decrypt');
  t.same(calls.map((call) => call.command), ['GenerateDataKeyCommand', 'DecryptCommand']);

  await writer.destroy('user-1');
  t.equal(await createDataKeys({ store, wrapper }).forReading('user-1'), undefined, 'a destroyed key reads as forgotten');
  const refused = await writer.forWriting('user-1').catch((e: unknown) => e);
  t.ok(isPersonalDataError(refused) && refused.code === 'KEY_DESTROYED', 'and is never made again');
});

t.test("two processes making one user's key at once both end up with the one stored first", async (t) => {
  const { client, calls } = fakeKms();
  t.teardown(() => client.destroy());
  const store = createMemoryKeyStore();
  const wrapper = createKmsKeyWrapper({ client, keyId: 'alias/personal-data' });
  const [a, b] = await Promise.all([createDataKeys({ store, wrapper }), createDataKeys({ store, wrapper })].map((keys) => keys.forWriting('user-1')));
  t.same(a, b, 'the same key');
  t.same(
    calls.map((call) => call.command).sort(),
    ['DecryptCommand', 'GenerateDataKeyCommand', 'GenerateDataKeyCommand'],
    'the loser unwraps the winner’s key; the winner uses its own without a Decrypt',
  );
});

t.test('a KMS key the caller may not use fails the call, never reads as forgotten', async (t) => {
  const { client } = fakeKms();
  t.teardown(() => client.destroy());
  const wrong = createKmsKeyWrapper({ client, keyId: 'alias/another' });
  t.match(await wrong.generate('user-1').catch((e: unknown) => e), { name: 'IncorrectKeyException' });
});
