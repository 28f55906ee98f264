/**
 * What each function's process environment holds, as Lambda sets it up, pointed at the local
 * services: Lambda's own variables, the template's variables with the API's URLs rewritten to the
 * local ones, the endpoints the SDK reads, and the fake credentials. Built
 * from these parts only, never from the emulator's own environment: the developer's AWS_*
 * variables stay out.
 */
import type { FunctionSpec, WebSocketAppSpec } from '../assembly/app-spec';
import { apiDomainName, type LocalAwsServices } from '../aws/endpoints';
import type { FunctionCredentials } from '../iam/principals';

export interface FunctionEnvironmentOptions {
  readonly app: Pick<WebSocketAppSpec, 'apiId' | 'region' | 'urlSuffix'>;
  /** `host:port` where functions reach the gateway: @connections and the Lambda Invoke API. */
  readonly gatewayHostPort: string;
  /** The local DynamoDB's URL. */
  readonly dynamodbEndpoint: string;
  /**
   * host:port of every other emulated service, by endpoint prefix (sqs, events, ...): a function's
   * requests for its AWS host name go there. DynamoDB and Lambda are added from the two above.
   * @default none
   */
  readonly services?: Readonly<Record<string, string>>;
  /** Each function's own credentials (its role session), which tell the services who calls. */
  readonly credentialsOf: (spec: FunctionSpec) => FunctionCredentials;
  /** Where a function's runtime-provided SDK packages are (ProvidedSdk.nodePathOf): its NODE_PATH, which its template may change, as on Lambda. */
  readonly nodePathOf: (spec: FunctionSpec) => string;
  /** The variables that point the SDK at the fake credential files (writeFakeAwsHome). */
  readonly credentialFiles: Readonly<Record<string, string>>;
}

/** The parts of a function's environment, as LambdaRuntime takes them. */
export interface FunctionEnvironment {
  /** One function's own variables: Lambda's and its template's. */
  of(spec: FunctionSpec): Record<string, string>;
  /** What every function gets before its own: region, endpoints. */
  readonly base: Readonly<Record<string, string>>;
  /** What every function gets after its own, which its configuration cannot change: where the fake credential files are. */
  readonly reserved: Readonly<Record<string, string>>;
  /** Where the functions' AWS requests go. */
  readonly localAws: LocalAwsServices;
}

export function functionEnvironment(options: FunctionEnvironmentOptions): FunctionEnvironment {
  const { app, gatewayHostPort } = options;
  const rewriteUrls = (value: string): string => rewriteApiUrls(value, app, gatewayHostPort);
  return {
    of(spec) {
      const env: Record<string, string> = {
        AWS_LAMBDA_FUNCTION_NAME: spec.functionName,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memorySize),
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${spec.functionName}`,
        AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime}`,
        LAMBDA_TASK_ROOT: spec.codeDir,
        _HANDLER: spec.handler,
        NODE_PATH: options.nodePathOf(spec),
      };
      for (const [key, value] of Object.entries(spec.environment)) env[key] = rewriteUrls(value);
      // Lambda's reserved variables: set after the template's, which cannot change them.
      const credentials = options.credentialsOf(spec);
      env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
      env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
      env.AWS_SESSION_TOKEN = credentials.sessionToken;
      return env;
    },
    base: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      AWS_REGION: app.region,
      AWS_DEFAULT_REGION: app.region,
      AWS_ENDPOINT_URL_DYNAMODB: options.dynamodbEndpoint,
      // The SDK's per-service endpoint variable: a function's LambdaClient (publish()) reaches the local Invoke API.
      AWS_ENDPOINT_URL_LAMBDA: `http://${gatewayHostPort}`,
      AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    reserved: { ...options.credentialFiles },
    localAws: {
      region: app.region,
      urlSuffix: app.urlSuffix,
      apis: { [app.apiId]: gatewayHostPort },
      services: {
        ...options.services,
        dynamodb: new URL(options.dynamodbEndpoint).host,
        // The gateway's port also serves the Lambda Invoke API of the app's functions.
        lambda: gatewayHostPort,
      },
    },
  };
}

/** Rewrites the API's real endpoints (https/wss) in a value to the local origin (http/ws). */
export function rewriteApiUrls(
  value: string,
  app: Pick<WebSocketAppSpec, 'apiId' | 'region' | 'urlSuffix'>,
  localHostPort: string,
): string {
  const domain = apiDomainName(app);
  return value.split(`https://${domain}`).join(`http://${localHostPort}`).split(`wss://${domain}`).join(`ws://${localHostPort}`);
}
