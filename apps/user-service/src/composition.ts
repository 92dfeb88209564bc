import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mkdirSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { readJsonFile, writeJsonFileAtomically } from '@user-service/json-file';
import { join } from 'node:path';
import { createAppendFeed, type EventStore, type StoredEvent } from '@user-service/event-store';
import { createPersonalDataEventStore, type PersonalDataEventStore } from '@user-service/personal-data';
import {
  SLOTS,
  SLOT_POINTER_FILE,
  SQLITE_SLOT_FILES,
  catchUp,
  createFileSlotPointer,
  createProjector,
  createSlottedReadModel,
  type Slot,
  type UserReadModel,
} from '@user-service/user-read-model';
import type { Logger } from 'pino';
import type { AppOptions } from './app.js';
import type { Clock, Mailer, PasswordHasher, PersonalDataEraser } from './application/ports.js';
import { createUserApplication } from './application/users.js';
import type { Config } from './config.js';
import { createEraser } from './infrastructure/eraser.js';
import { createEventIds } from './infrastructure/event-ids.js';
import { createJwtService } from './infrastructure/jwt.js';
import { createOutboxMailer } from './infrastructure/outbox-mailer.js';
import { RESET_TOKEN_KEY_PURPOSE, asksForMail, createMailComposer, type MailComposer } from './application/mail.js';
import { createMailFollower } from './application/mail-follower.js';
import { createScryptHasher } from './infrastructure/scrypt-hasher.js';
import { loadOrCreateSecret } from './infrastructure/secret-file.js';
import { deriveKey } from './infrastructure/service-secret.js';

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
  /**
   * With `STORAGE=dynamodb`: the client to reach DynamoDB through, instead of one made from the config, so
   * that a test or a benchmark can count its requests. The runtime leaves it open; its owner closes it.
   */
  readonly dynamoDbClient?: DynamoDBClient;
  /** The clock and wait that `anonymousAnswerFloorMs` is kept with, for a test to watch. */
  readonly floorTimer?: { now(): number; sleep(ms: number): Promise<void> };
}

const CHECKPOINT = 'user-views';

/**
 * The composition root. The embedded default keeps the SQLite event store and read model under `dataDir`
 * and projects in process, following the store's global position; with `STORAGE=dynamodb` both stores are
 * DynamoDB tables, the projector worker keeps the read model and the mailer consumer sends the events'
 * mail. Mail goes to the outbox or to SES.
 */
