import { Ajv, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import t from 'tap';
import { buildService, TEST_JWT_SECRET, type SignedUp, type TestService } from '../helper.js';
import { operationsOf, validOrNot, valid, type JsonSchema, type Operation } from './openapi-arbitraries.js';
import { describeSecrets, scanRun } from './secrets.js';
import { countInto, printHistogram } from './support.js';

/**
 * Fuzzing from the OpenAPI document the service publishes: for every operation, requests built from its
 * own schemas (path, query, headers, body), valid and not. Every answer must be one the document lists
 * for that operation, with a body its schema accepts; nothing may answer 5xx; and a refused request must
 * not have written a single event.
 */

// Real processes on a shared 2-core machine: far more than the run needs, well within CI's budget.
t.setTimeout(180_000);

const RUNS_PER_OPERATION = 300;
const SEED = Number(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31);
/** Fresh users every so many requests, since the fuzzer removes users and changes their passwords. */
const REFRESH_EVERY = 40;

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = formats as unknown as typeof formats.default;

/** Who calls: `owner` is the target user themself (or "self" when the target is no pool user). */
type Who = 'owner' | 'self' | 'other' | 'admin' | 'none' | { raw: string };
type Target = 'self' | 'other' | { unknown: string } | { raw: string };

interface FuzzRequest {
  readonly op: Operation;
  readonly target: Target;
  readonly who: Who;
  readonly query: Record<string, string>;
  readonly ifMatch?: 'current' | 'stale' | '*' | 'weak' | { raw: string };
  readonly idempotencyKey?: string;
  readonly contentType?: string;
  readonly body?: unknown;
  /** Use the secrets the fuzzer knows (the user's password, mailed tokens) where the body has room for them. */
  readonly withSecrets: boolean;
}

t.test('requests generated from the OpenAPI document get documented answers and refused ones write nothing', async (t) => {
  const svc = await buildService(t, { JWT_SECRET: TEST_JWT_SECRET });
  const document = (await svc.request({ method: 'GET', url: '/openapi.json' })).json() as unknown;
  const operations = operationsOf(document);
  const validate = responseValidators();
  const pool = new UserPool(svc);
  const events = eventCounter(svc);

  const statuses = new Map<number, number>();
  const byOperation = new Map<string, number>();
  const successes = new Map<string, number>();
  const violations: string[] = [];
  const undocumented = new Map<string, { count: number; example: string }>();
  let sent = 0;
  t.comment(`fuzz seed ${SEED} (set FUZZ_SEED to replay), ${operations.length} operations`);

  for (const [index, op] of operations.entries()) {
    for (const request of fc.sample(requestOf(op), { numRuns: RUNS_PER_OPERATION, seed: SEED + index })) {
      if (sent % REFRESH_EVERY === 0) await pool.refresh();
      const options = await pool.resolve(request);
      const before = await events.count();
      const res = await svc.request(options);
      const after = await events.count();
      sent++;
      countInto(statuses, res.statusCode);
      countInto(byOperation, `${op.method} ${op.path}`);
      const where = `${options.method} ${options.url} ${JSON.stringify(options.headers)} ${JSON.stringify(options.payload)?.slice(0, 200)}`;
      if (res.statusCode >= 500) violations.push(`${res.statusCode} for ${where}: ${res.body}`);
      if (res.statusCode >= 400 && after !== before) violations.push(`refused with ${res.statusCode} but wrote ${after - before} events: ${where}`);
      const check = validate(op, res);
      if (check === 'undocumented') {
        const key = `${op.method} ${op.path} → ${res.statusCode} ${codeOf(res)}`;
        undocumented.set(key, { count: (undocumented.get(key)?.count ?? 0) + 1, example: undocumented.get(key)?.example ?? where });
      } else if (check !== undefined) violations.push(`${check}: ${where}`);
      if (res.statusCode < 300) {
        pool.noteSuccess(op);
        countInto(successes, `${op.method} ${op.path}`);
      }
    }
  }

  printHistogram(t, `fuzz: ${sent} requests sent; statuses`, statuses);
  printHistogram(t, 'fuzz: requests per operation', byOperation);
  printHistogram(t, 'fuzz: 2xx answers per operation', successes);
  t.equal(byOperation.size, operations.length, 'every documented operation was fuzzed');
  t.strictSame(
    operations.map((op) => `${op.method} ${op.path}`).filter((name) => !successes.has(name)),
    [],
    'every operation answered 2xx at least once, so its success path was checked too',
  );
  t.strictSame(violations, [], 'no 5xx, every body matches its documented schema, no refused request wrote');
  const scan = await scanRun(svc, pool.passwords);
  t.comment(
    `fuzz secrets scan: ${scan.secrets.length} secrets (${describeSecrets(scan.secrets)}) in ${scan.searched.responses} responses, ` +
      `${scan.searched.logLines} log lines, ${scan.searched.published} published messages: ${scan.hits.length} hits`,
  );
  t.strictSame(scan.hits, [], 'no answer, log line or published message of the fuzz run carries a secret');
  const listed = [...undocumented].map(([key, { count, example }]) => `${key} (×${count}), e.g. ${example.slice(0, 300)}`);
  t.strictSame(listed, [], 'every status is one the document lists for the operation');
});

const OTHER_MEDIA_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1'];

/**
 * A generated value as a query parameter's text. `String` throws on some JSON objects a generator makes (one
 * whose `toString` key holds a number, say: seed 850654138 found it), so those go in as `[object Object]`.
 */
function queryText(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** The fuzzer's idea of a request to `op`: symbolic parts that the pool resolves when it is sent. */
function requestOf(op: Operation): fc.Arbitrary<FuzzRequest> {
  const header = (name: string) => op.parameters.some((p) => p.in === 'header' && p.name === name);
  const query = Object.fromEntries(
    op.parameters
      .filter((p) => p.in === 'query')
      .map((p) => [p.name, sometimes(fc.oneof(valid(p.schema), validOrNot(p.schema)).map(queryText))]),
  );
  const ifMatchChoice = fc.oneof(
    fc.constantFrom('current' as const, 'stale' as const, '*' as const, 'weak' as const),
    fc.string({ maxLength: 20 }).map((raw) => ({ raw })),
  );
  const visible = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 140 });
  return fc.record(
    {
      op: fc.constant(op),
      target: fc.oneof(
        { arbitrary: fc.constantFrom<Target>('self', 'other'), weight: 6 },
        { arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/).map((unknown): Target => ({ unknown })), weight: 1 },
        { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }).map((raw): Target => ({ raw })), weight: 1 },
      ),
      who: fc.oneof(
        { arbitrary: fc.constant<Who>('owner'), weight: 4 },
        { arbitrary: fc.constantFrom<Who>('self', 'other', 'admin', 'none'), weight: 8 },
        { arbitrary: visible.map((raw): Who => ({ raw })), weight: 1 },
      ),
      query: fc.record(query, { requiredKeys: [] }).map(
        (values) => Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Record<string, string>,
      ),
      ifMatch: header('if-match') ? fc.option(ifMatchChoice, { nil: undefined }) : fc.constant(undefined),
      idempotencyKey: header('idempotency-key')
        ? fc.option(fc.oneof(fc.constantFrom('k1', 'k2'), visible), { nil: undefined })
        : fc.constant(undefined),
      contentType: op.body
        ? fc.oneof(
            { arbitrary: fc.constant('application/json'), weight: 10 },
            { arbitrary: fc.constantFrom(...OTHER_MEDIA_TYPES), weight: 1 },
          )
        : fc.constant(undefined),
      body: op.body
        ? fc.oneof(
            { arbitrary: validOrNot(op.body), weight: 6 },
            { arbitrary: fc.string({ maxLength: 40 }).map((text) => ({ rawText: text })), weight: 1 },
          )
        : fc.constant(undefined),
      // Three times in four: a request that knows the password or token gets past the checks to the command.
      withSecrets: fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 }),
    },
    { requiredKeys: ['op', 'target', 'who', 'query', 'withSecrets'] },
  );
}

