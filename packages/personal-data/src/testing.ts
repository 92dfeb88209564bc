import type { Test } from 'tap';
import type { KeyStore } from './ports.js';

/** Makes a fresh key store for one test, and says how to dispose of it. */
export type KeyStoreFactory = () => Promise<{ store: KeyStore; dispose?: () => Promise<void> }>;

/** The behaviour every key store shares; call it from one test file per adapter. */
export function keyStoreContract(t: Test, name: string, factory: KeyStoreFactory, prefix = ''): void {
  const subject = (n: string) => `${prefix}${n}`;
  t.test(`${name}: key store contract`, async (t) => {
    const { store, dispose } = await factory();
    t.teardown(async () => {
      await store.close();
      await dispose?.();
    });

    t.equal(await store.get(subject('none')), undefined, 'no key before one is created');

    const first = await store.create(subject('a'), Buffer.from('wrapped-a-1'));
    t.same(first, { state: 'active', wrapped: Buffer.from('wrapped-a-1') }, 'create answers the key it kept');
    const again = await store.create(subject('a'), Buffer.from('wrapped-a-2'));
    t.same(Buffer.from((again as { wrapped: Uint8Array }).wrapped), Buffer.from('wrapped-a-1'), 'a second create answers the first key');

    const racing = await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.create(subject('race'), Buffer.from(`wrapped-${i}`))),
    );
    const winners = new Set(racing.map((key) => Buffer.from((key as { wrapped: Uint8Array }).wrapped).toString()));
    t.equal(winners.size, 1, 'of racing creations exactly one wins, and all answer it');
    const stored = await store.get(subject('race'));
    t.same(Buffer.from((stored as { wrapped: Uint8Array }).wrapped).toString(), [...winners][0], 'and it is the one stored');

    await store.destroy(subject('a'));
    t.same(await store.get(subject('a')), { state: 'destroyed' }, 'a destroyed key reads as destroyed');
    t.same(await store.create(subject('a'), Buffer.from('wrapped-a-3')), { state: 'destroyed' }, 'and is never created again');
    await store.destroy(subject('a'));
    await store.destroy(subject('never'));
    t.same(await store.get(subject('never')), { state: 'destroyed' }, 'destroying is idempotent, also for a subject without a key');
    t.same(
      Buffer.from(((await store.get(subject('race'))) as { wrapped: Uint8Array }).wrapped).toString(),
      [...winners][0],
      'other subjects keep their keys',
    );
  });
}
