import { Tracer } from '@aws-lambda-powertools/tracer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import awsLambdaFastify from '@fastify/aws-lambda';
import { AsyncLocalStorage } from 'node:async_hooks';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { app, serverOptions } from './app.js';
import { composeRuntime } from './composition.js';
import { loadConfig } from './config.js';
import { serviceSecretOnLambda } from './infrastructure/lambda-secret.js';
import { createLogger } from './logger.js';

/**
 * The user service on AWS Lambda behind an API Gateway HTTP API: the same Fastify app as `pnpm start`,
 * composed once per cold start. The JWT key comes from Secrets Manager; nothing is generated on Lambda.
 */
const config = loadConfig(process.env);
/**
 * Lambda freezes an instance once it has answered, so work left running after an answer (the event of a
 * reset request, a confirmation sent again) may never finish. Such requests finish their work first, and
 * every answer to them waits until this floor, known address or not: a warm reset is a read and a write,
 * a cold one also unwraps the user's data key, well inside half a second. `ANONYMOUS_ANSWER_FLOOR_MS` sets it.
 */
const LAMBDA_ANONYMOUS_ANSWER_FLOOR_MS = 500;
const log = createLogger(config.logLevel);
// Every AWS call (DynamoDB, Secrets Manager, SES) is a subsegment of the invocation's X-Ray trace. Outside
// Lambda, Powertools leaves tracing off.
const tracer = new Tracer({ serviceName: 'user-service' });

const jwtSecret = await serviceSecretOnLambda(config, () => tracer.captureAWSv3Client(new SecretsManagerClient({})));
const anonymousAnswerFloorMs = config.anonymousAnswerFloorMs ?? LAMBDA_ANONYMOUS_ANSWER_FLOOR_MS;
const runtime = await composeRuntime({ ...config, jwtSecret, anonymousAnswerFloorMs }, log, {
  ...(config.storage.kind === 'dynamodb' && {
    dynamoDbClient: tracer.captureAWSv3Client(
      new DynamoDBClient(config.storage.endpoint === undefined ? {} : { endpoint: config.storage.endpoint }),
    ),
  }),
  ...(config.mailer.kind === 'ses' && {
    mailer: (await import('./infrastructure/ses-mailer.js')).createSesMailer({
      from: config.mailer.from,
      client: tracer.captureAWSv3Client(new SESv2Client(config.mailer.region ? { region: config.mailer.region } : {})),
    }),
  }),
});
/** The invocation a request belongs to: its API Gateway request id, the one the access log records. */
const invocation = new AsyncLocalStorage<{ readonly apiRequestId: string | undefined }>();
const server = Fastify({
  // No proxy is trusted: @fastify/aws-lambda takes the client address from API Gateway's own
  // `requestContext.http.sourceIp`, never from the `X-Forwarded-For` a client can write.
  ...serverOptions(),
  loggerInstance: log as FastifyBaseLogger,
  // Every line of a request carries `apiRequestId`, so a request found in the access log leads to its lines.
  childLoggerFactory(logger, bindings, options) {
    const apiRequestId = invocation.getStore()?.apiRequestId;
    return logger.child(apiRequestId === undefined ? bindings : { ...bindings, apiRequestId }, options);
  },
});
// The bundle carries Swagger UI's files next to itself (see infra's user-service-api construct).
const swaggerUiBaseDir = join(dirname(fileURLToPath(import.meta.url)), 'static');
await server.register(app, { ...runtime.appOptions, swaggerUiBaseDir });

/** The part of an API Gateway HTTP API event this host reads itself; @fastify/aws-lambda reads the rest. */
interface ApiGatewayEvent {
  readonly requestContext?: { readonly requestId?: string };
}
const proxy = awsLambdaFastify<ApiGatewayEvent>(server);
export const handler: typeof proxy = (event, context) =>
  invocation.run({ apiRequestId: event.requestContext?.requestId }, () => proxy(event, context));
await server.ready();