/** Absent three times in four: operations whose query parameters exclude each other still get valid requests. */
function sometimes<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary, weight: 1 });
}

/**
 * Two signed-up users, "self" and "other", with what the fuzzer knows about them (passwords and mailed
 * tokens), renewed whenever a request may have removed one or revoked its sessions.
 */
class UserPool {
  private self!: SignedUp;
  private other!: SignedUp;
  private stale = false;
  /** Every password the pool's users were given, for the secrets scan. */
  readonly passwords: string[] = [];

  constructor(private readonly svc: TestService) {}

  async refresh(): Promise<void> {
    [this.self, this.other] = await Promise.all([this.svc.signUp(), this.svc.signUp()]);
    this.passwords.push(this.self.password, this.other.password);
    this.stale = false;
  }

  /** Removals, password and email changes and resets make the pool stale; it is renewed before the next request. */
  noteSuccess(op: Operation): void {
    if (op.method === 'DELETE' || op.path.endsWith('/password') || op.path.endsWith('/email') || op.path.endsWith('/confirm')) {
      this.stale = true;
    }
  }

  async resolve(request: FuzzRequest) {
    if (this.stale) await this.refresh();
    if (request.withSecrets && request.op.path === '/password-resets/confirm') {
      // A reset token to use: the one pending for "self", or a new one.
      await this.svc.request({ method: 'POST', url: '/password-resets', payload: { email: this.self.email } });
    }
    const target = request.target;
    const id =
      target === 'self' ? this.self.id : target === 'other' ? this.other.id : 'unknown' in target ? target.unknown : target.raw;
    const url = request.op.path.replace('{id}', encodeURIComponent(id));
    const search = new URLSearchParams(request.query).toString();
    const headers: Record<string, string> = {};
    const who = request.who === 'owner' ? (target === 'other' ? 'other' : 'self') : request.who;
    if (who === 'self' || who === 'other') headers['authorization'] = (who === 'self' ? this.self : this.other).auth.authorization;
    else if (who === 'admin') headers['authorization'] = this.svc.adminAuth().authorization;
    else if (who !== 'none') headers['authorization'] = who.raw;
    if (request.ifMatch !== undefined) headers['if-match'] = await this.ifMatch(request.ifMatch, id);
    if (request.idempotencyKey !== undefined) headers['idempotency-key'] = request.idempotencyKey;
    if (request.contentType !== undefined) headers['content-type'] = request.contentType;
    return {
      method: request.op.method as 'GET',
      url: search === '' ? url : `${url}?${search}`,
      headers,
      ...(request.body === undefined ? {} : { payload: this.body(request, id) }),
    };
  }

