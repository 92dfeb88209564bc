import { createHmac, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { EventStore } from '@user-service/event-store';
import { createSqliteEventStore } from '@user-service/event-store/sqlite';
import { catchUp, createProjector, type UserReadModel } from '@user-service/user-read-model';
import { createSqliteUserReadModel } from '@user-service/user-read-model/sqlite';
import type { Logger } from 'pino';
import type { AppOptions } from './app.js';
import type { Clock, Mailer, PasswordHasher } from './application/ports.js';
import { createUserApplication } from './application/users.js';
import type { Config } from './config.js';
import { createJwtService } from './infrastructure/jwt.js';
import { createOutboxMailer, createSesMailer } from './infrastructure/mailers.js';
import { createScryptHasher } from './infrastructure/scrypt-hasher.js';
import { loadOrCreateSecret } from './infrastructure/secret-file.js';

/** Everything a host needs to serve the API, and to stop cleanly. */
export interface Runtime {
  readonly appOptions: AppOptions;
  readonly eventStore: EventStore;
  readonly readModel: UserReadModel;
  /** Brings the read model up to date with the event store. */
  readonly project: () => Promise<void>;
  close(): Promise<void>;
}

/** Parts a test may swap: a cheaper password hash, a fixed clock. */
export interface RuntimeOverrides {
  readonly passwords?: PasswordHasher;
  readonly clock?: Clock;
  readonly mailer?: Mailer;
}

const CHECKPOINT = 'user-views';

/**
 * The composition root of the embedded default: SQLite event store and read model under `dataDir`, the
 * outbox (or SES) mailer, and an in-process projection that follows the store's global position.
 */
export async function composeRuntime(config: Config, log: Logger, overrides: RuntimeOverrides = {}): Promise<Runtime> {
  const secret = jwtSecret(config, log);
  // One secret, several purposes: each purpose gets its own derived key.
  const derive = (purpose: string) => createHmac('sha256', secret).update(purpose).digest('base64url');

  const eventStore = createSqliteEventStore({ filename: join(config.dataDir, 'events.db') });
  const readModel = createSqliteUserReadModel({ filename: join(config.dataDir, 'read-model.db') });
  const projector = createProjector({ readModel, eventStore, logger: log.child({ component: 'projector' }) });

  // One catch-up at a time; a request arriving meanwhile waits for the next round, which sees its events.
  let running: Promise<void> = Promise.resolve();
  const project = (): Promise<void> => {
    running = running
      .catch(() => undefined)
      .then(async () => {
        const seen = await catchUp(eventStore, projector, readModel, { checkpointName: CHECKPOINT, pageSize: 500 });
        if (seen > 0) log.debug({ events: seen }, 'read model caught up');
      });
    return running;
  };
  await project();

  const mailer =
    overrides.mailer ??
    (config.mailer.kind === 'ses'
      ? createSesMailer(config.mailer)
      : createOutboxMailer(join(config.dataDir, 'outbox', 'mail.jsonl')));

  const users = createUserApplication({
    eventStore,
    readModel,
    passwords: overrides.passwords ?? createScryptHasher(),
    tokens: createJwtService({
      secret,
      sessionTtlSeconds: config.jwtTtlSeconds,
      emailConfirmationTtlSeconds: config.emailConfirmationTtlSeconds,
      ...(overrides.clock ? { now: () => overrides.clock!.now().getTime() } : {}),
    }),
    mailer,
    clock: overrides.clock ?? { now: () => new Date() },
    newId: randomUUID,
    idSecret: derive('user-ids'),
    passwordResetTtlSeconds: config.passwordResetTtlSeconds,
    publicUrl: config.publicUrl,
    afterCommit: project,
    log,
  });

  return {
    appOptions: {
      users,
      ready: async () => (await eventStore.readAll({ limit: 1 }), true),
      fingerprintSecret: derive('idempotency-fingerprints'),
      rateLimit: config.rateLimit,
    },
    eventStore,
    readModel,
    project,
    async close() {
      await running.catch(() => undefined);
      await readModel.close();
      await eventStore.close();
    },
  };
}

function jwtSecret(config: Config, log: Logger): string {
  if (config.jwtSecret !== undefined) return config.jwtSecret;
  const { secret, created } = loadOrCreateSecret(config.dataDir, 'jwt-secret');
  if (created) {
    log.warn(
      { file: join(config.dataDir, 'jwt-secret') },
      'JWT_SECRET is not set: generated a secret and kept it in the data directory; set JWT_SECRET in production',
    );
  }
  return secret;
}