export async function composeRuntime(config: Config, log: Logger, overrides: RuntimeOverrides = {}): Promise<Runtime> {
  const secret = jwtSecret(config, log);
  // One secret, several purposes: each purpose gets its own derived key.
  const derive = (purpose: string) => deriveKey(secret, purpose);

  const stores = await openStores(config, log, derive, secret, overrides.dynamoDbClient);
  const { eventStore, readModel } = stores;

  // Embedded, the read model follows the store's global position in process. On DynamoDB it is fed by the
  // projector through the stream relay, SNS and SQS, so this process only reads it.
  let running: Promise<void> = Promise.resolve();
  let project = async (): Promise<void> => undefined;
  // The projection reads the events of this process's commits from here, instead of reading them back from
  // the store; anything else (the start, another process's appends) from the store.
  const committed = createAppendFeed(eventStore);
  if (stores.followPositions) {
    const projector = createProjector({ readModel, eventStore, logger: log.child({ component: 'projector' }) });
    // One catch-up at a time. Requests that commit while one runs share the next round, which starts after
    // it and so sees all their events: concurrent commands cost one projection, not one each.
    let next: Promise<void> | undefined;
    project = (): Promise<void> => {
      next ??= running
        .catch(() => undefined)
        .then(async () => {
          next = undefined;
          const seen = await catchUp(committed, projector, readModel, { checkpointName: CHECKPOINT });
          if (seen > 0) log.debug({ events: seen }, 'read model caught up');
        });
      running = next;
      return next;
    };
    await project();
  }

  const mailer =
    overrides.mailer ??
    (config.mailer.kind === 'ses'
      ? (await import('./infrastructure/ses-mailer.js')).createSesMailer(config.mailer)
      : createOutboxMailer(join(config.dataDir, 'outbox', 'mail.jsonl')));
  const clock = overrides.clock ?? { now: () => new Date() };
  const tokens = createJwtService({
    secret,
    sessionTtlSeconds: config.jwtTtlSeconds,
    emailConfirmationTtlSeconds: config.emailConfirmationTtlSeconds,
    ...(overrides.clock ? { now: () => overrides.clock!.now().getTime() } : {}),
  });
  const resetTokenSecret = derive(RESET_TOKEN_KEY_PURPOSE);
  const composer = createMailComposer({
    tokens,
    resetTokenSecret,
    publicUrl: config.publicUrl,
    passwordResetTtlSeconds: config.passwordResetTtlSeconds,
    emailConfirmationTtlSeconds: config.emailConfirmationTtlSeconds,
    // Called only once the application below exists: the follower starts after it.
    stateAt: (userId, version) => users.stateAt(userId, version),
  });
  const mailLog = log.child({ component: 'mail' });
  // Embedded, mail follows the store like the read model, from a position of its own: a mail is never lost
  // to a crash, and never on a request's path. On DynamoDB the mailer consumer sends it from the topic
  // (`mailer/`), so this process sends only the confirmations asked for again, which no event records.
  let mail: MailRounds | undefined;

  const users = createUserApplication({
    eventStore,
    readModel,
    passwords: overrides.passwords ?? createScryptHasher(),
    tokens,
    clock,
    newId: randomUUID,
    newEventId: createEventIds(),
    idSecret: derive('user-ids'),
    resetTokenSecret,
    resendConfirmation: async (userId, email) => {
      await mailer
        .send(composer.resentConfirmation(`resend:${randomUUID()}`, userId, email, clock.now().getTime()))
        .catch((err: unknown) => mailLog.error({ err, userId }, 'sending a confirmation again failed'));
    },
    passwordResetTtlSeconds: config.passwordResetTtlSeconds,
    emailConfirmationTtlSeconds: config.emailConfirmationTtlSeconds,
    eraser: stores.eraser,
    ...(stores.followPositions && {
      afterCommit: async (recorded: readonly StoredEvent[]) => {
        committed.add(recorded);
        await project();
        // Most commits ask for no mail; the next round that runs reads past theirs anyway.
        if (recorded.some(asksForMail)) mail?.trigger();
      },
    }),
    pending: async () => mail?.settled(),
    stateCacheEntries: config.stateCacheEntries,
    snapshotEvery: config.snapshotEvery,
    ...(config.anonymousAnswerFloorMs === undefined ? {} : { anonymousAnswerFloorMs: config.anonymousAnswerFloorMs }),
    ...(overrides.floorTimer === undefined ? {} : { floorTimer: overrides.floorTimer }),
    appendsInCallOrder: stores.appendsInCallOrder,
    log,
  });
  if (stores.followPositions) mail = await followWithMail(eventStore, mailer, composer, config.dataDir, mailLog);

  return {
    appOptions: {
      users,
      ready: async () => (await eventStore.readAll({ limit: 1 }), true),
      fingerprintSecret: derive('idempotency-fingerprints'),
      rateLimit: config.rateLimit,
      accountRateLimit: config.accountRateLimit,
      ...(stores.rateLimitStore === undefined ? {} : { rateLimitStore: stores.rateLimitStore }),
      corsOrigins: config.corsOrigins,
    },
    eventStore,
    readModel,
    project,
    async close() {
      await running.catch(() => undefined);
      await users.flush();
      await mail?.stop();
      await stores.close();
    },
  };
}

