import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ServiceProcess } from './proofs/service-process.js';

/**
 * The embedded service runs without AWS: it must not load the AWS SDK either. The SDK's code would sit in
 * the service's heap (its sources and compiled functions), so loading it costs memory at every request
 * and time at every start. Its modules are CommonJS, so whatever loads them shows in `require.cache`.
 */
t.test('the embedded service serves requests without loading the AWS SDK', async (t) => {
  const dir = t.testdir({
    'record-modules.cjs': `
      const { writeFileSync } = require('node:fs');
      process.on('exit', () => writeFileSync(process.env.MODULES_FILE, JSON.stringify(Object.keys(require.cache))));
    `,
  });
  const modulesFile = join(dir, 'modules.json');
  const service = new ServiceProcess({
    DATA_DIR: join(dir, 'data'),
    NODE_OPTIONS: `--require ${join(dir, 'record-modules.cjs')}`,
    MODULES_FILE: modulesFile,
  });
  await service.start();
  // A registration and a login go through everything a request can reach: hashing, the store, the
  // projection, mail, tokens.
  const registered = await fetch(`${service.baseUrl}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'a@example.com', username: 'alice', password: 'correct horse battery staple', name: 'A', surname: 'B' }),
  });
  t.equal(registered.status, 201);
  const login = await fetch(`${service.baseUrl}/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'a@example.com', password: 'correct horse battery staple' }),
  });
  t.equal(login.status, 200);
  await service.stop();

  const modules = JSON.parse(readFileSync(modulesFile, 'utf8')) as string[];
  t.ok(modules.some((path) => path.includes('better-sqlite3')), 'the record holds the CommonJS modules the service loaded');
  t.same(modules.filter((path) => /[/\\]@(aws-sdk|smithy)[/\\+]/.test(path)), [], 'none of them from the AWS SDK');
});
