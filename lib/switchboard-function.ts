import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME, STACK_DEFAULTS } from '../contract';
import { bundlingTargetOf, checkedNodeMajor, newestNodeRuntime } from './node-runtime';

/** Where the functions' entries live: lambda/functions/<handler>.ts builds its handler's dependencies at cold start. */
export const FUNCTIONS_DIR = path.join(__dirname, '..', 'lambda', 'functions');

/**
 * Where the package's build (scripts/build-package.ts) puts each handler's bundle, beside the
 * compiled lib/: dist/handlers/<handler>/index.js. The published package has these and no sources.
 */
export const PREBUILT_HANDLERS_DIR = 'handlers';

/** The Node.js runtime the functions run on unless a `runtime` prop says otherwise: the newest the installed aws-cdk-lib offers (see node-runtime.ts). */
export const RUNTIME = newestNodeRuntime();

/**
 * esbuild options shared by the stack and the bundling test, so the test
 * bundles exactly what is deployed.
 */
export const BUNDLING = {
  minify: true,
  sourceMap: true,
  // Keep names readable in stack traces even when minified.
  keepNames: true,
  format: OutputFormat.CJS,
  // Follows the runtime: node24 for nodejs24.x.
  target: bundlingTargetOf(RUNTIME),
  // Lambda's Node.js runtimes (18 and later) provide AWS SDK v3.
  externalModules: ['@aws-sdk/*'],
  logLevel: LogLevel.WARNING,
} as const;

export interface SwitchboardFunctionProps {
  /** The function's entry file in lambda/functions/, without extension. */
  readonly handler: string;
  /** A handler source elsewhere (an extra route's, see docs/extend.md), bundled with esbuild. @default lambda/functions/<handler>.ts */
  readonly entry?: string;
  /** The Lambda runtime, nodejs22.x or newer. @default the newest Node.js runtime the installed aws-cdk-lib offers */
  readonly runtime?: lambda.Runtime;
  /** Environment variables. */
  readonly environment?: Record<string, string>;
  /** Timeout; must leave room inside API Gateway's 29 s integration limit. @default 10 seconds */
  readonly timeout?: Duration;
  /** Memory in MB. @default 256 */
  readonly memorySize?: number;
  /** Log retention. @default one month */
  readonly logRetention?: logs.RetentionDays;
  /** Powertools log level. @default INFO */
  readonly logLevel?: string;
}

/**
 * One place for the Lambda defaults: runtime, arm64, minified bundle with
 * source maps, a log group with retention, and a role that may write only to
 * that log group (no AWSLambdaBasicExecutionRole with its `*` resources).
 */
export class SwitchboardFunction extends Construct {
  public readonly function: lambda.Function;
  /** The entry's file name, without extension: the source lambda/functions/<handler>.ts, or its prebuilt bundle. */
  public readonly handler: string;
  public readonly logGroup: logs.LogGroup;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: SwitchboardFunctionProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.seconds(STACK_DEFAULTS.functionTimeoutSeconds);
    if (timeout.toMilliseconds() > 29_000) {
      throw new Error(
        `SwitchboardFunction ${id}: timeout ${timeout.toSeconds()} s exceeds API Gateway's 29 s integration limit; use at most 29 seconds.`,
      );
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Switchboard ${props.handler} handler`,
    });
    this.logGroup.grantWrite(this.role);

    this.handler = props.handler;
    const runtime = props.runtime ?? RUNTIME;
    checkedNodeMajor(runtime);
    const functionProps = {
      runtime,
      architecture: lambda.Architecture.ARM_64,
      timeout,
      memorySize: props.memorySize ?? 256,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        ...props.environment,
      },
    };
    // In this repository esbuild bundles the TypeScript source at synth. The published package
    // ships no handler sources but the bundles its build made with the same BUNDLING options, so
    // a consumer's synth runs no esbuild and needs no TypeScript.
    const entry = props.entry ?? path.join(FUNCTIONS_DIR, `${props.handler}.ts`);
    const prebuilt = path.join(__dirname, '..', PREBUILT_HANDLERS_DIR, props.handler);
    if (props.entry !== undefined && !existsSync(entry)) {
      // Never a prebuilt bundle of the same name in its place: that would deploy Switchboard's handler as yours.
      throw new Error(
        `SwitchboardFunction ${id}: the handler file ${entry} does not exist; entry must be the path of your handler's source.`,
      );
    }
    if (existsSync(entry)) {
      this.function = new NodejsFunction(this, 'Function', {
        ...functionProps,
        entry,
        handler: 'handler',
        bundling: { ...BUNDLING, target: bundlingTargetOf(runtime), externalModules: [...BUNDLING.externalModules] },
      });
    } else if (existsSync(path.join(prebuilt, 'index.js'))) {
      this.function = new lambda.Function(this, 'Function', {
        ...functionProps,
        code: lambda.Code.fromAsset(prebuilt),
        handler: 'index.handler',
      });
    } else {
      throw new Error(
        `SwitchboardFunction ${id}: no handler source at ${entry} and no prebuilt bundle at ${prebuilt}/index.js; in the repository run npm run build, or reinstall the package.`,
      );
    }
  }
}
