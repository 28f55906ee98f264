import { PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import 'aws-sdk-client-mock-jest';
import type { RouteEvent } from '../../lambda/core/events';
import { makeHandler as makeHistory } from '../../lambda/handlers/history';
import { makeHandler as makeJoin } from '../../lambda/handlers/join';
import { makeHandler as makePublish } from '../../lambda/handlers/publish';
import type { RoomMessage } from '../../protocol';
import { handlerDeps, lambdaContext, mockAwsClients, postedText, routeEvent } from './support/handler-harness';

/** The join (resume), history and Publish handlers as Lambda runs them, with mocked AWS clients. */

const { ddb, api } = mockAwsClients();
const deps = handlerDeps({ history: { limit: 100, retentionSeconds: 3600 } });
const routes = { join: makeJoin(deps), history: makeHistory(deps) };
const route = (name: keyof typeof routes) => routes[name];
const publish = makePublish(deps);
const context = lambdaContext;
const JOINER = 'JOINER00000000A=';

const frame = (routeKey: string, body: string): RouteEvent => routeEvent(routeKey, body, { connectionId: JOINER });

const stored = (seq: number): RoomMessage => ({
  event: 'message',
  room: 'lobby',
  from: 'alice',
  data: `m${seq}`,
  ts: 1_700_000_000_000,
  seq,
});
const storedItem = (seq: number) => ({
  pk: 'HIST#lobby',
  sk: `MSG#${String(seq).padStart(15, '0')}`,
  seq,
  frame: JSON.stringify(stored(seq)),
  expiresAt: 4_000_000_000,
});

function postedTo(connectionId: string): unknown[] {
  return api
    .commandCalls(PostToConnectionCommand, { ConnectionId: connectionId })
    .map((c) => JSON.parse(postedText(c.args[0].input.Data)) as unknown);
}

/** A join that takes effect: the rooms set is updated, the member row written. */
function joinSucceeds(): void {
  ddb.on(QueryCommand, { Select: 'COUNT' }).resolves({ Count: 1 });
  ddb.on(UpdateCommand).resolves({ Attributes: { connectionId: JOINER, expiresAt: 4_000_000_000 } });
  ddb.on(PutCommand).resolves({});
}

describe('join with since (resume)', () => {
  it('writes the membership first, then posts joined and the missed messages in order, and answers no body', async () => {
    joinSucceeds();
    ddb.on(GetCommand, { Key: { pk: 'HIST#lobby', sk: 'COUNTER' } }).resolves({ Item: { seq: 7 } });
    ddb
      .on(QueryCommand, { KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to' })
      .resolves({ Items: [5, 6, 7].map(storedItem) });
    const result = await route('join')(frame('join', '{"action":"join","room":"lobby","since":4,"id":"r"}'), context);
    expect(result).toEqual({ statusCode: 200 });
    expect(postedTo(JOINER)).toEqual([{ event: 'joined', room: 'lobby', seq: 7, replay: 3, id: 'r' }, stored(5), stored(6), stored(7)]);
    // Membership (the member row) before the counter and history reads.
    const order = ddb.calls().map((c) => {
      const input = c.args[0].input as { Key?: { pk?: string } };
      return `${c.args[0].constructor.name} ${input.Key?.pk ?? ''}`;
    });
    expect(order.indexOf('PutCommand ')).toBeLessThan(order.indexOf('GetCommand HIST#lobby'));
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      ExpressionAttributeValues: { ':pk': 'HIST#lobby', ':from': 'MSG#000000000000005', ':to': 'MSG#000000000000007' },
      ConsistentRead: true,
    });
  });

  it('posts only joined to a client whose since is past the counter (the room restarted)', async () => {
    joinSucceeds();
    ddb.on(GetCommand, { Key: { pk: 'HIST#lobby', sk: 'COUNTER' } }).resolves({ Item: { seq: 2 } });
    const result = await route('join')(frame('join', '{"action":"join","room":"lobby","since":900}'), context);
    expect(result).toEqual({ statusCode: 200 });
    expect(postedTo(JOINER)).toEqual([{ event: 'joined', room: 'lobby', seq: 2, replay: 0 }]);
  });

  it('answers a refused join as the route response, posting nothing', async () => {
    ddb.on(QueryCommand).resolves({ Count: 1000 });
    ddb.on(GetCommand).resolves({ Item: { connectionId: JOINER, rooms: new Set() } });
    const result = await route('join')(frame('join', '{"action":"join","room":"lobby","since":1}'), context);
    expect(JSON.parse(result.body!)).toMatchObject({ event: 'error', error: { code: 'ROOM_FULL' } });
    expect(api).not.toHaveReceivedCommand(PostToConnectionCommand);
  });
});

describe('history', () => {
  it('answers members with the page, oldest first', async () => {
    ddb.on(GetCommand).resolves({ Item: { connectionId: JOINER, rooms: new Set(['lobby']) } });
    ddb.on(QueryCommand).resolves({ Items: [3, 2].map(storedItem) });
    const result = await route('history')(frame('history', '{"action":"history","room":"lobby","before":4,"limit":2,"id":"h"}'), context);
    expect(JSON.parse(result.body!)).toEqual({ event: 'history', room: 'lobby', messages: [stored(2), stored(3)], id: 'h' });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, { ScanIndexForward: false, Limit: 2, ConsistentRead: true });
    expect(api).not.toHaveReceivedCommand(PostToConnectionCommand);
  });

  it('answers NOT_IN_ROOM to a non-member without reading the history', async () => {
    ddb.on(GetCommand).resolves({ Item: { connectionId: JOINER, rooms: new Set(['other']) } });
    const result = await route('history')(frame('history', '{"action":"history","room":"lobby"}'), context);
    expect(JSON.parse(result.body!)).toMatchObject({ event: 'error', error: { code: 'NOT_IN_ROOM' } });
    expect(ddb).not.toHaveReceivedCommand(QueryCommand);
  });

  it('answers a limit over 100 with BAD_REQUEST', async () => {
    const result = await route('history')(frame('history', '{"action":"history","room":"lobby","limit":101}'), context);
    expect(JSON.parse(result.body!)).toMatchObject({
      event: 'error',
      error: { code: 'BAD_REQUEST', message: expect.stringContaining('1 to 100') },
    });
    expect(ddb.calls()).toHaveLength(0);
  });
});

