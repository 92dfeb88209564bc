import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
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
import { slotPointerFillContract, testView, userReadModelContract } from '../src/testing.js';
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
  t.same(readdirSync(join(filename, '..')), ['read-model.slot.json', 'read-model.slot.json.followers'], 'no temporary file is left behind');

  t.same(JSON.parse(readFileSync(filename, 'utf8')), { active: 'blue', activatedAt: '2024-03-01T09:00:00.000Z' });
});

t.test('file pointer: the slot being filled', async (t) => {
  await slotPointerFillContract(t, () => createFileSlotPointer({ filename: newPointerFile(), now: () => 0 }));
  const filename = newPointerFile();
  const pointer = createFileSlotPointer({ filename, now: () => 0 });
  await pointer.activate('green');
  await pointer.setFilling('blue');
  await pointer.setFilling(undefined);
  t.same(JSON.parse(readFileSync(filename, 'utf8')), { active: 'green', activatedAt: '1970-01-01T00:00:00.000Z' }, 'no filling key');
});

t.test('file pointer: refuses a non-slot and a file that names none', async (t) => {
  const filename = newPointerFile();
  const pointer = createFileSlotPointer({ filename });
  await t.rejects(pointer.activate('purple' as Slot), { code: 'INVALID_ARGUMENT' });
  await t.rejects(pointer.setFilling('purple' as Slot), { code: 'INVALID_ARGUMENT' });
  t.equal(await pointer.active(), 'blue', 'nothing was written');

  await pointer.activate('green');
  for (const content of ['{"active":"purple"}', 'null', '{}']) {
    writeFileSync(filename, content);
    await t.rejects(pointer.active(), /does not name a read-model slot/, `content ${content}`);
  }
  writeFileSync(filename, 'not json');
  await t.rejects(pointer.active(), /is not JSON/);
  writeFileSync(filename, '{"active":"green","filling":"purple"}');
  await t.rejects(pointer.read(), /names no slot as the one being filled/);
  writeFileSync(filename, '{"active":"green"}');
  await pointer.setFilling('blue');
  t.match(JSON.parse(readFileSync(filename, 'utf8')), { active: 'green', filling: 'blue' }, 'a record without a date');

  // A folder where the file should be: an error other than "absent" is not the default slot.
  const folder = join(dir, 'a-folder');
  await createFileSlotPointer({ filename: join(folder, 'x') }).activate('green');
  await t.rejects(createFileSlotPointer({ filename: folder }).active(), { code: 'EISDIR' });
  await t.rejects(createFileSlotPointer({ filename: folder }).activate('green'), { code: 'EISDIR' });
  t.same(readdirSync(dir).filter((name) => name.endsWith('.tmp')), [], 'a failed switch leaves no temporary file');
});

t.test('file pointer: followers announce themselves before their first read, and followed() finds the live ones', async (t) => {
  const filename = newPointerFile();
  const followers = `${filename}.followers`;
  const writer = createFileSlotPointer({ filename, follower: false });
  t.equal(await writer.followed!(), false, 'nobody has read the pointer');
  await writer.activate('green');
  t.equal(await writer.active(), 'green');
  t.equal(await writer.followed!(), false, 'a pointer that is no follower does not announce itself');

  const follower = createFileSlotPointer({ filename });
  t.equal(await follower.active(), 'green');
  const [announced] = readdirSync(followers);
  t.match(JSON.parse(readFileSync(join(followers, announced!), 'utf8')), { host: hostname(), pid: process.pid });
  t.equal(await writer.followed!(), true, 'this process follows it');
  await follower.read();
  t.equal(readdirSync(followers).length, 1, 'announced once');

  // Files that exited followers left: a pid this host does not run is dead, and its file is tidied away.
  writeFileSync(join(followers, announced!), JSON.stringify({ host: hostname(), pid: 2 ** 30 }));
  t.equal(await writer.followed!(), false, 'a dead follower is none');
  t.same(readdirSync(followers), [], 'and its file is removed');
  // Another host's follower (a container with its own pids) cannot be checked, nor can a half-written file.
  writeFileSync(join(followers, 'elsewhere.json'), JSON.stringify({ host: `${hostname()}-elsewhere`, pid: 2 ** 30 }));
  t.equal(await writer.followed!(), true, 'a follower on another host may be alive');
  writeFileSync(join(followers, 'elsewhere.json'), '{"host":');
  t.equal(await writer.followed!(), true, 'so may the writer of a half-written file');

  rmSync(followers, { recursive: true });
  writeFileSync(followers, '');
  await t.rejects(writer.followed!(), { code: 'ENOTDIR' }, 'an unreadable folder is an error, not "no followers"');
});

