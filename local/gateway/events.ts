/**
 * Builds Lambda events exactly shaped like API Gateway WebSocket events (CONNECT, MESSAGE,
 * DISCONNECT, and the REQUEST authorizer's event). Field sets follow recorded real events:
 * aws-powertools/powertools-lambda-python tests/events/apiGatewayWebSocketApi*.json.
 */
import { apiDomainName } from '../aws/endpoints';
import { formatRequestTime, newEventId, newTraceId } from '../aws/ids';

/** What API Gateway knows about the API a connection belongs to. */
export interface ApiContext {
  readonly apiId: string;
  readonly stage: string;
  readonly region: string;
  readonly accountId: string;
  readonly stageVariables: Readonly<Record<string, string>>;
  /** The partition's domain, AWS::URLSuffix (amazonaws.com, amazonaws.com.cn in cn- regions). */
  readonly urlSuffix: string;
}

/** What API Gateway knows about one connection. */
export interface ConnectionContext {
  readonly connectionId: string;
  readonly connectedAt: number;
  readonly sourceIp: string;
  /** `principalId` and context from the $connect authorizer, values as strings. */
  authorizer?: Readonly<Record<string, string>>;
}

/** The upgrade request as the client sent it. */
export interface HandshakeRequest {
  /** Node's rawHeaders: name, value, name, value... with the client's casing. */
  readonly rawHeaders: readonly string[];
  readonly query: URLSearchParams;
  readonly localPort: number;
}

export type EventType = 'CONNECT' | 'MESSAGE' | 'DISCONNECT';

export interface WebSocketRequestContext {
  routeKey: string;
  messageId?: string;
  disconnectStatusCode?: number;
  eventType: EventType;
  extendedRequestId: string;
  requestTime: string;
  messageDirection: 'IN';
  disconnectReason?: string;
  stage: string;
  connectedAt: number;
  requestTimeEpoch: number;
  identity: { sourceIp: string };
  requestId: string;
  domainName: string;
  connectionId: string;
  apiId: string;
  authorizer?: Record<string, string>;
}

export interface IntegrationEvent {
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  queryStringParameters?: Record<string, string>;
  multiValueQueryStringParameters?: Record<string, string[]>;
  requestContext: WebSocketRequestContext;
  body?: string;
  isBase64Encoded: false;
}

export interface AuthorizerEvent {
  type: 'REQUEST';
  methodArn: string;
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  queryStringParameters: Record<string, string>;
  multiValueQueryStringParameters: Record<string, string[]>;
  stageVariables: Record<string, string>;
  requestContext: WebSocketRequestContext;
}

function requestContext(
  api: ApiContext,
  conn: ConnectionContext,
  routeKey: string,
  eventType: EventType,
  now: number,
  extra: Partial<WebSocketRequestContext> = {},
): WebSocketRequestContext {
  const requestId = newEventId();
  // Assigned in API Gateway's key order; optional keys only when set. No spread literals: this
  // runs for every frame, on the emulator's busiest thread.
  const ctx = { routeKey } as WebSocketRequestContext;
  if (extra.messageId !== undefined) ctx.messageId = extra.messageId;
  if (extra.disconnectStatusCode !== undefined) ctx.disconnectStatusCode = extra.disconnectStatusCode;
  ctx.eventType = eventType;
  ctx.extendedRequestId = requestId;
  ctx.requestTime = formatRequestTime(now);
  ctx.messageDirection = 'IN';
  if (extra.disconnectReason !== undefined) ctx.disconnectReason = extra.disconnectReason;
  ctx.stage = api.stage;
  ctx.connectedAt = conn.connectedAt;
  ctx.requestTimeEpoch = now;
  ctx.identity = { sourceIp: conn.sourceIp };
  ctx.requestId = requestId;
  ctx.domainName = apiDomainName(api);
  ctx.connectionId = conn.connectionId;
  ctx.apiId = api.apiId;
  if (conn.authorizer) ctx.authorizer = { ...conn.authorizer };
  return ctx;
}

