import { GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { BatchWriteCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { POST_ATTEMPTS } from '../../lambda/core/notifier';
import { LIMITS } from '../../protocol';
import { makeHandler as makeConnect } from '../../lambda/handlers/connect';
import { makeHandler as makeDefault } from '../../lambda/handlers/default';
import { makeHandler as makeDisconnect } from '../../lambda/handlers/disconnect';
import { makeHandler as makeJoin } from '../../lambda/handlers/join';
import { makeHandler as makeLeave } from '../../lambda/handlers/leave';
import { makeHandler as makeMessage } from '../../lambda/handlers/message';
import { makeHandler as makePing } from '../../lambda/handlers/ping';
import { handlerDeps, lambdaContext as context, mockAwsClients, postedText, routeEvent as event, SENDER } from './support/handler-harness';

const { ddb, api } = mockAwsClients();
const deps = handlerDeps({ limits: { maxRoomsPerConnection: 2 } });
const { metrics } = deps.telemetry;
const handlers = {
  connect: makeConnect(deps),
  disconnect: makeDisconnect(deps),
  message: makeMessage(deps),
  join: makeJoin(deps),
  leave: makeLeave(deps),
  ping: makePing(deps),
  default: makeDefault(deps),
};

/**
 * The reply the sender receives: the route response body. Nothing is ever
 * posted back to the sender through @connections.
 */
function replyFrame(result: { statusCode: number; body?: string }): unknown {
  expect(result.statusCode).toBe(200);
  expect(api.commandCalls(PostToConnectionCommand).filter((c) => c.args[0].input.ConnectionId === SENDER)).toHaveLength(0);
  return JSON.parse(result.body!);
}

describe('$connect', () => {
  it('stores the connection with the authorizer principal', async () => {
    ddb.on(PutCommand).resolves({});
    const result = await handlers.connect(event('$connect', undefined, { authorizer: { principalId: 'alice', userId: 'alice' } }), context);
    expect(result).toEqual({ statusCode: 200 });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'Connections',
      Item: expect.objectContaining({ pk: 'CONN#SENDER00000000A=', sourceIp: '10.0.0.1', userId: 'alice', expiresAt: 1_700_007_800 }),
    });
  });

  it('fails the handshake (throws) when the store is down, so API Gateway answers 500', async () => {
    ddb.on(PutCommand).rejects(new Error('DynamoDB unreachable'));
    await expect(handlers.connect(event('$connect'), context)).rejects.toThrow('DynamoDB unreachable');
  });
});

describe('$disconnect', () => {
  it('deletes the connection and its memberships', async () => {
    ddb.on(GetCommand).resolves({ Item: { connectionId: 'SENDER00000000A=', rooms: new Set(['lobby']) } });
    ddb.on(DeleteCommand).resolves({ Attributes: { connectionId: 'SENDER00000000A=', rooms: new Set(['lobby']) } });
    ddb.on(BatchWriteCommand).resolves({});
    ddb.on(UpdateCommand).resolves({ Attributes: { connectionIds: new Set(['OTHER']), version: 2 } }); // another connection of the user stays
    await handlers.disconnect(event('$disconnect', undefined, { disconnectStatusCode: 1001 }), context);
    expect(ddb).toHaveReceivedCommandWith(DeleteCommand, { Key: { pk: 'CONN#SENDER00000000A=', sk: 'META' }, ReturnValues: 'ALL_OLD' });
    expect(ddb.commandCalls(BatchWriteCommand)[0].args[0].input.RequestItems!.Connections).toEqual([
      { DeleteRequest: { Key: { pk: 'ROOM#lobby', sk: 'CONN#SENDER00000000A=' } } },
    ]);
  });
});

/** The sending connection's row: a Get of anything else (a message id's dedup row) finds nothing. */
const SENDER_ROW = { pk: 'CONN#SENDER00000000A=', sk: 'META' };