describe('the Publish function', () => {
  it('assigns the seq, keeps the message and posts it to every member', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { seq: 12 } });
    ddb.on(BatchWriteCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [{ connectionId: 'A' }, { connectionId: 'B' }] });
    await expect(publish({ room: 'lobby', data: 'deployed', from: 'ci' }, context)).resolves.toEqual({
      room: 'lobby',
      seq: 12,
      delivered: 2,
      failed: 0,
    });
    const expected = { event: 'message', room: 'lobby', from: 'ci', publisher: true, data: 'deployed', ts: expect.any(Number), seq: 12 };
    expect(postedTo('A')).toEqual([expected]);
    expect(postedTo('B')).toEqual([expected]);
    expect(ddb.commandCalls(BatchWriteCommand)[0].args[0].input.RequestItems!.Connections[0].PutRequest!.Item).toMatchObject({
      pk: 'HIST#lobby',
      sk: 'MSG#000000000000012',
    });
  });

  it('answers bad input with an error, never throws, and touches nothing', async () => {
    await expect(publish({ room: 'no spaces', data: 'x' }, context)).resolves.toEqual({
      error: { code: 'BAD_REQUEST', message: expect.stringContaining('"room" must be 1-64 characters') },
    });
    await expect(publish(undefined, context)).resolves.toMatchObject({ error: { code: 'BAD_REQUEST' } });
    expect(ddb.calls()).toHaveLength(0);
    expect(api.calls()).toHaveLength(0);
  });

  it('throws (a function error for the invoker) when DynamoDB fails', async () => {
    ddb.on(UpdateCommand).rejects(Object.assign(new Error('AccessDenied'), { name: 'AccessDeniedException' }));
    await expect(publish({ room: 'lobby', data: 'x' }, context)).rejects.toThrow('AccessDenied');
    expect(api.calls()).toHaveLength(0);
  });
});
