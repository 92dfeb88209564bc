/**
 * Runs DynamoDB Local in the foreground until SIGINT or SIGTERM:
 * `node dist/dynamodb-local-cli.js [--port 8000] [--db-path DIR]`.
 */
import { parseArgs } from 'node:util';
import { startDynamoDbLocal } from './dynamodb-local.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8000' },
    'db-path': { type: 'string' },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`--port must be a TCP port, got ${values.port}`);
  process.exit(2);
}

const dbPath = values['db-path'];
const dynamoDb = await startDynamoDbLocal({ port, ...(dbPath === undefined ? {} : { dbPath }) });
console.log(`DynamoDB Local is listening at ${dynamoDb.endpoint}`);
console.log(`  export AWS_ENDPOINT_URL_DYNAMODB=${dynamoDb.endpoint}`);
console.log(dbPath === undefined ? '  data lives in memory only' : `  data is kept in ${dbPath}`);

// The launcher lets the process exit while java runs (so forgotten test servers never hang a run); here
// staying up is the whole point, so hold the event loop open until told to stop.
const keepAlive = setInterval(() => {}, 1 << 30);
let stopping = false;
const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping DynamoDB Local`);
  await dynamoDb.stop();
  clearInterval(keepAlive);
};
process.once('SIGINT', (signal) => void shutdown(signal));
process.once('SIGTERM', (signal) => void shutdown(signal));

const { code, signal } = await dynamoDb.exited;
clearInterval(keepAlive);
if (!stopping) {
  console.error(`DynamoDB Local exited unexpectedly (${signal ?? `code ${code}`})`);
  process.exitCode = 1;
}
