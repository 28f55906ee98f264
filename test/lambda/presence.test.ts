import { GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { roomsOfOneShard } from '../support/room-layouts';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import 'aws-sdk-client-mock-jest';
import type { RouteEvent } from '../../lambda/core/events';
import { decodeCursor, encodeCursor, MEMBERS_PAGE_SIZE, PresenceStore } from '../../lambda/core/presence';
import { makeHandler as makeDisconnect } from '../../lambda/handlers/disconnect';
import { makeHandler as makeJoin } from '../../lambda/handlers/join';
import { makeHandler as makeLeave } from '../../lambda/handlers/leave';
import { makeHandler as makeMembers } from '../../lambda/handlers/members';
import { makeHandler as makeMessage } from '../../lambda/handlers/message';
import { handlerDeps, lambdaContext, mockAwsClients, routeEvent, SENDER } from './support/handler-harness';

const { ddb, api } = mockAwsClients();
const deps = handlerDeps({
  tableName: 'T',
  roomRules: [
    { pattern: 'team.{group}.*', claims: { group: 'cognito:groups' } },
    { pattern: 'quiet.*', presence: false },
    { pattern: 'lobby' },
  ],
});
const handlers = {
  join: makeJoin(deps),
  leave: makeLeave(deps),
  members: makeMembers(deps),
  disconnect: makeDisconnect(deps),
  message: makeMessage(deps),
};
const context = lambdaContext;

const ME = SENDER;
const NOW = 1_700_000_100_000;
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
const gone = () => new GoneException({ message: 'Gone', $metadata: { httpStatusCode: 410 } });

/** A frame on `routeKey` from ME, with the authorizer context of a signed-in user when `authorizer` is given. */
const event = (body: string | undefined, authorizer?: Record<string, string>, routeKey = 'join'): RouteEvent =>
  routeEvent(routeKey, body, authorizer ? { authorizer: { principalId: authorizer.userId, ...authorizer } } : {});
const reply = (result: { body?: string }) => JSON.parse(result.body!) as Record<string, unknown>;
const posted = () =>
  api
    .commandCalls(PostToConnectionCommand)
    .map((c) => ({ to: c.args[0].input.ConnectionId, frame: JSON.parse(c.args[0].input.Data as string) as Record<string, unknown> }));
const presenceUpdates = () => ddb.commandCalls(UpdateCommand).filter((c) => String(c.args[0].input.Key!.pk).startsWith('PRES#'));

describe('PresenceStore (mocked DynamoDB)', () => {
  const store = new PresenceStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'T', { now: () => NOW, retry: { maxAttempts: 1 } });

  it("counts a user's first connection with one UpdateItem that also sets the row's TTL and the user's name", async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { connections: 1 } });
    await expect(store.arrive('lobby', 'alice', 1_700_007_800, 'Alice')).resolves.toBe(true);
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'PRES#lobby', sk: 'USER#alice' },
      UpdateExpression: 'ADD connections :one SET userId = :userId, #ttl = :ttl, #name = :name',
      ExpressionAttributeValues: { ':one': 1, ':userId': 'alice', ':now': NOW / 1000, ':ttl': 1_700_007_800, ':name': 'Alice' },
      ReturnValues: 'UPDATED_NEW',
    });
  });

  it('removes the name a row kept when the joining token has none', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { connections: 2 } });
    await expect(store.arrive('lobby', 'alice', 1_700_007_800)).resolves.toBe(false);
    expect(ddb.commandCalls(UpdateCommand)[0].args[0].input).toMatchObject({
      UpdateExpression: 'ADD connections :one SET userId = :userId, #ttl = :ttl REMOVE #name',
      ExpressionAttributeNames: { '#name': 'name' },
    });
  });

  it('keeps a later TTL another member set, and restarts a row past its TTL at 1', async () => {
    ddb
      .on(UpdateCommand)
      .rejectsOnce(conditionFailed())
      .resolves({ Attributes: { connections: 2 } });
    await expect(store.arrive('lobby', 'alice', 1, 'Alice')).resolves.toBe(false);
    expect(ddb.commandCalls(UpdateCommand)[1].args[0].input).toMatchObject({
      UpdateExpression: 'ADD connections :one SET userId = :userId, #name = :name',
      ConditionExpression: '#ttl >= :now',
    });
    ddb.reset();
    roomsOfOneShard(ddb);
    ddb
      .on(UpdateCommand)
      .rejectsOnce(conditionFailed())
      .rejectsOnce(conditionFailed())
      .resolves({ Attributes: { connections: 1 } });
    await expect(store.arrive('lobby', 'alice', 5, 'Alice')).resolves.toBe(true);
    expect(ddb.commandCalls(UpdateCommand)[2].args[0].input).toMatchObject({
      UpdateExpression: 'SET connections = :one, userId = :userId, #ttl = :ttl, #name = :name',
    });
  });

  it("deletes the row at 0 (only if still 0) and reports the user's last departure, with the name the row kept", async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { connections: 0, name: 'Alice' } });
    ddb.on(DeleteCommand).resolves({});
    await expect(store.depart('lobby', 'alice')).resolves.toEqual({ last: true, name: 'Alice' });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, { ReturnValues: 'ALL_NEW' });
    expect(ddb).toHaveReceivedCommandWith(DeleteCommand, {
      Key: { pk: 'PRES#lobby', sk: 'USER#alice' },
      ConditionExpression: 'connections <= :zero',
    });
  });

  it('is no departure while other connections remain, when the row is gone, or when the user came back before the delete', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { connections: 1 } });
    await expect(store.depart('lobby', 'alice')).resolves.toEqual({ last: false });
    ddb.reset();
    roomsOfOneShard(ddb);
    ddb.on(UpdateCommand).rejects(conditionFailed());
    await expect(store.depart('lobby', 'alice')).resolves.toBeUndefined();
    ddb.reset();
    roomsOfOneShard(ddb);
    ddb.on(UpdateCommand).resolves({ Attributes: { connections: 0 } });
    ddb.on(DeleteCommand).rejects(conditionFailed());
    await expect(store.depart('lobby', 'alice')).resolves.toEqual({ last: false });
  });

  it(`pages ${MEMBERS_PAGE_SIZE} users per Query, skips rows past their TTL, and hands out an opaque cursor`, async () => {
    ddb.on(QueryCommand).resolves({
      Items: [
        { userId: 'alice', name: 'Alice', connections: 2, expiresAt: NOW / 1000 + 10 },
        { userId: 'ghost', connections: 1, expiresAt: NOW / 1000 - 10 },
      ],
      LastEvaluatedKey: { pk: 'PRES#lobby', sk: 'USER#ghost' },
    });
    const page = await store.page('lobby');
    expect(page.members).toEqual([{ userId: 'alice', name: 'Alice', connections: 2 }]);
    expect(page.next).toBe(encodeCursor('lobby', 'ghost'));
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, { Limit: MEMBERS_PAGE_SIZE, ExpressionAttributeValues: { ':pk': 'PRES#lobby' } });
    await store.page('lobby', page.next);
    expect(ddb.commandCalls(QueryCommand)[1].args[0].input.ExclusiveStartKey).toEqual({ pk: 'PRES#lobby', sk: 'USER#ghost' });
  });

  it('accepts only cursors it made, for the same room', () => {
    const cursor = encodeCursor('lobby', 'bob');
    expect(decodeCursor('lobby', cursor)).toBe('bob');
    const forged = [
      encodeCursor('other', 'bob'),
      Buffer.from('{"r":"lobby"}').toString('base64url'),
      Buffer.from('{"r":"lobby","u":""}').toString('base64url'),
      Buffer.from('{"u":"bob","r":"lobby"}').toString('base64url'), // not the canonical form
      Buffer.from('not json').toString('base64url'),
      `${cursor}=`,
      'a'.repeat(600),
      '',
    ];
    for (const bad of forged)
      expect(() => decodeCursor('lobby', bad)).toThrow('"cursor" is not the "next" of a members reply for room "lobby"');
  });
});

