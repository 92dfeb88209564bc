import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CfnStage,
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { KEY_PREFIXES } from '@user-service/event-store/dynamodb/schema';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { EmailIdentity } from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { acknowledge } from './acknowledge.js';
import { grantKeyVia } from './grants.js';
import { grantWrapDataKeys } from './personal-data-key.js';
import type { Throttle } from '../config.js';
import type { RateLimitTable } from './rate-limit-table.js';
import type { ReadModelTable } from './read-model-table.js';
import { KMS_WRITE_WILDCARDS, ServiceFunction } from './service-function.js';

export interface UserServiceApiProps {
  readonly repositoryRoot: string;
  /** Read and written: events, unique claims and idempotency records. */
  readonly eventStoreTable: ITable;
  /** Wraps users' data keys (KMS_KEY_ID): the service makes and unwraps them, and destroys them on erasure. */
  readonly personalDataKey: IKey;
  /** Read only (the projector writes it), lookup indexes included; the blue slot holds the slot pointer. */
  readonly readModel: ReadModelTable;
  /** The read model's green slot, read when the pointer names it. */
  readonly readModelGreen: ReadModelTable;
  /** The HS256 signing key, read once per cold start. */
  readonly jwtSecret: ISecret;
  /** Rate-limit counters shared by every instance. */
  readonly rateLimits: RateLimitTable;
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
  readonly throttle: Throttle;
  /**
   * Requests per second, and burst, each of {@link SENSITIVE_ROUTES} admits: the routes that check a
   * password or send mail, throttled below the stage so that a guesser or a mail flooder is cut off first.
   */
  readonly sensitiveRouteThrottle: Throttle;
  /** @default 1024 */
  readonly memorySize?: number;
}

/** The Powertools service name of the user service. */
export const USER_SERVICE_NAME = 'user-service';

/** The routes with their own, lower throttle: login, and the two password-reset steps. */
export const SENSITIVE_ROUTES: readonly { readonly method: HttpMethod; readonly path: string }[] = [
  { method: HttpMethod.POST, path: '/sessions' },
  { method: HttpMethod.POST, path: '/password-resets' },
  { method: HttpMethod.POST, path: '/password-resets/confirm' },
];

/**
 * The access log line: both request ids (API Gateway's, which the service logs on each line of the
 * request as `apiRequestId`, and Lambda's, from the integration), and no header, so the Authorization
 * header never reaches a log.
 */
export const ACCESS_LOG_FORMAT = {
  requestId: '$context.requestId',
  integrationRequestId: '$context.integration.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  method: '$context.httpMethod',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  latency: '$context.responseLatency',
  integrationStatus: '$context.integration.status',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
} as const;

