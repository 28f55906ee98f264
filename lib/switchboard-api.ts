import * as path from 'node:path';
import { type CfnElement, type Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  ENV,
  HISTORY_DEFAULTS,
  historySettingsProblem,
  parseRoomRules,
  RATE_LIMIT_DEFAULTS,
  RATE_LIMIT_ENV,
  type RateLimit,
  ROOM_DEFAULTS,
  STACK_DEFAULTS,
  type RoomRule,
  ruleClaimNames,
  TABLE,
} from '../contract';
import { ConfigError } from './config-error';
import { PUBLISH_FUNCTION_DEFINITION, ROUTES, type FunctionDefinition, type RouteDefinition } from './routes';
import { SwitchboardAuth, type SwitchboardAuthProps } from './switchboard-auth';
import { SwitchboardFunction } from './switchboard-function';

/** Route throttling for the stage. */
export interface ThrottleProps {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Burst bucket size. */
  readonly burstLimit: number;
}

/** A per-connection token bucket: `perSecond` tokens refill each second, up to `burst` (the bucket's size). */
export type RateLimitProps = RateLimit;

export interface SwitchboardApiProps {
  /** Stage name; it is the last path segment of the wss:// URL. @default 'dev' */
  readonly stageName?: string;
  /** Default route throttling on the stage. @default { rateLimit: 500, burstLimit: 1000 } */
  readonly throttle?: ThrottleProps;
  /** Most rooms one connection may be in. @default 20 */
  readonly maxRoomsPerConnection?: number;
  /**
   * Most members one room may have; a join past it gets ROOM_FULL. The default
   * is what one invocation fans out to well within the 29 s integration limit.
   * @default 1000
   */
  readonly maxRoomMembers?: number;
  /** Posts in flight at once during a room fan-out. @default 32 */
  readonly fanoutConcurrency?: number;
  /**
   * Room messages one connection may send; past it they get RATE_LIMITED. Each one fans out
   * to up to `maxRoomMembers` posts, so this limit is exact: its bucket is in the connection's
   * table row (one conditional write per room message).
   * @default { perSecond: 10, burst: 20 }
   */
  readonly roomMessageRateLimit?: RateLimitProps;
  /**
   * Frames of any kind one connection may send; past it they get RATE_LIMITED. Kept in each
   * Lambda execution environment's memory (no table call), so a connection whose frames land on
   * N environments gets up to N times this. It cannot be lower than the room-message limit.
   * @default { perSecond: 50, burst: 100 }
   */
  readonly frameRateLimit?: RateLimitProps;
  /** Handler timeout, within API Gateway's 29 s integration limit. @default 10 seconds */
  readonly functionTimeout?: Duration;
  /** Retention of function and access logs. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the table when the stack is deleted. It holds only
   * connection state that expires within 2 h 10 min, so it is destroyed.
   * @default RemovalPolicy.DESTROY
   */
  readonly tableRemovalPolicy?: RemovalPolicy;
  /**
   * Set the account's API Gateway CloudWatch Logs role, which WebSocket access
   * logging requires. Turn off when another stack already manages it.
   * @default true
   */
  readonly configureAccountLogRole?: boolean;
  /**
   * Authentication on `$connect`: who issues the tokens, and how they are
   * checked; see {@link SwitchboardAuthProps}.
   * @default a Cognito user pool and app client (provider 'cognito')
   */
  readonly auth?: SwitchboardAuthProps;
  /**
   * Who may join which rooms, first match wins: `{ pattern, claims?, presence? }`, e.g.
   * `{ pattern: 'team.{group}.*', claims: { group: 'cognito:groups' } }` and `{ pattern: 'public.*' }`.
   * With rules, a room that matches none is FORBIDDEN. `user.<id>` rooms are each user's own
   * whatever the rules. See docs/realtime-design.md.
   * @default no rules: every room is open, apart from other users' `user.*` rooms
   */
  readonly roomRules?: RoomRule[];
  /**
   * Send `presence` events when a user's first connection joins a room or its last leaves (one
   * fan-out each). A room rule's `presence` overrides it; `members` works either way.
   * @default true
   */
  readonly presence?: boolean;
  /**
   * Messages kept per room, for `history` and for resuming (`join` with `since`); from 0 to 1000.
   * 0 keeps none: messages still get their `seq`, but nothing can be replayed. Each kept message
   * costs a history write (and the delete of the one `historyLimit` before it) on every send.
   * @default 100
   */
  readonly historyLimit?: number;
  /**
   * How long each room message is kept (DynamoDB TTL), from 1 minute to 30 days, in whole seconds:
   * how long after a drop a client can still resume without missing anything.
   * @default Duration.hours(24)
   */
  readonly historyRetention?: Duration;
  /**
   * Routes of your own beside Switchboard's, each with its handler file (docs/extend.md): e.g. a
   * `typing` action. A route key or id Switchboard already uses is refused.
   * @default none
   */
  readonly extraRoutes?: readonly ExtraRoute[];
}

