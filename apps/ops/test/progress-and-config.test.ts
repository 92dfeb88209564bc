import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { ConfigError, loadRebuildConfig, loadReplayConfig, wantsHelp } from '../src/config.js';
import { createProgressReporter, formatDuration, formatProgress, silentProgress } from '../src/progress.js';

t.test('formatProgress: counts, percentage, rate and ETA', async (t) => {
  const base = { label: 'replay to projector', elapsedMs: 4000, final: false };
  t.equal(
    formatProgress({ ...base, done: 1200, total: { count: 5000, estimate: false }, rate: 350 }),
    'replay to projector: 1,200/5,000 events (24%), 350 events/s, ETA 11s',
  );
  t.equal(
    formatProgress({ ...base, done: 1200, total: { count: 5000, estimate: true }, rate: 350, note: 'sent 800' }),
    'replay to projector: 1,200/~5,000 events (24%), 350 events/s, ETA 11s, sent 800',
    'an estimated total is marked',
  );
  t.equal(
    formatProgress({ ...base, done: 1200, rate: 350 }),
    'replay to projector: 1,200 events, 350 events/s',
    'no total, no ETA',
  );
  t.equal(
    formatProgress({ ...base, done: 0, total: { count: 5000, estimate: false }, rate: undefined }),
    'replay to projector: 0/5,000 events (0%)',
    'no rate yet, no ETA',
  );
  t.equal(
    formatProgress({ ...base, done: 6000, total: { count: 5000, estimate: true }, rate: 10 }),
    'replay to projector: 6,000/~5,000 events (100%), 10 events/s',
    'an estimate passed: capped, and no ETA',
  );
  t.equal(
    formatProgress({ ...base, done: 0, total: { count: 0, estimate: false }, rate: 0 }),
    'replay to projector: 0/0 events (100%), 0 events/s',
  );
  t.equal(
    formatProgress({ ...base, done: 5000, total: { count: 5000, estimate: false }, rate: 1250.4, final: true }),
    'replay to projector: 5,000/5,000 events (100%), 1,250 events/s, done in 4s',
  );
});

t.test('formatDuration: seconds, minutes, hours', async (t) => {
  t.equal(formatDuration(0), '0s');
  t.equal(formatDuration(-5), '0s');
  t.equal(formatDuration(44_600), '45s');
  t.equal(formatDuration(185_000), '3m 05s');
  t.equal(formatDuration(7_620_000), '2h 07m');
});

t.test('the reporter: a line at the start, every interval, and at the end; the rate over a sliding window', async (t) => {
  let clock = 0;
  const lines: string[] = [];
  const write = (line: string) => lines.push(line);
  const progress = createProgressReporter({ write, now: () => clock, windowMs: 10_000, intervalMs: 20 });
  progress.add(5);
  progress.note('ignored');
  progress.end();
  t.same(lines, [], 'nothing before a phase');

  progress.begin('fill', { total: { count: 1000, estimate: false }, done: 100 });
  t.same(lines, ['fill: 100/1,000 events (10%)']);
  // Fast at first, then slower: the window forgets the fast start.
  for (let second = 1; second <= 20; second++) {
    clock = second * 1000;
    progress.add(second <= 10 ? 40 : 10);
  }
  progress.note('sent 7');
  await sleep(50);
  t.match(lines.at(-1), /^fill: 600\/1,000 events \(60%\), 10 events\/s, ETA 40s, sent 7$/, 'a periodic line at 10/s');

  clock = 25_000;
  progress.end();
  t.equal(lines.at(-1), 'fill: 600/1,000 events (60%), 20 events/s, done in 25s, sent 7', 'the phase average');
  const count = lines.length;
  await sleep(50);
  t.equal(lines.length, count, 'no more lines after the end');

  progress.begin('second', {});
  clock = 25_000;
  progress.begin('third');
  t.same(lines.slice(count), ['second: 0 events', 'second: 0 events, done in 0s', 'third: 0 events'], 'a new phase ends the last');
  await sleep(50);
  t.equal(lines.at(-1), 'third: 0 events', 'no rate while no time has passed');
  progress.end();

  const silent = silentProgress;
  silent.begin('x');
  silent.add(1);
  silent.note('x');
  silent.end();
  t.pass('the silent reporter does nothing');

  // The default writes to stderr and uses the real clock.
  const real = createProgressReporter();
  real.begin('a real reporter');
  real.end();
});

const env = (extra: Record<string, string> = {}) => ({ DATA_DIR: '/data', ...extra });

