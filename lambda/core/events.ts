import type { APIGatewayEventWebsocketRequestContextV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';

/**
 * What API Gateway really sends. `@types/aws-lambda` lacks identity,
 * authorizer and the disconnect fields, so the type is extended here rather
 * than cast.
 */
export interface WebSocketRequestContext extends APIGatewayEventWebsocketRequestContextV2 {
  identity: { sourceIp: string; userAgent?: string };
  /** Present when a Lambda authorizer allowed $connect: principalId plus its context, as strings. */
  authorizer?: { principalId?: string } & Record<string, string | number | boolean | undefined>;
  disconnectStatusCode?: number;
  disconnectReason?: string;
}

export interface RouteEvent extends Omit<APIGatewayProxyWebsocketEventV2, 'requestContext'> {
  requestContext: WebSocketRequestContext;
  headers?: Record<string, string | undefined>;
  multiValueHeaders?: Record<string, string[] | undefined>;
  queryStringParameters?: Record<string, string | undefined>;
}

/** What a WebSocket route integration returns. */
export interface RouteResult {
  statusCode: number;
  body?: string;
  headers?: Record<string, string>;
}
