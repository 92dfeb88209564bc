import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createSqliteEventStore } from '@user-service/event-store/sqlite';
import t from 'tap';
import { SERVER_ENTRY } from './proofs/service-process.js';

t.test('a start that fails ends in one fatal log line and exit code 1, not an uncaught stack', async (t) => {
  const dataDir = t.testdir();
  // An event no projection can apply: the first catch-up, which runs before the server listens, stops at it.
  const store = createSqliteEventStore({ filename: join(dataDir, 'events.db') });
  await store.append(
    'user-from-elsewhere',
    [
      {
        eventId: 'e-1',
        type: 'UserTeleported',
        schemaVersion: 1,
        data: {},
        metadata: { occurredAt: new Date().toISOString(), correlationId: 'c', causationId: 'c' },
      },
    ],
    { expectedVersion: 0 },
  );
  await store.close();

  const child = spawn(process.execPath, [SERVER_ENTRY], {
    env: { PATH: process.env['PATH'] ?? '', DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

  t.equal(code, 1);
  const lines = stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { level: number; msg: string; err?: { code?: string } });
  const fatal = lines.filter((line) => line.level === 60);
  t.equal(fatal.length, 1, 'one fatal line');
  t.match(fatal[0], { msg: 'the service could not start', err: { code: 'CATCH_UP_FAILED' } });
  t.notMatch(stderr, /CATCH_UP_FAILED|\n\s+at /, 'no uncaught error on standard error');
});