/** A route you add (docs/extend.md): what RouteDefinition says of Switchboard's own, with your handler's source file. */
export interface ExtraRoute extends Omit<RouteDefinition, 'handler'> {
  /** Your handler's source file (TypeScript or JavaScript exporting `handler`), bundled with esbuild at synth. */
  readonly entry: string;
}

const STAGE_NAME = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * A Switchboard WebSocket API: API Gateway WebSocket API and auto-deploying
 * stage, one Lambda function per route, and the DynamoDB table of connections
 * and room memberships.
 */
export class SwitchboardApi extends Construct {
  public readonly api: apigwv2.WebSocketApi;
  public readonly stage: apigwv2.WebSocketStage;
  public readonly table: dynamodb.Table;
  /** The function behind each route, by route key. */
  public readonly functions: Readonly<Record<string, SwitchboardFunction>>;
  /** Each route, by route key. */
  public readonly routes: Readonly<Record<string, apigwv2.WebSocketRoute>>;
  /** `wss://…/<stage>`: where clients connect. */
  public readonly webSocketUrl: string;
  /** `https://…/<stage>`: the `@connections` management endpoint. */
  public readonly callbackUrl: string;
  /** The `$connect` authorizer and, for Cognito, the user pool. */
  public readonly auth: SwitchboardAuth;
  /** Switchboard's routes and the extra ones. */
  private readonly routeDefinitions: ReadonlyArray<RouteDefinition & { readonly entry?: string }>;
  /**
   * The Publish function, which backends invoke through the Lambda Invoke API with
   * `{ room, data, from? }` to reach every member of a room; see {@link grantPublish}.
   */
  public readonly publishFunction: SwitchboardFunction;

