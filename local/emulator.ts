/**
 * The programmatic entry point: reads an assembly, starts the store, the gateway and the
 * Lambda runtime, and wires function environments to the local endpoints.
 */
import * as path from 'node:path';
import { apiDomainName } from './aws/endpoints';
import { loadWebSocketApp } from './assembly/assembly';
import type { FunctionSpec, WebSocketAppSpec } from './assembly/app-spec';
import { systemClock, type Clock } from '../protocol/clock';
import { awsProfileNames, writeFakeAwsHome } from './runtime/credential-isolation';
import { LOCAL_CREDENTIALS } from '../protocol/local-endpoints';
import { Gateway } from './gateway/gateway';
import type { FaultRates } from './gateway/management';
import { API_GATEWAY_LIMITS, JWKS_PATH_UNDER_ISSUER, LOCAL_PATHS } from '../protocol';
import { handleIssuerRequest, LocalIssuer, rewriteIssuerUrls, type IssuerState } from './issuer/issuer';
import { LambdaInvokeApi, publishFunctionOf } from './services/lambda/invoke-api';
import { LambdaRuntime } from './runtime/runtime';
import { ReloadableRuntime, restartReason } from './runtime/reload';
import { runtimeNotes } from './runtime/runtime-check';
import { startStore } from './services/dynamodb/store';

export interface EmulatorOptions {
  /** A synthesized cloud assembly folder (cdk.out). */
  readonly assemblyDir: string;
  /** The stack to run. @default the one stack with a WebSocket API */
  readonly stack?: string;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Gateway port; 0 picks a free one. @default 3001 */
  readonly port?: number;
  /** Store port; 0 picks a free one. @default 0 */
  readonly dynamodbPort?: number;
  /** Keep tables on LevelDB here across restarts. @default in memory */
  readonly dataDir?: string;
  /** @default 600 */
  readonly idleTimeoutSeconds?: number;
  /** @default 7200 */
  readonly maxDurationSeconds?: number;
  /** Fraction of PostToConnection calls to fail per HTTP status, e.g. { 410: 0.1 }. @default none */
  readonly faultRates?: FaultRates;
  /** Random source for fault injection (tests make it deterministic). @default Math.random */
  readonly random?: () => number;
  /** Times the idle timeout, the maximum duration and TTL expiry (tests pass a manual clock). @default the system clock */
  readonly clock?: Clock;
  /** Serve this folder at `/`. @default no static site */
  readonly webDir?: string;
  /** Execution environments per function; more concurrent invocations wait. @default the number of CPUs, at least 2 */
  readonly maxConcurrency?: number;
  /** Receives the emulator's log lines. @default console.log */
  readonly log?: (line: string) => void;
  /** Receives function output lines. @default the log, prefixed with the function's logical id; none when quiet */
  readonly functionLog?: (functionLogicalId: string, line: string) => void;
  /** Print only the banner and errors: function output is then not even sent from the functions. @default false */
  readonly quiet?: boolean;
  /**
   * Where the local issuer (the stand-in for the app's Cognito user pool) keeps its signing
   * key, and the issuer URL and audience of the latest start, for the token command (`switchboard-local token`).
   * @default in memory: a new key on every start
   */
  readonly localIssuerDir?: string;
}

/** The local issuer, when the app has a Cognito user pool: its tokens pass the app's authorizer. */
export interface EmulatorIssuer extends IssuerState {
  /** `<issuer>/.well-known/jwks.json` */
  readonly jwksUrl: string;
  /** A Cognito-shaped ID token for `user`. @default ttlSeconds 3600 */
  mint(user: string, ttlSeconds?: number): Promise<string>;
}

export interface Emulator {
  /** The WebSocket URL clients connect to, e.g. ws://127.0.0.1:3001/dev. */
  readonly url: string;
  /** The @connections endpoint for ApiGatewayManagementApiClient, e.g. http://127.0.0.1:3001/dev. */
  readonly managementEndpoint: string;
  /** The http origin of the gateway (static site, config.json). */
  readonly httpUrl: string;
  /** The Lambda Invoke API of the app's functions, for LambdaClient's `endpoint` (AWS_ENDPOINT_URL_LAMBDA): the gateway's origin. */
  readonly lambdaEndpoint: string;
  /** The publish function's name (as the stack's PublishFunctionName output resolves locally); undefined when the app has none. */
  readonly publishFunctionName?: string;
  readonly port: number;
  readonly dynamodbEndpoint: string;
  /** DynamoDB requests served so far, by operation: what the handlers cost in table calls. */
  dynamodbRequests(): Readonly<Record<string, number>>;
  /** Table logical id => local table name. */
  readonly tables: Readonly<Record<string, string>>;
  /** The app being served: the latest one reload() applied. */
  readonly app: WebSocketAppSpec;
  /** Emits 'invocation', 'open', 'rejected' and 'disconnect' (see Gateway). */
  readonly gateway: Gateway;
  /** The local issuer; undefined when the app has no Cognito user pool. */
  readonly localIssuer?: EmulatorIssuer;
  /** Resolves once every $disconnect and every Event invocation through the Lambda API started so far has run. */
  settled(): Promise<void>;
  /**
   * Serves the functions of the same stack in `assemblyDir` without touching open connections:
   * new invocations run on new environments, running ones finish on the old, which then stop.
   * Logs and returns the reason, changing nothing, when more than the functions changed.
   */
  reload(assemblyDir: string): Promise<ReloadResult>;
  /** Closes clients, stops the functions and the store. */
  stop(): Promise<void>;
}

