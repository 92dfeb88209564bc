import { createPersonalDataEventStore } from '@user-service/personal-data';
import { openLocalDataKeys } from '@user-service/personal-data/sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSqliteEventStore } from '@user-service/event-store/sqlite';
import { applyToView, type UserView } from '@user-service/user-read-model';
import t from 'tap';
import { TEST_JWT_SECRET } from '../helper.js';
import { ServiceProcess } from './service-process.js';
import { byStream, readEverything, versionGaps } from './support.js';

/**
 * Crash proof: the real service process (`dist/server.js`, SQLite) is driven by concurrent clients while
 * it is killed with SIGKILL at random moments and restarted on the same data directory. A client counts a
 * write only once it holds the 2xx answer; every such write must be in the store afterwards, and the read
 * model the restarted process serves must equal what the store says.
 */

// Real processes on a shared 2-core machine: far more than the run needs, well within CI's budget.
t.setTimeout(180_000);

const KILLS = 10;
const WORKERS = 6;
/** A kill comes after this many new acknowledgements, plus a random few milliseconds: mid-request or between. */
const ACKS_BEFORE_KILL = { min: 3, max: 40 };

type Ack =
  | { kind: 'register'; userId: string; version: number; email: string; username: string }
  | { kind: 'update'; userId: string; version: number; name: string };

t.test('kill -9 at random moments loses no acknowledged write, and the read model converges', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'user-service-crash-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const service = new ServiceProcess({ DATA_DIR: dataDir, JWT_SECRET: TEST_JWT_SECRET, RATE_LIMIT_MAX: '1000000', LOG_LEVEL: 'info' });
  t.teardown(() => service.kill());

  const acks: Ack[] = [];
  const registered: string[] = [];
  let sent = 0;
  let failed = 0;
  let stopping = false;
  let n = 0;
  const next = () => `${process.pid.toString(36)}x${(++n).toString(36)}`;

  /** One request to whichever process runs now; undefined when it is down or dies before answering. */
  const call = async (method: string, path: string, body: object, headers: Record<string, string> = {}) => {
    const base = service.baseUrl;
    if (base === '') return undefined;
    sent++;
    try {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { id?: string; version?: number } };
    } catch {
      failed++;
      return undefined;
    }
  };

  const worker = async () => {
    while (!stopping) {
      const target = registered[Math.floor(Math.random() * registered.length)];
      if (target === undefined || Math.random() < 0.25) {
        const id = next();
        const email = `crash${id}@example.com`;
        const username = `crash_${id}`;
        const res = await call('POST', '/users', { email, username, password: `pw-${id}-long-enough` });
        if (res?.status === 201 && res.body.id !== undefined) {
          acks.push({ kind: 'register', userId: res.body.id, version: res.body.version!, email, username });
          registered.push(res.body.id);
        } else if (res === undefined) await sleep(20);
      } else {
        const name = `name-${next()}`;
        const res = await call('PATCH', `/users/${target}`, { name }, admin);
        if (res?.status === 200) acks.push({ kind: 'update', userId: target, version: res.body.version!, name });
        else if (res === undefined) await sleep(20);
      }
    }
  };

  const admin = { authorization: `Bearer ${await service.adminToken()}` };
  await service.start();
  const workers = Array.from({ length: WORKERS }, worker);
  for (let kill = 0; kill < KILLS; kill++) {
    const target = acks.length + ACKS_BEFORE_KILL.min + Math.floor(Math.random() * (ACKS_BEFORE_KILL.max - ACKS_BEFORE_KILL.min));
    while (acks.length < target) await sleep(5);
    await sleep(Math.random() * 15);
    await service.kill();
    await service.start();
  }
  stopping = true;
  await Promise.all(workers);

  // The store, read with its own adapter once the service is down: killed like the others.
  await service.kill();
  // Personal fields are sealed at rest: read them as every reader does, through the personal-data store.
  const store = createPersonalDataEventStore(createSqliteEventStore({ filename: join(dataDir, 'events.db') }), {
    keys: openLocalDataKeys({ dataDir }),
  });
  const streams = byStream(await readEverything(store));
  await store.close();
  const lost = acks.filter((ack) => {
    const event = streams.get(ack.userId)?.[ack.version - 1];
    if (event?.version !== ack.version) return true;
    const data = event.data as { email?: string; username?: string; changes?: { name?: string } };
    return ack.kind === 'register'
      ? event.type !== 'UserRegistered' || data.email !== ack.email || data.username !== ack.username
      : event.type !== 'UserProfileUpdated' || data.changes?.name !== ack.name;
  });
  t.comment(
    `crash: ${service.kills} kill -9 and ${service.starts - 1} restarts, ${sent} requests sent (${failed} cut off), ` +
      `acknowledged ${acks.length}, found ${acks.length - lost.length}, lost ${lost.length}`,
  );
  t.ok(service.kills >= 10, 'the service was killed at least 10 times');
  t.ok(acks.length >= KILLS * ACKS_BEFORE_KILL.min, 'writes were acknowledged between the kills');
  t.strictSame(lost, [], 'every acknowledged write is in the store, at the version its answer gave');

  const gaps = [...streams].filter(([, stream]) => versionGaps(stream).length > 0).map(([id]) => id);
  t.strictSame(gaps, [], 'every stream has versions 1..n');

  // Restarted after the last kill, the service catches up at start; every user it serves, by id and by username, must
  // be what the store holds: those whose registration was acknowledged and those whose answer was cut off.
  await service.start();
  const diverged: Array<{ userId: string; served: unknown; store: unknown }> = [];
  const fields = (view: Partial<UserView> | undefined) =>
    JSON.stringify(view && { version: view.version, name: view.name, username: view.username, email: view.email });
  for (const [userId, stream] of streams) {
    let expected: UserView | undefined;
    for (const event of stream) expected = applyToView(expected, event);
    const byId = await fetch(`${service.baseUrl}/users/${userId}`, { headers: admin });
    const view = (await byId.json()) as UserView;
    const found = await fetch(`${service.baseUrl}/users?username=${expected?.username}`, { headers: admin });
    const ids = ((await found.json()) as { items: Array<{ id: string }> }).items.map((item) => item.id);
    if (byId.status !== 200 || fields(view) !== fields(expected) || ids.join() !== userId) {
      diverged.push({ userId, served: { status: byId.status, view: fields(view), byUsername: ids }, store: fields(expected) });
    }
  }
  await service.stop();
  const unacknowledged = streams.size - acks.filter((ack) => ack.kind === 'register').length;
  t.comment(
    `read model: ${streams.size} users (${unacknowledged} whose registration answer was cut off) read back ` +
      `by id and by username, ${diverged.length} diverged`,
  );
  t.strictSame(diverged, [], 'the restarted service serves, by id and by username, exactly what the store holds');
});