/**
 * The user service on Lambda behind an API Gateway HTTP API: the Fastify app of `pnpm start`, through
 * @fastify/aws-lambda, on DynamoDB and SES. Every route goes to the one function, which authenticates
 * callers itself with the JWTs it issues: `$default`, plus the {@link SENSITIVE_ROUTES}, which exist only
 * to carry their own throttle. The stage is throttled and writes JSON access logs.
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
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FORMAT)),
      },
    });
    this.url = this.stage.url;

    this.function = new ServiceFunction(this, 'Service', {
      repositoryRoot: props.repositoryRoot,
      entry: 'apps/user-service/src/lambda.ts',
      description: 'The user service HTTP API (Fastify)',
      serviceName: USER_SERVICE_NAME,
      environment: {
        STORAGE: 'dynamodb',
        EVENT_STORE_TABLE: props.eventStoreTable.tableName,
        READ_MODEL_TABLE: props.readModel.table.tableName,
        READ_MODEL_GREEN_TABLE: props.readModelGreen.table.tableName,
        JWT_SECRET_ARN: props.jwtSecret.secretArn,
        KMS_KEY_ID: props.personalDataKey.keyArn,
        RATE_LIMIT_TABLE: props.rateLimits.table.tableName,
        MAILER: 'ses',
        SES_FROM_ADDRESS: props.sesFromAddress,
        // The client address is API Gateway's sourceIp (the event's requestContext), never a header a
        // client can write, such as X-Forwarded-For.
        TRUST_PROXY: 'false',
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
    const integration = new HttpLambdaIntegration('Service', this.function.function);
    const route = new HttpRoute(this, 'DefaultRoute', { httpApi: this.api, routeKey: HttpRouteKey.DEFAULT, integration });
    acknowledge(
      route,
      'AwsSolutions-APIG4',
      'The service authorises every request itself with the JWTs it issues, route by route (reading or ' +
        'changing a user needs that user or an admin), and registration, login and password resets must stay ' +
        'anonymous; a gateway authorizer on the one $default route could only duplicate those rules.',
    );
    const stageResource = this.stage.node.defaultChild as CfnStage;
    // RouteSettings is a JSON map to CloudFormation, so CDK passes it through as is: keys as CloudFormation spells them.
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    for (const { method, path } of SENSITIVE_ROUTES) {
      const routeKey = HttpRouteKey.with(path, method);
      const sensitive = new HttpRoute(this, `Route-${method}${path}`, { httpApi: this.api, routeKey, integration });
      acknowledge(
        sensitive,
        'AwsSolutions-APIG4',
        `${method} ${path} must stay anonymous (it is how a caller without a session gets one, or gets back ` +
          'into an account); the route exists only to carry its own throttle, and the service checks the request.',
      );
      routeSettings[routeKey.key] = {
        ThrottlingRateLimit: props.sensitiveRouteThrottle.rateLimit,
        ThrottlingBurstLimit: props.sensitiveRouteThrottle.burstLimit,
      };
      // A stage's route settings may name only routes that exist.
      this.stage.node.addDependency(sensitive);
    }
    stageResource.routeSettings = routeSettings;

    const role = this.function.role;
    grantEventStoreAccess(role, props.eventStoreTable);
    props.readModel.grantReadViews(role);
    props.readModelGreen.grantReadViews(role);
    props.jwtSecret.grantRead(role);
    grantWrapDataKeys(role, props.personalDataKey);
    props.rateLimits.grantCounting(role);
    props.sesIdentities.forEach((identity, index) =>
      EmailIdentity.fromEmailIdentityName(this, `SesIdentity${index}`, identity).grantSendEmail(role),
    );
    this.function.acknowledgeWildcards(KMS_WRITE_WILDCARDS);
  }
}

/**
 * The user service's access to the event store. It reads items and streams, and appends events,
 * snapshots, claims and idempotency records with PutItem (each under a condition IAM cannot express);
 * it deletes only claims and idempotency records (`dynamodb:LeadingKeys`), updates nothing, and cannot
 * Scan (reading everything is for the operator commands). The key is usable only through DynamoDB.
 */
function grantEventStoreAccess(grantee: IGrantable, table: ITable): void {
  Grant.addToPrincipal({
    grantee,
    actions: [...EVENT_STORE_API_ACTIONS],
    resourceArns: [table.tableArn],
  });
  Grant.addToPrincipal({
    grantee,
    actions: ['dynamodb:DeleteItem'],
    resourceArns: [table.tableArn],
    conditions: {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${KEY_PREFIXES.claim}*`, `${KEY_PREFIXES.idempotency}*`] },
    },
  });
  if (table.encryptionKey === undefined) throw new Error('the event-store table must have a customer-managed key');
  grantKeyVia(grantee, table.encryptionKey, 'dynamodb', DYNAMODB_KEY_ACTIONS);
}

/** Everything the user service does to the event store but deleting. */
export const EVENT_STORE_API_ACTIONS: readonly string[] = [
  'dynamodb:BatchGetItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
];

/** What DynamoDB asks of a caller's key permissions for reads and writes, as CDK's table grants give. */
const DYNAMODB_KEY_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'];

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
