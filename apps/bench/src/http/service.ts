import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, waitUntilServing } from './net.js';
import { SERVER_CORE, spawnChild, type ManagedChild } from './processes.js';

/** The built server of the user service, as `pnpm start` runs it. */
export const SERVICE_SERVER = fileURLToPath(new URL('../../../user-service/dist/server.js', import.meta.url));
/** The bare Fastify baseline (bare-server.ts). */
const BARE_SERVER = fileURLToPath(new URL('./bare-server.js', import.meta.url));

/** A server the bench started, and where it listens. */
export interface RunningServer {
  readonly origin: string;
  readonly child: ManagedChild;
  /** Seconds from spawn until it answered its health route. */
  readonly startSeconds: number;
}

export interface ServiceOptions {
  /** The environment the bench itself was started with; the service inherits it, minus its own variables. */
  readonly baseEnv: NodeJS.ProcessEnv;
  readonly dataDir: string;
  readonly jwtSecret: string;
  /**
   * For setup only: logins allowed per address and window. Measured runs keep the default.
   * @default the service's default
   */
  readonly rateLimitMax?: number;
  /** @default unpinned */
  readonly core?: number;
}

/**
 * Variables of the service's configuration (see apps/user-service/src/config.ts). The bench's own
 * environment must not leak them into a run, which is meant to use the defaults.
 */
const SERVICE_VARIABLES = new RegExp(
  '^(HOST|PORT|DATA_DIR|JWT_.*|PASSWORD_RESET_.*|EMAIL_CONFIRMATION_.*|MAILER|SES_.*|RATE_LIMIT_.*|TRUST_PROXY|' +
    'PUBLIC_URL|LOG_LEVEL|STORAGE|EVENT_STORE_TABLE|READ_MODEL_.*|DYNAMODB_ENDPOINT)$',
);

/**
 * Starts `apps/user-service/dist/server.js` in its default configuration (embedded SQLite under
 * `dataDir`, auth on, logging to standard output, which goes to /dev/null) and waits until it serves.
 */
export async function startService(options: ServiceOptions): Promise<RunningServer> {
  if (!existsSync(SERVICE_SERVER)) {
    throw new Error(`${SERVICE_SERVER} is missing: build the service first (pnpm build)`);
  }
  // With JWT_SECRET given, the service does not create its data directory itself.
  mkdirSync(options.dataDir, { recursive: true });
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(options.baseEnv)) if (!SERVICE_VARIABLES.test(name)) env[name] = value;
  Object.assign(env, {
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: options.dataDir,
    JWT_SECRET: options.jwtSecret,
    ...(options.rateLimitMax === undefined ? {} : { RATE_LIMIT_MAX: String(options.rateLimitMax) }),
  });
  const started = performance.now();
  const child = spawnChild('user service', process.execPath, [SERVICE_SERVER], {
    env,
    ...(options.core === undefined ? {} : { core: options.core }),
  });
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitUntilServing(`${origin}/health`, child);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { origin, child, startSeconds: (performance.now() - started) / 1000 };
}

/** Starts the bare Fastify baseline on the server core, answering `GET /users/:id` with `responseFile`. */
export async function startBareServer(responseFile: string): Promise<RunningServer> {
  const port = await freePort();
  const started = performance.now();
  const args = [BARE_SERVER, '--port', String(port), '--response', responseFile];
  const child = spawnChild('bare Fastify server', process.execPath, args, { core: SERVER_CORE });
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitUntilServing(`${origin}/health`, child);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { origin, child, startSeconds: (performance.now() - started) / 1000 };
}
