import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventStore } from '@user-service/event-store';
import {
  SLOT_POINTER_FILE,
  SQLITE_SLOT_FILES,
  createFileSlotPointer,
  createProjector,
  createSlottedReadModel,
  type ProjectorLogger,
  type Slot,
  type UserReadModel,
} from '@user-service/user-read-model';
import type { Logger } from 'pino';
import type { ProjectorConfig } from './config.js';
import { createMessageProjector, type MessageProjector } from './core.js';
import { createProjectorMetrics, publishBatchMetrics } from './metrics.js';

/** The wired projector of one process or Lambda execution environment. */
export interface ProjectorRuntime {
  /** The core both hosts feed with messages. */
  readonly core: MessageProjector;
  readonly readModel: UserReadModel;
  readonly eventStore: Pick<EventStore, 'readStream'>;
  /** Closes the stores and the DynamoDB client; call it after the host has stopped. */
  close(): Promise<void>;
}

/**
 * The composition root: opens the read model and the event store the configuration names, and builds the
 * projector core on them. Each adapter is imported only when it is chosen, so a Lambda bundle that marks
 * `better-sqlite3` external never loads it, and the embedded default never loads the DynamoDB client.
 */
export async function composeProjector(config: ProjectorConfig, log: Logger): Promise<ProjectorRuntime> {
  let dynamoDb: DynamoDBClient | undefined;
  const dynamoDbClient = async (): Promise<DynamoDBClient> => {
    if (dynamoDb === undefined) {
      const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
      // An undefined endpoint is the SDK's own default: the regional AWS endpoint.
      dynamoDb = new DynamoDBClient({ endpoint: config.dynamoDbEndpoint });
    }
    return dynamoDb;
  };

  const readModel = await openReadModel(config, dynamoDbClient);
  const eventStore = await openEventStore(config, dynamoDbClient);
  const projectorLog = log.child({ component: 'projector' });
  // The core logs each batch and each failure with its message id; the projector's own lines for those
  // would only repeat them. Its gap-filling warnings say something the core's counts do not.
  const logger: ProjectorLogger = {
    debug() {},
    warn: (obj, msg) => projectorLog.warn(obj, msg),
    error() {},
  };
  const metrics = createProjectorMetrics();
  const core = createMessageProjector({
    projector: createProjector({ readModel, eventStore, logger }),
    log: log.child({ component: 'messages' }),
    onBatch: (stats) => publishBatchMetrics(metrics, stats),
  });
  log.info({ readModel: config.readModel.kind, eventStore: config.eventStore.kind }, 'projector composed');

  return {
    core,
    readModel,
    eventStore,
    async close() {
      await readModel.close();
      await eventStore.close();
      dynamoDb?.destroy();
    },
  };
}

/**
 * The read model through its blue/green slots: every write goes to the slot the pointer names, so a
 * `pnpm rebuild-read-model` can fill the other slot and switch without stopping the projector.
 */
async function openReadModel(
  config: ProjectorConfig,
  dynamoDbClient: () => Promise<DynamoDBClient>,
): Promise<UserReadModel> {
  const location = config.readModel;
  if (location.kind === 'sqlite') {
    const { createSqliteUserReadModel } = await import('@user-service/user-read-model/sqlite');
    const dir = dirname(location.filename);
    mkdirSync(dir, { recursive: true });
    // Messages are deleted from the queue once projected: a write lost to a power cut could not be redone.
    const slot = (name: Slot) =>
      createSqliteUserReadModel({ filename: join(dir, SQLITE_SLOT_FILES[name]), durability: 'full' });
    return createSlottedReadModel({
      slots: { blue: slot('blue'), green: slot('green') },
      pointer: createFileSlotPointer({ filename: join(dir, SLOT_POINTER_FILE) }),
    });
  }
  const { createDynamoDbUserReadModel } = await import('@user-service/user-read-model/dynamodb');
  const { createDynamoDbSlotPointer } = await import('@user-service/user-read-model/slots/dynamodb');
  const client = await dynamoDbClient();
  return createSlottedReadModel({
    slots: {
      blue: createDynamoDbUserReadModel({ client, tableName: location.tableName }),
      green: createDynamoDbUserReadModel({ client, tableName: config.readModelGreenTable ?? `${location.tableName}-green` }),
    },
    pointer: createDynamoDbSlotPointer({ client, tableName: location.tableName }),
  });
}

/** The event store, its personal data read through the users' keys: forgotten once a user is erased. */
async function openEventStore(config: ProjectorConfig, dynamoDbClient: () => Promise<DynamoDBClient>): Promise<EventStore> {
  const location = config.eventStore;
  const { createPersonalDataEventStore } = await import('@user-service/personal-data');
  if (location.kind === 'sqlite') {
    const { createSqliteEventStore } = await import('@user-service/event-store/sqlite');
    const { openLocalDataKeys } = await import('@user-service/personal-data/sqlite');
    const dataDir = dirname(location.filename);
    mkdirSync(dataDir, { recursive: true });
    return createPersonalDataEventStore(createSqliteEventStore({ filename: location.filename }), {
      keys: openLocalDataKeys({ dataDir }),
    });
  }
  const { createDynamoDbEventStore } = await import('@user-service/event-store/dynamodb');
  const { openDynamoDbDataKeys } = await import('@user-service/personal-data/dynamodb');
  const client = await dynamoDbClient();
  const { keys } = await openDynamoDbDataKeys({
    client,
    tableName: location.tableName,
    kmsKeyId: config.kmsKeyId,
    keySecret: config.keySecret,
  });
  return createPersonalDataEventStore(createDynamoDbEventStore({ client, tableName: location.tableName }), { keys });
}