  constructor(scope: Construct, id: string, props: SwitchboardApiProps = {}) {
    super(scope, id);
    const stageName = props.stageName ?? STACK_DEFAULTS.stageName;
    const throttle = props.throttle ?? STACK_DEFAULTS.throttle;
    const maxRooms = props.maxRoomsPerConnection ?? ROOM_DEFAULTS.maxRoomsPerConnection;
    const fanoutConcurrency = props.fanoutConcurrency ?? ROOM_DEFAULTS.fanoutConcurrency;
    const maxRoomMembers = props.maxRoomMembers ?? ROOM_DEFAULTS.maxRoomMembers;
    const roomMessageRateLimit = props.roomMessageRateLimit ?? RATE_LIMIT_DEFAULTS.roomMessages;
    const frameRateLimit = props.frameRateLimit ?? RATE_LIMIT_DEFAULTS.frames;
    validateProps(id, { stageName, throttle, maxRooms, maxRoomMembers, fanoutConcurrency });
    validateRateLimits(id, roomMessageRateLimit, frameRateLimit);
    const history = {
      limit: props.historyLimit ?? HISTORY_DEFAULTS.limit,
      // Not integral: a fraction of a second gets the range message below, not Duration's own.
      retentionSeconds: props.historyRetention?.toSeconds({ integral: false }) ?? HISTORY_DEFAULTS.retentionSeconds,
    };
    const historyProblem = historySettingsProblem(history, {
      limit: `SwitchboardApi ${id}: historyLimit`,
      retention: `SwitchboardApi ${id}: historyRetention`,
    });
    if (historyProblem !== undefined) throw new ConfigError(historyProblem);
    let roomRules: RoomRule[];
    try {
      roomRules = parseRoomRules(props.roomRules ?? []);
    } catch (err: unknown) {
      throw new ConfigError(`SwitchboardApi ${id}: ${(err as Error).message}`);
    }
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    this.table = new dynamodb.Table(this, 'Connections', {
      partitionKey: { name: TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TABLE.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.tableRemovalPolicy ?? RemovalPolicy.DESTROY,
    });

    this.api = new apigwv2.WebSocketApi(this, 'Api', {
      description: 'Switchboard WebSocket API',
      routeSelectionExpression: '$request.body.action',
    });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.stage = new apigwv2.WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName,
      autoDeploy: true,
      throttle,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: apigw.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    if (props.configureAccountLogRole ?? true) this.configureAccountLogRole();

    this.webSocketUrl = this.stage.url;
    this.callbackUrl = this.stage.callbackUrl;

    this.auth = new SwitchboardAuth(this, 'Auth', {
      functionTimeout: props.functionTimeout,
      logRetention,
      ...props.auth,
      // The rules are judged in the join handler from these claims, which the authorizer passes on.
      ruleClaims: ruleClaimNames(roomRules),
    });

    const functions: Record<string, SwitchboardFunction> = {};
    const routes: Record<string, apigwv2.WebSocketRoute> = {};
    const config = {
      [ENV.maxRoomsPerConnection]: maxRooms,
      [ENV.maxRoomMembers]: maxRoomMembers,
      [ENV.fanoutConcurrency]: fanoutConcurrency,
      [RATE_LIMIT_ENV.roomMessages.perSecond]: roomMessageRateLimit.perSecond,
      [RATE_LIMIT_ENV.roomMessages.burst]: roomMessageRateLimit.burst,
      [RATE_LIMIT_ENV.frames.perSecond]: frameRateLimit.perSecond,
      [RATE_LIMIT_ENV.frames.burst]: frameRateLimit.burst,
      [ENV.historyLimit]: history.limit,
      [ENV.historyRetentionSeconds]: history.retentionSeconds,
      [ENV.roomRules]: JSON.stringify(roomRules),
      [ENV.presence]: String(props.presence ?? ROOM_DEFAULTS.presence),
    };
    const addFunction = (definition: FunctionDefinition & { readonly entry?: string }): SwitchboardFunction => {
      const fn = new SwitchboardFunction(this, `${definition.id}Handler`, {
        handler: definition.handler,
        entry: definition.entry,
        timeout: props.functionTimeout,
        logRetention,
        environment: this.environmentFor(definition, config),
      });
      if (definition.tableActions.length > 0) this.table.grant(fn.function, ...definition.tableActions.map((a) => `dynamodb:${a}`));
      if (definition.manageConnections) this.stage.grantManagementApiAccess(fn.function);
      return fn;
    };
    this.routeDefinitions = [...ROUTES, ...extraRouteDefinitions(id, props.extraRoutes ?? [])];
    for (const route of this.routeDefinitions) {
      const fn = addFunction(route);
      routes[route.routeKey] = this.api.addRoute(route.routeKey, {
        integration: new WebSocketLambdaIntegration(`${route.id}Integration`, fn.function),
        returnResponse: route.returnResponse,
        // API Gateway authorizes WebSocket connections on $connect only.
        authorizer: route.routeKey === '$connect' ? this.auth.authorizer : undefined,
      });
      functions[route.routeKey] = fn;
    }
    this.functions = functions;
    this.publishFunction = addFunction(PUBLISH_FUNCTION_DEFINITION);
    this.routes = routes;
    this.acknowledgeNagFindings();
  }

  /** The variables a route's function reads: table, callback URL, and the configuration it asks for by name. */
  private environmentFor(route: FunctionDefinition, config: Readonly<Record<string, number | string>>): Record<string, string> {
    const env: Record<string, string> = {};
    if (route.tableActions.length > 0) env[ENV.tableName] = this.table.tableName;
    if (route.manageConnections) env[ENV.callbackUrl] = this.stage.callbackUrl;
    for (const name of route.extraEnvironment ?? []) {
      if (!(name in config)) throw new Error(`Function ${route.id} asks for ${name}, which SwitchboardApi does not know how to set.`);
      env[name] = String(config[name]);
    }
    return env;
  }

  /** WebSocket access logging needs the account-wide API Gateway CloudWatch role. */
  private configureAccountLogRole(): void {
    const role = new iam.Role(this, 'ApiGatewayLogsRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs')],
    });
    const account = new apigw.CfnAccount(this, 'ApiGatewayAccount', { cloudWatchRoleArn: role.roleArn });
    this.stage.node.addDependency(account);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS documents for the account-level API Gateway logging role; it must reach log groups API Gateway itself names.',
    });
  }

  private acknowledgeNagFindings(): void {
    for (const route of this.routeDefinitions) {
      // $connect carries the authorizer, unless authentication was explicitly turned off.
      if (route.routeKey === '$connect' && this.auth.authorizer) continue;
      Validations.of(this.routes[route.routeKey]).acknowledge({
        id: 'AwsSolutions::AwsSolutions-APIG4',
        reason:
          route.routeKey === '$connect'
            ? 'Authentication was turned off on purpose (auth provider "none", which synth warns about): clients connect anonymously, each identified by its connection id and limited by stage throttling.'
            : `WebSocket APIs authorize only on $connect; the ${route.routeKey} route runs on a connection $connect already admitted.`,
      });
    }
    // grantManagementApiAccess scopes ManageConnections to this API and stage;
    // the wildcards stand for the HTTP method and the connection id, known only at run time.
    const apiLogicalId = Stack.of(this).getLogicalId(this.api.node.defaultChild as CfnElement);
    const connectionsArn = `arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiLogicalId}>/${this.stage.stageName}/*/@connections/*`;
    const posting = [
      ...this.routeDefinitions.filter((r) => r.manageConnections).map((r) => this.functions[r.routeKey]),
      this.publishFunction,
    ];
    for (const fn of posting) {
      Validations.of(fn.role).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${connectionsArn}]`,
        reason: `ManageConnections is limited to this API's ${this.stage.stageName} stage; the wildcards are the HTTP method and the connection id, which exist only at run time.`,
      });
    }
  }

  /**
   * Lets `grantee` publish to rooms: `lambda:InvokeFunction` on the Publish function, and nothing
   * else (no table, no `@connections`).
   */
  public grantPublish(grantee: iam.IGrantable): iam.Grant {
    const fn = this.publishFunction.function;
    // The unqualified function only: grantInvoke would add `<arn>:*` (every version and alias, which
    // Switchboard never publishes), a wildcard cdk-nag flags (IAM5) in the grantee's stack.
    const grant = iam.Grant.addToPrincipal({ grantee, actions: ['lambda:InvokeFunction'], resourceArns: [fn.functionArn] });
    // A principal with no policy of its own (a service, another account) needs the function's resource policy.
    return grant.success ? grant : fn.grantInvoke(grantee);
  }
}

