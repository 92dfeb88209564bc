import { Tracer } from '@aws-lambda-powertools/tracer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { createProjectorMetrics } from '@user-service/projector';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createSesMailer } from '../infrastructure/ses-mailer.js';
import { serviceSecretOnLambda } from '../infrastructure/lambda-secret.js';
import { createLogger } from '../logger.js';
import { MAILER_CONSUMER } from './batch.js';
import { composeMailer } from './composition.js';
import { loadMailerConfig } from './config.js';

// Cold start: the environment is parsed, the secret read and the clients made once per execution
// environment. A bad configuration throws here, failing the init with a message naming each variable.
const config = loadMailerConfig(process.env);
const log = createLogger(config.logLevel).child({ component: MAILER_CONSUMER });
const tracer = new Tracer({ serviceName: MAILER_CONSUMER });

const jwtSecret = await serviceSecretOnLambda(config, () => tracer.captureAWSv3Client(new SecretsManagerClient({})));
const runtime = await composeMailer({ ...config, jwtSecret }, log, {
  dynamoDbClient: tracer.captureAWSv3Client(new DynamoDBClient({})),
  metrics: createProjectorMetrics(MAILER_CONSUMER),
  ...(config.mailer.kind === 'ses' && {
    mailer: createSesMailer({
      from: config.mailer.from,
      client: tracer.captureAWSv3Client(new SESv2Client(config.mailer.region ? { region: config.mailer.region } : {})),
    }),
  }),
});

/**
 * The Lambda entry point for the mailer's SQS event source mapping (with `ReportBatchItemFailures`): the
 * failed records come back as `batchItemFailures`, through Powertools' FIFO partial batch processor.
 */
export const handler = (event: SQSEvent): Promise<SQSBatchResponse> => runtime.batch.handleEvent(event);
