import { ENV, RATE_LIMIT_ENV } from '../contract';
import type { Action } from '../protocol';
import { PUBLISH_FUNCTION } from '../protocol/publish';
import type { TableAction } from './connections-table';

/** Every route a client sends frames to reads the per-connection frame limit. */
const FRAME_LIMIT_ENV = [RATE_LIMIT_ENV.frames.perSecond, RATE_LIMIT_ENV.frames.burst];
/** Every function that assigns, keeps or reads room messages' `seq`s reads the history settings. */
const HISTORY_ENV = [ENV.historyLimit, ENV.historyRetentionSeconds];
/**
 * Every function that fans out to a room reads the layout (GetItem on the room's `FANOUT#` row) and
 * fans out inline, or sends one job per shard to the fan-out queue: SwitchboardApi gives each
 * function that names the queue's URL the queue's send permission.
 */
const FANOUT_ENV = [ENV.fanoutConcurrency, ENV.fanoutQueueUrl, ENV.inlineFanoutLimit, ENV.fanoutShardSize];
/**
 * Every function that counts presence (joins, leaves, removed connections) reads the room rules and
 * the presence setting, which say where presence events go out, and fans them out.
 */
const PRESENCE_ENV = [ENV.roomRules, ENV.presence, ENV.presenceLimit, ...FANOUT_ENV];

/** One Switchboard function and what it needs. */
export interface FunctionDefinition {
  /**
   * Names the function's constructs (`<id>Handler`, and a route's `<id>Integration`). It is a
   * contract with deployed stacks: changing it replaces the function, so it never follows a file name.
   */
  readonly id: string;
  /** The function's entry file in lambda/functions/, without extension. */
  readonly handler: string;
  /** Table actions the handler calls. */
  readonly tableActions: readonly TableAction[];
  /** Whether the handler posts to connections through `@connections`. */
  readonly manageConnections: boolean;
  /** Configuration variables the handler reads besides the table name and callback URL. */
  readonly extraEnvironment?: readonly string[];
}

/** One API route and what its function needs. */
export interface RouteDefinition extends FunctionDefinition {
  /** The API Gateway route key: API Gateway's own (`$connect`, ...), or a protocol action's name. */
  readonly routeKey: string;
  /** Two-way route: API Gateway sends the handler's returned body (the reply) to the sender. */
  readonly returnResponse: boolean;
}

/** A route's definition without its route key, which is the key it stands under in its table. */
export type RouteEntry = Omit<RouteDefinition, 'routeKey'>;

/** API Gateway's own routes: a connection opening and closing, and frames no action's route matched. */
const GATEWAY_ROUTES: Readonly<Record<'$connect' | '$disconnect' | '$default', RouteEntry>> = {
  $connect: { id: 'Connect', handler: 'connect', tableActions: ['PutItem'], manageConnections: false, returnResponse: false },
  $disconnect: {
    id: 'Disconnect',
    handler: 'disconnect',
    // GetItem reads the connection's rooms and UpdateItem counts its presence departures, before
    // DeleteItem removes its row and BatchWriteItem its member rows; Query reads the members a
    // presence `left` goes to, and the same actions prune gone ones.
    tableActions: ['GetItem', 'DeleteItem', 'BatchWriteItem', 'UpdateItem', 'Query'],
    // Presence `left` to the rooms' remaining members.
    manageConnections: true,
    returnResponse: false,
    extraEnvironment: PRESENCE_ENV,
  },
  $default: {
    id: 'Default',
    handler: 'default',
    tableActions: [],
    manageConnections: false,
    returnResponse: true,
    extraEnvironment: FRAME_LIMIT_ENV,
  },
};

/** One route per protocol action, keyed by the action (its route key): an action without its route fails to compile. */
export type ActionRoutes = Readonly<Record<Action, RouteEntry>>;