// Hop-by-hop headers API Gateway does not forward to the $connect integration.
const HOP_BY_HOP = new Set(['connection', 'upgrade', 'content-length']);

/** Headers as API Gateway forwards them, plus the X-Forwarded-* and trace headers it adds. */
export function handshakeHeaders(
  req: HandshakeRequest,
  sourceIp: string,
  now: number,
  keepHopByHop: boolean,
): { headers: Record<string, string>; multiValueHeaders: Record<string, string[]> } {
  const multi: Record<string, string[]> = {};
  const seen = new Map<string, string>(); // lower-case name -> first casing seen
  const add = (name: string, value: string) => {
    const key = seen.get(name.toLowerCase()) ?? name;
    seen.set(name.toLowerCase(), key);
    (multi[key] ??= []).push(value);
  };
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    if (!keepHopByHop && HOP_BY_HOP.has(name.toLowerCase())) continue;
    add(name, req.rawHeaders[i + 1]);
  }
  if (keepHopByHop && !seen.has('content-length')) add('content-length', '0');
  if (!seen.has('x-amzn-trace-id')) add('X-Amzn-Trace-Id', newTraceId(now));
  if (!seen.has('x-forwarded-for')) add('X-Forwarded-For', sourceIp);
  if (!seen.has('x-forwarded-port')) add('X-Forwarded-Port', String(req.localPort));
  if (!seen.has('x-forwarded-proto')) add('X-Forwarded-Proto', 'http');
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(multi)) headers[name] = values[values.length - 1];
  return { headers, multiValueHeaders: multi };
}

function queryParameters(query: URLSearchParams): {
  queryStringParameters: Record<string, string>;
  multiValueQueryStringParameters: Record<string, string[]>;
} {
  const multi: Record<string, string[]> = {};
  for (const [name, value] of query) (multi[name] ??= []).push(value);
  const single: Record<string, string> = {};
  for (const [name, values] of Object.entries(multi)) single[name] = values[values.length - 1];
  return { queryStringParameters: single, multiValueQueryStringParameters: multi };
}

/** The $connect event; query parameters appear only when the URL has a query string. */
export function connectEvent(api: ApiContext, conn: ConnectionContext, req: HandshakeRequest, now: number): IntegrationEvent {
  const event: IntegrationEvent = {
    ...handshakeHeaders(req, conn.sourceIp, now, false),
    requestContext: requestContext(api, conn, '$connect', 'CONNECT', now),
    isBase64Encoded: false,
  };
  if ([...req.query.keys()].length > 0) Object.assign(event, queryParameters(req.query));
  return event;
}

/** A MESSAGE event for `routeKey` carrying one text frame. */
export function messageEvent(api: ApiContext, conn: ConnectionContext, routeKey: string, body: string, now: number): IntegrationEvent {
  return {
    requestContext: requestContext(api, conn, routeKey, 'MESSAGE', now, { messageId: newEventId() }),
    body,
    isBase64Encoded: false,
  };
}

/**
 * JSON.stringify(event) for an event of messageEvent(api, conn, ...), exactly, in a fraction of
 * its time: every MESSAGE event is serialized to reach its function, on the emulator's busiest
 * thread, and all but a few of its values are the connection's, which never change. Those are
 * serialized once per connection (and again if its authorizer context is replaced); the ids and
 * the request time are JSON-safe as they are (base64url, digits, the fixed date format).
 */