describe('message', () => {
  it('answers "Received: Hello" as the route response, with no table call, no post and no metric', async () => {
    const addMetric = jest.spyOn(metrics, 'addMetric');
    const result = await handlers.message(event('message', '{"action":"message","data":"Hello"}'), context);
    expect(replyFrame(result)).toEqual({ event: 'message', data: 'Received: Hello' });
    expect(api.calls()).toHaveLength(0);
    expect(ddb.calls()).toHaveLength(0);
    // API Gateway's MessageCount counts echoes already; an EMF line per echo would only cost log ingestion.
    expect(addMetric).not.toHaveBeenCalled();
    addMetric.mockRestore();
  });

  it('fans a room message out, with its seq, and acks with the delivered count', async () => {
    ddb
      .on(GetCommand)
      .resolves({})
      .on(GetCommand, { Key: SENDER_ROW })
      .resolves({ Item: { connectionId: 'SENDER00000000A=', userId: 'alice', rooms: new Set(['lobby']) } });
    ddb.on(UpdateCommand).resolves({ Attributes: { seq: 7 } });
    ddb.on(BatchWriteCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [{ connectionId: 'SENDER00000000A=' }, { connectionId: 'OTHER000000000A=' }] });
    const result = await handlers.message(event('message', '{"action":"message","data":"Hi","room":"lobby","id":"m1"}'), context);
    expect(replyFrame(result)).toEqual({ event: 'message', data: 'Received: Hi', id: 'm1', room: 'lobby', seq: 7, delivered: 1 });
    const delivered = api.commandCalls(PostToConnectionCommand, { ConnectionId: 'OTHER000000000A=' });
    expect(JSON.parse(postedText(delivered[0].args[0].input.Data))).toEqual({
      event: 'message',
      room: 'lobby',
      from: 'alice',
      data: 'Hi',
      ts: expect.any(Number),
      seq: 7,
    });
    // The history keeps exactly what the member received.
    const [put] = ddb.commandCalls(BatchWriteCommand)[0].args[0].input.RequestItems!.Connections;
    expect(put.PutRequest!.Item).toMatchObject({
      pk: 'HIST#lobby',
      sk: 'MSG#000000000000007',
      frame: postedText(delivered[0].args[0].input.Data),
    });
  });

  it('counts messages, deliveries and pruned members as metrics', async () => {
    const addMetric = jest.spyOn(metrics, 'addMetric');
    ddb.on(GetCommand).resolves({ Item: { connectionId: 'SENDER00000000A=', rooms: new Set(['lobby']) } });
    ddb.on(QueryCommand).resolves({ Items: [{ connectionId: 'A' }, { connectionId: 'B' }, { connectionId: 'STALE' }] });
    ddb.on(UpdateCommand).resolves({ Attributes: { seq: 1 } });
    ddb.on(BatchWriteCommand).resolves({});
    ddb.on(DeleteCommand).resolves({}); // the stale member's row: already removed by its $disconnect
    api
      .on(PostToConnectionCommand, { ConnectionId: 'STALE' })
      .rejects(new GoneException({ message: 'Gone', $metadata: { httpStatusCode: 410 } }));
    await handlers.message(event('message', '{"action":"message","data":"Hi","room":"lobby"}'), context);
    const counted = Object.fromEntries(addMetric.mock.calls.map(([name, , value]) => [name, value]));
    expect(counted).toEqual({ RoomMessages: 1, FanoutDeliveries: 2, StaleConnectionsPruned: 1 });
    addMetric.mockRestore();
  });

  it('reports partial delivery to the sender honestly: delivered and failed', async () => {
    ddb
      .on(GetCommand)
      .resolves({})
      .on(GetCommand, { Key: SENDER_ROW })
      .resolves({ Item: { connectionId: 'SENDER00000000A=', rooms: new Set(['lobby']) } });
    ddb.on(QueryCommand).resolves({ Items: [{ connectionId: 'OK' }, { connectionId: 'SLOW' }] });
    ddb.on(UpdateCommand).resolves({ Attributes: { seq: 1 } });
    ddb.on(BatchWriteCommand).resolves({});
    const throttled = Object.assign(new Error('slow down'), { name: 'LimitExceededException', $metadata: { httpStatusCode: 429 } });
    api.on(PostToConnectionCommand, { ConnectionId: 'SLOW' }).rejects(throttled);
    const result = await handlers.message(event('message', '{"action":"message","data":"Hi","room":"lobby","id":"p"}'), context);
    expect(replyFrame(result)).toEqual({ event: 'message', data: 'Received: Hi', id: 'p', room: 'lobby', seq: 1, delivered: 1, failed: 1 });
    // Every attempt was made before giving up on SLOW.
    expect(api.commandCalls(PostToConnectionCommand, { ConnectionId: 'SLOW' })).toHaveLength(POST_ATTEMPTS);
  });

  it("puts the sender's display name from its authorizer context on the members' frame as fromName", async () => {
    ddb
      .on(GetCommand)
      .resolves({})
      .on(GetCommand, { Key: SENDER_ROW })
      .resolves({ Item: { connectionId: SENDER, userId: 'u-1', rooms: new Set(['lobby']) } });
    ddb.on(UpdateCommand).resolves({ Attributes: { seq: 3 } });
    ddb.on(BatchWriteCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [{ connectionId: 'OTHER000000000A=' }] });
    const authorizer = { principalId: 'u-1', userId: 'u-1', displayName: 'Alice' };
    await handlers.message(event('message', '{"action":"message","data":"Hi","room":"lobby"}', { authorizer }), context);
    const [post] = api.commandCalls(PostToConnectionCommand);
    expect(JSON.parse(postedText(post.args[0].input.Data))).toMatchObject({ from: 'u-1', fromName: 'Alice', data: 'Hi' });
    // A context name the protocol would refuse (another authorizer's) is left out, never shown.
    api.resetHistory();
    const bidi = { ...authorizer, displayName: '\u202Eecila' };
    await handlers.message(event('message', '{"action":"message","data":"Hi","room":"lobby"}', { authorizer: bidi }), context);
    expect(JSON.parse(postedText(api.commandCalls(PostToConnectionCommand)[0].args[0].input.Data))).not.toHaveProperty('fromName');
  });

  it("remembers a room message's id with a conditional put, and answers a resend with the first seq, sending nothing again", async () => {
    ddb
      .on(GetCommand)
      .resolves({})
      .on(GetCommand, { Key: SENDER_ROW })
      .resolves({ Item: { connectionId: SENDER, userId: 'alice', rooms: new Set(['lobby']) } });
    ddb.on(UpdateCommand).resolves({ Attributes: { seq: 9 } });
    ddb.on(BatchWriteCommand).resolves({});
    ddb.on(PutCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [{ connectionId: 'OTHER000000000A=' }] });
    const body = '{"action":"message","data":"Hi","room":"lobby","id":"a#1"}';
    expect(replyFrame(await handlers.message(event('message', body), context))).toMatchObject({ seq: 9, delivered: 1 });
    const dedupKey = { pk: 'DEDUP#lobby', sk: 'alice#a%231' };
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { Key: dedupKey, ConsistentRead: true });
    const [claim] = ddb.commandCalls(PutCommand);
    expect(claim.args[0].input).toMatchObject({
      Item: { ...dedupKey, seq: 9, ts: expect.any(Number) as number, dataHash: expect.any(String) as string },
      ConditionExpression: 'attribute_not_exists(pk) OR #ttl < :now',
    });
    const { expiresAt, ts } = claim.args[0].input.Item as { expiresAt: number; ts: number };
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(ts / 1000) + LIMITS.messageDedupSeconds);

    // The resend finds the row: the first seq, no new seq, no post.
    ddb.on(GetCommand, { Key: dedupKey }).resolves({ Item: { ...claim.args[0].input.Item } });
    ddb.resetHistory();
    api.resetHistory();
    expect(replyFrame(await handlers.message(event('message', body), context))).toEqual({
      event: 'message',
      data: 'Received: Hi',
      id: 'a#1',
      room: 'lobby',
      seq: 9,
      duplicate: true,
    });
    expect(api.commandCalls(PostToConnectionCommand)).toHaveLength(0);
    expect(ddb.commandCalls(UpdateCommand).filter((c) => c.args[0].input.Key!.sk === 'COUNTER')).toHaveLength(0);

    // Another message under the same id is refused.
    const other = await handlers.message(event('message', '{"action":"message","data":"Other","room":"lobby","id":"a#1"}'), context);
    expect(replyFrame(other)).toMatchObject({
      event: 'error',
      id: 'a#1',
      error: { code: 'BAD_REQUEST', message: expect.stringContaining('give each message its own') as string },
    });
  });

  it('refuses a room message from a non-member with NOT_IN_ROOM', async () => {
    ddb.on(GetCommand).resolves({ Item: { connectionId: 'SENDER00000000A=', rooms: new Set(['other']) } });
    const result = await handlers.message(event('message', '{"action":"message","data":"Hi","room":"lobby"}'), context);
    expect(replyFrame(result)).toMatchObject({ event: 'error', error: { code: 'NOT_IN_ROOM' } });
    expect(ddb).not.toHaveReceivedCommand(QueryCommand);
  });

  it.each([
    ['missing data', '{"action":"message"}', 'BAD_REQUEST'],
    ['numeric data', '{"action":"message","data":1,"id":"q"}', 'BAD_REQUEST'],
    ['40 KB of data', JSON.stringify({ action: 'message', data: 'x'.repeat(40_000) }), 'BAD_REQUEST'],
  ])('answers a frame with %s with an error frame and stays up', async (_name, body, code) => {
    const result = await handlers.message(event('message', body), context);
    expect(replyFrame(result)).toMatchObject({ event: 'error', error: { code } });
  });
});

