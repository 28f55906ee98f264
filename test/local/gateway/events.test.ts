import {
  authorizerEvent,
  connectEvent,
  connectMethodArn,
  disconnectEvent,
  identitySourceValue,
  messageEvent,
  messageEventJson,
  type ApiContext,
  type ConnectionContext,
  type HandshakeRequest,
} from '../../../local/gateway/events';
import { RECORDED, sorted } from '../fixtures/recorded-events';
import fc from 'fast-check';

const api: ApiContext = {
  apiId: 'abcdef1234',
  stage: 'dev',
  region: 'us-east-1',
  accountId: '123456789012',
  urlSuffix: 'amazonaws.com',
  stageVariables: {},
};
/** When the events happen: the gateway passes its clock's time. */
const NOW = Date.UTC(2024, 10, 11, 13, 45, 46);
const conn: ConnectionContext = {
  connectionId: 'BFaT_fALIAMCKug=',
  connectedAt: 1731332735513,
  sourceIp: '127.0.0.1',
};
// What the ws client library sends on upgrade.
const handshake = (query = ''): HandshakeRequest => ({
  rawHeaders: [
    'Sec-WebSocket-Version',
    '13',
    'Sec-WebSocket-Key',
    '+W5xw47OHh3OTFsWKjGu9Q==',
    'Connection',
    'Upgrade',
    'Upgrade',
    'websocket',
    'Sec-WebSocket-Extensions',
    'permessage-deflate; client_max_window_bits',
    'Host',
    '127.0.0.1:3001',
  ],
  query: new URLSearchParams(query),
  localPort: 3001,
});

describe('event builders', () => {
  test('CONNECT has the recorded fields, headers without hop-by-hop ones, no body or messageId', () => {
    const event = connectEvent(api, conn, handshake(), 1731332746514);
    expect(sorted(Object.keys(event))).toEqual(sorted(RECORDED.connect.topLevel));
    expect(sorted(Object.keys(event.headers!))).toEqual(sorted(RECORDED.connect.headers));
    expect(sorted(Object.keys(event.multiValueHeaders!))).toEqual(sorted(RECORDED.connect.headers));
    expect(sorted(Object.keys(event.requestContext))).toEqual(sorted(RECORDED.connect.requestContext));
    expect(event.requestContext).toMatchObject({
      routeKey: '$connect',
      eventType: 'CONNECT',
      messageDirection: 'IN',
      stage: 'dev',
      apiId: 'abcdef1234',
      connectedAt: conn.connectedAt,
      requestTimeEpoch: 1731332746514,
      requestTime: '11/Nov/2024:13:45:46 +0000',
      identity: { sourceIp: '127.0.0.1' },
    });
    expect(event.requestContext.requestId).toBe(event.requestContext.extendedRequestId);
    expect(event.requestContext.requestId).toMatch(RECORDED.idPattern);
  });

  test('CONNECT carries query parameters only when the URL has them', () => {
    const event = connectEvent(api, conn, handshake('token=abc&room=a&room=b'), NOW);
    expect(event.queryStringParameters).toEqual({ token: 'abc', room: 'b' });
    expect(event.multiValueQueryStringParameters).toEqual({ token: ['abc'], room: ['a', 'b'] });
  });

  test('MESSAGE has messageId and body and no headers', () => {
    const event = messageEvent(api, conn, 'chat', '{"action":"chat"}', NOW);
    expect(sorted(Object.keys(event))).toEqual(sorted(RECORDED.message.topLevel));
    expect(sorted(Object.keys(event.requestContext))).toEqual(sorted(RECORDED.message.requestContext));
    expect(event.requestContext.messageId).toMatch(RECORDED.idPattern);
    expect(event.requestContext.messageId).not.toBe(event.requestContext.requestId);
    expect(event.requestContext.requestTimeEpoch).toBe(NOW);
  });

  test('DISCONNECT has the status code, the reason and the fixed header set', () => {
    const event = disconnectEvent(api, conn, 1005, 'Client-side close frame status not set', NOW);
    expect(sorted(Object.keys(event))).toEqual(sorted(RECORDED.disconnect.topLevel));
    expect(sorted(Object.keys(event.headers!))).toEqual(sorted(RECORDED.disconnect.headers));
    expect(sorted(Object.keys(event.requestContext))).toEqual(sorted(RECORDED.disconnect.requestContext));
    expect(event.headers).toEqual({
      Host: 'abcdef1234.execute-api.us-east-1.amazonaws.com',
      'x-api-key': '',
      'X-Forwarded-For': '',
      'x-restapi': '',
    });
    expect(event.requestContext).toMatchObject({ disconnectStatusCode: 1005, disconnectReason: 'Client-side close frame status not set' });
  });

  test("domainName is the API's AWS host name, as in AWS, whatever Host the client used", () => {
    for (const event of [
      connectEvent(api, conn, handshake(), NOW),
      messageEvent(api, conn, 'chat', 'x', NOW),
      disconnectEvent(api, conn, 1000, 'x', NOW),
    ]) {
      expect(event.requestContext.domainName).toBe('abcdef1234.execute-api.us-east-1.amazonaws.com');
    }
    expect(
      messageEvent({ ...api, region: 'cn-north-1', urlSuffix: 'amazonaws.com.cn' }, conn, 'chat', 'x', NOW).requestContext.domainName,
    ).toBe('abcdef1234.execute-api.cn-north-1.amazonaws.com.cn');
  });

  test('the authorizer context appears on events of an authorized connection', () => {
    const authorized = { ...conn, authorizer: { principalId: 'user-1', userId: 'u1' } };
    expect(messageEvent(api, authorized, 'chat', 'x', NOW).requestContext.authorizer).toEqual({ principalId: 'user-1', userId: 'u1' });
    expect(disconnectEvent(api, authorized, 1000, 'x', NOW).requestContext.authorizer).toEqual({ principalId: 'user-1', userId: 'u1' });
  });

  test('the REQUEST authorizer event has the recorded fields and the $connect method ARN', () => {
    const event = authorizerEvent(api, conn, handshake(), NOW);
    expect(sorted(Object.keys(event))).toEqual(sorted(RECORDED.authorizer.topLevel));
    expect(event.methodArn).toBe('arn:aws:execute-api:us-east-1:123456789012:abcdef1234/dev/$connect');
    expect(event.methodArn).toBe(connectMethodArn(api));
    expect(event.queryStringParameters).toEqual({});
    expect(event.headers).toMatchObject({ Connection: 'Upgrade', Upgrade: 'websocket', 'content-length': '0' });
    expect(sorted(Object.keys(event.requestContext))).toEqual(sorted(RECORDED.connect.requestContext));
  });

  test('the REQUEST authorizer event has every value of a repeated query parameter, as API Gateway sends it', () => {
    const event = authorizerEvent(api, conn, handshake('token=first&token=second'), NOW);
    expect(event.multiValueQueryStringParameters).toEqual({ token: ['first', 'second'] });
    expect(event.queryStringParameters).toEqual({ token: 'second' });
  });

  test('identity sources read headers case-insensitively and query parameters', () => {
    const req = { ...handshake('token=t1'), rawHeaders: ['Authorization', 'Bearer x'] };
    expect(identitySourceValue('route.request.header.authorization', req)).toBe('Bearer x');
    expect(identitySourceValue('route.request.querystring.token', req)).toBe('t1');
    expect(identitySourceValue('route.request.querystring.missing', req)).toBeUndefined();
    expect(identitySourceValue('route.request.header.X-Missing', req)).toBeUndefined();
  });
});