interface Stores {
  /** Personal data encrypted under each user's data key (see `@user-service/personal-data`). */
  readonly eventStore: PersonalDataEventStore;
  readonly readModel: UserReadModel;
  readonly eraser: PersonalDataEraser;
  /** Whether the event store keeps a global position that an in-process follower can track. */
  readonly followPositions: boolean;
  /** Whether the event store applies appends in the order they are made (its writer thread's queue). */
  readonly appendsInCallOrder: boolean;
  /** Rate-limit counters shared by every instance; absent, each process counts in memory. */
  readonly rateLimitStore?: AppOptions['rateLimitStore'];
  close(): Promise<void>;
}

/**
 * Adapters are imported on demand, so that a Lambda bundle (DynamoDB) never loads the native SQLite driver
 * and the embedded service never loads the AWS SDK.
 */
async function openStores(
  config: Config,
  log: Logger,
  derive: (purpose: string) => string,
  secret: string,
  sharedClient?: RuntimeOverrides['dynamoDbClient'],
): Promise<Stores> {
  const { storage } = config;
  if (storage.kind === 'sqlite') {
    // The generated JWT secret would create it too, but not when JWT_SECRET is set.
    mkdirSync(config.dataDir, { recursive: true });
    const { createSqliteEventStore } = await import('@user-service/event-store/sqlite');
    const { createSqliteUserReadModel } = await import('@user-service/user-read-model/sqlite');
    const { openLocalDataKeys, truncateJournals } = await import('@user-service/personal-data/sqlite');
    const eventStore = createPersonalDataEventStore(
      createSqliteEventStore({ filename: join(config.dataDir, 'events.db') }),
      { keys: openLocalDataKeys({ dataDir: config.dataDir }), legacyPlaintextClaims: config.legacyPlaintextClaims },
    );
    const slotFile = (name: Slot) => join(config.dataDir, SQLITE_SLOT_FILES[name]);
    const slots = { blue: createSqliteUserReadModel({ filename: slotFile('blue') }), green: createSqliteUserReadModel({ filename: slotFile('green') }) };
    const readModel = createSlottedReadModel({
      slots,
      pointer: createFileSlotPointer({ filename: join(config.dataDir, SLOT_POINTER_FILE) }),
    });
    return {
      eventStore,
      readModel,
      eraser: createEraser({
        eventStore,
        slots: Object.values(slots),
        scrubFiles: () => truncateJournals(SLOTS.map(slotFile)),
      }),
      followPositions: true,
      appendsInCallOrder: true,
      async close() {
        await readModel.close();
        await eventStore.close();
      },
    };
  }
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { createDynamoDbEventStore } = await import('@user-service/event-store/dynamodb');
  const { createDynamoDbUserReadModel } = await import('@user-service/user-read-model/dynamodb');
  const { createDynamoDbSlotPointer } = await import('@user-service/user-read-model/slots/dynamodb');
  const client =
    sharedClient ?? new DynamoDBClient(storage.endpoint === undefined ? {} : { endpoint: storage.endpoint });
  const { openDynamoDbDataKeys } = await import('@user-service/personal-data/dynamodb');
  const { keys, wrapping } = await openDynamoDbDataKeys({
    client,
    tableName: storage.eventStoreTable,
    kmsKeyId: storage.kmsKeyId,
    // Every instance derives the same key: the service's secret is what they share.
    keySecret: secret,
  });
  if (wrapping === 'local') log.warn('KMS_KEY_ID is not set: data keys are wrapped under a key derived from the JWT secret');
  const eventStore = createPersonalDataEventStore(createDynamoDbEventStore({ client, tableName: storage.eventStoreTable }), {
    keys,
    legacyPlaintextClaims: config.legacyPlaintextClaims,
  });
  const slots = {
    blue: createDynamoDbUserReadModel({ client, tableName: storage.readModelTable }),
    green: createDynamoDbUserReadModel({ client, tableName: storage.readModelGreenTable }),
  };
  const readModel = createSlottedReadModel({
    slots,
    pointer: createDynamoDbSlotPointer({ client, tableName: storage.readModelTable }),
  });
  let rateLimitStore: AppOptions['rateLimitStore'];
  if (storage.rateLimitTable === undefined) {
    log.warn('RATE_LIMIT_TABLE is not set: rate limits count per process, not across instances');
  } else {
    const { dynamoDbRateLimitStore } = await import('./infrastructure/dynamodb-rate-limit-store.js');
    rateLimitStore = dynamoDbRateLimitStore({ client, tableName: storage.rateLimitTable, keySecret: derive('rate-limit-keys') });
  }
  return {
    eventStore,
    readModel,
    eraser: createEraser({ eventStore, slots: Object.values(slots) }),
    followPositions: false,
    appendsInCallOrder: false,
    ...(rateLimitStore === undefined ? {} : { rateLimitStore }),
    async close() {
      await readModel.close();
      await eventStore.close();
      if (sharedClient === undefined) client.destroy();
    },
  };
}

