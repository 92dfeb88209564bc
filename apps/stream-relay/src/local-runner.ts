import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type AttributeValue as StreamAttributeValue,
  type DynamoDBStreamsClient,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type {
  AttributeValue as LambdaAttributeValue,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
} from 'aws-lambda';
import { writeJsonFileAtomically } from '@user-service/json-file';
import type { Logger } from 'pino';

export interface LocalRunnerOptions {
  /** Finds the table's current stream. The caller owns it. */
  readonly dynamoDb: Pick<DynamoDBClient, 'send'>;
  /** Reads the stream. The caller owns it. */
  readonly streams: Pick<DynamoDBStreamsClient, 'send'>;
  readonly tableName: string;
  /** The JSON map of shard id to last acknowledged sequence number; created when absent. */
  readonly checkpointFile: string;
  /** The Lambda body each batch goes to: the relay's `handle`. */
  readonly handle: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;
  readonly log: Logger;
  /** The most records per batch, as the event source mapping's `BatchSize`. @default 100 */
  readonly batchSize?: number;
  /** The pause after a round in which no shard had records. @default 250 */
  readonly idleMs?: number;
  /** The first delay before a failed batch is retried; it doubles with every failure. @default 200 */
  readonly retryBaseMs?: number;
  /** @default 10000 */
  readonly retryMaxMs?: number;
  /** How often to look for new shards; also done whenever a shard closes. @default 5000 */
  readonly shardRefreshMs?: number;
}

export interface LocalRunner {
  /** Settles once the runner has stopped; rejects only on a fault it cannot retry (a corrupt checkpoint). */
  readonly done: Promise<void>;
  /** Finishes the batch in hand (its delivery and checkpoint), then stops. Idempotent. */
  stop(): Promise<void>;
}

interface Shard {
  readonly id: string;
  readonly parentId: string | undefined;
  /** Undefined when a new iterator must be taken from the checkpoint. */
  iterator: string | undefined;
  /** The shard is closed and every record in it was acknowledged. */
  finished: boolean;
  /** Consecutive failures, for the backoff. */
  failures: number;
  notBefore: number;
}

/**
 * The local stand-in for Lambda's event source mapping on DynamoDB Local: it polls every shard of the
 * table's stream, hands each batch, in Lambda's shape, to `handle`, and honours the partial batch response
 * as Lambda does: it acknowledges the records before the first reported failure and retries from that one,
 * with backoff, without a count limit, as the deployed mapping does (`MaximumRetryAttempts: -1`).
 *
 * The acknowledged position of each shard is kept in a checkpoint file, so that a restart resumes right
 * after the last acknowledged record: nothing is skipped, and at most the batch in hand when a crash
 * struck is delivered twice. A child shard waits until its parent is read to the end, which keeps each
 * item's records in order.
 */
