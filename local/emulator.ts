/**
 * The programmatic entry point and composition root: reads an assembly and builds the emulator's
 * parts in order (IAM, store, issuer key, port, functions, Lambda Invoke API, gateway), then serves.
 */
import { loadWebSocketApp } from './assembly/assembly';
import type { FunctionSpec, WebSocketAppSpec } from './assembly/app-spec';
import { systemClock, type Clock } from '../protocol/clock';
import { API_GATEWAY_LIMITS } from '../protocol';
import { accountLimits, type AccountLimits } from './account/limits';
import { drawLatency, type LatencyRange } from './account/latency';
import { AccountRequestQuota, accountRequestLimit } from './account/request-quota';
import { awsProfileNames, writeFakeAwsHome, type FakeAwsHome } from './runtime/credential-isolation';
import { functionEnvironment, type FunctionEnvironment } from './runtime/function-environment';
import { functionLogLine } from './runtime/function-log';
import { Gateway } from './gateway/gateway';
import type { FaultRates } from './gateway/management';
import { HttpListener, type HttpHandler } from './http/listener';
import { allowEverything, type IamAuthority } from './iam/authority';
import { enforceIam } from './iam/enforcing-authority';
import { LOCAL_SERVICES } from './services';
import { COGNITO_IDP } from './services/cognito-idp/cognito-idp';
import type { LocalService, ServiceDefinition } from './services/service';
import { PrincipalDirectory } from './iam/principals';
import { LocalIssuer, type IssuerState } from './issuer/issuer';
import { serveIssuer, type ServedIssuer } from './issuer/served-issuer';
import { LambdaInvokeApi, publishFunctionOf } from './services/lambda/invoke-api';
import { LambdaRuntime } from './runtime/runtime';
import { LambdaConcurrency, throttledResult } from './runtime/concurrency';
import { ReloadableRuntime, restartReason } from './runtime/reload';
import { runtimeNotes } from './runtime/runtime-check';
import { ProvidedSdk } from './runtime/provided-sdk';
import { sdkCacheDir } from './machine/folders';
import { startStore, type RunningStore } from './services/dynamodb/store';

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
  /** Random source for fault injection and latency ranges (tests make it deterministic). @default Math.random */
  readonly random?: () => number;
  /**
   * AWS's default quotas and latency (local/account/limits.ts AWS_DEFAULT_LIMITS: 10,000 requests/s,
   * @connections 10-30 ms, 1,000 concurrent executions) wherever the options below set none.
   * @default false
   */
  readonly awsLike?: boolean;
  /**
   * The account's API Gateway request quota, in requests per second, with a burst of half of it, as
   * AWS sets it: every incoming message and every @connections call takes a token; over it a
   * message gets a "Too Many Requests" frame and a call 429 LimitExceededException. @default no quota
   */
  readonly accountRps?: number;
  /** How long each @connections call takes before it is answered: fixed, or drawn per call from `random`. @default none */
  readonly postLatency?: LatencyRange;
  /**
   * Lambda's account concurrency: executions in flight across every function not reserving its
   * own (ReservedConcurrentExecutions, always applied). @default no account limit
   */
  readonly lambdaConcurrency?: number;
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
  /**
   * Where the SDK packages Lambda's Node.js runtime provides and the emulator lacks are installed
   * for the functions that import them, on first use (see local/runtime/provided-sdk.ts).
   * @default ~/.cache/switchboard/sdk ($SWITCHBOARD_CACHE_DIR/sdk when set)
   */
  readonly sdkCacheDir?: string;
  /**
   * `on`: every AWS call a function makes is authorized against its execution role's policies,
   * and API Gateway invokes a function only as its AWS::Lambda::Permission resources allow, as on
   * AWS. `off` allows everything, for prototyping. @default 'on'
   */
  readonly iam?: 'on' | 'off';
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
  /** The URL of each other AWS service the app uses, by endpoint prefix (e.g. `sqs`), for an SDK client's `endpoint`. */
  readonly serviceEndpoints: Readonly<Record<string, string>>;
  /** The start banner's lines for those services: where each listens, and what it holds (its user pools, queues ...). */
  serviceBannerLines(): readonly string[];
  /** Table logical id => local table name. */
  readonly tables: Readonly<Record<string, string>>;
  /** The account's quotas and latency applied (the options, with `awsLike` filled in). */
  readonly limits: AccountLimits;
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

