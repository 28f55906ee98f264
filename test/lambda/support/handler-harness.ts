/**
 * What the handler unit tests share: the mocked AWS clients, the handlers' dependencies built as a
 * function's entry builds them (lambda/functions/) but from settings given here rather than the
 * environment, a Lambda context and API Gateway's route event.
 */
import { roomsOfOneShard } from '../../support/room-layouts';
import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
  type PostToConnectionCommandInput,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  HISTORY_DEFAULTS,
  RATE_LIMIT_DEFAULTS,
  ROOM_DEFAULTS,
  type HistorySettings,
  type RateLimit,
  type RoomRule,
} from '../../../contract';
import { ConnectionStore, type JoinLimits } from '../../../lambda/core/connection-store';
import type { RouteEvent } from '../../../lambda/core/events';
import { FrameLimiter } from '../../../lambda/core/frame-limiter';
import { MessageDedup } from '../../../lambda/core/message-dedup';
import { Notifier } from '../../../lambda/core/notifier';
import { PresenceStore } from '../../../lambda/core/presence';
import { RoomHistory } from '../../../lambda/core/room-history';
import { RoomPolicy } from '../../../lambda/core/room-rules';
import { createTelemetry } from '../../../lambda/core/telemetry';

/** The connection the route events come from unless a test names another. */
export const SENDER = 'SENDER00000000A=';
/** The table the handlers are given unless a test names another. */
export const TABLE_NAME = 'Connections';
const CALLBACK_URL = 'https://abc123.execute-api.us-east-1.amazonaws.com/dev';

/**
 * Mocks DynamoDB (the document client) and `@connections`, both reset before each test, with
 * every post succeeding until a test says otherwise.
 */
export function mockAwsClients() {
  const ddb = mockClient(DynamoDBDocumentClient);
  const api = mockClient(ApiGatewayManagementApiClient);
  beforeEach(() => {
    ddb.reset();
    roomsOfOneShard(ddb);
    api.reset();
    api.on(PostToConnectionCommand).resolves({});
  });
  return { ddb, api };
}

/** The settings a test may change; the rest are the defaults a function falls back on. */
export interface HandlerSettings {
  readonly tableName?: string;
  readonly limits?: Partial<JoinLimits>;
  readonly history?: HistorySettings;
  readonly roomRules?: RoomRule[];
  readonly roomMessageRateLimit?: RateLimit;
  readonly frameRateLimit?: RateLimit;
}

/**
 * Everything a handler's `makeHandler` may ask for, over the mocked clients: one object serves every
 * handler, so handlers made from it share one frame limiter, as routes of one environment would.
 * Logs and metrics are off (test/setup-env.ts).
 */
export function handlerDeps(settings: HandlerSettings = {}) {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
  const tableName = settings.tableName ?? TABLE_NAME;
  return {
    telemetry: createTelemetry(),
    store: new ConnectionStore(db, tableName),
    history: new RoomHistory(db, tableName, settings.history ?? HISTORY_DEFAULTS),
    dedup: new MessageDedup(db, tableName),
    presenceStore: new PresenceStore(db, tableName),
    notifier: new Notifier(new ApiGatewayManagementApiClient({ endpoint: CALLBACK_URL })),
    policy: new RoomPolicy(settings.roomRules ?? [], ROOM_DEFAULTS.presence),
    fanoutConcurrency: ROOM_DEFAULTS.fanoutConcurrency,
    limits: {
      maxRoomsPerConnection: settings.limits?.maxRoomsPerConnection ?? ROOM_DEFAULTS.maxRoomsPerConnection,
      maxRoomMembers: settings.limits?.maxRoomMembers ?? ROOM_DEFAULTS.maxRoomMembers,
    },
    roomMessageRateLimit: settings.roomMessageRateLimit ?? RATE_LIMIT_DEFAULTS.roomMessages,
    frameLimiter: new FrameLimiter(settings.frameRateLimit ?? RATE_LIMIT_DEFAULTS.frames, Date.now),
    now: Date.now,
  };
}

/** A Lambda context with 10 s left. */
export const lambdaContext = { functionName: 'test', awsRequestId: 'req', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

/** The event API Gateway sends a route's function, from SENDER unless `requestContext` says otherwise. */
export function routeEvent(routeKey: string, body?: string, requestContext: Partial<RouteEvent['requestContext']> = {}): RouteEvent {
  return {
    body,
    isBase64Encoded: false,
    requestContext: {
      routeKey,
      eventType: routeKey === '$connect' ? 'CONNECT' : routeKey === '$disconnect' ? 'DISCONNECT' : 'MESSAGE',
      connectionId: SENDER,
      connectedAt: 1_700_000_000_000,
      requestId: 'REQ0000000000AA=',
      identity: { sourceIp: '10.0.0.1' },
      ...requestContext,
    } as RouteEvent['requestContext'],
  };
}

/** The text of a posted frame: the notifier posts a string, but the SDK types `Data` as any blob. */
export function postedText(data: PostToConnectionCommandInput['Data']): string {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return new TextDecoder().decode(data);
  throw new Error('expected the posted Data to be a string or bytes, not a stream or Blob');
}
