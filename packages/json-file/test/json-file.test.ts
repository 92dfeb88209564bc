import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { readJsonFile, writeJsonFileAtomically } from '../src/index.js';

t.test('writes a value atomically, creating the folder, and reads it back', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'nested', 'state.json');
  t.equal(await readJsonFile(file), undefined, 'no file reads as undefined');
  await writeJsonFileAtomically(file, { cursor: '42', shards: ['a'] });
  t.same(await readJsonFile(file), { cursor: '42', shards: ['a'] });
  await writeJsonFileAtomically(file, { cursor: '43' });
  t.same(JSON.parse(readFileSync(file, 'utf8')), { cursor: '43' }, 'the new content replaced the old');
  t.same(readdirSync(join(dir, 'nested')), ['state.json'], 'no temporary file is left behind');
});

t.test('a file that is not JSON, or cannot be read, is an error rather than nothing', async (t) => {
  const dir = t.testdir();
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{ half');
  await t.rejects(readJsonFile(broken), /broken\.json is not JSON/);
  mkdirSync(join(dir, 'folder.json'));
  await t.rejects(readJsonFile(join(dir, 'folder.json')), { code: 'EISDIR' });
});

t.test('a write that cannot be renamed into place leaves the target and no temporary file', async (t) => {
  const dir = t.testdir();
  const target = join(dir, 'target.json');
  mkdirSync(target);
  await t.rejects(writeJsonFileAtomically(target, { a: 1 }));
  t.same(readdirSync(dir), ['target.json'], 'only the folder that was in the way');
});