describe('join: room rules and presence', () => {
  const joinsOk = () => {
    ddb.on(QueryCommand).resolves({ Count: 0, Items: [] });
    ddb
      .on(UpdateCommand, { Key: { pk: `CONN#${ME}`, sk: 'META' } })
      .resolves({ Attributes: { connectionId: ME, rooms: new Set(), expiresAt: 1_700_007_800 } });
    ddb.on(PutCommand).resolves({});
    ddb.on(GetCommand).resolves({});
  };

  it("refuses another user's room FORBIDDEN, before any write", async () => {
    const result = await handlers.join(
      event('{"action":"join","room":"user.bob","id":"j1"}', { userId: 'alice', username: 'alice' }),
      context,
    );
    expect(reply(result)).toEqual({
      event: 'error',
      error: { code: 'FORBIDDEN', message: expect.stringContaining('belongs to another user') },
      id: 'j1',
    });
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses a guest every user room, and a room no rule matches', async () => {
    expect(reply(await handlers.join(event('{"action":"join","room":"user.someone"}'), context))).toMatchObject({
      error: { code: 'FORBIDDEN' },
    });
    expect(reply(await handlers.join(event('{"action":"join","room":"elsewhere"}', { userId: 'alice' }), context))).toMatchObject({
      error: { code: 'FORBIDDEN', message: expect.stringContaining('matches none') },
    });
  });

  it("judges a claim rule by the authorizer's claims context", async () => {
    joinsOk();
    ddb.on(UpdateCommand, { Key: { pk: 'PRES#team.red.chat', sk: 'USER#alice' } }).resolves({ Attributes: { connections: 1 } });
    const claims = JSON.stringify({ 'cognito:groups': ['red'] });
    expect(
      reply(await handlers.join(event('{"action":"join","room":"team.red.chat"}', { userId: 'alice', claims }), context)),
    ).toMatchObject({
      event: 'joined',
      room: 'team.red.chat',
    });
    expect(
      reply(await handlers.join(event('{"action":"join","room":"team.blue.chat"}', { userId: 'alice', claims }), context)),
    ).toMatchObject({
      error: { code: 'FORBIDDEN' },
    });
  });

  it("joins the user's own room, counts presence, and tells the other members of a first connection", async () => {
    joinsOk();
    ddb.on(QueryCommand, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'ROOM#lobby' } }).resolves({
      Items: [{ connectionId: ME }, { connectionId: 'OTHER' }],
    });
    ddb.on(UpdateCommand, { Key: { pk: 'PRES#lobby', sk: 'USER#alice' } }).resolves({ Attributes: { connections: 1 } });
    const result = await handlers.join(event('{"action":"join","room":"lobby"}', { userId: 'alice' }), context);
    expect(reply(result)).toMatchObject({ event: 'joined', room: 'lobby' });
    expect(presenceUpdates()[0].args[0].input).toMatchObject({ ExpressionAttributeValues: { ':ttl': 1_700_007_800, ':userId': 'alice' } });
    expect(posted()).toEqual([{ to: 'OTHER', frame: { event: 'presence', room: 'lobby', userId: 'alice', change: 'joined' } }]);
  });

  it("names the user in the presence event and its row, from the authorizer's display name", async () => {
    joinsOk();
    ddb.on(QueryCommand, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'ROOM#lobby' } }).resolves({
      Items: [{ connectionId: 'OTHER' }],
    });
    ddb.on(UpdateCommand, { Key: { pk: 'PRES#lobby', sk: 'USER#alice' } }).resolves({ Attributes: { connections: 1 } });
    await handlers.join(event('{"action":"join","room":"lobby"}', { userId: 'alice', displayName: 'Alice Liddell' }), context);
    expect(presenceUpdates()[0].args[0].input).toMatchObject({ ExpressionAttributeValues: { ':name': 'Alice Liddell' } });
    expect(posted()).toEqual([
      { to: 'OTHER', frame: { event: 'presence', room: 'lobby', userId: 'alice', name: 'Alice Liddell', change: 'joined' } },
    ]);
  });

  it("sends nothing for a user's second connection, nor where a rule turns presence off", async () => {
    joinsOk();
    ddb.on(UpdateCommand, { Key: { pk: 'PRES#lobby', sk: 'USER#alice' } }).resolves({ Attributes: { connections: 2 } });
    ddb.on(UpdateCommand, { Key: { pk: 'PRES#quiet.x', sk: 'USER#alice' } }).resolves({ Attributes: { connections: 1 } });
    await handlers.join(event('{"action":"join","room":"lobby"}', { userId: 'alice' }), context);
    await handlers.join(event('{"action":"join","room":"quiet.x"}', { userId: 'alice' }), context);
    expect(presenceUpdates()).toHaveLength(2);
    expect(api).not.toHaveReceivedCommand(PostToConnectionCommand);
  });

  it('counts a guest under its connection id, and a repeated join not at all', async () => {
    joinsOk();
    ddb.on(UpdateCommand, { Key: { pk: 'PRES#lobby', sk: `USER#${ME}` } }).resolves({ Attributes: { connections: 2 } });
    await handlers.join(event('{"action":"join","room":"lobby"}'), context);
    expect(presenceUpdates()).toHaveLength(1);
    // Joining again: the condition (not a member yet) fails, and the row read says it is one.
    ddb.on(UpdateCommand, { Key: { pk: `CONN#${ME}`, sk: 'META' } }).rejects(conditionFailed());
    ddb
      .on(GetCommand, { Key: { pk: `CONN#${ME}`, sk: 'META' } })
      .resolves({ Item: { connectionId: ME, rooms: new Set(['lobby']), expiresAt: 1 } });
    await handlers.join(event('{"action":"join","room":"lobby"}'), context);
    expect(presenceUpdates()).toHaveLength(1);
  });
});

