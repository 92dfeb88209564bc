import { Writable } from 'node:stream';
import t from 'tap';
import { createServiceLogger, serviceLoggerOptions } from '../src/index.js';

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

t.test('secrets are blanked at any depth up to three levels, and extra paths too', async (t) => {
  const { lines, destination } = capture();
  const log = createServiceLogger({ service: 'test', level: 'info', redact: ['data', '*.data'], destination });
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