// The emulator's own SDK clients only reach its local store; Node 20's end-of-support notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Starts the emulator for one stack of an assembly. */
export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const log = options.log ?? ((line: string) => console.log(line));
  const clock = options.clock ?? systemClock;
  const host = options.host ?? '127.0.0.1';
  const providedSdk = new ProvidedSdk({ cacheDir: options.sdkCacheDir ?? sdkCacheDir(), log });
  // The app being served: reload() replaces it with one whose functions changed.
  const served: ServedApp = { app: readApp(options.assemblyDir, options.stack, log, providedSdk) };
  const { app } = served;
  // Before any function's environment starts, and before anything is bound: an install may take a while.
  await providedSdk.prepare(app.functions.values());
  const started = new StartedParts(log);
  try {
    // Each function calls with credentials of its own, so the services know who calls.
    const principals = new PrincipalDirectory(app, app.functions.values());
    const iam: IamAuthority =
      options.iam === 'off' ? allowEverything(principals) : enforceIam({ app: () => served.app, principals, log, clock });
    const store = started.add(
      await startStore(app.tables, {
        host: '127.0.0.1',
        port: options.dynamodbPort ?? 0,
        dataDir: options.dataDir,
        region: app.region,
        accountId: app.accountId,
        iam,
        // TTL: expired items are deleted at start and every minute, measured on the emulator's clock.
        clock,
        log,
      }),
      (s) => s.stop(),
    );
    const issuerKey = app.userPools.length > 0 ? await LocalIssuer.open(options.localIssuerDir) : undefined;
    // The port is bound before anything is served: the issuer URL, the functions' environment and
    // the URLs callers get all name it (with port 0 it is known only once bound). Requests that
    // arrive before the gateway is attached wait for it (HttpListener).
    const listener = started.add(await HttpListener.bind(host, options.port ?? 3001), (l) => l.close());
    const origin = `http://${listener.address.hostPort}`;
    const fakeHome = started.add(fakeAwsHomeFor(app), (h) => h.remove());
    // The other AWS services the app uses, each on a port of its own bound now, for the same reason.
    const serviceListeners = await bindServices(app, started);
    // The user pools' key, served by the local Cognito; the gateway keeps the token endpoint and the page's sign-in path.
    const cognito = serviceListeners.find(({ definition }) => definition === COGNITO_IDP)?.listener;
    const issuer = issuerKey && cognito && (await serveIssuer(issuerKey, app, cognito.address.hostPort));
    const environment = functionEnvironment({
      app,
      gatewayHostPort: listener.address.hostPort,
      dynamodbEndpoint: store.endpoint,
      services: Object.fromEntries(serviceListeners.map(({ definition, listener: l }) => [definition.endpointPrefix, l.address.hostPort])),
      credentialFiles: fakeHome.environment,
      nodePathOf: (spec) => providedSdk.nodePathOf(spec),
      credentialsOf: (spec) => principals.credentialsOf(spec.logicalId)!,
    });
    const runtimeFor = runtimeFactory(app, environment, providedSdk, options, log);
    const runtime = started.add(new ReloadableRuntime(runtimeFor(app.functions.values())), (r) => r.stop());
    // Every caller of a function counts against its concurrency: routes and authorizers and
    // synchronous Invokes are throttled over it, asynchronous deliveries wait.
    const limits = accountLimits(options);
    const concurrency = started.add(new LambdaConcurrency(app.functions.values(), limits.lambdaConcurrency), (c) => c.stop());
    const reservations = concurrency.reservationProblem();
    if (reservations) log(`warning: ${reservations}`);
    const invokeWhenFree = (id: string, event: unknown) => concurrency.invokeWhenFree(id, () => runtime.invoke(id, event));
    const services = serviceListeners.map(({ definition, listener: l }) => {
      const service = started.add(
        definition.create({ app, address: l.address, clock, log, iam, invoke: invokeWhenFree, localIssuer: issuerKey }),
        (svc) => svc.stop(),
      );
      l.serve(httpOnly(service));
      return { definition, service, listener: l };
    });
    const lambdaApi = new LambdaInvokeApi({
      app: () => served.app,
      invoke: (id, event) => concurrency.invoke(id, () => runtime.invoke(id, event)),
      invokeWhenFree,
      listenHost: host,
      iam,
      log,
    });
    const random = options.random ?? Math.random;
    const { postLatency } = limits;
    const gateway = new Gateway({
      app,
      address: listener.address,
      idleTimeoutSeconds: options.idleTimeoutSeconds ?? API_GATEWAY_LIMITS.idleTimeoutSeconds,
      maxDurationSeconds: options.maxDurationSeconds ?? API_GATEWAY_LIMITS.maxConnectionSeconds,
      webDir: options.webDir,
      // Never served as part of the site, even when it sits inside it: table data, the issuer's signing key.
      webExclude: [options.dataDir, options.localIssuerDir].filter((dir): dir is string => dir !== undefined),
      faultRates: options.faultRates ?? {},
      random,
      clock,
      iam,
      // API Gateway answers a throttled Lambda as any failed integration (500, "Internal server error").
      invoke: async (id, event, eventJson) => {
        const outcome = await concurrency.invoke(id, () => runtime.invoke(id, event, eventJson));
        return 'throttled' in outcome ? throttledResult(outcome) : outcome;
      },
      quota: limits.accountRps === undefined ? undefined : new AccountRequestQuota(accountRequestLimit(limits.accountRps), clock),
      postLatencyMs: postLatency && (() => drawLatency(postLatency, random)),
      log,
      httpRoutes: async (req, res, url) => (await lambdaApi.handle(req, res, url)) || (issuer ? issuer.handle(req, res, url) : false),
      publishedConfig: () => ({
        lambdaEndpoint: origin,
        publishFunctionName: publishFunctionOf(served.app)?.functionName,
        ...issuer?.publishedConfig,
      }),
    });
    listener.serve(gateway);
    return emulatorHandle({
      served,
      listener,
      store,
      issuer,
      runtime,
      runtimeFor,
      providedSdk,
      concurrency,
      limits,
      lambdaApi,
      gateway,
      services,
      fakeHome,
      log,
    });
  } catch (err: unknown) {
    await started.stopAll();
    throw err;
  }
}

