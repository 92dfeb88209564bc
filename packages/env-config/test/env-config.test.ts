import t from 'tap';
import { ConfigError, EnvReader, checks } from '../src/index.js';

t.test('reads every kind of value, with defaults for unset and blank variables', async (t) => {
  const read = new EnvReader({
    NAME: ' api ',
    BLANK: '  ',
    COUNT: '42',
    FLAG: 'YES',
    OFF: '0',
    MODE: 'b',
    LEVEL: 'debug',
    DIR: 'data',
    SECRET: 'x'.repeat(32),
  });
  t.equal(read.string('NAME', 'x'), 'api');
  t.equal(read.string('BLANK', 'fallback'), 'fallback');
  t.equal(read.integer('COUNT', 1, 0, 100), 42);
  t.equal(read.integer('MISSING', 7, 0, 100), 7);
  t.equal(read.boolean('FLAG', false), true);
  t.equal(read.boolean('OFF', true), false);
  t.equal(read.boolean('MISSING', true), true);
  t.equal(read.oneOf('MODE', ['a', 'b'] as const, 'a'), 'b');
  t.equal(read.oneOf('MISSING', ['a', 'b'] as const, 'a'), 'a');
  t.equal(read.logLevel('LEVEL'), 'debug');
  t.equal(read.path('DIR', './x', '/srv'), '/srv/data');
  t.equal(read.path('MISSING', '/abs', '/srv'), '/abs');
  t.equal(read.optional('MISSING'), undefined);
  t.equal(read.required('SECRET', checks.minBytes(32), { secret: true }), 'x'.repeat(32));
  t.doesNotThrow(() => read.done());
});

t.test('reports every problem at once, each naming its variable, and never a secret', async (t) => {
  const read = new EnvReader({
    PORT: 'eighty',
    FLAG: 'maybe',
    MODE: 'z',
    URL: 'ftp://x',
    BAD_URL: 'not a url',
    SECRET: 'hunter2',
  });
  read.integer('PORT', 3000, 0, 65535);
  read.boolean('FLAG', false);
  read.oneOf('MODE', ['a', 'b'] as const, 'a');
  read.optional('URL', checks.httpUrl);
  read.optional('BAD_URL', checks.httpUrl);
  t.equal(read.optional('SECRET', checks.minBytes(32), { secret: true }), undefined);
  read.required('TABLE', checks.tableName, { when: 'when STORAGE=dynamodb' });
  const error = t.throws(() => read.done()) as ConfigError;
  t.ok(error instanceof ConfigError);
  t.same(error.problems, [
    'PORT="eighty" must be an integer from 0 to 65535',
    'FLAG="maybe" must be true or false',
    'MODE="z" must be one of a, b',
    'URL="ftp://x" must be an http(s) URL',
    'BAD_URL="not a url" must be an http(s) URL',
    'SECRET must be at least 32 bytes long',
    'TABLE is required when STORAGE=dynamodb',
  ]);
  t.notMatch(error.message, /hunter2/, 'the secret is not echoed');
});

t.test('the shared checks', async (t) => {
  t.equal(checks.queueUrl('http://sqs.us-east-1.127.0.0.1:4566/000000000000/q.fifo'), undefined);
  t.ok(checks.queueUrl('queue'));
  t.equal(checks.tableName('user-events'), undefined);
  t.ok(checks.tableName('x'));
  t.equal(checks.arn('arn:aws:secretsmanager:eu-west-1:123456789012:secret:jwt'), undefined);
  t.ok(checks.arn('secret'));
  t.equal(checks.httpUrl('https://example.com'), undefined);
});

t.test('a required variable that passes its check, and one with no check', async (t) => {
  const read = new EnvReader({ TABLE: 'users', ANY: 'x', SHORT: 'x' });
  t.equal(read.required('SHORT', checks.tableName), '', 'a failing value is not used');
  t.equal(read.required('TABLE', checks.tableName), 'users');
  t.equal(read.required('ANY'), 'x');
  t.equal(read.optional('ANY'), 'x');
  read.required('NONE');
  const error = t.throws(() => read.done()) as ConfigError;
  t.same(error.problems, ['SHORT="x" must be a DynamoDB table name', 'NONE is required']);
});

t.test('a problem the caller found is reported with the others', async (t) => {
  const read = new EnvReader({ PORT: 'x' });
  read.integer('PORT', 1, 0, 10);
  read.problem('--consumer is required');
  const error = t.throws(() => read.done()) as ConfigError;
  t.same(error.problems, ['PORT="x" must be an integer from 0 to 10', '--consumer is required']);
});