export function startLocalRunner(options: LocalRunnerOptions): LocalRunner {
  const { dynamoDb, streams, tableName, checkpointFile, handle, log } = options;
  const batchSize = options.batchSize ?? 100;
  const idleMs = options.idleMs ?? 250;
  const retryBaseMs = options.retryBaseMs ?? 200;
  const retryMaxMs = options.retryMaxMs ?? 10_000;
  const shardRefreshMs = options.shardRefreshMs ?? 5_000;

  const stopping = new AbortController();
  const shards = new Map<string, Shard>();
  let checkpoints = new Map<string, string>();
  let streamArn = '';
  let refreshAt = 0;

  const pause = async (ms: number): Promise<void> => {
    try {
      await sleep(ms, undefined, { signal: stopping.signal });
    } catch {
      // Aborted by stop(): the loop sees the signal and ends.
    }
  };

  const backoff = (failures: number): number => Math.min(retryMaxMs, retryBaseMs * 2 ** (failures - 1));

  async function findStream(): Promise<void> {
    for (let failures = 1; !stopping.signal.aborted; failures++) {
      try {
        const { Table } = await dynamoDb.send(new DescribeTableCommand({ TableName: tableName }));
        if (Table?.LatestStreamArn !== undefined) {
          streamArn = Table.LatestStreamArn;
          log.info({ tableName, streamArn }, 'relaying the stream');
          return;
        }
        log.warn({ tableName }, 'the table has no stream; waiting for one');
      } catch (err) {
        // The table may not exist yet: the service creates it on its first start.
        log.warn({ err, tableName }, 'cannot describe the table; retrying');
      }
      await pause(backoff(failures));
    }
  }

  async function refreshShards(): Promise<void> {
    const described: Array<{ id: string; parentId: string | undefined }> = [];
    let start: string | undefined;
    do {
      const { StreamDescription } = await streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        if (shard.ShardId !== undefined) described.push({ id: shard.ShardId, parentId: shard.ParentShardId });
      }
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start !== undefined);

    for (const { id, parentId } of described) {
      if (shards.has(id)) continue;
      shards.set(id, { id, parentId, iterator: undefined, finished: false, failures: 0, notBefore: 0 });
      log.info({ shardId: id, parentShardId: parentId, checkpoint: checkpoints.get(id) }, 'shard found');
    }
    // Shards past the stream's retention are gone for good, and so is any use of their checkpoints.
    const live = new Set(described.map((shard) => shard.id));
    for (const id of shards.keys()) if (!live.has(id)) shards.delete(id);
    for (const id of checkpoints.keys()) if (!live.has(id)) checkpoints.delete(id);
    refreshAt = Date.now() + shardRefreshMs;
  }

  /** A parent shard must be read to its end first: its records come before the child's, item by item. */
  const ready = (shard: Shard): boolean => {
    if (shard.finished || shard.notBefore > Date.now()) return false;
    const parent = shard.parentId === undefined ? undefined : shards.get(shard.parentId);
    return parent === undefined || parent.finished;
  };

  async function iteratorFor(shard: Shard): Promise<string | undefined> {
    const after = checkpoints.get(shard.id);
    const get = async (from: string | undefined) =>
      (
        await streams.send(
          new GetShardIteratorCommand({
            StreamArn: streamArn,
            ShardId: shard.id,
            ...(from === undefined
              ? { ShardIteratorType: 'TRIM_HORIZON' }
              : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: from }),
          }),
        )
      ).ShardIterator;
    try {
      return await get(after);
    } catch (err) {
      if (after === undefined || errorName(err) !== 'TrimmedDataAccessException') throw err;
      // Records after the checkpoint outlived the stream's retention: they are lost whatever we do now.
      log.error({ err, shardId: shard.id, checkpoint: after }, 'records after the checkpoint were trimmed');
      return get(undefined);
    }
  }

  /** Reads one batch of a shard and delivers it; answers whether there were records. */
  async function poll(shard: Shard): Promise<boolean> {
    shard.iterator ??= await iteratorFor(shard);
    if (shard.iterator === undefined) {
      shard.finished = true;
      return false;
    }
    let output;
    try {
      output = await streams.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: batchSize }));
    } catch (err) {
      // Iterators expire after 15 minutes; a fresh one from the checkpoint reads on from the same place.
      if (errorName(err) === 'ExpiredIteratorException') {
        shard.iterator = undefined;
        return true;
      }
      throw err;
    }
    const records = output.Records ?? [];
    if (records.length === 0) {
      shard.iterator = output.NextShardIterator;
      if (shard.iterator === undefined) closeShard(shard);
      return false;
    }

    const acknowledged = await deliver(shard, records);
    const last = records[acknowledged - 1]?.dynamodb?.SequenceNumber;
    if (last !== undefined) {
      checkpoints.set(shard.id, last);
      await writeCheckpoints(checkpointFile, checkpoints);
    }
    if (acknowledged === records.length) {
      shard.failures = 0;
      shard.iterator = output.NextShardIterator;
      if (shard.iterator === undefined) closeShard(shard);
    } else {
      // Retry from the first failed record: a new iterator starts right after the checkpoint.
      shard.iterator = undefined;
      shard.failures++;
      shard.notBefore = Date.now() + backoff(shard.failures);
      log.warn(
        { shardId: shard.id, acknowledged, failed: records.length - acknowledged, attempt: shard.failures },
        'batch not fully acknowledged; retrying from the first failed record',
      );
    }
    return true;
  }

  /** Hands the records to `handle` and answers how many, from the start, are acknowledged. */
  async function deliver(shard: Shard, records: readonly StreamRecord[]): Promise<number> {
    let response: DynamoDBBatchResponse | undefined;
    try {
      response = await handle({ Records: records.map((record) => toLambdaRecord(record, streamArn)) });
    } catch (err) {
      log.error({ err, shardId: shard.id, records: records.length }, 'the handler failed the whole batch');
      return 0;
    }
    const failures = response?.batchItemFailures ?? [];
    let first = records.length;
    for (const { itemIdentifier } of failures) {
      const index = records.findIndex((record) => record.dynamodb?.SequenceNumber === itemIdentifier);
      // As Lambda does, an identifier that names no record of the batch fails all of it.
      first = Math.min(first, index === -1 ? 0 : index);
    }
    return first;
  }

  function closeShard(shard: Shard): void {
    shard.finished = true;
    // Its children appear in the stream's description now; look for them at once.
    refreshAt = 0;
    log.info({ shardId: shard.id }, 'shard read to its end');
  }

  async function run(): Promise<void> {
    await mkdir(dirname(checkpointFile), { recursive: true });
    checkpoints = await readCheckpoints(checkpointFile);
    await findStream();
    for (let failures = 0; !stopping.signal.aborted; ) {
      let busy = false;
      try {
        if (Date.now() >= refreshAt) await refreshShards();
        for (const shard of shards.values()) {
          if (stopping.signal.aborted) break;
          if (!ready(shard)) continue;
          try {
            busy = (await poll(shard)) || busy;
          } catch (err) {
            shard.iterator = undefined;
            shard.failures++;
            shard.notBefore = Date.now() + backoff(shard.failures);
            log.error({ err, shardId: shard.id, attempt: shard.failures }, 'reading the shard failed; retrying');
          }
        }
        failures = 0;
      } catch (err) {
        failures++;
        log.error({ err, attempt: failures }, 'describing the stream failed; retrying');
        await pause(backoff(failures));
        continue;
      }
      if (!busy) await pause(idleMs);
    }
    log.info({ checkpointFile }, 'local runner stopped');
  }

  const done = run();
  // The caller learns of a failure through `done` (or stop()); this keeps it from being unhandled meanwhile.
  done.catch(() => undefined);
  return {
    done,
    async stop(): Promise<void> {
      stopping.abort();
      await done;
    },
  };
}