export function messageEventJson(api: ApiContext, conn: ConnectionContext, event: IntegrationEvent): string {
  const c = event.requestContext;
  let fragments = connectionFragments.get(conn);
  if (fragments?.api !== api || fragments.authorizer !== conn.authorizer) {
    fragments = {
      api,
      authorizer: conn.authorizer,
      afterDirection: `,"stage":${JSON.stringify(c.stage)},"connectedAt":${c.connectedAt}`,
      afterEpoch: `,"identity":${JSON.stringify(c.identity)}`,
      afterRequestId:
        `,"domainName":${JSON.stringify(c.domainName)},"connectionId":${JSON.stringify(c.connectionId)},"apiId":${JSON.stringify(c.apiId)}` +
        (c.authorizer === undefined ? '' : `,"authorizer":${JSON.stringify(c.authorizer)}`),
    };
    connectionFragments.set(conn, fragments);
  }
  let routeKey = routeKeyJson.get(c.routeKey);
  if (routeKey === undefined) routeKeyJson.set(c.routeKey, (routeKey = JSON.stringify(c.routeKey)));
  return (
    `{"requestContext":{"routeKey":${routeKey},"messageId":"${c.messageId}","eventType":"MESSAGE",` +
    `"extendedRequestId":"${c.extendedRequestId}","requestTime":"${c.requestTime}","messageDirection":"IN"` +
    `${fragments.afterDirection},"requestTimeEpoch":${c.requestTimeEpoch}${fragments.afterEpoch},"requestId":"${c.requestId}"` +
    `${fragments.afterRequestId}},"body":${JSON.stringify(event.body)},"isBase64Encoded":false}`
  );
}

interface ConnectionFragments {
  readonly api: ApiContext;
  readonly authorizer: ConnectionContext['authorizer'];
  readonly afterDirection: string;
  readonly afterEpoch: string;
  readonly afterRequestId: string;
}

const connectionFragments = new WeakMap<ConnectionContext, ConnectionFragments>();
/** Route keys are the app's, a handful. */
const routeKeyJson = new Map<string, string>();

/** The $disconnect event; its headers are the fixed set API Gateway sends. */
export function disconnectEvent(
  api: ApiContext,
  conn: ConnectionContext,
  statusCode: number,
  reason: string,
  now: number,
): IntegrationEvent {
  const host = apiDomainName(api);
  return {
    headers: { Host: host, 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' },
    multiValueHeaders: { Host: [host], 'x-api-key': [''], 'X-Forwarded-For': [''], 'x-restapi': [''] },
    requestContext: requestContext(api, conn, '$disconnect', 'DISCONNECT', now, {
      disconnectStatusCode: statusCode,
      disconnectReason: reason,
    }),
    isBase64Encoded: false,
  };
}

/** The ARN a REQUEST authorizer sees for the $connect route. */
export function connectMethodArn(api: ApiContext): string {
  return `arn:aws:execute-api:${api.region}:${api.accountId}:${api.apiId}/${api.stage}/$connect`;
}

/** The REQUEST authorizer's event for a $connect handshake. */
export function authorizerEvent(api: ApiContext, conn: ConnectionContext, req: HandshakeRequest, now: number): AuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: connectMethodArn(api),
    ...handshakeHeaders(req, conn.sourceIp, now, true),
    ...queryParameters(req.query),
    stageVariables: { ...api.stageVariables },
    requestContext: requestContext(api, { ...conn, authorizer: undefined }, '$connect', 'CONNECT', now),
  };
}

/**
 * The value of an authorizer identity source such as `route.request.header.Authorization`
 * or `route.request.querystring.token`; undefined when the request lacks it.
 */
export function identitySourceValue(source: string, req: HandshakeRequest): string | undefined {
  const header = /^route\.request\.header\.(.+)$/i.exec(source);
  if (header) {
    const wanted = header[1].toLowerCase();
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      if (req.rawHeaders[i].toLowerCase() === wanted && req.rawHeaders[i + 1] !== '') return req.rawHeaders[i + 1];
    }
    return undefined;
  }
  const query = /^route\.request\.querystring\.(.+)$/i.exec(source);
  if (query) {
    const value = req.query.get(query[1]);
    return value === null || value === '' ? undefined : value;
  }
  return source; // stageVariables.* and context.* sources are always present
}