/** The app being served; reload() replaces it. */
interface ServedApp {
  app: WebSocketAppSpec;
}

/** The running parts, as startEmulator built them. */
interface RunningParts {
  readonly served: ServedApp;
  readonly listener: HttpListener;
  readonly store: RunningStore;
  readonly issuer?: ServedIssuer;
  readonly runtime: ReloadableRuntime;
  /** A runtime for a set of functions, with the environment the app's functions get. */
  readonly runtimeFor: (functions: Iterable<FunctionSpec>) => LambdaRuntime;
  /** The SDK the functions get; a reload prepares it for the new functions' code. */
  readonly providedSdk: ProvidedSdk;
  readonly concurrency: LambdaConcurrency;
  readonly limits: AccountLimits;
  readonly lambdaApi: LambdaInvokeApi;
  readonly gateway: Gateway;
  readonly services: readonly RunningService[];
  readonly fakeHome: FakeAwsHome;
  readonly log: (line: string) => void;
}

/** What the caller gets: the URLs, the parts it may watch, reload() and stop(). */
function emulatorHandle(parts: RunningParts): Emulator {
  const { served, listener, store, issuer, runtime, concurrency, gateway, lambdaApi, services, log } = parts;
  const { app } = served;
  const origin = `http://${listener.address.hostPort}`;
  const tables: Record<string, string> = {};
  for (const t of app.tables) tables[t.logicalId] = t.tableName;
  let stopped: Promise<void> | undefined;
  return {
    url: `ws://${listener.address.hostPort}/${app.stage}`,
    managementEndpoint: `${origin}/${app.stage}`,
    httpUrl: origin,
    lambdaEndpoint: origin,
    get publishFunctionName() {
      return publishFunctionOf(served.app)?.functionName;
    },
    port: listener.address.port,
    dynamodbEndpoint: store.endpoint,
    dynamodbRequests: () => store.requestCounts(),
    serviceEndpoints: Object.fromEntries(
      services.map(({ definition, listener: l }) => [definition.endpointPrefix, `http://${l.address.hostPort}`]),
    ),
    serviceBannerLines: () =>
      services.flatMap(({ definition, service, listener: l }) => [
        `  ${definition.title.padEnd(13)} http://${l.address.hostPort} (${definition.endpointVariable}; functions reach it as ${definition.endpointPrefix}.${app.region}.${app.urlSuffix})`,
        ...(service.bannerLines?.() ?? []),
      ]),
    tables,
    limits: parts.limits,
    get app() {
      return served.app;
    },
    gateway,
    localIssuer: issuer && { ...issuer.state, jwksUrl: issuer.jwksUrl, mint: issuer.mint },
    settled: async () => {
      await gateway.settled();
      await lambdaApi.settled();
      for (const { service } of services) await service.settled?.();
    },
    async reload(assemblyDir) {
      if (stopped) throw new Error('the emulator has stopped; nothing to reload');
      const began = performance.now();
      const next = loadWebSocketApp(assemblyDir, served.app.stackName);
      const reason = restartReason(served.app, next);
      if (reason) {
        log(`reload: ${reason} since the start; restart switchboard-local to apply that (still serving the previous functions)`);
        return { restartNeeded: reason };
      }
      for (const warning of next.warnings) log(`warning: ${warning}`);
      await parts.providedSdk.prepare(next.functions.values());
      served.app = next;
      concurrency.configure(next.functions.values());
      void runtime
        .replace(parts.runtimeFor(next.functions.values()))
        .catch((err: unknown) => log(`reload: stopping the previous functions failed: ${String(err)}`));
      const ms = Math.round(performance.now() - began);
      log(`reloaded ${next.functions.size} functions in ${ms} ms`);
      return { functions: next.functions.size, ms };
    },
    stop() {
      stopped ??= (async () => {
        await gateway.stop();
        await listener.close();
        for (const { service } of services) await service.stop();
        await Promise.all(services.map(({ listener: l }) => l.close()));
        concurrency.stop();
        await runtime.stop();
        await store.stop();
        parts.fakeHome.remove();
      })();
      return stopped;
    },
  };
}

