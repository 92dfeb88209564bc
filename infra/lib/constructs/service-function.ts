import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat, type ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { acknowledge } from './acknowledge.js';

/**
 * Modules a Lambda bundle leaves out. The SQLite adapters (and their native driver) are imported
 * dynamically, only when a process runs on SQLite. Left external, they stay a dynamic `import()` that
 * DynamoDB mode never reaches; bundled, esbuild would hoist `import … from 'better-sqlite3'` to the top of
 * the ESM bundle, and every cold start would fail to find the native module.
 */
export const BUNDLE_EXTERNALS: readonly string[] = [
  'better-sqlite3',
  '@user-service/event-store/sqlite',
  '@user-service/user-read-model/sqlite',
  '@user-service/personal-data/sqlite',
];

/**
 * Prepended to every ESM bundle: CommonJS dependencies call `require` for Node built-ins and read
 * `__dirname`, neither of which an ES module has.
 */
export const BUNDLE_BANNER =
  "import{createRequire as __cr}from'node:module';import{fileURLToPath as __fu}from'node:url';" +
  "import{dirname as __dn}from'node:path';const require=__cr(import.meta.url);" +
  'const __filename=__fu(import.meta.url);const __dirname=__dn(__filename);';

export interface ServiceFunctionProps {
  /** The repository root: the bundling project root, holding `pnpm-lock.yaml`. */
  readonly repositoryRoot: string;
  /** The handler's source file, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly environment: Readonly<Record<string, string>>;
  /**
   * The Powertools service name: the `service` dimension of the function's metrics (namespace
   * {@link METRICS_NAMESPACE}) and of its traces.
   */
  readonly serviceName: string;
  /**
   * Executions reserved for this function alone, so that no other function of the account can starve it
   * (and it cannot exceed them). @default - none: it shares the account's unreserved pool
   */
  readonly reservedConcurrency?: number;
  readonly logRetention: RetentionDays;
  /** Keep the log group when the stack is deleted. */
  readonly retainLogs: boolean;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** Extra bundling steps, such as copying assets a dependency reads from disk. @default - none */
  readonly commandHooks?: ICommandHooks;
}

/** The CloudWatch namespace of the metrics the functions emit with Powertools Metrics (EMF). */
export const METRICS_NAMESPACE = 'UserService';

/** Why X-Ray's two actions are granted on every resource. */
const XRAY_WILDCARD_REASON =
  'xray:PutTraceSegments and xray:PutTelemetryRecords, granted by active tracing, support no resource-level ' +
  "permission, so AWS requires '*'.";

/**
 * A Node.js 22 arm64 Lambda function bundled from the workspace by the local esbuild into one minified
 * ES module, traced by X-Ray (active tracing), with its own log group (retention set) and its own role. The role starts with nothing but
 * writing to that log group: no AWS managed policy, and every other permission is a grant by the
 * construct that uses the function.
 */
export class ServiceFunction extends Construct {
  public readonly function: NodejsFunction;
  public readonly role: Role;
  public readonly logGroup: LogGroup;
  private readonly reservedConcurrency: number | undefined;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    this.reservedConcurrency = props.reservedConcurrency;

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.retainLogs ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs: ${props.description}`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: join(props.repositoryRoot, props.entry),
      handler: 'handler',
      projectRoot: props.repositoryRoot,
      depsLockFilePath: join(props.repositoryRoot, 'pnpm-lock.yaml'),
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(30),
      role: this.role,
      logGroup: this.logGroup,
      // Each request is traced from API Gateway through every function it reaches.
      tracing: Tracing.ACTIVE,
      ...(props.reservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: props.reservedConcurrency }),
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        // The AWS SDK is bundled, pinned by the lockfile, rather than taken from the runtime, whose copy
        // changes under the function; its ES module build lets esbuild drop what is unused.
        externalModules: [...BUNDLE_EXTERNALS],
        mainFields: ['module', 'main'],
        banner: BUNDLE_BANNER,
        minify: true,
        keepNames: true,
        // Off, like esbuild's metafile: either makes the asset hash depend on where the repository sits,
        // and every machine would then deploy the same code anew.
        sourceMap: false,
        ...(props.commandHooks ? { commandHooks: props.commandHooks } : {}),
      },
    });
    acknowledge(
      this.function,
      'AwsSolutions-L1',
      'Pinned to nodejs22.x, the runtime the bundle targets (esbuild target node22) and the apps are ' +
        'tested for; AWS supports it, and moving to a newer runtime is a deliberate change together with that target.',
    );
  }

  /**
   * Makes the function a consumer of a queue: an SQS event source with partial batch responses
   * (`ReportBatchItemFailures`), `batchSize` records a batch (@default 10, the most a FIFO event source
   * takes), at most `maximumConcurrency` at once. Above the function's reserved concurrency, the source would
   * receive messages the function is throttled on, each a receive towards the DLQ, so that fails the synth.
   */
  consumeQueue(queue: IQueue, options: { readonly maximumConcurrency: number; readonly batchSize?: number }): void {
    if (this.reservedConcurrency !== undefined && options.maximumConcurrency > this.reservedConcurrency) {
      throw new Error(
        `${this.node.path}: maximumConcurrency ${options.maximumConcurrency} exceeds its reservedConcurrency ${this.reservedConcurrency}`,
      );
    }
    this.function.addEventSource(
      new SqsEventSource(queue, {
        batchSize: options.batchSize ?? 10,
        reportBatchItemFailures: true,
        maxConcurrency: options.maximumConcurrency,
      }),
    );
  }

  /**
   * Acknowledges wildcard findings (cdk-nag IAM5) on this function's own policy, the narrowest construct
   * that holds them, X-Ray's `Resource::*` included. Call once, after the grants that produce them.
   */
  acknowledgeWildcards(findings: Readonly<Record<string, string>> = {}): void {
    const policy = this.role.node.tryFindChild('DefaultPolicy');
    if (policy === undefined) throw new Error(`${this.node.path} has no policy to acknowledge findings on`);
    const resourceStar = findings['Resource::*'];
    const all = {
      ...findings,
      'Resource::*': resourceStar === undefined ? XRAY_WILDCARD_REASON : `${XRAY_WILDCARD_REASON} ${resourceStar}`,
    };
    for (const [finding, reason] of Object.entries(all)) {
      acknowledge(policy, `AwsSolutions-IAM5[${finding}]`, reason);
    }
  }
}

/**
 * Why CDK's grants on a resource encrypted with a customer-managed key carry KMS action wildcards: the
 * statement they sit in names that one key as its only resource.
 */
export const KMS_WRITE_WILDCARDS: Readonly<Record<string, string>> = {
  'Action::kms:GenerateDataKey*':
    "From CDK's write grant on a resource encrypted with a customer-managed key: DynamoDB, SNS and SQS " +
    'generate data keys with it on the caller\'s behalf. The statement\'s only resource is that key, so the ' +
    'wildcard spans the GenerateDataKey variants of one key, not other keys or services.',
  'Action::kms:ReEncrypt*':
    "From CDK's write grant on a resource encrypted with a customer-managed key, as in AWS's key policy for " +
    'DynamoDB encryption at rest. The statement\'s only resource is that key, so the wildcard spans ' +
    'ReEncryptFrom/ReEncryptTo on one key, not other keys or services.',
};
