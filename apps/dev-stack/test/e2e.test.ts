import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { localClientConfig } from '@user-service/local-aws';
import t from 'tap';

/**
 * The whole AWS design on this machine, as `pnpm start:local-aws` runs it: the user service on DynamoDB
 * Local, the stream relay's local runner, the SNS FIFO topic and SQS FIFO queues on the emulator, the
 * projector worker and the mailer worker. Everything is driven through the HTTP API, as a client would.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const dataDir = mkdtempSync(join(tmpdir(), 'dev-stack-e2e-'));
const [port, dynamoPort, snsSqsPort] = await freePorts(3);
const base = `http://127.0.0.1:${port}`;
const output: string[] = [];

const snsSqsEndpoint = `http://127.0.0.1:${snsSqsPort}`;
const stack = spawn(process.execPath, [join(root, 'apps/dev-stack/dist/main.js')], {
  stdio: ['ignore', 'pipe', 'pipe'],
  env: {
    ...process.env,
    LOG_LEVEL: 'info',
    // Everything on its own ports and folder, as beside another stack; a failed message is retried after
    // 1 s and dead-lettered after 2 receives, so that the poison test takes seconds.
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    DYNAMODB_PORT: String(dynamoPort),
    SNS_SQS_PORT: String(snsSqsPort),
    QUEUE_VISIBILITY_TIMEOUT_SECONDS: '1',
    MAX_RECEIVE_COUNT: '2',
  },
});
for (const stream of [stack.stdout, stack.stderr]) {
  createInterface({ input: stream }).on('line', (line) => output.push(line));
}
t.teardown(async () => {
  await stop(stack);
  rmSync(dataDir, { recursive: true, force: true });
});

await eventually('the stack is up', async () => output.some((l) => l.includes('Local AWS topology is up')), 120_000);

t.test('the stack runs on the ports and in the folder its environment names, and says so', async (t) => {
  const banner = output.join('\n');
  t.match(banner, `user service        http://127.0.0.1:${port} (HOST=127.0.0.1 PORT=${port}`);
  t.match(banner, `DynamoDB Local      http://127.0.0.1:${dynamoPort}`);
  t.match(banner, `SNS/SQS emulator    ${snsSqsEndpoint}`);
  t.match(banner, `data                ${dataDir}`);
  t.match(banner, /projector\.fifo \(visibility 1 s, DLQ after 2 receives\)/);
  const help = await node('apps/dev-stack/dist/main.js', ['--help'], {});
  t.match(help, { code: 0, stdout: /^Usage: pnpm start:local-aws/ });
  t.match(help.stdout, /DYNAMODB_PORT/);
  const bad = await node('apps/dev-stack/dist/main.js', [], { PORT: 'x', DYNAMODB_PORT: '-1' });
  t.equal(bad.code, 78, 'a bad environment is refused before anything starts');
  t.match(bad.stderr, /PORT="x" must be an integer/);
  t.match(bad.stderr, /DYNAMODB_PORT="-1"/);
});

interface User {
  id: string;
  email: string;
  username: string;
  password: string;
  auth: Record<string, string>;
}

const users: User[] = [];

t.test('every command through the API is reflected by the read model, through the whole pipeline', async (t) => {
  for (let i = 0; i < 6; i++) {
    const email = `person${i}@example.com`;
    const created = await api('POST', '/users', { email, username: `person_${i}`, password: `password-${i}` });
    t.equal(created.status, 201);
    const session = await api('POST', '/sessions', { email, password: `password-${i}` });
    const token = (session.body as { token: string }).token;
    users.push({
      id: (created.body as { id: string }).id,
      email,
      username: `person_${i}`,
      password: `password-${i}`,
      auth: { authorization: `Bearer ${token}` },
    });
  }
  const [a, b, c, d] = users as [User, User, User, User];
  t.equal((await api('PATCH', `/users/${a.id}`, { name: 'Ada', surname: 'Lovelace' }, a.auth)).status, 200);
  t.equal((await api('PATCH', `/users/${b.id}`, { username: 'renamed_b' }, b.auth)).status, 200);
  t.equal((await api('PUT', `/users/${c.id}/email`, { email: 'new-c@example.com' }, c.auth)).status, 200);
  // Mail is the mailer's: the service commits, the relay publishes, the mailer's worker sends.
  await eventually('a confirmation mail reached the outbox', async () =>
    readMails().some((m) => m.userId === a.id && m.kind === 'email-confirmation'),
  );
  const mail = readMails().filter((m) => m.userId === a.id && m.kind === 'email-confirmation').at(-1);
  t.equal((await api('POST', `/users/${a.id}/email-confirmation`, { token: mail?.token })).status, 200);
  t.equal((await api('DELETE', `/users/${d.id}`, undefined, d.auth)).status, 204);

  await eventually('the read model has caught up with every command', async () => {
    for (const user of users) if (!(await projected(user))) return false;
    return true;
  });
  const aNow = await api('GET', `/users/${a.id}`, undefined, a.auth);
  t.match(aNow.body, { name: 'Ada', surname: 'Lovelace', status: 'confirmed' });
  const byName = await api('GET', '/users?username=renamed_b', undefined, a.auth);
  t.same(byName.body, { items: [{ id: b.id, username: 'renamed_b', status: 'registered' }] });
  // By username: only admins look users up by email (the README's route table).
  const gone = await api('GET', '/users?username=person_3', undefined, a.auth);
  t.same(gone.body, { items: [] }, 'the removed user is no longer found');
});

t.test("each registration's confirmation mail arrives through the topic, the mailer's queue and its worker, once", async (t) => {
  const [, , c] = users as [User, User, User];
  // One mail per event that asks for one: each registration, and c's change of address.
  await eventually('every confirmation mail is in the outbox', async () => readMails().length >= users.length + 1);
  for (const user of users) {
    const events = await api('GET', `/users/${user.id}/events`, undefined, user.auth);
    const mails = readMails().filter((m) => m.userId === user.id && m.kind === 'email-confirmation');
    t.equal(mails.length, user === c ? 2 : 1, `${user.username}: one mail per event`);
    if (events.status === 200) {
      const ids = (events.body as { items: Array<{ eventId: string; type: string }> }).items
        .filter((e) => e.type === 'UserRegistered' || e.type === 'UserEmailChanged')
        .map((e) => e.eventId);
      t.same(mails.map((m) => m.eventId).sort(), [...ids].sort(), `${user.username}: each mail names its event`);
    }
  }
  const sentByMailer = output.filter((line) => line.startsWith('[mailer]') && line.includes('mail sent')).length;
  t.equal(sentByMailer, readMails().length, 'every mail was sent by the mailer worker, none by the service in the request');
  t.notOk(output.some((line) => line.startsWith('[mailer]') && /"token"|eyJ/.test(line)), 'the mailer logs no token');
});

t.test('replaying all history into the projector queue changes nothing', async (t) => {
  const before = await readModelSnapshot();
  const run = await ops('replay-cli.js', ['--consumer', 'projector']);
  t.equal(run.code, 0, 'replay finished');
  const result = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as { sent?: number };
  t.ok((result.sent ?? 0) >= users.length, `${result.sent} events were re-published`);
  await eventually('the projector has drained its queue', async () => (await queueDepth()) === 0);
  t.same(await readModelSnapshot(), before, 'every replayed event was a duplicate');
});

t.test('a rebuild gives a read model identical to the incremental one, and switches to it', async (t) => {
  const before = await readModelSnapshot();
  const run = await ops('rebuild-cli.js', []);
  t.equal(run.code, 0, 'rebuild finished');
  t.match(run.stdout, /"green"/, 'the green slot was filled and activated');
  await eventually('queries read the rebuilt slot', async () =>
    JSON.stringify(await readModelSnapshot()) === JSON.stringify(before),
  );
  t.same(await readModelSnapshot(), before);
  // Writes go on after the switch, into the new slot.
  const [a] = users as [User];
  t.equal((await api('PATCH', `/users/${a.id}`, { surname: 'Byron' }, a.auth)).status, 200);
  await eventually('the projector writes the new slot', async () => projected(a));
});

t.test('a poison message reaches the DLQ, pnpm redrive brings it back, pnpm projection-status shows the depths', async (t) => {
  const sqs = new SQSClient(localClientConfig(snsSqsEndpoint));
  t.teardown(() => sqs.destroy());
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'projector.fifo' }));
  // Straight into the queue, as a broken publisher would: not a CloudEvent, with a "secret" in it.
  const body = 'not a user event {"password":"hunter2"}';
  await sqs.send(
    new SendMessageCommand({ QueueUrl, MessageBody: body, MessageGroupId: 'poison', MessageDeduplicationId: 'poison-1' }),
  );
  await eventually('the poison message reached the DLQ', async () => (await status()).consumers[0]?.dlq.visible === 1);
  const rejected = () => output.filter((line) => line.startsWith('[projector]') && line.includes('not a user event')).length;
  const rejectedBefore = rejected();
  t.ok(rejectedBefore >= 2, `the projector refused it at each of its ${rejectedBefore} receives`);

  const shown = await status();
  t.match(shown.consumers, [
    { consumer: 'projector', queue: { name: 'projector.fifo', visible: 0 }, dlq: { name: 'projector-dlq.fifo', visible: 1 } },
    { consumer: 'mailer', queue: { name: 'mailer.fifo' }, dlq: { name: 'mailer-dlq.fifo', visible: 0 } },
  ]);
  t.type(shown.consumers[0]?.dlq.oldestMessageAgeSeconds, 'number', 'the age of the oldest message, from the emulator');
  t.match(shown.readModel, { activeSlot: 'green', fillingSlot: null, lease: null }, 'the rebuild above is done');
  const text = await ops('projection-status-cli.js', []);
  t.equal(text.code, 0, text.stderr);
  t.match(text.stdout, /dlq +projector-dlq\.fifo: 1 waiting/);
  t.match(text.stdout, /read model: active slot green, no rebuild in progress/);

  const dryRun = await ops('redrive-cli.js', ['--consumer', 'projector', '--dry-run']);
  t.equal(dryRun.code, 0, dryRun.stderr);
  t.match(JSON.parse(dryRun.stdout), { dryRun: true, count: 1, sample: [{ groupId: 'poison', deduplicationId: 'poison-1' }] });
  t.notMatch(dryRun.stdout, /hunter2|not a user event/, 'the dry run shows ids, never the body');
  const afterDryRun = (await status()).consumers[0]?.dlq;
  t.equal((afterDryRun?.visible ?? 0) + (afterDryRun?.inFlight ?? 0), 1, 'the dry run moved nothing');
  await eventually('the sample is visible again', async () => (await status()).consumers[0]?.dlq.visible === 1);

  const moved = await ops('redrive-cli.js', ['--consumer', 'projector']);
  t.equal(moved.code, 0, moved.stderr);
  t.match(JSON.parse(moved.stdout), { consumer: 'projector', status: 'completed', mode: 'copy', moved: 1, left: 0 });
  t.match(moved.stderr, /redrive projector \(copy\)/, 'with progress');
  await eventually('the projector received it again', async () => rejected() > rejectedBefore);
  // Still poison, so it goes back: the DLQ holds it again, and nothing else was lost or added.
  await eventually('it is back in the DLQ', async () => (await status()).consumers[0]?.dlq.visible === 1);
  t.equal(await queueDepth(), 0);

  for (const tool of ['redrive-cli.js', 'projection-status-cli.js']) {
    const help = await ops(tool, ['--help']);
    t.match(help, { code: 0, stdout: /^Usage: pnpm (redrive|projection-status)/ }, `${tool} --help`);
  }
});

t.test("a poison message reaches the mailer's DLQ, shows in pnpm projection-status, and pnpm redrive moves it back", async (t) => {
  const sqs = new SQSClient(localClientConfig(snsSqsEndpoint));
  t.teardown(() => sqs.destroy());
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'mailer.fifo' }));
  const mailsBefore = readMails().length;
  await sqs.send(
    new SendMessageCommand({ QueueUrl, MessageBody: 'no mail in here', MessageGroupId: 'poison', MessageDeduplicationId: 'mail-poison-1' }),
  );
  const mailerDlq = async () => (await status()).consumers.find((c) => c.consumer === 'mailer')?.dlq;
  await eventually("the poison message reached the mailer's DLQ", async () => (await mailerDlq())?.visible === 1);
  const refused = () => output.filter((line) => line.startsWith('[mailer]') && line.includes('not a user event')).length;
  const refusedBefore = refused();
  t.ok(refusedBefore >= 2, `the mailer refused it at each of its ${refusedBefore} receives`);
  const text = await ops('projection-status-cli.js', []);
  t.match(text.stdout, /mailer:\n  queue mailer\.fifo: .*\n  dlq   mailer-dlq\.fifo: 1 waiting/);

  const moved = await ops('redrive-cli.js', ['--consumer', 'mailer']);
  t.equal(moved.code, 0, moved.stderr);
  t.match(JSON.parse(moved.stdout), { consumer: 'mailer', status: 'completed', moved: 1, left: 0 });
  await eventually('the mailer received it again', async () => refused() > refusedBefore);
  await eventually("it is back in the mailer's DLQ", async () => (await mailerDlq())?.visible === 1);
  t.equal(readMails().length, mailsBefore, 'and no mail came of it');
});

/** `pnpm projection-status --json`, parsed. */
async function status(): Promise<{
  consumers: Array<{
    consumer: string;
    dlq: { visible: number; inFlight: number; oldestMessageAgeSeconds: number | null };
    queue: { visible: number };
  }>;
  readModel: unknown;
}> {
  const run = await ops('projection-status-cli.js', ['--json']);
  if (run.code !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as Awaited<ReturnType<typeof status>>;
}

/** What queries answer for every user: the view, or that a lookup finds nothing. */
async function readModelSnapshot(): Promise<unknown[]> {
  const auth = users[0]?.auth ?? {};
  const snapshot: unknown[] = [];
  for (const user of users) {
    const view = await api('GET', `/users/${user.id}`, undefined, user.auth);
    const lookup = await api('GET', `/users?email=${encodeURIComponent(user.email)}`, undefined, auth);
    snapshot.push({ id: user.id, view: view.status === 200 ? view.body : view.status, lookup: lookup.body });
  }
  return snapshot;
}

/** Runs one of the operator tools against the stack's DynamoDB Local and emulator. */
function ops(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return node(join('apps/ops/dist', script), args, {
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      STORAGE: 'dynamodb',
      DATA_DIR: dataDir,
      // The stack's secret: without KMS, users' data keys are wrapped under a key derived from it.
      JWT_SECRET: readFileSync(join(dataDir, 'jwt-secret'), 'utf8').trim(),
      EVENT_STORE_TABLE: 'user-events',
      READ_MODEL_TABLE: 'user-read-model',
      DYNAMODB_ENDPOINT: `http://127.0.0.1:${dynamoPort}`,
      SQS_ENDPOINT: snsSqsEndpoint,
  });
}

/** Runs a built entry point of the repository with only PATH and `env`. */
function node(
  entry: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(root, entry), ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done) => child.once('exit', (code) => done({ code, stdout, stderr })));
}

