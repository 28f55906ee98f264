import { ENV, RATE_LIMIT_ENV } from '../lambda/core/config';

/** Every route a client sends frames to reads the per-connection frame limit. */
const FRAME_LIMIT_ENV = [RATE_LIMIT_ENV.frames.perSecond, RATE_LIMIT_ENV.frames.burst];

/** DynamoDB actions a route's function may call; nothing broader is granted. */
export type TableAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'Query' | 'BatchWriteItem';

/** One API route and what its function needs. */
export interface RouteDefinition {
  /** The API Gateway route key. Action routes use the protocol's action name. */
  readonly routeKey: string;
  /**
   * Names the route's constructs (`<id>Handler`, `<id>Integration`). It is a contract with
   * deployed stacks: changing it replaces the function, so it never follows a file name.
   */
  readonly id: string;
  /** Handler file in lambda/handlers/, without extension. */
  readonly handler: string;
  /** Table actions the handler calls. */
  readonly tableActions: readonly TableAction[];
  /** Whether the handler posts to other connections through `@connections`. */
  readonly manageConnections: boolean;
  /** Two-way route: API Gateway sends the handler's returned body (the reply) to the sender. */
  readonly returnResponse: boolean;
  /** Configuration variables the handler reads besides the table name and callback URL. */
  readonly extraEnvironment?: readonly string[];
}

/** The route table: the one place that says which route runs what, with which permissions. */
export const ROUTES: readonly RouteDefinition[] = [
  { routeKey: '$connect', id: 'Connect', handler: 'connect', tableActions: ['PutItem'], manageConnections: false, returnResponse: false },
  {
    routeKey: '$disconnect',
    id: 'Disconnect',
    handler: 'disconnect',
    tableActions: ['GetItem', 'BatchWriteItem'],
    manageConnections: false,
    returnResponse: false,
  },
  {
    routeKey: '$default',
    id: 'Default',
    handler: 'default',
    tableActions: [],
    manageConnections: false,
    returnResponse: true,
    extraEnvironment: FRAME_LIMIT_ENV,
  },
  {
    routeKey: 'message',
    id: 'Message',
    handler: 'message',
    // Query reads the room's members; GetItem + BatchWriteItem prune stale ones; GetItem + UpdateItem
    // keep the sender's room-message rate limit in its row.
    tableActions: ['GetItem', 'Query', 'UpdateItem', 'BatchWriteItem'],
    // Fan-out posts to the other members; the sender's ack is the route response.
    manageConnections: true,
    returnResponse: true,
    extraEnvironment: [ENV.fanoutConcurrency, RATE_LIMIT_ENV.roomMessages.perSecond, RATE_LIMIT_ENV.roomMessages.burst, ...FRAME_LIMIT_ENV],
  },
  {
    routeKey: 'join',
    id: 'Join',
    handler: 'join',
    // Query counts the room's members against its size limit.
    tableActions: ['GetItem', 'Query', 'UpdateItem', 'PutItem'],
    manageConnections: false,
    returnResponse: true,
    extraEnvironment: [ENV.maxRoomsPerConnection, ENV.maxRoomMembers, ...FRAME_LIMIT_ENV],
  },
  {
    routeKey: 'leave',
    id: 'Leave',
    handler: 'leave',
    tableActions: ['UpdateItem', 'DeleteItem'],
    manageConnections: false,
    returnResponse: true,
    extraEnvironment: FRAME_LIMIT_ENV,
  },
  {
    routeKey: 'ping',
    id: 'Ping',
    handler: 'ping',
    tableActions: [],
    manageConnections: false,
    returnResponse: true,
    extraEnvironment: FRAME_LIMIT_ENV,
  },
];
