import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventStore, JsonObject, StoredEvent } from '@user-service/event-store';
import {
  decide,
  fold,
  initialState,
  uniqueKeyChanges,
  type UserCommand,
  type UserState,
} from '@user-service/user-domain';
import { applyToView, type UserReadModel, type UserView } from '@user-service/user-read-model';
import type { Test } from 'tap';

/** A user the test acts for: the domain's state and the stream's version, kept in step with the store. */
export interface TrackedUser {
  readonly streamId: string;
  state: UserState;
  version: number;
}

/**
 * Decides a command with the real domain and appends its events as the service would: with the unique
 * claims and releases the decision implies, at the expected version. Answers how many events it appended.
 */
export async function act(store: EventStore, user: TrackedUser, command: UserCommand): Promise<number> {
  const events = decide(command, user.state);
  if (events.length === 0) return 0;
  const { claims, releases } = uniqueKeyChanges(user.state, events);
  await store.append(
    user.streamId,
    events.map((event, i) => ({
      eventId: `${user.streamId}/${user.version + i + 1}`,
      type: event.type,
      schemaVersion: event.schemaVersion,
      data: event.data as unknown as JsonObject,
      metadata: { occurredAt: command.now, correlationId: `corr-${user.streamId}`, causationId: `cmd-${user.version}` },
    })),
    { expectedVersion: user.version, claims, releases },
  );
  user.state = fold(events, user.state);
  user.version += events.length;
  return events.length;
}

/** The instant of step `step` of user `i`: steps an hour apart, users a second apart within a step. */
export const stepTime = (start: number, step: number, i = 0): string =>
  new Date(start + step * 3_600_000 + i * 1000).toISOString();

/**
 * Seeds `users` users, five events each (registered, confirmed, named, moved to another email, then removed
 * or renamed), step by step across all users so that their events interleave in the store.
 */
export async function seedUsers(
  store: EventStore,
  options: { readonly users: number; readonly prefix: string; readonly start: number },
): Promise<TrackedUser[]> {
  const { prefix, start } = options;
  const users: TrackedUser[] = Array.from({ length: options.users }, (_, i) => ({
    streamId: `${prefix}-${i}`,
    state: initialState,
    version: 0,
  }));
  const steps: Array<(i: number, now: string) => UserCommand> = [
    (i, now) => ({
      type: 'RegisterUser',
      now,
      email: `${prefix}-${i}@example.com`,
      username: `${prefix}_${i}`,
      passwordHash: 'hash',
    }),
    (_, now) => ({ type: 'ConfirmEmail', now }),
    (i, now) => ({ type: 'UpdateProfile', now, name: `Name ${i}` }),
    (i, now) => ({ type: 'ChangeEmail', now, email: `${prefix}-${i}@example.org` }),
    (i, now) =>
      i % 3 === 0 ? { type: 'RemoveUser', now } : { type: 'UpdateProfile', now, username: `${prefix}_${i}_b` },
  ];
  for (const [step, command] of steps.entries()) {
    for (const [i, user] of users.entries()) await act(store, user, command(i, stepTime(start, step, i)));
  }
  return users;
}

/** One more event for a live user (a profile change), or a registration for a new one. */
export function nextCommand(user: TrackedUser, n: number, now: string): UserCommand {
  if (user.state.status === 'none') {
    const email = `${user.streamId}@example.net`;
    return { type: 'RegisterUser', now, email, username: user.streamId, passwordHash: 'hash' };
  }
  return { type: 'UpdateProfile', now, surname: `Surname ${n}` };
}

/** The view a complete projection holds for a stream: the plain fold of its stored events. */
export function expectedView(events: readonly StoredEvent[]): UserView | undefined {
  return events.reduce<UserView | undefined>((view, event) => applyToView(view, event), undefined);
}

/** Asserts that the read model holds exactly the fold of the store for every stream. */
export async function assertEqualsFold(
  t: Test,
  readModel: UserReadModel,
  store: Pick<EventStore, 'readStream'>,
  streamIds: readonly string[],
  what: string,
): Promise<void> {
  let mismatches = 0;
  for (const streamId of streamIds) {
    const expected = expectedView(await store.readStream(streamId));
    const actual = await readModel.get(streamId);
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      mismatches++;
      t.strictSame(actual, expected, `${what}: ${streamId}`);
    }
  }
  t.equal(mismatches, 0, `${what} equals the fold of the store for all ${streamIds.length} users`);
}

/** Repeats `body` until stopped, with a pause between rounds; resolves when the last round has ended. */
export function loop(body: () => Promise<void>, pauseMs: number): { stop(): Promise<void> } {
  let running = true;
  const done = (async () => {
    while (running) {
      await body();
      await sleep(pauseMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
    },
  };
}

export interface CliRun {
  readonly exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** Resolves with the first line the tool writes to stderr (its first progress line). */
  readonly firstStderrLine: Promise<string>;
  kill(signal: NodeJS.Signals): void;
}

/** Runs a CLI's TypeScript source in a child process under this test's loader (and coverage). */
export function runCli(file: URL, args: readonly string[], env: Record<string, string>): CliRun {
  const child = spawn(process.execPath, [...process.execArgv, file.pathname, ...args], {
    // Only what the tool needs, plus what Node and tap's loader need to run it.
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let announce: (line: string) => void = () => {};
  const firstStderrLine = new Promise<string>((resolve) => (announce = resolve));
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    const newline = stderr.indexOf('\n');
    if (newline >= 0) announce(stderr.slice(0, newline));
  });
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { exited, firstStderrLine, kill: (signal) => child.kill(signal) };
}