/**
 * A stream record as Lambda hands it to a function: with the stream's ARN, the creation time in epoch
 * seconds (the SDK gives a `Date`), and binaries in base64 (the SDK gives bytes).
 */
export function toLambdaRecord(record: StreamRecord, eventSourceARN: string): DynamoDBRecord {
  const stream = record.dynamodb ?? {};
  const created = stream.ApproximateCreationDateTime;
  return defined({
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource,
    awsRegion: record.awsRegion,
    eventSourceARN,
    userIdentity: record.userIdentity,
    dynamodb: defined({
      ApproximateCreationDateTime: created === undefined ? undefined : Math.floor(created.getTime() / 1000),
      Keys: lambdaImage(stream.Keys),
      NewImage: lambdaImage(stream.NewImage),
      OldImage: lambdaImage(stream.OldImage),
      SequenceNumber: stream.SequenceNumber,
      SizeBytes: stream.SizeBytes,
      StreamViewType: stream.StreamViewType,
    }),
  });
}

function lambdaImage(
  image: Record<string, StreamAttributeValue> | undefined,
): Record<string, LambdaAttributeValue> | undefined {
  if (image === undefined) return undefined;
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, lambdaValue(value)]));
}

function lambdaValue(value: StreamAttributeValue): LambdaAttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.M !== undefined) return { M: lambdaImage(value.M) ?? {} };
  if (value.L !== undefined) return { L: value.L.map(lambdaValue) };
  // Strings, numbers, their sets, booleans and nulls have the same JSON shape in both.
  return value as LambdaAttributeValue;
}

/** Drops undefined properties, so that a record looks like the JSON Lambda would send. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

async function readCheckpoints(file: string): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return new Map();
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const isMap = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  const entries = isMap ? Object.entries(parsed as object) : [];
  // Starting over from TRIM_HORIZON would re-publish the whole stream: refuse a file we cannot read instead.
  if (!isMap || entries.some(([, seq]) => typeof seq !== 'string' || !/^\d+$/.test(seq))) {
    throw new Error(`${file} is not a checkpoint file (a JSON map of shard id to sequence number)`);
  }
  return new Map(entries as Array<[string, string]>);
}

/** Replaces the file atomically: a crash leaves either the old checkpoints or the new, never half a file. */
async function writeCheckpoints(file: string, checkpoints: ReadonlyMap<string, string>): Promise<void> {
  await writeJsonFileAtomically(file, Object.fromEntries(checkpoints));
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function errorCode(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}