/** The protocol actions' routes. */
export const ACTION_ROUTES: ActionRoutes = {
  message: {
    id: 'Message',
    handler: 'message',
    // Query reads the room's members; DeleteItem + BatchWriteItem prune stale ones (and GetItem +
    // UpdateItem count their presence departures first); GetItem + UpdateItem
    // keep the sender's room-message rate limit in its row; UpdateItem takes the room's next seq and
    // BatchWriteItem keeps the message in its history (and drops the one `historyLimit` before);
    // GetItem + PutItem (conditional) remember a message's id, so a resend is not sent again.
    tableActions: ['GetItem', 'Query', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'PutItem'],
    // Fan-out posts to the other members; the sender's ack is the route response.
    manageConnections: true,
    returnResponse: true,
    extraEnvironment: [
      ENV.roomMessagesPerSecondPerRoom,
      RATE_LIMIT_ENV.roomMessages.perSecond,
      RATE_LIMIT_ENV.roomMessages.burst,
      ...HISTORY_ENV,
      ...PRESENCE_ENV,
      ...FRAME_LIMIT_ENV,
    ],
  },
  join: {
    id: 'Join',
    handler: 'join',
    // Query counts the room's members against its size limit (and its layout's growth), and reads the
    // replay of a resume; GetItem reads the room's latest seq and its layout; UpdateItem records a
    // grown room's count and layout, and counts the user's presence; Query sends a presence `joined`,
    // and GetItem + UpdateItem + DeleteItem + BatchWriteItem prune gone members on the way.
    tableActions: ['GetItem', 'Query', 'UpdateItem', 'PutItem', 'DeleteItem', 'BatchWriteItem'],
    // A resume (`since`) posts `joined` and the replay to the joiner itself, in order; presence
    // `joined` goes to the other members.
    manageConnections: true,
    returnResponse: true,
    extraEnvironment: [ENV.maxRoomsPerConnection, ENV.maxRoomMembers, ...HISTORY_ENV, ...PRESENCE_ENV, ...FRAME_LIMIT_ENV],
  },
  leave: {
    id: 'Leave',
    handler: 'leave',
    // UpdateItem + DeleteItem: the membership, and UpdateItem the presence departure; GetItem + Query
    // send a presence `left` (the room's layout, its members), and GetItem + UpdateItem + DeleteItem +
    // BatchWriteItem prune gone members on the way.
    tableActions: ['GetItem', 'UpdateItem', 'DeleteItem', 'Query', 'BatchWriteItem'],
    // Presence `left` to the remaining members.
    manageConnections: true,
    returnResponse: true,
    extraEnvironment: [...PRESENCE_ENV, ...FRAME_LIMIT_ENV],
  },
  members: {
    id: 'Members',
    handler: 'members',
    // GetItem checks membership (the connection's rooms); Query reads one page of the room's presence rows.
    tableActions: ['GetItem', 'Query'],
    manageConnections: false,
    returnResponse: true,
    extraEnvironment: FRAME_LIMIT_ENV,
  },
  ping: {
    id: 'Ping',
    handler: 'ping',
    tableActions: [],
    manageConnections: false,
    returnResponse: true,
    extraEnvironment: FRAME_LIMIT_ENV,
  },
  signal: {
    id: 'Signal',
    handler: 'signal',
    // GetItem checks membership; Query reads the room's members; DeleteItem + BatchWriteItem prune
    // gone ones (and GetItem + UpdateItem count their presence departures first). No seq, no history.
    tableActions: ['GetItem', 'Query', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'],
    // Fan-out posts to the other members, inline; the sender's ack is the route response.
    manageConnections: true,
    returnResponse: true,
    extraEnvironment: [...PRESENCE_ENV, ...FRAME_LIMIT_ENV],
  },
  history: {
    id: 'History',
    handler: 'history',
    // GetItem checks membership (the connection's rooms); Query reads the room's retained messages.
    tableActions: ['GetItem', 'Query'],
    manageConnections: false,
    returnResponse: true,
    extraEnvironment: [...HISTORY_ENV, ...FRAME_LIMIT_ENV],
  },
};

/** The route table: the one place that says which route runs what, with which permissions. */
export const ROUTES: readonly RouteDefinition[] = [GATEWAY_ROUTES, ACTION_ROUTES].flatMap((table) =>
  Object.entries(table).map(([routeKey, route]: [string, RouteEntry]) => ({ routeKey, ...route })),
);

/**
 * The Publish function: no route, backends invoke it through the Lambda Invoke API
 * (SwitchboardApi.grantPublish). Its id is a contract with the `publish()` library, which finds it
 * by the stack output PublishFunctionName or by this id in its logical id.
 */
export const PUBLISH_FUNCTION_DEFINITION: FunctionDefinition = {
  // SwitchboardApi names it `${id}Handler`: protocol/publish.ts's PUBLISH_FUNCTION.constructId.
  id: PUBLISH_FUNCTION.constructId.replace(/Handler$/, ''),
  handler: 'publish',
  // As `message` without the sender's row: UpdateItem takes the seq, BatchWriteItem keeps the history
  // and prunes, Query reads the members, GetItem reads a gone member's rooms and UpdateItem counts
  // its presence departures, before DeleteItem removes its row.
  tableActions: ['GetItem', 'Query', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'],
  manageConnections: true,
  extraEnvironment: [ENV.roomMessagesPerSecondPerRoom, ...HISTORY_ENV, ...PRESENCE_ENV],
};

/**
 * The fan-out worker: no route, the fan-out queue's event source mapping invokes it with jobs (one
 * shard of one room frame each). Query reads its shard's members; GetItem + UpdateItem claim posts
 * from the workers' shared bucket (GOVERNOR); GetItem + DeleteItem + BatchWriteItem + UpdateItem
 * prune gone ones and count their presence departures (whose `left` may fan out again, through the
 * queue in a big room).
 */
export const FANOUT_WORKER_DEFINITION: FunctionDefinition = {
  id: 'FanoutWorker',
  handler: 'fanout',
  tableActions: ['GetItem', 'Query', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'],
  manageConnections: true,
  extraEnvironment: [...PRESENCE_ENV, ENV.fanoutPostsPerSecond],
};