/** What reload() did: how many functions now run new environments, or why a restart is needed instead. */
export type ReloadResult = { readonly functions: number; readonly ms: number } | { readonly restartNeeded: string };

/** Whether AWS SDK v2 is installed where functions get the SDK from. */
function sdkV2Installed(): boolean {
  try {
    require.resolve('aws-sdk/package.json', { paths: [sdkNodePath()] });
    return true;
  } catch {
    return false;
  }
}

/** The folder that holds the emulator's own node_modules, given to functions as NODE_PATH. */
function sdkNodePath(): string {
  const pkg = require.resolve('@aws-sdk/client-dynamodb/package.json');
  return path.resolve(path.dirname(pkg), '..', '..');
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

// The emulator's own SDK clients only reach its local store; Node 20's end-of-support notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * An Embedded Metric Format line (what Powertools Metrics prints for CloudWatch) as a short
 * `metrics: Name=value ...` line, so local output stays readable; undefined for any other line.
 */
export function summarizeEmf(line: string): string | undefined {
  if (!line.startsWith('{"_aws":')) return undefined;
  try {
    const emf = JSON.parse(line) as {
      _aws?: { CloudWatchMetrics?: Array<{ Namespace?: string; Metrics?: Array<{ Name: string }> }> };
    } & Record<string, unknown>;
    const directives = emf._aws?.CloudWatchMetrics ?? [];
    const values = directives.flatMap((d) => (d.Metrics ?? []).map((m) => `${m.Name}=${JSON.stringify(emf[m.Name])}`));
    if (values.length === 0) return undefined;
    return `metrics (${directives.map((d) => d.Namespace).join(', ')}): ${values.join(' ')}`;
  } catch {
    return undefined;
  }
}

/** Starts the emulator for one stack of an assembly. */
export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const log = options.log ?? ((line: string) => console.log(line));
  const host = options.host ?? '127.0.0.1';
  let app = loadWebSocketApp(options.assemblyDir, options.stack);
  for (const warning of app.warnings) log(`warning: ${warning}`);
  for (const note of runtimeNotes(app.functions.values(), { sdkV2Installed: sdkV2Installed() })) log(note);
  // Made (or loaded) first, so a bad key folder fails before anything listens.
  const issuerKey = app.userPools.length > 0 ? await LocalIssuer.open(options.localIssuerDir) : undefined;
  let issuerState: IssuerState | undefined;
  // Set once the gateway listens; the Lambda API and the published configuration answer only after that.
  let lambdaEndpoint = '';
  const lambdaApi = new LambdaInvokeApi({ app: () => app, invoke: (id, event) => runtime.invoke(id, event), listenHost: host, log });
  const issuerClientIds = app.userPools.flatMap((p) => p.clientIds);

  const store = await startStore(app.tables, {
    host: '127.0.0.1',
    port: options.dynamodbPort ?? 0,
    dataDir: options.dataDir,
    region: app.region,
    // TTL: expired items are deleted at start and every minute, measured on the emulator's clock.
    clock: options.clock ?? systemClock,
    log,
  });

  const gateway = new Gateway({
    app,
    host,
    port: options.port ?? 3001,
    idleTimeoutSeconds: options.idleTimeoutSeconds ?? API_GATEWAY_LIMITS.idleTimeoutSeconds,
    maxDurationSeconds: options.maxDurationSeconds ?? API_GATEWAY_LIMITS.maxConnectionSeconds,
    webDir: options.webDir,
    // Never served as part of the site, even when it sits inside it: table data, the issuer's signing key.
    webExclude: [options.dataDir, options.localIssuerDir].filter((dir): dir is string => dir !== undefined),
    faultRates: options.faultRates ?? {},
    random: options.random ?? Math.random,
    clock: options.clock ?? systemClock,
    // Built below, once the gateway's port is known; callers learn the URL only after that.
    invoke: (id, event, eventJson) => runtime.invoke(id, event, eventJson),
    log,
    httpRoutes: async (req, res, url) =>
      (await lambdaApi.handle(req, res, url)) ||
      (issuerKey && issuerState ? handleIssuerRequest(req, res, url, issuerKey, issuerState, issuerClientIds) : false),
    // The sign-in endpoint is a path: the page resolves it against its own origin, so it stays same-origin.
    publishedConfig: () => ({
      lambdaEndpoint,
      publishFunctionName: publishFunctionOf(app)?.functionName,
      ...(issuerKey && issuerState
        ? { tokenUrl: LOCAL_PATHS.token, cognito: { endpoint: LOCAL_PATHS.cognito, clientId: issuerState.audience, region: app.region } }
        : {}),
    }),
  });
  let port: number;
  try {
    port = await gateway.listen();
  } catch (err: unknown) {
    await store.stop();
    throw err;
  }
  // Functions reach the gateway over loopback even when it listens on all interfaces.
  const functionHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const localHostPort = `${functionHost.includes(':') ? `[${functionHost}]` : functionHost}:${port}`;
  lambdaEndpoint = `http://${localHostPort}`;
  if (issuerKey) {
    // The audience is the pool's app client, as Cognito puts it in ID tokens.
    const audience = app.userPools.flatMap((p) => p.clientIds)[0] ?? app.userPools[0].poolId;
    issuerState = { issuer: `http://${localHostPort}${LOCAL_PATHS.issuer}`, audience };
    await issuerKey.saveState(issuerState);
  }
  const rewriteUrls = (value: string): string => {
    const local = rewriteApiUrls(value, app, localHostPort);
    return issuerState ? rewriteIssuerUrls(local, app, app.userPools, issuerState.issuer) : local;
  };
  const functionLog =
    options.functionLog ?? (options.quiet ? undefined : (id: string, line: string) => log(`  [${id}] ${summarizeEmf(line) ?? line}`));
  const environmentOf = (spec: FunctionSpec): Record<string, string> => {
    const env: Record<string, string> = {
      AWS_LAMBDA_FUNCTION_NAME: spec.functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memorySize),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${spec.functionName}`,
      AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime}`,
      LAMBDA_TASK_ROOT: spec.codeDir,
      _HANDLER: spec.handler,
    };
    for (const [key, value] of Object.entries(spec.environment)) env[key] = rewriteUrls(value);
    return env;
  };
  // Every credential source a function's SDK may try resolves to fake keys: the environment, and
  // shared files with each profile name the developer uses (names only) in a HOME of our own.
  const appProfiles = [...app.functions.values()].map((f) => f.environment.AWS_PROFILE ?? '');
  const fakeHome = writeFakeAwsHome(app.region, [...awsProfileNames(), ...appProfiles]);
  // Built from these lists only, never from process.env: the developer's AWS_* variables stay out.
  const runtimeFor = (functions: Iterable<FunctionSpec>) =>
    new LambdaRuntime(functions, environmentOf, {
      region: app.region,
      accountId: app.accountId,
      maxConcurrency: options.maxConcurrency,
      onOutput: functionLog,
      localAws: {
        region: app.region,
        urlSuffix: app.urlSuffix,
        apiId: app.apiId,
        gateway: localHostPort,
        dynamodb: new URL(store.endpoint).host,
      },
      reservedEnvironment: {
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        ...fakeHome.environment,
      },
      baseEnvironment: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        AWS_REGION: app.region,
        AWS_DEFAULT_REGION: app.region,
        AWS_ENDPOINT_URL_DYNAMODB: store.endpoint,
        // The SDK's per-service endpoint variable: a function's LambdaClient (publish()) reaches the local Invoke API.
        AWS_ENDPOINT_URL_LAMBDA: lambdaEndpoint,
        AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        NODE_PATH: sdkNodePath(),
      },
    });
  const runtime = new ReloadableRuntime(runtimeFor(app.functions.values()));

  const tables: Record<string, string> = {};
  for (const t of app.tables) tables[t.logicalId] = t.tableName;
  let stopped: Promise<void> | undefined;
  return {
    url: `ws://${localHostPort}/${app.stage}`,
    managementEndpoint: `http://${localHostPort}/${app.stage}`,
    httpUrl: `http://${localHostPort}`,
    lambdaEndpoint,
    get publishFunctionName() {
      return publishFunctionOf(app)?.functionName;
    },
    port,
    dynamodbEndpoint: store.endpoint,
    dynamodbRequests: () => store.requestCounts(),
    tables,
    get app() {
      return app;
    },
    gateway,
    localIssuer:
      issuerKey && issuerState
        ? {
            ...issuerState,
            jwksUrl: `${issuerState.issuer}${JWKS_PATH_UNDER_ISSUER}`,
            mint: (user, ttlSeconds) => issuerKey.mint(issuerState, { user, ttlSeconds }),
          }
        : undefined,
    settled: async () => {
      await gateway.settled();
      await lambdaApi.settled();
    },
    async reload(assemblyDir) {
      if (stopped) throw new Error('the emulator has stopped; nothing to reload');
      const started = performance.now();
      const next = loadWebSocketApp(assemblyDir, app.stackName);
      const reason = restartReason(app, next);
      if (reason) {
        log(`reload: ${reason} since the start; restart switchboard-local to apply that (still serving the previous functions)`);
        return { restartNeeded: reason };
      }
      for (const warning of next.warnings) log(`warning: ${warning}`);
      app = next;
      void runtime
        .replace(runtimeFor(next.functions.values()))
        .catch((err: unknown) => log(`reload: stopping the previous functions failed: ${String(err)}`));
      const ms = Math.round(performance.now() - started);
      log(`reloaded ${next.functions.size} functions in ${ms} ms`);
      return { functions: next.functions.size, ms };
    },
    stop() {
      stopped ??= (async () => {
        await gateway.stop();
        await runtime.stop();
        await store.stop();
        fakeHome.remove();
      })();
      return stopped;
    },
  };
}