describe('leave and $disconnect: presence left', () => {
  it("tells the remaining members when the user's last connection leaves, by the name its presence row kept", async () => {
    ddb.on(UpdateCommand, { Key: { pk: `CONN#${ME}`, sk: 'META' } }).resolves({});
    ddb.on(UpdateCommand, { Key: { pk: 'PRES#lobby', sk: 'USER#alice' } }).resolves({ Attributes: { connections: 0, name: 'Alice' } });
    ddb.on(DeleteCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [{ connectionId: 'OTHER' }] });
    const result = await handlers.leave(event('{"action":"leave","room":"lobby"}', { userId: 'alice' }, 'leave'), context);
    expect(reply(result)).toEqual({ event: 'left', room: 'lobby' });
    expect(posted()).toEqual([
      { to: 'OTHER', frame: { event: 'presence', room: 'lobby', userId: 'alice', name: 'Alice', change: 'left' } },
    ]);
  });

  it('counts nothing when the connection was not in the room', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());
    expect(reply(await handlers.leave(event('{"action":"leave","room":"lobby"}', { userId: 'alice' }, 'leave'), context))).toMatchObject({
      error: { code: 'NOT_IN_ROOM' },
    });
    expect(presenceUpdates()).toHaveLength(0);
  });

  it('on $disconnect, departs from every room the claimed row listed, and sends left where it was the last', async () => {
    ddb.on(DeleteCommand, { Key: { pk: `CONN#${ME}`, sk: 'META' } }).resolves({
      Attributes: { connectionId: ME, userId: 'alice', rooms: new Set(['lobby', 'quiet.x', 'team.red.a']) },
    });
    ddb.on(BatchWriteCommand).resolves({});
    ddb.on(UpdateCommand, { Key: { pk: 'PRES#lobby', sk: 'USER#alice' } }).resolves({ Attributes: { connections: 0 } });
    ddb.on(UpdateCommand, { Key: { pk: 'PRES#quiet.x', sk: 'USER#alice' } }).resolves({ Attributes: { connections: 0 } });
    ddb.on(UpdateCommand, { Key: { pk: 'PRES#team.red.a', sk: 'USER#alice' } }).resolves({ Attributes: { connections: 1 } });
    ddb.on(DeleteCommand, { Key: { pk: 'PRES#lobby', sk: 'USER#alice' } }).resolves({});
    ddb.on(DeleteCommand, { Key: { pk: 'PRES#quiet.x', sk: 'USER#alice' } }).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [{ connectionId: 'OTHER' }] });
    await handlers.disconnect(event(undefined, undefined, '$disconnect'), context);
    expect(
      presenceUpdates()
        .map((c) => String(c.args[0].input.Key!.pk))
        .sort(),
    ).toEqual(['PRES#lobby', 'PRES#quiet.x', 'PRES#team.red.a']);
    // quiet.* has presence off; team.red.a still has another of alice's connections.
    expect(posted()).toEqual([{ to: 'OTHER', frame: { event: 'presence', room: 'lobby', userId: 'alice', change: 'left' } }]);
  });

  it('on $disconnect after a fan-out already pruned the connection, counts nothing twice', async () => {
    ddb.on(DeleteCommand).resolves({});
    await handlers.disconnect(event(undefined, undefined, '$disconnect'), context);
    expect(presenceUpdates()).toHaveLength(0);
    expect(api).not.toHaveReceivedCommand(PostToConnectionCommand);
  });

  it("a room message's fan-out that prunes a gone member counts its departure and tells the room", async () => {
    ddb.on(GetCommand).resolves({ Item: { connectionId: ME, userId: 'alice', rooms: new Set(['lobby']) } });
    ddb.on(UpdateCommand).resolves({ Attributes: { seq: 3 } });
    ddb.on(BatchWriteCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [{ connectionId: ME }, { connectionId: 'OK' }, { connectionId: 'STALE' }] });
    ddb
      .on(DeleteCommand, { Key: { pk: 'CONN#STALE', sk: 'META' } })
      .resolves({ Attributes: { connectionId: 'STALE', userId: 'bob', rooms: new Set(['lobby']) } });
    ddb.on(UpdateCommand, { Key: { pk: 'PRES#lobby', sk: 'USER#bob' } }).resolves({ Attributes: { connections: 0 } });
    ddb.on(DeleteCommand, { Key: { pk: 'PRES#lobby', sk: 'USER#bob' } }).resolves({});
    api.on(PostToConnectionCommand, { ConnectionId: 'STALE' }).rejects(gone());
    await handlers.message(event('{"action":"message","room":"lobby","data":"hi"}', { userId: 'alice' }, 'message'), context);
    const toOk = posted()
      .filter((p) => p.to === 'OK')
      .map((p) => p.frame.event);
    expect(toOk).toEqual(['message', 'presence']);
    expect(posted().find((p) => p.frame.event === 'presence')!.frame).toEqual({
      event: 'presence',
      room: 'lobby',
      userId: 'bob',
      change: 'left',
    });
  });
});

