import awsLambdaFastify from '@fastify/aws-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { app, serverOptions } from './app.js';
import { composeRuntime } from './composition.js';
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';

/**
 * The user service on AWS Lambda behind an API Gateway HTTP API: the same Fastify app as `pnpm start`,
 * composed once per cold start. The JWT key comes from Secrets Manager; nothing is generated on Lambda.
 */
const config = loadConfig(process.env);
const log = createLogger(config.logLevel);

async function jwtSecret(): Promise<string> {
  if (config.jwtSecret !== undefined) return config.jwtSecret;
  if (config.jwtSecretArn === undefined) throw new Error('set JWT_SECRET_ARN (or JWT_SECRET) on Lambda');
  const client = new SecretsManagerClient({});
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: config.jwtSecretArn }));
    if (!SecretString || Buffer.byteLength(SecretString) < 32) {
      throw new Error('the JWT secret must be a string of at least 32 bytes');
    }
    return SecretString;
  } finally {
    client.destroy();
  }
}

const runtime = await composeRuntime({ ...config, jwtSecret: await jwtSecret() }, log);
// No proxy is trusted: @fastify/aws-lambda takes the client address from API Gateway's own
// `requestContext.http.sourceIp`, never from the `X-Forwarded-For` a client can write.
const server = Fastify({ ...serverOptions(), loggerInstance: log as FastifyBaseLogger });
// The bundle carries Swagger UI's files next to itself (see infra's user-service-api construct).
const swaggerUiBaseDir = join(dirname(fileURLToPath(import.meta.url)), 'static');
await server.register(app, { ...runtime.appOptions, swaggerUiBaseDir });

export const handler = awsLambdaFastify(server);
await server.ready();