/** A pointer whose reads are counted, and which can be told to fail. */
function countingPointer(inner: SlotPointer) {
  let reads = 0;
  let failure: Error | undefined;
  const pointer: SlotPointer = {
    active: () => inner.active(),
    async read() {
      reads++;
      if (failure) throw failure;
      return inner.read();
    },
    activate: (slot) => inner.activate(slot),
    setFilling: (slot) => inner.setFilling(slot),
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

t.test('slotted: while a fill runs, view writes go to the filled slot first, then the active one', async (t) => {
  const slots = memorySlots();
  const pointer = createFileSlotPointer({ filename: newPointerFile() });
  const readModel = createSlottedReadModel({ slots, pointer, refreshMs: 0 });
  const before = testView({ email: 'before@example.com', username: 'before' });
  t.equal(await readModel.put(before, 0), true);
  t.equal(await slots.green.get(before.id), undefined, 'no fill: the other slot is not written');

  await pointer.setFilling('green');
  const during = testView({ email: 'during@example.com', username: 'during' });
  t.strictSame(await readModel.putMany([{ view: during, expectedVersion: 0 }], { name: 'live', cursor: '9' }), [true]);
  t.strictSame(await slots.green.get(during.id), during, 'a user registered during the fill is in both slots');
  t.strictSame(await slots.blue.get(during.id), during);
  t.equal(await slots.green.getCheckpoint('live'), undefined, 'the checkpoint stays with the active slot');
  t.equal(await slots.blue.getCheckpoint('live'), '9');

  // The scan has not reached `before` in green: the fill slot refuses, the outcome is the active slot's.
  const renamed = { ...before, name: 'Renamed', version: 2 };
  t.equal(await readModel.put(renamed, 1), true);
  t.equal(await slots.green.get(before.id), undefined, 'a write the fill slot refuses changes nothing there');
  t.strictSame(await slots.blue.get(before.id), renamed);

  // A fill slot that throws fails the write before the active slot is touched, so a redelivery writes both.
  const failing = memorySlots();
  await failing.green.close();
  const broken = createSlottedReadModel({ slots: failing, pointer, refreshMs: 0 });
  await t.rejects(broken.put(testView(), 0), /closed/);
  await t.rejects(broken.putMany([{ view: testView(), expectedVersion: 0 }]), /closed/);
  t.strictSame(await failing.blue.findByEmail(testView().email), [], 'the active slot was not written');

  // After the switch the filled slot is the active one, written once.
  await pointer.activate('green');
  const after = testView({ email: 'after@example.com', username: 'after' });
  t.equal(await readModel.put(after, 0), true);
  t.strictSame(await slots.green.get(after.id), after);
  t.equal(await slots.blue.get(after.id), undefined, 'the old slot is no longer written');
});

t.test('slotted: a slow write in flight across the switch and the end of the fill lands in the new slot', async (t) => {
  const slots = memorySlots();
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  // Green's writes stall, as a slow network would, until the rebuild has switched and finished.
  const slowGreen: UserReadModel = {
    ...slots.green,
    putMany: async (writes, checkpoint) => {
      await gate;
      return slots.green.putMany(writes, checkpoint);
    },
  };
  const pointer = createFileSlotPointer({ filename: newPointerFile() });
  await pointer.setFilling('green');
  const readModel = createSlottedReadModel({ slots: { blue: slots.blue, green: slowGreen }, pointer, refreshMs: 0 });
  const view = testView();
  const inFlight = readModel.putMany([{ view, expectedVersion: 0 }]);
  await pointer.activate('green');
  await pointer.setFilling(undefined);
  release();
  t.strictSame(await inFlight, [true]);
  t.strictSame(await slots.green.get(view.id), view, 'the write decided before the switch reached the new slot');
  t.strictSame(await readModel.get(view.id), view, 'and queries, which now read it, see it');
});

t.test('slotted: close closes both slots', async (t) => {
  const slots = memorySlots();
  const readModel = createSlottedReadModel({ slots, pointer: createFileSlotPointer({ filename: newPointerFile() }) });
  await readModel.close();
  await t.rejects(slots.blue.get('a'), /closed/);
  await t.rejects(slots.green.get('a'), /closed/);
});
