import { Writable } from 'node:stream';
import t from 'tap';
import { bufferedDestination, createServiceLogger, serviceLoggerOptions } from '../src/index.js';
import { createLineRedactor } from '../src/redact.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { lines, destination };
}

t.test('secrets are blanked at any depth, and extra keys too', async (t) => {
  const { lines, destination } = capture();
  const log = createServiceLogger({ service: 'test', level: 'info', redact: ['data'], destination });
  log.info(
    {
      token: 't1',
      user: { passwordHash: 'h1' },
      req: { headers: { authorization: 'Bearer x' }, body: { password: 'p1', name: 'Ann' } },
      a: { b: { c: { tokenHash: 'h2' } } },
      data: { email: 'ann@example.com' },
      event: { data: { email: 'ann@example.com' } },
      userId: 'u-1',
    },
    'something happened',
  );
  const [line] = lines;
  t.match(line, {
    service: 'test',
    msg: 'something happened',
    userId: 'u-1',
    token: '[redacted]',
    user: { passwordHash: '[redacted]' },
    req: { headers: { authorization: '[redacted]' }, body: { password: '[redacted]', name: 'Ann' } },
    a: { b: { c: { tokenHash: '[redacted]' } } },
    data: '[redacted]',
    event: { data: '[redacted]' },
  });
  t.notMatch(JSON.stringify(line), /t1|h1|h2|p1|Bearer|ann@example/, 'no secret or redacted value survives');
});

t.test('the options carry the level and the service name', async (t) => {
  t.match(serviceLoggerOptions({ service: 'svc', level: 'debug' }), { level: 'debug', base: { service: 'svc' } });
  const log = createServiceLogger({ service: 'svc', level: 'silent' });
  t.equal(log.level, 'silent', 'writes to standard output when no destination is given');
});

t.test('deeper than any fixed path, in bindings, and in what serializers add', async (t) => {
  const { lines, destination } = capture();
  const log = createServiceLogger({ service: 'test', level: 'info', destination });
  const error = Object.assign(new Error('boom'), { token: 'err-token-1', details: { secret: 's3' } });
  log.child({ session: { token: 'child-token-1' } }).error(
    { err: error, a: { b: { c: { d: { e: { password: 'deep-pw-1' } } } } }, list: [{ authorization: 'Bearer z' }] },
    'failed',
  );
  const [line] = lines;
  t.match(line, {
    session: { token: '[redacted]' },
    err: { message: 'boom', token: '[redacted]', details: { secret: '[redacted]' } },
    a: { b: { c: { d: { e: { password: '[redacted]' } } } } },
    list: [{ authorization: '[redacted]' }],
  });
  t.notMatch(JSON.stringify(line), /child-token-1|err-token-1|s3"|deep-pw-1|Bearer/, 'nothing secret survives');
});

t.test('the redactor blanks whole values of every JSON kind and leaves look-alikes in strings alone', async (t) => {
  const redact = createLineRedactor(['token', 'data'], '[x]');
  const line = (value: unknown) => `${JSON.stringify(value)}\n`;
  const cases: Array<[unknown, unknown]> = [
    [{ token: 'a"b\\"c', n: 1 }, { token: '[x]', n: 1 }],
    [{ token: 42, n: 1 }, { token: '[x]', n: 1 }],
    [{ n: 1, token: null }, { n: 1, token: '[x]' }],
    [{ data: { token: 'inner', list: [1, { a: '}' }] }, after: 'kept' }, { data: '[x]', after: 'kept' }],
    [{ data: [1, [2, '],'], { b: 3 }], token: true }, { data: '[x]', token: '[x]' }],
    [{ msg: 'the "token": field is mentioned here', token: 't' }, { msg: 'the "token": field is mentioned here', token: '[x]' }],
    [{ tokens: 'other key', token_id: 'x' }, { tokens: 'other key', token_id: 'x' }],
    [{ 'x"token': 'a key that only ends like one', token: 'y' }, { 'x"token': 'a key that only ends like one', token: '[x]' }],
  ];
  for (const [input, expected] of cases) {
    const out = redact(line(input));
    t.strictSame(JSON.parse(out), expected, JSON.stringify(input));
    t.ok(out.endsWith('}\n'), 'the line stays one JSON line');
  }
  const untouched = line({ a: 1, b: 'plain' });
  t.equal(redact(untouched), untouched, 'a line without secrets is returned as it was');
  t.equal(createLineRedactor([], '[x]')(untouched), untouched, 'no keys: nothing to do');
});

t.test('bufferedDestination writes a line within its flush interval, and what is left on exit', async (t) => {
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const fixture = fileURLToPath(new URL('./fixtures/buffered-stdout.ts', import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, fixture], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let beforePause = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => {
    if (chunk.toString('utf8').includes('paused')) beforePause = stdout;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  t.equal(code, 0);
  t.match(beforePause, /"msg":"first"/, 'the first line was written while the process idled');
  t.notMatch(beforePause, /never-shown/, 'redacted as ever');
  const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as { msg: string });
  t.same(lines.map((line) => line.msg), ['first', 'last'], 'the last line was flushed on exit');
});

t.test('bufferedDestination into a file: written on its interval, and quiet once ended', async (t) => {
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'logging-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'service.log');
  const destination = bufferedDestination({ dest: file });
  const log = createServiceLogger({ service: 'file', level: 'info', destination });
  log.info({ token: 'file-token-1' }, 'to the file');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const written = readFileSync(file, 'utf8');
  t.match(written, /"msg":"to the file"/, 'flushed by the timer, well before 4 KB gathered');
  t.notMatch(written, /file-token-1/);
  await new Promise<void>((resolve) => {
    destination.on('close', () => resolve());
    destination.end();
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.pass('the timer skips an ended destination instead of throwing');
});

t.test('a line cut short is still blanked out to its end', async (t) => {
  const redact = createLineRedactor(['token'], '[x]');
  t.equal(redact('{"a":1,"token":"abc'), '{"a":1,"token":"[x]"');
  t.equal(redact('{"token":{"deep":[1,2'), '{"token":"[x]"');
});

t.test('an app may bring its own serializers, and redaction still applies to what they make', async (t) => {
  const { lines, destination } = capture();
  const log = createServiceLogger({
    service: 'test',
    level: 'info',
    destination,
    serializers: { thing: (value: { name: string }) => ({ shown: value.name.toUpperCase(), token: 'made-by-serializer' }) },
  });
  log.info({ thing: { name: 'box' } }, 'serialized');
  t.match(lines[0], { thing: { shown: 'BOX', token: '[redacted]' } });
});
