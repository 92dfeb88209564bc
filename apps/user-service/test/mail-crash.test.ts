import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { TEST_JWT_SECRET } from './helper.js';

/**
 * Mail is never lost nor doubled across a crash: the real service process, killed with SIGKILL while its
 * mails cannot go out, sends each of them exactly once after a restart; killed again while they flow, it
 * sends none twice.
 */
t.setTimeout(180_000);

const SERVER = fileURLToPath(new URL('../dist/server.js', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'mail-crash-'));
t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
const outbox = join(dataDir, 'outbox', 'mail.jsonl');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts the service and resolves once it listens. */
async function start(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [SERVER], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'info', RATE_LIMIT_MAX: '100000' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('user service ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the service exited with ${code}`)));
  });
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

const post = (port: number, path: string, body: unknown) =>
  fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

function mails(): Array<{ eventId: string; userId: string; kind: string; token: string; to: string }> {
  return readFileSync(outbox, 'utf8').split('\n').filter((line) => line.endsWith('}')).map((line) => JSON.parse(line));
}

t.test('20 registrations, killed before any mail goes out: after a restart, one mail each, and it confirms', async (t) => {
  const port = await freePort();
  let service = await start(port);
  // The outbox cannot be written (a directory stands where the file goes): every mail fails and waits.
  mkdirSync(outbox, { recursive: true });
  const users: string[] = [];
  for (let i = 0; i < 20; i++) {
    const res = await post(port, '/users', { email: `crash${i}@example.com`, username: `crash_${i}`, password: `password-${i}-long` });
    t.equal(res.status, 201);
    users.push(((await res.json()) as { id: string }).id);
  }
  await kill(service);
  rmSync(outbox, { recursive: true });

  service = await start(port);
  t.teardown(() => kill(service));
  // The restart sends what the crash held back before it serves.
  const sent = mails().filter((mail) => mail.kind === 'email-confirmation');
  t.comment(`registered 20, killed with no mail out; after the restart: ${sent.length} confirmation mails`);
  t.same(sent.map((mail) => mail.userId).sort(), [...users].sort(), 'exactly one confirmation mail per user');
  let confirmed = 0;
  for (const mail of sent) {
    const res = await post(port, `/users/${mail.userId}/email-confirmation`, { token: mail.token });
    if (res.status === 200) confirmed++;
  }
  t.equal(confirmed, 20, 'and each token confirms its address');

  // Killed again while mails flow, a few registrations in: no mail is ever sent twice, none acknowledged lost.
  const acknowledged = new Set(users);
  for (let round = 0; round < 3; round++) {
    let answered = 0;
    let killNow!: () => void;
    const enough = new Promise<void>((resolve) => (killNow = resolve));
    const registering = Array.from({ length: 10 }, (_, i) =>
      post(port, '/users', { email: `flow${round}-${i}@example.com`, username: `flow_${round}_${i}`, password: `password-${i}-long` })
        .then(async (res) => {
          if (res.status === 201) acknowledged.add(((await res.json()) as { id: string }).id);
          if (++answered === 3 + round) killNow();
        })
        .catch(() => undefined),
    );
    await enough;
    await kill(service);
    await Promise.all(registering);
    service = await start(port);
  }
  const all = mails();
  const perEvent = new Map<string, number>();
  for (const mail of all) perEvent.set(mail.eventId, (perEvent.get(mail.eventId) ?? 0) + 1);
  const doubled = [...perEvent.values()].filter((count) => count > 1).length;
  t.comment(`after 3 more kills while mails flowed: ${all.length} mails for ${perEvent.size} events, ${doubled} doubled`);
  t.equal(doubled, 0, 'no event was mailed twice');
  const mailed = new Set(all.filter((mail) => mail.kind === 'email-confirmation').map((mail) => mail.userId));
  t.ok(acknowledged.size > 20, `registrations were acknowledged between the kills (${acknowledged.size - 20})`);
  t.same([...acknowledged].filter((id) => !mailed.has(id)), [], 'every acknowledged registration got its mail');
});
