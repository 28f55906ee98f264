import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { RateLimit, RoomRule } from '../contract';
import type { RouteDefinition } from './routes';
import type { SwitchboardAuthProps } from './switchboard-auth';

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
   * Most members one room may have, up to 1,000,000; a join past it gets ROOM_FULL. Rooms beyond
   * `inlineFanoutLimit` fan out through the fan-out queue and its workers.
   * @default 1000
   */
  readonly maxRoomMembers?: number;
  /** Posts in flight at once during a room fan-out (inline, and in each fan-out worker). @default 32 */
  readonly fanoutConcurrency?: number;
  /**
   * Rooms of up to this many members fan out inline, from the sender's own invocation (the ack says
   * `delivered`); larger rooms through the fan-out queue (an SQS FIFO queue) and its workers (the
   * ack says `queued`). 0 sends every room through the queue.
   * @default 1000
   */
  readonly inlineFanoutLimit?: number;
  /** Members per shard of a queued room: one queue message and one worker's Query each. @default 1000 */
  readonly fanoutShardSize?: number;
  /**
   * Posts per second of all fan-out workers together, a share of the account's `@connections`
   * quota (10,000 requests/s by default, for every API of the account in the region).
   * @default 5000
   */
  readonly fanoutPostsPerSecond?: number;
  /** Fan-out workers at once: the event source mapping's maximum concurrency, 2 to 1000. @default 10 */
  readonly fanoutWorkers?: number;
  /**
   * Room messages per second one room beyond `inlineFanoutLimit` takes, from all its members and
   * publishers together (bursts of two seconds' worth); past it they get RATE_LIMITED. Every such
   * message is a post to each of its members: this keeps one room from running up the bill.
   * @default 20
   */
  readonly roomMessagesPerSecondPerRoom?: number;
  /**
   * Above this many members a room gets an `occupancy` count, at most once a second, instead of a
   * `presence` event per join and leave (each a post to every member). @default 100
   */
  readonly presenceLimit?: number;
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
  /**
   * Every function's Lambda runtime (the authorizer's included), nodejs22.x or newer.
   * @default the newest Node.js runtime the installed aws-cdk-lib offers, which cdk-nag's AwsSolutions-L1 asks for
   */
  readonly runtime?: lambda.Runtime;
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
   * `whoami` action. A route key or id Switchboard already uses is refused.
   * @default none
   */
  readonly extraRoutes?: readonly ExtraRoute[];
  /**
   * Alarms (errors and throttles of every function, API Gateway integration and execution errors,
   * DynamoDB throttling, undelivered room messages, the authorizer's key fetches) and a CloudWatch
   * dashboard: a SwitchboardMonitoring, `monitoring` on the API. `false` makes neither.
   * @default true
   */
  readonly monitoring?: boolean;
  /**
   * Where the alarms notify, on ALARM and on OK. For email, `new AlarmTopic(this, 'Alarms', { email })`
   * makes a topic CloudWatch can publish to; a topic encrypted with the AWS managed key `alias/aws/sns`
   * cannot receive alarms (CloudWatch may not use that key).
   * @default no notifications: the alarms show in the console and on the dashboard
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Make CloudFormation outputs in the stack: `WebSocketUrl`, `CallbackUrl`, `TableName`,
   * `PublishFunctionName`, `DashboardName` (with monitoring), `UserPoolId` and `UserPoolClientId`
   * (Cognito) and `CustomDomainTarget` (with a domain): the names `npm run verify` and
   * `switchboard-local publish --stack` read. Output names are unique in a stack, so a second
   * SwitchboardApi in one stack needs an `outputPrefix` (or `outputs: false`).
   * @default true
   */
  readonly outputs?: boolean;
  /** Put before each output's name: `Chat` gives `ChatWebSocketUrl`; letters and digits, starting with a letter. @default no prefix */
  readonly outputPrefix?: string;
  /**
   * A custom domain for clients, e.g. `realtime.example.com`: a regional API Gateway domain name
   * (TLS 1.2, IPv4 and IPv6) mapped to the stage, so `webSocketUrl` is `wss://realtime.example.com`.
   * Needs `certificate`. The functions keep posting to the execute-api host (`callbackUrl`): that is
   * where AWS documents `@connections`, it works before the domain's DNS does, and through a custom
   * domain the path would be the mapping's, not the stage's (see docs/design.md).
   * @default none: clients connect to the execute-api host
   */
  readonly domainName?: string;
  /** An ACM certificate for `domainName`, in the stack's region (API Gateway's regional endpoint). Only with `domainName`. @default none */
  readonly certificate?: acm.ICertificate;
  /**
   * The Route 53 public hosted zone `domainName` is in: A and AAAA alias records there point the name
   * at the API. Only with `domainName`.
   * @default none: point the name at the `CustomDomainTarget` output yourself (CNAME or alias)
   */
  readonly hostedZone?: route53.IHostedZone;
}

/** A route you add (docs/extend.md): what RouteDefinition says of Switchboard's own, with your handler's source file. */
export interface ExtraRoute extends Omit<RouteDefinition, 'handler'> {
  /** Your handler's source file (TypeScript or JavaScript exporting `handler`), bundled with esbuild at synth. */
  readonly entry: string;
}
