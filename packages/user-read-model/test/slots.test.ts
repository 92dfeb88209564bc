import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createMemoryUserReadModel } from '../src/memory.js';
import {
  DEFAULT_SLOT,
  SLOTS,
  createFileSlotPointer,
  createSlottedReadModel,
  isSlot,
  otherSlot,
  type Slot,
  type SlotPointer,
} from '../src/slots.js';
import { testView, userReadModelContract } from '../src/testing.js';
import type { UserReadModel } from '../src/port.js';

const dir = mkdtempSync(join(tmpdir(), 'user-read-model-slots-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const newPointerFile = () => join(dir, `pointer-${++files}`, 'read-model.slot.json');

const memorySlots = (): Record<Slot, UserReadModel> => ({
  blue: createMemoryUserReadModel(),
  green: createMemoryUserReadModel(),
});

// The contract holds whichever slot serves: the default one, and the other after a switch.
await userReadModelContract(t, {
  name: 'slotted (memory slots, file pointer on blue)',
  create: async () =>
    createSlottedReadModel({ slots: memorySlots(), pointer: createFileSlotPointer({ filename: newPointerFile() }) }),
});
await userReadModelContract(t, {
  name: 'slotted (memory slots, file pointer on green)',
  create: async () => {
    const pointer = createFileSlotPointer({ filename: newPointerFile() });
    await pointer.activate('green');
    return createSlottedReadModel({ slots: memorySlots(), pointer, refreshMs: 0 });
  },
});

t.test('slot helpers', async (t) => {
  t.same(SLOTS, ['blue', 'green']);
  t.equal(DEFAULT_SLOT, 'blue');
  t.equal(otherSlot('blue'), 'green');
  t.equal(otherSlot('green'), 'blue');
  t.ok(isSlot('green'));
  t.notOk(isSlot('purple'));
  t.notOk(isSlot(undefined));
});

t.test('file pointer: blue until activated, then an atomic rename of a small JSON file', async (t) => {
  const filename = newPointerFile();
  const pointer = createFileSlotPointer({ filename, now: () => Date.parse('2024-03-01T09:00:00.000Z') });
  t.equal(await pointer.active(), 'blue', 'no file yet: the default slot');

  await pointer.activate('green');
  t.equal(await pointer.active(), 'green');
  t.same(JSON.parse(readFileSync(filename, 'utf8')), { active: 'green', activatedAt: '2024-03-01T09:00:00.000Z' });
  t.equal(await createFileSlotPointer({ filename }).active(), 'green', 'another process reads the same file');

  await pointer.activate('blue');
  t.equal(await pointer.active(), 'blue');
  t.same(readdirSync(join(filename, '..')), ['read-model.slot.json'], 'no temporary file is left behind');
});

t.test('file pointer: refuses a non-slot and a file that names none', async (t) => {
  const filename = newPointerFile();
  const pointer = createFileSlotPointer({ filename });
  await t.rejects(pointer.activate('purple' as Slot), { code: 'INVALID_ARGUMENT' });
  t.equal(await pointer.active(), 'blue', 'nothing was written');

  await pointer.activate('green');
  for (const content of ['not json', '{"active":"purple"}', 'null', '{}']) {
    writeFileSync(filename, content);
    await t.rejects(pointer.active(), /does not name a read-model slot/, `content ${content}`);
  }

  // A folder where the file should be: an error other than "absent" is not the default slot.
  const folder = join(dir, 'a-folder');
  await createFileSlotPointer({ filename: join(folder, 'x') }).activate('green');
  await t.rejects(createFileSlotPointer({ filename: folder }).active(), { code: 'EISDIR' });
  await t.rejects(createFileSlotPointer({ filename: folder }).activate('green'), { code: 'EISDIR' });
  t.same(readdirSync(dir).filter((name) => name.endsWith('.tmp')), [], 'a failed switch leaves no temporary file');
});

/** A pointer whose reads are counted, and which can be told to fail. */
function countingPointer(inner: SlotPointer) {
  let reads = 0;
  let failure: Error | undefined;
  const pointer: SlotPointer = {
    async active() {
      reads++;
      if (failure) throw failure;
      return inner.active();
    },
    activate: (slot) => inner.activate(slot),
  };
  return { pointer, reads: () => reads, fail: (error?: Error) => (failure = error) };
}

t.test('slotted: every call goes to the active slot, and a switch is seen within refreshMs', async (t) => {
  const filename = newPointerFile();
  const slots = memorySlots();
  const counted = countingPointer(createFileSlotPointer({ filename }));
  let clock = 0;
  const readModel = createSlottedReadModel({ slots, pointer: counted.pointer, refreshMs: 1000, now: () => clock });
  // The rebuild runs in another process, with a pointer of its own on the same file.
  const rebuilder = createFileSlotPointer({ filename });

  const old = testView({ email: 'old@example.com', username: 'old' });
  const rebuilt = testView({ email: 'new@example.com', username: 'new' });
  await slots.blue.put(old, 0);
  await slots.green.put(rebuilt, 0);
  await slots.green.setCheckpoint('user-views', '42');

  t.equal(await readModel.activeSlot(), 'blue');
  t.strictSame(await readModel.get(old.id), old);
  t.equal(await readModel.get(rebuilt.id), undefined, 'green is not visible while blue is active');

  await rebuilder.activate('green');
  clock = 999;
  t.equal(await readModel.activeSlot(), 'blue', 'a pointer read younger than refreshMs is trusted');
  clock = 1000;
  t.equal(await readModel.activeSlot(), 'green', 'and read again once it is refreshMs old');
  t.equal(await readModel.get(old.id), undefined);
  t.strictSame(await readModel.get(rebuilt.id), rebuilt);
  t.strictSame(await readModel.findByEmail('new@example.com'), [rebuilt]);
  t.strictSame(await readModel.findByUsername('NEW'), [rebuilt]);
  t.equal(await readModel.getCheckpoint('user-views'), '42', 'checkpoints come from the active slot too');

  const next = { ...rebuilt, name: 'Renamed', version: 2 };
  t.equal(await readModel.put(next, 1), true);
  await readModel.setCheckpoint('user-views', '43');
  t.strictSame(await slots.green.get(rebuilt.id), next, 'writes go to the active slot');
  t.equal(await slots.green.getCheckpoint('user-views'), '43');
  t.equal(await slots.blue.getCheckpoint('user-views'), undefined, 'and never to the other');
  t.equal(counted.reads(), 2, 'the pointer was read once per refresh interval');
});

t.test('slotted: concurrent calls share one pointer read, and a failed read is retried', async (t) => {
  const counted = countingPointer(createFileSlotPointer({ filename: newPointerFile() }));
  const readModel = createSlottedReadModel({ slots: memorySlots(), pointer: counted.pointer });
  await Promise.all(Array.from({ length: 20 }, () => readModel.get('someone')));
  t.equal(counted.reads(), 1, '20 calls, one read');

  const zero = countingPointer(createFileSlotPointer({ filename: newPointerFile() }));
  const uncached = createSlottedReadModel({ slots: memorySlots(), pointer: zero.pointer, refreshMs: 0 });
  zero.fail(new Error('pointer unavailable'));
  await t.rejects(uncached.get('someone'), /pointer unavailable/, 'a failed pointer read fails the call');
  zero.fail(undefined);
  t.equal(await uncached.get('someone'), undefined, 'the next call reads the pointer again');
  await uncached.get('someone');
  t.equal(zero.reads(), 3, 'refreshMs 0 reads the pointer on every call');

  t.throws(() => createSlottedReadModel({ slots: memorySlots(), pointer: zero.pointer, refreshMs: -1 }), /refreshMs/);
  t.throws(() => createSlottedReadModel({ slots: memorySlots(), pointer: zero.pointer, refreshMs: NaN }), /refreshMs/);
});

t.test('slotted: close closes both slots', async (t) => {
  const slots = memorySlots();
  const readModel = createSlottedReadModel({ slots, pointer: createFileSlotPointer({ filename: newPointerFile() }) });
  await readModel.close();
  await t.rejects(slots.blue.get('a'), /closed/);
  await t.rejects(slots.green.get('a'), /closed/);
});