describe('join and leave', () => {
  it("joins and answers joined with the room's latest seq", async () => {
    ddb.on(QueryCommand).resolves({ Count: 3 });
    ddb.on(UpdateCommand).resolves({ Attributes: { connectionId: 'SENDER00000000A=', expiresAt: 1 } });
    ddb.on(PutCommand).resolves({});
    ddb.on(GetCommand, { Key: { pk: 'HIST#lobby', sk: 'COUNTER' } }).resolves({ Item: { seq: 41 } });
    const result = await handlers.join(event('join', '{"action":"join","room":"lobby","id":"j"}'), context);
    expect(replyFrame(result)).toEqual({ event: 'joined', room: 'lobby', seq: 41, id: 'j' });
    expect(ddb.commandCalls(UpdateCommand)[0].args[0].input.ExpressionAttributeValues).toMatchObject({ ':max': 2 });
  });

  it('answers TOO_MANY_ROOMS past the configured limit', async () => {
    ddb.on(QueryCommand).resolves({ Count: 0 });
    ddb.on(UpdateCommand).rejects(Object.assign(new Error('conditional'), { name: 'ConditionalCheckFailedException' }));
    ddb.on(GetCommand).resolves({ Item: { connectionId: 'SENDER00000000A=', rooms: new Set(['a', 'b']) } });
    const result = await handlers.join(event('join', '{"action":"join","room":"c"}'), context);
    expect(replyFrame(result)).toMatchObject({
      event: 'error',
      error: { code: 'TOO_MANY_ROOMS', message: expect.stringContaining('2 rooms') },
    });
  });

  it('answers ROOM_FULL when the room has reached its member limit', async () => {
    ddb.on(QueryCommand).resolves({ Count: 1000 });
    ddb.on(GetCommand).resolves({ Item: { connectionId: 'SENDER00000000A=', rooms: new Set() } });
    const result = await handlers.join(event('join', '{"action":"join","room":"crowded","id":"f"}'), context);
    expect(replyFrame(result)).toMatchObject({
      event: 'error',
      error: { code: 'ROOM_FULL', message: expect.stringContaining('1000 members') },
      id: 'f',
    });
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('answers NOT_IN_ROOM when leaving a room it is not in', async () => {
    ddb.on(UpdateCommand).rejects(Object.assign(new Error('conditional'), { name: 'ConditionalCheckFailedException' }));
    const result = await handlers.leave(event('leave', '{"action":"leave","room":"lobby"}'), context);
    expect(replyFrame(result)).toMatchObject({ event: 'error', error: { code: 'NOT_IN_ROOM' } });
  });

  it('answers a bad room name with BAD_REQUEST', async () => {
    const result = await handlers.join(event('join', '{"action":"join","room":"bad room!"}'), context);
    expect(replyFrame(result)).toMatchObject({ event: 'error', error: { code: 'BAD_REQUEST' } });
    expect(ddb.calls()).toHaveLength(0);
  });
});

describe('two-way routes', () => {
  it('ping returns pong as the route response, echoing the id', async () => {
    await expect(handlers.ping(event('ping', '{"action":"ping","id":"p1"}'), context)).resolves.toEqual({
      statusCode: 200,
      body: '{"event":"pong","id":"p1"}',
    });
    expect(ddb.calls()).toHaveLength(0);
    expect(api.calls()).toHaveLength(0);
  });

  it.each([
    ['not json', 'BAD_REQUEST'],
    ['[]', 'BAD_REQUEST'],
    ['{"data":"no action"}', 'BAD_REQUEST'],
    ['{"action":"dance","id":"d"}', 'UNKNOWN_ACTION'],
    ['{"action":42}', 'BAD_REQUEST'],
  ])('$default answers %s with %s', async (body, code) => {
    const result = await handlers.default(event('$default', body), context);
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body!)).toMatchObject({ event: 'error', error: { code } });
  });
});