  private async ifMatch(choice: NonNullable<FuzzRequest['ifMatch']>, id: string): Promise<string> {
    if (choice === 'current') return `"${(await this.svc.stream(id).catch(() => [])).length}"`;
    if (choice === 'stale') return '"1"';
    if (choice === 'weak') return 'W/"1"';
    return choice === '*' ? '*' : choice.raw;
  }

  /** The generated body, with known secrets put in where the request asks for them. */
  private body(request: FuzzRequest, id: string): string {
    const body = request.body;
    if (typeof body === 'object' && body !== null && 'rawText' in body) return String(body.rawText);
    if (!request.withSecrets || typeof body !== 'object' || body === null || Array.isArray(body)) return JSON.stringify(body);
    const user = id === this.other.id ? this.other : this.self;
    const filled: Record<string, unknown> = { ...body };
    if ('currentPassword' in filled) filled['currentPassword'] = user.password;
    if ('password' in filled && request.op.path === '/sessions') Object.assign(filled, { email: user.email, password: user.password });
    if ('email' in filled && request.op.path === '/password-resets') filled['email'] = user.email;
    if ('token' in filled) {
      const kind = request.op.path === '/password-resets/confirm' ? 'password-reset' : 'email-confirmation';
      const owner = kind === 'password-reset' ? this.self.id : id;
      const mail = this.svc.mails().findLast((m) => m.kind === kind && m.userId === owner);
      if (mail) filled['token'] = mail.token;
    }
    return JSON.stringify(filled);
  }
}

/** Checks an answer against the document: undefined when it conforms, else what is wrong. */
function responseValidators() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const compiled = new Map<JsonSchema, ValidateFunction>();
  return (op: Operation, res: LightMyRequestResponse): string | 'undocumented' | undefined => {
    if (!op.responses.has(res.statusCode)) return 'undocumented';
    const schema = op.responses.get(res.statusCode);
    const type = String(res.headers['content-type'] ?? '');
    if (schema === null || res.statusCode === 204) return res.body === '' ? undefined : `${res.statusCode} has a body`;
    const expectedType = res.statusCode >= 400 ? /^application\/problem\+json/ : /^application\/json/;
    if (!expectedType.test(type)) return `${res.statusCode} answered as ${type}`;
    let validator = compiled.get(schema!);
    if (validator === undefined) compiled.set(schema!, (validator = ajv.compile(schema!)));
    let body: unknown;
    try {
      body = res.json();
    } catch {
      return `${res.statusCode} body is not JSON: ${res.body.slice(0, 100)}`;
    }
    if (!validator(body)) return `${res.statusCode} body does not match its schema (${ajv.errorsText(validator.errors)}): ${res.body.slice(0, 200)}`;
    if (res.statusCode >= 400 && (body as { status?: number }).status !== res.statusCode) return `problem status differs from ${res.statusCode}`;
    return undefined;
  };
}

function codeOf(res: LightMyRequestResponse): string {
  try {
    return String((res.json() as { code?: string }).code ?? '');
  } catch {
    return '';
  }
}

/** The number of events in the store, read incrementally from where the last count ended. */
function eventCounter(svc: TestService) {
  let cursor: string | undefined;
  let total = 0;
  return {
    async count(): Promise<number> {
      for (;;) {
        const page = await svc.runtime.eventStore.readAll(cursor === undefined ? { limit: 500 } : { cursor, limit: 500 });
        total += page.events.length;
        cursor = page.cursor ?? cursor;
        if (page.isEnd) return total;
      }
    },
  };
}