describe('members', () => {
  it('answers a member with one page of users', async () => {
    ddb.on(GetCommand).resolves({ Item: { connectionId: ME, rooms: new Set(['lobby']) } });
    ddb.on(QueryCommand).resolves({
      Items: [
        { userId: 'alice', connections: 2 },
        { userId: 'bob', connections: 1 },
      ],
    });
    const result = await handlers.members(event('{"action":"members","room":"lobby","id":"q"}', undefined, 'members'), context);
    expect(reply(result)).toEqual({
      event: 'members',
      room: 'lobby',
      members: [
        { userId: 'alice', connections: 2 },
        { userId: 'bob', connections: 1 },
      ],
      id: 'q',
    });
  });

  it('refuses a non-member NOT_IN_ROOM, without reading the room', async () => {
    ddb.on(GetCommand).resolves({ Item: { connectionId: ME, rooms: new Set(['other']) } });
    expect(reply(await handlers.members(event('{"action":"members","room":"lobby"}', undefined, 'members'), context))).toMatchObject({
      error: { code: 'NOT_IN_ROOM' },
    });
    expect(ddb).not.toHaveReceivedCommand(QueryCommand);
  });

  it('answers a forged cursor BAD_REQUEST, not a 500', async () => {
    ddb.on(GetCommand).resolves({ Item: { connectionId: ME, rooms: new Set(['lobby']) } });
    const forged = encodeCursor('other-room', 'bob');
    const result = await handlers.members(
      event(JSON.stringify({ action: 'members', room: 'lobby', cursor: forged }), undefined, 'members'),
      context,
    );
    expect(result.statusCode).toBe(200);
    expect(reply(result)).toMatchObject({ event: 'error', error: { code: 'BAD_REQUEST', message: expect.stringContaining('"cursor"') } });
    expect(ddb).not.toHaveReceivedCommand(QueryCommand);
  });
});