/** JSON access log: who, which route, what status, how long; never message bodies. */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  connectionId: '$context.connectionId',
  eventType: '$context.eventType',
  routeKey: '$context.routeKey',
  status: '$context.status',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  errorMessage: '$context.error.message',
  sourceIp: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  disconnectStatusCode: '$context.disconnectStatusCode',
};

function validateProps(
  id: string,
  p: { stageName: string; throttle: ThrottleProps; maxRooms: number; maxRoomMembers: number; fanoutConcurrency: number },
): void {
  const fail = (what: string) => {
    throw new ConfigError(`SwitchboardApi ${id}: ${what}`);
  };
  if (!STAGE_NAME.test(p.stageName)) fail(`stageName "${p.stageName}" must be 1-128 characters of A-Z a-z 0-9 _ -.`);
  if (!(p.throttle.rateLimit > 0))
    fail(`throttle.rateLimit must be a positive number of requests per second; got ${p.throttle.rateLimit}.`);
  if (!Number.isInteger(p.throttle.burstLimit) || p.throttle.burstLimit < 0) {
    fail(`throttle.burstLimit must be a non-negative integer; got ${p.throttle.burstLimit}.`);
  }
  if (!Number.isInteger(p.maxRooms) || p.maxRooms < 1 || p.maxRooms > 1000) {
    fail(`maxRoomsPerConnection must be an integer from 1 to 1000; got ${p.maxRooms}.`);
  }
  if (!Number.isInteger(p.maxRoomMembers) || p.maxRoomMembers < 2 || p.maxRoomMembers > 100_000) {
    fail(`maxRoomMembers must be an integer from 2 to 100000; got ${p.maxRoomMembers}.`);
  }
  if (!Number.isInteger(p.fanoutConcurrency) || p.fanoutConcurrency < 1 || p.fanoutConcurrency > 256) {
    fail(`fanoutConcurrency must be an integer from 1 to 256; got ${p.fanoutConcurrency}.`);
  }
}

