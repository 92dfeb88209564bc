import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpRoute, HttpRouteKey, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { EmailIdentity } from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { acknowledge } from './acknowledge.js';
import type { ReadModelTable } from './read-model-table.js';
import { KMS_WRITE_WILDCARDS, ServiceFunction } from './service-function.js';

export interface UserServiceApiProps {
  readonly repositoryRoot: string;
  /** Read and written: events, unique claims and idempotency records. */
  readonly eventStoreTable: ITable;
  /** Read only (the projector writes it), lookup indexes included; the blue slot holds the slot pointer. */
  readonly readModel: ReadModelTable;
  /** The read model's green slot, read when the pointer names it. */
  readonly readModelGreen: ReadModelTable;
  /** The HS256 signing key, read once per cold start. */
  readonly jwtSecret: ISecret;
  /** The `From` of every mail. */
  readonly sesFromAddress: string;
  /** SES identities the function may send as (the sender address and its domain, at least). */
  readonly sesIdentities: readonly string[];
  /** Base URL for links in mail. @default - the API's default endpoint */
  readonly publicUrl?: string;
  readonly logLevel: string;
  readonly logRetention: RetentionDays;
  readonly retainLogs: boolean;
  /** Requests per second, and burst, the stage admits. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /** @default 1024 */
  readonly memorySize?: number;
}

/**
 * The user service on Lambda behind an API Gateway HTTP API: the Fastify app of `pnpm start`, through
 * @fastify/aws-lambda, on DynamoDB and SES. Every route goes to the one function (`$default`), which
 * authenticates callers itself with the JWTs it issues. The stage is throttled and writes JSON access logs.
 */
export class UserServiceApi extends Construct {
  public readonly function: ServiceFunction;
  public readonly api: HttpApi;
  public readonly stage: HttpStage;
  public readonly accessLogs: LogGroup;
  /** The API's base URL, ending in `/`. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: UserServiceApiProps) {
    super(scope, id);
    if (props.sesIdentities.length === 0) throw new Error('UserServiceApi needs at least one SES identity');

    this.api = new HttpApi(this, 'Api', {
      description: 'User service',
      createDefaultStage: false,
    });
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.retainLogs ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.stage = new HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        // No headers: the Authorization header never reaches a log.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            method: '$context.httpMethod',
            path: '$context.path',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    this.url = this.stage.url;

    this.function = new ServiceFunction(this, 'Service', {
      repositoryRoot: props.repositoryRoot,
      entry: 'apps/user-service/src/lambda.ts',
      description: 'The user service HTTP API (Fastify)',
      environment: {
        STORAGE: 'dynamodb',
        EVENT_STORE_TABLE: props.eventStoreTable.tableName,
        READ_MODEL_TABLE: props.readModel.table.tableName,
        READ_MODEL_GREEN_TABLE: props.readModelGreen.table.tableName,
        JWT_SECRET_ARN: props.jwtSecret.secretArn,
        MAILER: 'ses',
        SES_FROM_ADDRESS: props.sesFromAddress,
        TRUST_PROXY: 'true',
        PUBLIC_URL: props.publicUrl ?? this.url,
        LOG_LEVEL: props.logLevel,
      },
      logRetention: props.logRetention,
      retainLogs: props.retainLogs,
      memorySize: props.memorySize ?? 1024,
      // API Gateway gives up on an integration after 30 seconds.
      timeout: Duration.seconds(29),
      commandHooks: swaggerUiAssets(props.repositoryRoot),
    });
    // `$default` matches every method and path, the root included; Fastify does the routing.
    const route = new HttpRoute(this, 'DefaultRoute', {
      httpApi: this.api,
      routeKey: HttpRouteKey.DEFAULT,
      integration: new HttpLambdaIntegration('Service', this.function.function),
    });
    acknowledge(
      route,
      'AwsSolutions-APIG4',
      'The service authorises every request itself with the JWTs it issues, route by route (reading or ' +
        'changing a user needs that user or an admin), and registration, login and password resets must stay ' +
        'anonymous; a gateway authorizer on the one $default route could only duplicate those rules.',
    );

    const role = this.function.role;
    props.eventStoreTable.grantReadWriteData(role);
    props.readModel.grantReadViews(role);
    props.readModelGreen.grantReadViews(role);
    props.jwtSecret.grantRead(role);
    props.sesIdentities.forEach((identity, index) =>
      EmailIdentity.fromEmailIdentityName(this, `SesIdentity${index}`, identity).grantSendEmail(role),
    );
    this.function.acknowledgeWildcards(KMS_WRITE_WILDCARDS);
  }
}

/**
 * @fastify/swagger-ui reads its logo at registration, and serves Swagger UI's files, from its package
 * folder next to `__dirname`. In a bundle, `__dirname` is the bundle's folder, so the files are copied
 * there as `static/`.
 */
function swaggerUiAssets(repositoryRoot: string) {
  const requireFromService = createRequire(join(repositoryRoot, 'apps/user-service/package.json'));
  const packageDir = dirname(realpathSync(requireFromService.resolve('@fastify/swagger-ui')));
  const staticDir = relative(repositoryRoot, join(packageDir, 'static'));
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) => [`cp -R "${join(inputDir, staticDir)}" "${join(outputDir, 'static')}"`],
  };
}
