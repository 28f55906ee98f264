/**
 * What the handler unit tests share: the mocked AWS clients, the handlers loaded after their
 * configuration (as Lambda loads them at cold start), a Lambda context and API Gateway's route event.
 */
import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
  type PostToConnectionCommandInput,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ENV } from '../../../contract/environment';
import type { RouteEvent } from '../../../lambda/core/events';
import type { RouteHandler } from '../../../lambda/core/telemetry';

/** The connection the route events come from unless a test names another. */
export const SENDER = 'SENDER00000000A=';

/**
 * Sets the handlers' configuration as the stack does: the table name, the callback URL and `env`
 * (keyed by ENV's names). Handlers read it once at load, so call this before `loadHandler`.
 */
export function configureHandlers(env: Record<string, string> = {}): void {
  process.env[ENV.tableName] = 'Connections';
  process.env[ENV.callbackUrl] = 'https://abc123.execute-api.us-east-1.amazonaws.com/dev';
  Object.assign(process.env, env);
}

/**
 * Mocks DynamoDB (the document client) and `@connections`, both reset before each test, with
 * every post succeeding until a test says otherwise.
 */
export function mockAwsClients() {
  const ddb = mockClient(DynamoDBDocumentClient);
  const api = mockClient(ApiGatewayManagementApiClient);
  beforeEach(() => {
    ddb.reset();
    api.reset();
    api.on(PostToConnectionCommand).resolves({});
  });
  return { ddb, api };
}

/** The `handler` of lambda/handlers/<name>.ts, loaded on first use, so after `configureHandlers`. */
export function loadHandler<H = RouteHandler>(name: string): H {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the environment must be set before a handler module loads
  return (require(`../../../lambda/handlers/${name}`) as { handler: H }).handler;
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
