import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { StoredEvent } from '@user-service/event-store';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type InjectOptions,
  type LightMyRequestResponse,
} from 'fastify';
import type { Test } from 'tap';
import { app, serverOptions } from '../src/app.js';
import type { Clock } from '../src/application/ports.js';
import { composeRuntime, type Runtime, type RuntimeOverrides } from '../src/composition.js';
import { loadConfig } from '../src/config.js';
import { createJwtService } from '../src/infrastructure/jwt.js';
import { createScryptHasher } from '../src/infrastructure/scrypt-hasher.js';
import { createLogger } from '../src/logger.js';

type Tap = Pick<Test, 'teardown'>;

/** A JWT secret for tests that need to mint or forge tokens; long enough for the config check. */
export const TEST_JWT_SECRET = 'test-secret-'.padEnd(48, 'x');

export interface MailRecord {
  to: string;
  kind: 'email-confirmation' | 'password-reset';
  userId: string;
  token: string;
  subject: string;
  text: string;
}

export interface TestService {
  readonly server: FastifyInstance;
  readonly runtime: Runtime;
  readonly dataDir: string;
  /** Every log line the service wrote, parsed. */
  readonly logs: Array<Record<string, unknown>>;
  /** Every raw log line, for secret scans. */
  readonly rawLogs: string[];
  /** Every response `request` (and `signUp`) received, in order, for secret scans. */
  readonly responses: LightMyRequestResponse[];
  request(options: InjectOptions): Promise<LightMyRequestResponse>;
  mails(): MailRecord[];
  /** Registers a user and returns its id and a session token. */
  signUp(fields?: Partial<{ email: string; username: string; password: string }>): Promise<SignedUp>;
  /** Confirms the user's email with the token mailed to them, failing loudly when that does not succeed. */
  confirmEmail(user: { id: string }): Promise<void>;
  /** Logs in and returns the session token, failing loudly when the login does not succeed. */
  login(email: string, password: string): Promise<string>;
  /** An admin session signed with the service's own secret (JWT_SECRET, or the generated file). */
  adminAuth(): { authorization: string };
  /** The secret the service signs sessions with. */
  jwtSecret(): string;
  /** Every event of every stream, paged through `readAll`. */
  allEvents(): Promise<StoredEvent[]>;
  /** The events of one stream. */
  stream(id: string): Promise<StoredEvent[]>;
}

export interface SignedUp {
  id: string;
  email: string;
  username: string;
  password: string;
  token: string;
  auth: { authorization: string };
}

let counter = 0;

/** A fresh suffix for emails, usernames and passwords, unique within one test process. */
export function unique(): string {
  return `${process.pid.toString(36)}${(++counter).toString(36)}`;
}

/**
 * Builds the real service (SQLite stores in a temp directory, outbox mailer) as a Fastify instance for
 * `inject`, with a cheap scrypt cost so tests stay quick. Nothing listens on a port. The login rate limit
 * is raised unless the test sets RATE_LIMIT_MAX, because `signUp` logs in every time.
 */