/** Makes the runtime for a set of the app's functions: at start, and again for each reload. */
function runtimeFactory(
  app: WebSocketAppSpec,
  environment: FunctionEnvironment,
  providedSdk: ProvidedSdk,
  options: EmulatorOptions,
  log: (line: string) => void,
): (functions: Iterable<FunctionSpec>) => LambdaRuntime {
  const onOutput = options.functionLog ?? (options.quiet ? undefined : (id: string, line: string) => log(functionLogLine(id, line)));
  return (functions) =>
    new LambdaRuntime(functions, (spec) => environment.of(spec), {
      region: app.region,
      accountId: app.accountId,
      maxConcurrency: options.maxConcurrency,
      onOutput,
      localAws: environment.localAws,
      reservedEnvironment: environment.reserved,
      baseEnvironment: environment.base,
      sdkCache: providedSdk.settings,
    });
}

/**
 * A HOME of our own whose shared AWS files give fake keys under every profile name the developer
 * uses (names only) and the app's functions name, so every credential source a function's SDK
 * may try resolves to them.
 */
function fakeAwsHomeFor(app: WebSocketAppSpec): FakeAwsHome {
  const appProfiles = [...app.functions.values()].map((f) => f.environment.AWS_PROFILE ?? '');
  return writeFakeAwsHome(app.region, [...awsProfileNames(), ...appProfiles]);
}

/** Reads the app and logs what it cannot run as written. */
function readApp(assemblyDir: string, stack: string | undefined, log: (line: string) => void, sdk: ProvidedSdk): WebSocketAppSpec {
  const app = loadWebSocketApp(assemblyDir, stack);
  for (const warning of app.warnings) log(`warning: ${warning}`);
  for (const note of runtimeNotes(app.functions.values(), { sdkCacheDir: sdk.settings.dir })) log(note);
  return app;
}

/** A service the emulator runs, where it listens, and the port it listens on. */
interface RunningService {
  readonly definition: ServiceDefinition;
  readonly service: LocalService;
  readonly listener: HttpListener;
}

/** Binds a port on loopback for each service the app needs; they are served once the functions exist. */
async function bindServices(
  app: WebSocketAppSpec,
  started: StartedParts,
): Promise<Array<{ definition: ServiceDefinition; listener: HttpListener }>> {
  const bound = [];
  for (const definition of LOCAL_SERVICES.filter((d) => d.needed(app))) {
    // Loopback only, whatever --host says: functions and the developer's programs on this machine reach it.
    const listener = started.add(await HttpListener.bind('127.0.0.1', 0), (l) => l.close());
    bound.push({ definition, listener });
  }
  return bound;
}

/** A service's handler as the listener takes it: AWS service APIs are plain HTTP, never WebSocket. */
function httpOnly(service: LocalService): HttpHandler {
  return {
    handleRequest: (req, res) => service.handleRequest(req, res),
    handleUpgrade: (_req, socket) => socket.destroy(),
  };
}

/** The parts started so far, stopped in reverse order when a later step fails. */
class StartedParts {
  private readonly stops: Array<() => unknown> = [];

  constructor(private readonly log: (line: string) => void) {}

  add<T>(part: T, stop: (part: T) => unknown): T {
    this.stops.push(() => stop(part));
    return part;
  }

  /** Stops each part; one that fails to stop is logged, so the error that ended the start is the one thrown. */
  async stopAll(): Promise<void> {
    for (const stop of this.stops.reverse()) {
      try {
        await stop();
      } catch (err: unknown) {
        this.log(`stopping after a failed start: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}
