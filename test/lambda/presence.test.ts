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
/** A presence row as DynamoDB returns it: its connection ids (no attribute when none), version and name. */
const row = (ids: string[], version: number, name?: string) => ({
  ...(ids.length === 0 ? {} : { connectionIds: new Set(ids) }),
  version,
  ...(name === undefined ? {} : { name }),
});
const presenceUpdates = () => ddb.commandCalls(UpdateCommand).filter((c) => String(c.args[0].input.Key!.pk).startsWith('PRES#'));

describe('PresenceStore (mocked DynamoDB)', () => {
  const store = new PresenceStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'T', { now: () => NOW, retry: { maxAttempts: 1 } });

  it("adds a user's first connection to its set with one UpdateItem that also grows the version and sets the TTL and name", async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: row(['c1'], NOW + 1, 'Alice') });
    await expect(store.arrive('lobby', 'alice', 'c1', 1_700_007_800, 'Alice')).resolves.toEqual({
      first: true,
      connections: 1,
      version: NOW + 1,
      name: 'Alice',
    });
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'PRES#lobby', sk: 'USER#alice' },
      UpdateExpression:
        'ADD connectionIds :ids SET #version = if_not_exists(#version, :start) + :one, userId = :userId, #name = :name, #ttl = :ttl',
      ExpressionAttributeValues: {
        ':ids': new Set(['c1']),
        ':one': 1,
        ':start': NOW,
        ':userId': 'alice',
        ':now': NOW / 1000,
        ':ttl': 1_700_007_800,
        ':name': 'Alice',
      },
      ReturnValues: 'ALL_NEW',
    });
  });

  it('is no first arrival when the set holds other connections, and removes the name when the token has none', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: row(['c1', 'c2'], 7) });
    await expect(store.arrive('lobby', 'alice', 'c2', 1_700_007_800)).resolves.toEqual({ first: false, connections: 2, version: 7 });
    expect(ddb.commandCalls(UpdateCommand)[0].args[0].input).toMatchObject({
      UpdateExpression:
        'ADD connectionIds :ids SET #version = if_not_exists(#version, :start) + :one, userId = :userId, #ttl = :ttl REMOVE #name',
      ExpressionAttributeNames: { '#name': 'name' },
    });
  });

  it('keeps a later TTL another member set, and restarts the set of a row past its TTL, version still growing', async () => {
    ddb
      .on(UpdateCommand)
      .rejectsOnce(conditionFailed())
      .resolves({ Attributes: row(['c0', 'c1'], 9) });
    await expect(store.arrive('lobby', 'alice', 'c1', 1, 'Alice')).resolves.toMatchObject({ first: false, connections: 2 });
    expect(ddb.commandCalls(UpdateCommand)[1].args[0].input).toMatchObject({
      UpdateExpression: 'ADD connectionIds :ids SET #version = if_not_exists(#version, :start) + :one, userId = :userId, #name = :name',
      ConditionExpression: '#ttl >= :now',
    });
    ddb.reset();
    roomsOfOneShard(ddb);
    ddb
      .on(UpdateCommand)
      .rejectsOnce(conditionFailed())
      .rejectsOnce(conditionFailed())
      .resolves({ Attributes: row(['c1'], 10) });
    await expect(store.arrive('lobby', 'alice', 'c1', 5, 'Alice')).resolves.toEqual({ first: true, connections: 1, version: 10 });
    expect(ddb.commandCalls(UpdateCommand)[2].args[0].input).toMatchObject({
      UpdateExpression:
        'SET connectionIds = :ids, #version = if_not_exists(#version, :start) + :one, userId = :userId, #name = :name, #ttl = :ttl',
    });
    expect(ddb.commandCalls(UpdateCommand)[2].args[0].input).not.toHaveProperty('ConditionExpression');
  });

  it("takes the connection out of the set only if it is there, and reports the user's last departure with the name kept", async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { version: 12, name: 'Alice' } });
    await expect(store.depart('lobby', 'alice', 'c1')).resolves.toEqual({ last: true, connections: 0, version: 12, name: 'Alice' });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'PRES#lobby', sk: 'USER#alice' },
      UpdateExpression: 'DELETE connectionIds :ids SET #version = if_not_exists(#version, :start) + :one',
      ConditionExpression: 'contains(connectionIds, :id)',
      ExpressionAttributeValues: { ':ids': new Set(['c1']), ':id': 'c1', ':one': 1, ':start': NOW },
      ReturnValues: 'ALL_NEW',
    });
    // The row stays (its version must not restart); nothing deletes it.
    expect(ddb).not.toHaveReceivedCommand(DeleteCommand);
  });

  it('is no departure while other connections remain, nor when this one was counted out already', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: row(['c2'], 13) });
    await expect(store.depart('lobby', 'alice', 'c1')).resolves.toEqual({ last: false, connections: 1, version: 13 });
    ddb.reset();
    roomsOfOneShard(ddb);
    ddb.on(UpdateCommand).rejects(conditionFailed());
    await expect(store.depart('lobby', 'alice', 'c1')).resolves.toBeUndefined();
  });

  it(`pages ${MEMBERS_PAGE_SIZE} users per Query, skips rows past their TTL or with no connections, and hands out an opaque cursor`, async () => {
    ddb.on(QueryCommand).resolves({
      Items: [
        { ...row(['a1', 'a2'], 4, 'Alice'), userId: 'alice', expiresAt: NOW / 1000 + 10 },
        { ...row(['g1'], 2), userId: 'ghost', expiresAt: NOW / 1000 - 10 },
        { ...row([], 6), userId: 'gone', expiresAt: NOW / 1000 + 10 },
      ],
      LastEvaluatedKey: { pk: 'PRES#lobby', sk: 'USER#ghost' },
    });
    const page = await store.page('lobby');
    expect(page.members).toEqual([{ userId: 'alice', name: 'Alice', connections: 2, version: 4 }]);
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
    ddb.on(UpdateCommand, { Key: { pk: 'PRES#team.red.chat', sk: 'USER#alice' } }).resolves({ Attributes: row([ME], 1) });
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
    ddb.on(UpdateCommand, { Key: { pk: 'PRES#lobby', sk: 'USER#alice' } }).resolves({ Attributes: row([ME], 21) });
    const result = await handlers.join(event('{"action":"join","room":"lobby"}', { userId: 'alice' }), context);
    expect(reply(result)).toMatchObject({ event: 'joined', room: 'lobby' });
    expect(presenceUpdates()[0].args[0].input).toMatchObject({
      ExpressionAttributeValues: { ':ttl': 1_700_007_800, ':userId': 'alice', ':ids': new Set([ME]) },
    });
    expect(posted()).toEqual([
      { to: 'OTHER', frame: { event: 'presence', room: 'lobby', userId: 'alice', change: 'joined', connections: 1, version: 21 } },
    ]);
  });

  it("names the user in the presence event and its row, from the authorizer's display name", async () => {
    joinsOk();
    ddb.on(QueryCommand, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'ROOM#lobby' } }).resolves({
      Items: [{ connectionId: 'OTHER' }],
    });
    ddb.on(UpdateCommand, { Key: { pk: 'PRES#lobby', sk: 'USER#alice' } }).resolves({ Attributes: row([ME], 3, 'Alice Liddell') });
    await handlers.join(event('{"action":"join","room":"lobby"}', { userId: 'alice', displayName: 'Alice Liddell' }), context);
    expect(presenceUpdates()[0].args[0].input).toMatchObject({ ExpressionAttributeValues: { ':name': 'Alice Liddell' } });
    expect(posted()).toEqual([
      {
        to: 'OTHER',
        frame: { event: 'presence', room: 'lobby', userId: 'alice', name: 'Alice Liddell', change: 'joined', connections: 1, version: 3 },
      },
    ]);
  });

  it("sends nothing for a user's second connection, nor where a rule turns presence off", async () => {
    joinsOk();
    ddb.on(UpdateCommand, { Key: { pk: 'PRES#lobby', sk: 'USER#alice' } }).resolves({ Attributes: row(['OLDER', ME], 2) });
    ddb.on(UpdateCommand, { Key: { pk: 'PRES#quiet.x', sk: 'USER#alice' } }).resolves({ Attributes: row([ME], 1) });
    await handlers.join(event('{"action":"join","room":"lobby"}', { userId: 'alice' }), context);
    await handlers.join(event('{"action":"join","room":"quiet.x"}', { userId: 'alice' }), context);
    expect(presenceUpdates()).toHaveLength(2);
    expect(api).not.toHaveReceivedCommand(PostToConnectionCommand);
  });

  it('counts a guest under its connection id, and a repeated join not at all', async () => {
    joinsOk();
    ddb.on(UpdateCommand, { Key: { pk: 'PRES#lobby', sk: `USER#${ME}` } }).resolves({ Attributes: row([ME], 2) });
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
  /** The order of the table calls, as `Command pk`. */
  const tableCalls = () =>
    ddb.calls().map((c) => `${c.args[0].constructor.name} ${String((c.args[0].input as { Key?: { pk: string } }).Key?.pk)}`);

  it("counts the departure before the membership goes, and tells the remaining members of the user's last connection", async () => {
    ddb.on(UpdateCommand, { Key: { pk: `CONN#${ME}`, sk: 'META' } }).resolves({});
    ddb.on(UpdateCommand, { Key: { pk: 'PRES#lobby', sk: 'USER#alice' } }).resolves({ Attributes: row([], 8, 'Alice') });
    ddb.on(DeleteCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [{ connectionId: 'OTHER' }] });
    const result = await handlers.leave(event('{"action":"leave","room":"lobby"}', { userId: 'alice' }, 'leave'), context);
    expect(reply(result)).toEqual({ event: 'left', room: 'lobby' });
    expect(tableCalls().slice(0, 3)).toEqual(['UpdateCommand PRES#lobby', `UpdateCommand CONN#${ME}`, 'DeleteCommand ROOM#lobby']);
    expect(posted()).toEqual([
      {
        to: 'OTHER',
        frame: { event: 'presence', room: 'lobby', userId: 'alice', name: 'Alice', change: 'left', connections: 0, version: 8 },
      },
    ]);
  });

  it('counts nothing and tells nobody when the connection was not in the room', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());
    expect(reply(await handlers.leave(event('{"action":"leave","room":"lobby"}', { userId: 'alice' }, 'leave'), context))).toMatchObject({
      error: { code: 'NOT_IN_ROOM' },
    });
    // The one presence update was conditional on the connection being counted there: it changed nothing.
    expect(presenceUpdates()).toHaveLength(1);
    expect(presenceUpdates()[0].args[0].input).toMatchObject({ ConditionExpression: 'contains(connectionIds, :id)' });
    expect(api).not.toHaveReceivedCommand(PostToConnectionCommand);
  });

  it('on $disconnect, counts its departure from every room its row lists before deleting the row, and sends left where it was the last', async () => {
    ddb.on(GetCommand, { Key: { pk: `CONN#${ME}`, sk: 'META' } }).resolves({
      Item: { connectionId: ME, userId: 'alice', rooms: new Set(['lobby', 'quiet.x', 'team.red.a']) },
    });
    ddb.on(DeleteCommand, { Key: { pk: `CONN#${ME}`, sk: 'META' } }).resolves({
      Attributes: { connectionId: ME, userId: 'alice', rooms: new Set(['lobby', 'quiet.x', 'team.red.a']) },
    });
    ddb.on(BatchWriteCommand).resolves({});
    ddb.on(UpdateCommand, { Key: { pk: 'PRES#lobby', sk: 'USER#alice' } }).resolves({ Attributes: row([], 4) });
    ddb.on(UpdateCommand, { Key: { pk: 'PRES#quiet.x', sk: 'USER#alice' } }).resolves({ Attributes: row([], 2) });
    ddb.on(UpdateCommand, { Key: { pk: 'PRES#team.red.a', sk: 'USER#alice' } }).resolves({ Attributes: row(['OTHER-DEVICE'], 6) });
    ddb.on(QueryCommand).resolves({ Items: [{ connectionId: 'OTHER' }] });
    await handlers.disconnect(event(undefined, undefined, '$disconnect'), context);
    expect(tableCalls().slice(0, 5)).toEqual([
      `GetCommand CONN#${ME}`,
      'UpdateCommand PRES#lobby',
      'UpdateCommand PRES#quiet.x',
      'UpdateCommand PRES#team.red.a',
      `DeleteCommand CONN#${ME}`,
    ]);
    for (const update of presenceUpdates()) expect(update.args[0].input.ExpressionAttributeValues).toMatchObject({ ':id': ME });
    // quiet.* has presence off; team.red.a still has another of alice's connections.
    expect(posted()).toEqual([
      { to: 'OTHER', frame: { event: 'presence', room: 'lobby', userId: 'alice', change: 'left', connections: 0, version: 4 } },
    ]);
  });

  it('on $disconnect after a fan-out already pruned the connection (row gone), counts nothing twice', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(DeleteCommand).resolves({});
    await handlers.disconnect(event(undefined, undefined, '$disconnect'), context);
    expect(presenceUpdates()).toHaveLength(0);
    expect(api).not.toHaveReceivedCommand(PostToConnectionCommand);
  });

  it('on $disconnect racing a prune that counted the departure already, sends no second left', async () => {
    ddb.on(GetCommand).resolves({ Item: { connectionId: ME, userId: 'alice', rooms: new Set(['lobby']) } });
    ddb.on(UpdateCommand).rejects(conditionFailed()); // not in the set any more
    ddb.on(DeleteCommand).resolves({});
    ddb.on(BatchWriteCommand).resolves({});
    await handlers.disconnect(event(undefined, undefined, '$disconnect'), context);
    expect(presenceUpdates()).toHaveLength(1);
    expect(api).not.toHaveReceivedCommand(PostToConnectionCommand);
  });

  it('on $disconnect, also counts out a room a join added between the read and the delete', async () => {
    ddb.on(GetCommand).resolves({ Item: { connectionId: ME, rooms: new Set(['lobby']) } });
    ddb
      .on(DeleteCommand, { Key: { pk: `CONN#${ME}`, sk: 'META' } })
      .resolves({ Attributes: { connectionId: ME, rooms: new Set(['lobby', 'late']) } });
    ddb.on(BatchWriteCommand).resolves({});
    ddb.on(UpdateCommand).resolves({ Attributes: row(['ANOTHER'], 3) });
    await handlers.disconnect(event(undefined, undefined, '$disconnect'), context);
    expect(presenceUpdates().map((c) => c.args[0].input.Key)).toEqual([
      { pk: 'PRES#lobby', sk: `USER#${ME}` },
      { pk: 'PRES#late', sk: `USER#${ME}` },
    ]);
  });

  it('a $disconnect that dies after counting keeps the row, so the next removal finds the rooms and counts nothing twice', async () => {
    ddb.on(GetCommand).resolves({ Item: { connectionId: ME, userId: 'alice', rooms: new Set(['lobby']) } });
    ddb.on(UpdateCommand).resolvesOnce({ Attributes: row([], 5) });
    ddb.on(DeleteCommand).rejects(new Error('Task timed out'));
    await expect(handlers.disconnect(event(undefined, undefined, '$disconnect'), context)).rejects.toThrow('Task timed out');
    expect(presenceUpdates()).toHaveLength(1);
    // Again (a later 410's prune): the row is still there; the departure is counted already.
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb.on(DeleteCommand).resolves({ Attributes: { connectionId: ME, userId: 'alice', rooms: new Set(['lobby']) } });
    ddb.on(BatchWriteCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [{ connectionId: 'OTHER' }] });
    await handlers.disconnect(event(undefined, undefined, '$disconnect'), context);
    expect(presenceUpdates()).toHaveLength(2);
    expect(api).not.toHaveReceivedCommand(PostToConnectionCommand);
  });

  it("a room message's fan-out that prunes a gone member counts its departure, deletes its rows, then tells the room", async () => {
    ddb.on(GetCommand).resolves({ Item: { connectionId: ME, userId: 'alice', rooms: new Set(['lobby']) } });
    ddb
      .on(GetCommand, { Key: { pk: 'CONN#STALE', sk: 'META' } })
      .resolves({ Item: { connectionId: 'STALE', userId: 'bob', rooms: new Set(['lobby']) } });
    ddb.on(UpdateCommand).resolves({ Attributes: { seq: 3 } });
    ddb.on(BatchWriteCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [{ connectionId: ME }, { connectionId: 'OK' }, { connectionId: 'STALE' }] });
    ddb
      .on(DeleteCommand, { Key: { pk: 'CONN#STALE', sk: 'META' } })
      .resolves({ Attributes: { connectionId: 'STALE', userId: 'bob', rooms: new Set(['lobby']) } });
    ddb.on(UpdateCommand, { Key: { pk: 'PRES#lobby', sk: 'USER#bob' } }).resolves({ Attributes: row([], 9) });
    api.on(PostToConnectionCommand, { ConnectionId: 'STALE' }).rejects(gone());
    await handlers.message(event('{"action":"message","room":"lobby","data":"hi"}', { userId: 'alice' }, 'message'), context);
    const calls = tableCalls();
    expect(calls.indexOf('UpdateCommand PRES#lobby')).toBeGreaterThan(calls.indexOf('GetCommand CONN#STALE'));
    expect(calls.indexOf('DeleteCommand CONN#STALE')).toBeGreaterThan(calls.indexOf('UpdateCommand PRES#lobby'));
    const toOk = posted()
      .filter((p) => p.to === 'OK')
      .map((p) => p.frame.event);
    expect(toOk).toEqual(['message', 'presence']);
    expect(posted().find((p) => p.frame.event === 'presence')!.frame).toEqual({
      event: 'presence',
      room: 'lobby',
      userId: 'bob',
      change: 'left',
      connections: 0,
      version: 9,
    });
  });
});

describe('members', () => {
  it('answers a member with one page of users', async () => {
    ddb.on(GetCommand).resolves({ Item: { connectionId: ME, rooms: new Set(['lobby']) } });
    ddb.on(QueryCommand).resolves({
      Items: [
        { ...row(['a1', 'a2'], 5), userId: 'alice' },
        { ...row(['b1'], 2), userId: 'bob' },
      ],
    });
    const result = await handlers.members(event('{"action":"members","room":"lobby","id":"q"}', undefined, 'members'), context);
    expect(reply(result)).toEqual({
      event: 'members',
      room: 'lobby',
      members: [
        { userId: 'alice', connections: 2, version: 5 },
        { userId: 'bob', connections: 1, version: 2 },
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