describe('messageEventJson', () => {
  // Any text a client can send, any route key an app can define, any authorizer context.
  const text = fc.string({ unit: 'binary', maxLength: 200 });
  const authorizer = fc.option(fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 40 }), { maxKeys: 5 }), {
    nil: undefined,
  });

  test('is exactly JSON.stringify of the MESSAGE event, for any body, route key, connection and authorizer context', () => {
    fc.assert(
      fc.property(text, text, authorizer, fc.nat(), fc.nat(), (body, routeKey, context, connectedAt, now) => {
        const connection: ConnectionContext = { connectionId: 'BFaT_fALIAMCKug=', connectedAt, sourceIp: '10.0.0.1', authorizer: context };
        // Twice: the second comes from the connection's cached fragments.
        for (const at of [now, now + 1001]) {
          const event = messageEvent(api, connection, routeKey, body, at);
          expect(messageEventJson(api, connection, event)).toBe(JSON.stringify(event));
        }
      }),
      { numRuns: 300 },
    );
  });

  test("follows a connection's authorizer context when it is replaced, and each API's own values", () => {
    const connection: ConnectionContext = { ...conn };
    const other: ApiContext = { ...api, apiId: 'zyxwvu9876', stage: 'prod' };
    const check = (a: ApiContext) => {
      const event = messageEvent(a, connection, 'message', '{"action":"message"}', NOW);
      expect(messageEventJson(a, connection, event)).toBe(JSON.stringify(event));
    };
    check(api);
    connection.authorizer = { principalId: 'alice', sub: 'alice' };
    check(api);
    check(other);
    connection.authorizer = undefined;
    check(api);
  });
});