/** The embedded mail follower as the host drives it. */
interface MailRounds {
  /** Starts a round, unless one is already waiting to start. */
  trigger(): void;
  /** Resolves once the rounds asked for so far are done. */
  settled(): Promise<void>;
  /** Stops retrying and saves the position reached. */
  stop(): Promise<void>;
}

/**
 * The embedded mail follower, run in rounds like the projection: one at a time, a commit during a round
 * starting the next. A round that fails is retried on a timer, waiting twice as long each time up to a
 * minute. The position lives in `DATA_DIR/mail-position.json`; a mail that failed too often goes to
 * `DATA_DIR/outbox/dead-letters.jsonl`.
 */
async function followWithMail(
  eventStore: EventStore,
  mailer: Mailer,
  composer: MailComposer,
  dataDir: string,
  log: Logger,
): Promise<MailRounds> {
  const positionFile = join(dataDir, 'mail-position.json');
  const follower = createMailFollower({
    eventStore,
    composer,
    mailer,
    checkpoint: {
      load: async () => (await readJsonFile(positionFile)) as { cursor?: string } | undefined,
      save: (cursor) => writeJsonFileAtomically(positionFile, cursor === undefined ? {} : { cursor }),
    },
    deadLetter: async (record) => {
      await mkdir(join(dataDir, 'outbox'), { recursive: true });
      await appendFile(join(dataDir, 'outbox', 'dead-letters.jsonl'), `${JSON.stringify(record)}\n`, { mode: 0o600 });
    },
    log,
  });
  await follower.start();
  let running: Promise<void> = Promise.resolve();
  let next: Promise<void> | undefined;
  let retry: NodeJS.Timeout | undefined;
  let retryMs = 1000;
  let stopped = false;
  const trigger = (): Promise<void> => {
    if (stopped) return running;
    next ??= running.then(async () => {
      next = undefined;
      clearTimeout(retry);
      const done = await follower.catchUp().catch((err: unknown) => {
        log.error({ err }, 'the mail round failed');
        return false;
      });
      if (done) retryMs = 1000;
      else if (!stopped) {
        retry = setTimeout(() => void trigger(), retryMs).unref();
        retryMs = Math.min(60_000, retryMs * 2);
      }
    });
    running = next;
    return next;
  };
  // Mails of events recorded before a crash, and never sent, go out now.
  await trigger();
  return {
    trigger: () => void trigger(),
    settled: async () => {
      while (next !== undefined) await next;
      await running;
    },
    stop: async () => {
      stopped = true;
      clearTimeout(retry);
      await running;
      await follower.savePosition();
    },
  };
}

/**
 * The service's secret where no secret manager holds it: `JWT_SECRET`, or the one generated once in the
 * data directory (which a local mailer worker on the same directory shares).
 */
export function jwtSecret(config: Pick<Config, 'jwtSecret' | 'dataDir'>, log: Pick<Logger, 'warn'>): string {
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