/** Extra routes as route definitions; a route key or construct id already taken is refused, naming it. */
function extraRouteDefinitions(id: string, extra: readonly ExtraRoute[]): Array<RouteDefinition & { readonly entry: string }> {
  const keys = new Set(ROUTES.map((r) => r.routeKey));
  const ids = new Set([...ROUTES.map((r) => r.id), PUBLISH_FUNCTION_DEFINITION.id]);
  return extra.map((route) => {
    if (keys.has(route.routeKey)) {
      throw new ConfigError(
        `SwitchboardApi ${id}: extraRoutes has route key "${route.routeKey}", which is already a route; choose another action name.`,
      );
    }
    if (ids.has(route.id)) {
      throw new ConfigError(`SwitchboardApi ${id}: extraRoutes has id "${route.id}", which is already taken; choose another id.`);
    }
    keys.add(route.routeKey);
    ids.add(route.id);
    return { ...route, handler: path.parse(route.entry).name };
  });
}

function validateRateLimits(id: string, roomMessages: RateLimitProps, frames: RateLimitProps): void {
  const check = (name: string, limit: RateLimitProps) => {
    if (!Number.isFinite(limit.perSecond) || limit.perSecond <= 0 || limit.perSecond > 10_000) {
      throw new ConfigError(`SwitchboardApi ${id}: ${name}.perSecond must be a number above 0 and at most 10000; got ${limit.perSecond}.`);
    }
    if (!Number.isInteger(limit.burst) || limit.burst < 1 || limit.burst > 100_000) {
      throw new ConfigError(`SwitchboardApi ${id}: ${name}.burst must be an integer from 1 to 100000; got ${limit.burst}.`);
    }
  };
  check('roomMessageRateLimit', roomMessages);
  check('frameRateLimit', frames);
  // Every room message is also a frame: a looser room limit would never be reached.
  if (roomMessages.perSecond > frames.perSecond || roomMessages.burst > frames.burst) {
    throw new ConfigError(
      `SwitchboardApi ${id}: roomMessageRateLimit (${roomMessages.perSecond}/s, burst ${roomMessages.burst}) exceeds frameRateLimit (${frames.perSecond}/s, burst ${frames.burst}); every room message is also a frame, so raise frameRateLimit too.`,
    );
  }
}