/** Messages waiting in, or in flight from, the projector's queue. */
async function queueDepth(): Promise<number> {
  const sqs = new SQSClient(localClientConfig(`http://127.0.0.1:${snsSqsPort}`));
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'projector.fifo' }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return Number(Attributes?.['ApproximateNumberOfMessages'] ?? 1) + Number(Attributes?.['ApproximateNumberOfMessagesNotVisible'] ?? 1);
  } finally {
    sqs.destroy();
  }
}

/** True when the read model's view of a user equals the one rebuilt from the event store. */
async function projected(user: User): Promise<boolean> {
  const events = await api('GET', `/users/${user.id}/events`, undefined, user.auth);
  if (events.status === 401) {
    // A removed user's sessions are revoked; the read model must no longer find them either.
    const lookup = await api("GET", `/users?username=${user.username}`, undefined, users[0]?.auth ?? {});
    return (lookup.body as { items: unknown[] }).items.length === 0;
  }
  const latest = (events.body as { items: Array<{ version: number }> }).items.at(-1)?.version ?? 0;
  const fromStore = await api('GET', `/users/${user.id}?version=${latest}`, undefined, user.auth);
  const fromReadModel = await api('GET', `/users/${user.id}`, undefined, user.auth);
  return fromReadModel.status === 200 && JSON.stringify(fromReadModel.body) === JSON.stringify(fromStore.body);
}

function readMails(): Array<{ eventId: string; userId: string; kind: string; token: string }> {
  try {
    return readFileSync(join(dataDir, 'outbox', 'mail.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { eventId: string; userId: string; kind: string; token: string });
  } catch {
    return [];
  }
}

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (stack.exitCode !== null) throw new Error(`the stack exited while waiting until ${what}:\n${output.join('\n')}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}:\n${output.slice(-40).join('\n')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((done) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => done(server));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  return ports;
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}
