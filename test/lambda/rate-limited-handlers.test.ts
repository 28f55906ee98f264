import { PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { BatchWriteCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import 'aws-sdk-client-mock-jest';
import type { RouteEvent } from '../../lambda/core/events';
import { makeHandler as makeDefault } from '../../lambda/handlers/default';
import { makeHandler as makeJoin } from '../../lambda/handlers/join';
import { makeHandler as makeMessage } from '../../lambda/handlers/message';
import { makeHandler as makePing } from '../../lambda/handlers/ping';
import { handlerDeps, lambdaContext, mockAwsClients, routeEvent } from './support/handler-harness';

/** The per-connection limits as the handlers apply them: 3 frames (refilling 1/s) and 1 room message (refilling 1/s) per connection. */
const { ddb, api } = mockAwsClients();
const context = lambdaContext;

// Made once, as an execution environment makes them at cold start. The handlers share one frame
// limiter, as one environment's memory: each test uses its own connections.
const deps = handlerDeps({ frameRateLimit: { perSecond: 1, burst: 3 }, roomMessageRateLimit: { perSecond: 1, burst: 1 } });
const handlers = { ping: makePing(deps), default: makeDefault(deps), join: makeJoin(deps), message: makeMessage(deps) };
const load = (name: keyof typeof handlers) => handlers[name];

const frame = (routeKey: string, connectionId: string, body: string): RouteEvent => routeEvent(routeKey, body, { connectionId });

const reply = (result: { body?: string }) => JSON.parse(result.body!) as Record<string, unknown>;

describe('the frame limit (in each environment\u2019s memory)', () => {
  it('answers RATE_LIMITED, with the frame\u2019s id, past the burst; other connections are unaffected', async () => {
    const ping = load('ping');
    const replies = [];
    for (let i = 0; i < 5; i++)
      replies.push(reply(await ping(frame('ping', 'FLOODER0000000A=', `{"action":"ping","id":"p${i}"}`), context)));
    expect(replies.map((r) => r.event)).toEqual(['pong', 'pong', 'pong', 'error', 'error']);
    expect(replies[3]).toEqual({
      event: 'error',
      error: {
        code: 'RATE_LIMITED',
        message: expect.stringMatching(
          /^Too many frames: this connection may send 1 per second, in bursts of up to 3; .* retry in \d+ ms\.$/,
        ),
      },
      id: 'p3',
    });
    expect(reply(await ping(frame('ping', 'QUIET00000000AA=', '{"action":"ping","id":"q"}'), context))).toEqual({ event: 'pong', id: 'q' });
  });

  it('counts frames the route cannot parse too, and refuses them before any table call', async () => {
    const fallback = load('default');
    for (let i = 0; i < 3; i++) {
      expect(reply(await fallback(frame('$default', 'GARBLER000000AA=', 'not json'), context))).toMatchObject({
        error: { code: 'BAD_REQUEST' },
      });
    }
    expect(reply(await fallback(frame('$default', 'GARBLER000000AA=', 'not json'), context))).toMatchObject({
      error: { code: 'RATE_LIMITED' },
    });
    const join = load('join');
    for (let i = 0; i < 3; i++) await join(frame('join', 'JOINER0000000AA=', '{"action":"join","room":"bad room!"}'), context);
    expect(reply(await join(frame('join', 'JOINER0000000AA=', '{"action":"join","room":"lobby","id":"j"}'), context))).toMatchObject({
      error: { code: 'RATE_LIMITED' },
      id: 'j',
    });
    expect(ddb.calls()).toHaveLength(0);
  });
});

describe('the room-message limit (in the connection\u2019s row)', () => {
  const member = { connectionId: 'SENDER00000000A=', rooms: new Set(['lobby']), expiresAt: 4_000_000_000 };

  it('takes a token with a conditional UpdateItem before the fan-out', async () => {
    const message = load('message');
    // The sender's row; the message id's dedup row is not there.
    ddb
      .on(GetCommand)
      .resolves({})
      .on(GetCommand, { Key: { pk: 'CONN#SENDER00000000A=', sk: 'META' } })
      .resolves({ Item: member });
    ddb.on(UpdateCommand).resolves({});
    ddb.on(UpdateCommand, { Key: { pk: 'HIST#lobby', sk: 'COUNTER' } }).resolves({ Attributes: { seq: 1 } });
    ddb.on(BatchWriteCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [{ connectionId: 'SENDER00000000A=' }, { connectionId: 'OTHER000000000A=' }] });
    const result = await message(
      frame('message', 'SENDER00000000A=', '{"action":"message","room":"lobby","data":"hi","id":"m1"}'),
      context,
    );
    expect(reply(result)).toEqual({ event: 'message', data: 'Received: hi', id: 'm1', room: 'lobby', seq: 1, delivered: 1 });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'Connections',
      Key: { pk: 'CONN#SENDER00000000A=', sk: 'META' },
      UpdateExpression: 'SET roomTokens = :tokens, roomTokensAt = :at',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(roomTokensAt)',
    });
  });

  it('answers RATE_LIMITED with the id and fans nothing out when the bucket is empty', async () => {
    const message = load('message');
    ddb.on(GetCommand).resolves({ Item: { ...member, roomTokens: 0, roomTokensAt: Date.now() } });
    const result = await message(
      frame('message', 'SENDER00000000A=', '{"action":"message","room":"lobby","data":"hi","id":"m2"}'),
      context,
    );
    expect(reply(result)).toEqual({
      event: 'error',
      error: {
        code: 'RATE_LIMITED',
        message: expect.stringMatching(/^Too many room messages: this connection may send 1 per second, in bursts of up to 1; /),
      },
      id: 'm2',
    });
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(ddb).not.toHaveReceivedCommand(QueryCommand);
    expect(api).not.toHaveReceivedCommand(PostToConnectionCommand);
    // The environment now knows the bucket is empty: the next room message is refused before any read.
    ddb.resetHistory();
    const again = await message(frame('message', 'SENDER00000000A=', '{"action":"message","room":"lobby","data":"hi","id":"m3"}'), context);
    expect(reply(again)).toMatchObject({ error: { code: 'RATE_LIMITED' }, id: 'm3' });
    expect(ddb.calls()).toHaveLength(0);
  });

  it('leaves echo messages (no room) to the frame limit alone: no table call', async () => {
    const message = load('message');
    expect(reply(await message(frame('message', 'ECHOER00000000A=', '{"action":"message","data":"echo"}'), context))).toEqual({
      event: 'message',
      data: 'Received: echo',
    });
    expect(ddb.calls()).toHaveLength(0);
  });
});