export async function buildService(
  t: Tap,
  env: Record<string, string> = {},
  overrides: RuntimeOverrides = {},
): Promise<TestService> {
  const dataDir = mkdtempSync(join(tmpdir(), 'user-service-test-'));
  const rawLogs: string[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const responses: LightMyRequestResponse[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        rawLogs.push(line);
        logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'debug', RATE_LIMIT_MAX: '100000', ...env });
  const log = createLogger(config.logLevel, sink);
  const runtime = await composeRuntime(config, log, {
    passwords: createScryptHasher({ cost: 1024 }),
    ...overrides,
  });
  // pino's Logger is a FastifyBaseLogger; saying so keeps the instance at Fastify's default generics.
  const server = Fastify({ ...serverOptions({ trustProxy: config.trustProxy }), loggerInstance: log as FastifyBaseLogger });
  await server.register(app, runtime.appOptions);
  await server.ready();
  t.teardown(async () => {
    await server.close();
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const request = async (options: InjectOptions) => {
    const response = await server.inject(options);
    // Anonymous requests leave work in the background (a reset's event and mail): a test sees it done.
    await runtime.appOptions.users.flush();
    responses.push(response);
    return response;
  };
  const jwtSecret = () => config.jwtSecret ?? readFileSync(join(dataDir, 'jwt-secret'), 'utf8').trim();
  const login = async (email: string, password: string) => {
    const session = await request({ method: 'POST', url: '/sessions', payload: { email, password } });
    if (session.statusCode !== 200) throw new Error(`login failed: ${session.statusCode} ${session.body}`);
    return (session.json() as { token: string }).token;
  };

  const service: TestService = {
    server,
    runtime,
    dataDir,
    logs,
    rawLogs,
    responses,
    request,
    login,
    jwtSecret,
    mails() {
      try {
        return readFileSync(join(dataDir, 'outbox', 'mail.jsonl'), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as MailRecord);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
    },
    async confirmEmail(user) {
      const mail = service.mails().findLast((m) => m.userId === user.id && m.kind === 'email-confirmation');
      if (mail === undefined) throw new Error(`no confirmation mail for ${user.id}`);
      const res = await request({ method: 'POST', url: `/users/${user.id}/email-confirmation`, payload: { token: mail.token } });
      if (res.statusCode !== 200) throw new Error(`confirmation failed: ${res.statusCode} ${res.body}`);
    },
    async signUp(fields = {}) {
      const n = unique();
      const email = fields.email ?? `user${n}@example.com`;
      const username = fields.username ?? `user_${n}`;
      const password = fields.password ?? `pw-${n}-${randomSuffix()}`;
      const created = await request({ method: 'POST', url: '/users', payload: { email, username, password } });
      if (created.statusCode !== 201) throw new Error(`sign-up failed: ${created.statusCode} ${created.body}`);
      const token = await login(email, password);
      return {
        id: (created.json() as { id: string }).id,
        email,
        username,
        password,
        token,
        auth: { authorization: `Bearer ${token}` },
      };
    },
    adminAuth() {
      const tokens = createJwtService({
        secret: jwtSecret(),
        sessionTtlSeconds: config.jwtTtlSeconds,
        emailConfirmationTtlSeconds: config.emailConfirmationTtlSeconds,
        ...(overrides.clock ? { now: () => overrides.clock!.now().getTime() } : {}),
      });
      return { authorization: `Bearer ${tokens.issueSession({ subject: 'test-operator', role: 'admin' })}` };
    },
    async allEvents() {
      const events: StoredEvent[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await runtime.eventStore.readAll(cursor === undefined ? { limit: 500 } : { cursor, limit: 500 });
        events.push(...page.events);
        cursor = page.cursor;
        if (page.isEnd) return events;
      }
    },
    stream: (id) => runtime.eventStore.readStream(id),
  };
  return service;
}

function randomSuffix(): string {
  return createHmac('sha256', String(Math.random())).update(String(Date.now())).digest('hex').slice(0, 12);
}

/** A clock that stands still until a test moves it. */
export interface TestClock extends Clock {
  advance(ms: number): void;
  set(instant: Date | string): void;
}

export function testClock(start: Date | string = '2030-01-01T00:00:00.000Z'): TestClock {
  let current = new Date(start).getTime();
  return {
    now: () => new Date(current),
    advance(ms) {
      current += ms;
    },
    set(instant) {
      current = new Date(instant).getTime();
    },
  };
}

type Assert = Pick<Test, 'match'>;

/**
 * Asserts, in one assertion, that a response is an RFC 9457 problem with this status and code: the
 * content type, and every member the API promises (type, title, status, code, detail).
 */
export function assertProblem(t: Assert, res: LightMyRequestResponse, status: number, code: string, what = ''): boolean {
  let body: unknown = res.body;
  try {
    body = res.json();
  } catch {
    // Left as text: the match below then fails and shows it.
  }
  return t.match(
    { status: res.statusCode, contentType: res.headers['content-type'], body },
    {
      status,
      contentType: /^application\/problem\+json/,
      body: { type: /^urn:user-service:problem:/, title: String, status, code, detail: String },
    },
    `${what ? `${what}: ` : ''}${status} ${code} as problem+json`,
  );
}

/** The header and claims of a JWT, without checking anything. */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header = '', payload = ''] = token.split('.');
  const parse = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: parse(header), payload: parse(payload) };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