t.test('replay configuration: flags and environment', async (t) => {
  t.same(loadReplayConfig(env(), ['--consumer', 'projector']), {
    storage: { kind: 'sqlite', dataDir: '/data' },
    sqsEndpoint: undefined,
    consumer: 'projector',
    queueUrl: undefined,
    user: undefined,
    since: undefined,
    restart: false,
    pageSize: 100,
    checkpointFile: join('/data', 'replay', 'projector.json'),
  });
  t.same(
    loadReplayConfig(
      env({
        STORAGE: 'dynamodb',
        EVENT_STORE_TABLE: 'events',
        DYNAMODB_ENDPOINT: 'http://localhost:8000',
        SQS_ENDPOINT: 'http://localhost:4566',
      }),
      ['--consumer=search', '--user', 'u-1', '--since', '2024-03-01T10:00:00+01:00', '--restart']
        .concat(['--page-size', '1000', '--checkpoint-file', 'cp.json'])
        .concat(['--queue-url', 'https://sqs.eu-west-1.amazonaws.com/123456789012/UserService-prod-Queue-1.fifo']),
      '/work',
    ),
    {
      storage: { kind: 'dynamodb', eventStoreTable: 'events', endpoint: 'http://localhost:8000' },
      sqsEndpoint: 'http://localhost:4566',
      consumer: 'search',
      queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/UserService-prod-Queue-1.fifo',
      user: 'u-1',
      since: '2024-03-01T09:00:00.000Z',
      restart: true,
      pageSize: 1000,
      checkpointFile: '/work/cp.json',
    },
  );
  t.equal(loadReplayConfig({}, ['--consumer', 'p'], '/work').checkpointFile, resolve('/work/data/replay/p.json'));
  t.equal(loadReplayConfig({ DATA_DIR: 'rel' }, ['--consumer', 'p'], '/work').checkpointFile, '/work/rel/replay/p.json');

  const problems = (e: Record<string, string>, argv: string[]) => {
    try {
      loadReplayConfig(e, argv);
    } catch (error) {
      t.ok(error instanceof ConfigError);
      return (error as ConfigError).problems;
    }
    return [];
  };
  t.same(problems(env({ SQS_ENDPOINT: '  ', STORAGE: '' }), []), ['--consumer is required'], 'blank variables are unset');
  t.same(problems(env(), ['--consumer', '']), ['--consumer="" must not be empty']);
  t.same(problems(env(), ['--consumer', 'a.fifo', '--user', ' ', '--since', 'soon', '--page-size', '0']), [
    '--consumer="a.fifo" must be a queue name of letters, digits, - and _',
    '--user=" " must not be empty',
    '--since="soon" must be an ISO-8601 instant',
    '--page-size="0" must be an integer from 1 to 1000',
  ]);
  t.same(problems(env(), ['--consumer', 'a', '--user', 'x'.repeat(257), '--page-size', '1001']), [
    `--user="${'x'.repeat(257)}" must be at most 256 characters`,
    '--page-size="1001" must be an integer from 1 to 1000',
  ]);
  t.same(problems(env(), ['--consumer', 'a', '--queue-url', 'queue']), ['--queue-url="queue" must be an http(s) queue URL']);
  t.same(problems(env({ STORAGE: 'cloud', SQS_ENDPOINT: 'ftp://x' }), ['--consumer', 'a']), [
    'STORAGE="cloud" must be one of sqlite, dynamodb',
    'SQS_ENDPOINT="ftp://x" must be an http(s) URL',
  ]);
  t.same(problems(env({ STORAGE: 'dynamodb', EVENT_STORE_TABLE: 'a b', DYNAMODB_ENDPOINT: 'nope' }), ['--consumer', 'a']), [
    'EVENT_STORE_TABLE="a b" must be a DynamoDB table name',
    'DYNAMODB_ENDPOINT="nope" must be an http(s) URL',
  ]);
  t.match(problems(env(), ['--consumer', 'a', 'positional']), [/Unexpected argument 'positional'/]);
  t.match(problems(env(), ['--consumer']), [/Option '--consumer <value>' argument missing/]);
});

t.test('rebuild configuration: flags and environment', async (t) => {
  t.same(loadRebuildConfig(env(), []), {
    storage: { kind: 'sqlite', dataDir: '/data' },
    restart: false,
    pageSize: 500,
    checkpointName: 'user-views',
  });
  t.same(
    loadRebuildConfig(
      env({
        STORAGE: 'dynamodb',
        EVENT_STORE_TABLE: 'events',
        READ_MODEL_TABLE: 'views',
        READ_MODEL_GREEN_TABLE: 'views-green',
      }),
      ['--restart', '--page-size', '50', '--checkpoint-name', 'follower'],
    ),
    {
      storage: {
        kind: 'dynamodb',
        eventStoreTable: 'events',
        endpoint: undefined,
        readModelTables: { blue: 'views', green: 'views-green' },
      },
      restart: true,
      pageSize: 50,
      checkpointName: 'follower',
    },
  );
  const problems = (e: Record<string, string>, argv: string[]) => {
    try {
      loadRebuildConfig(e, argv);
    } catch (error) {
      return (error as ConfigError).problems;
    }
    return [];
  };
  t.same(problems(env(), ['--checkpoint-name', 'x'.repeat(201)]), [
    `--checkpoint-name="${'x'.repeat(201)}" must be at most 200 characters`,
  ]);
  t.same(problems(env({ STORAGE: 'dynamodb', READ_MODEL_TABLE: '!', READ_MODEL_GREEN_TABLE: '?' }), []), [
    'EVENT_STORE_TABLE is required when STORAGE=dynamodb',
    'READ_MODEL_TABLE="!" must be a DynamoDB table name',
    'READ_MODEL_GREEN_TABLE="?" must be a DynamoDB table name',
  ]);
  t.same(problems(env({ STORAGE: 'dynamodb', EVENT_STORE_TABLE: 'events' }), []), [
    'READ_MODEL_TABLE is required when STORAGE=dynamodb',
  ]);
  const defaulted = loadRebuildConfig(env({ STORAGE: 'dynamodb', EVENT_STORE_TABLE: 'events', READ_MODEL_TABLE: 'views' }), []);
  t.match(defaulted.storage, { readModelTables: { blue: 'views', green: 'views-green' } }, 'green defaults to <blue>-green');
  t.ok(wantsHelp(['--help']));
  t.ok(wantsHelp(['-h']));
  t.notOk(wantsHelp(['--restart']));
});
