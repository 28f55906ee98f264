import { ConditionalCheckFailedException, DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ConnectionStore, type RoomMemberPage } from '../../lambda/core/connection-store';
import { roomsOfOneShard } from '../support/room-layouts';

const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const noWait = { retry: { sleep: () => Promise.resolve() } };
const store = new ConnectionStore(client, 'T', noWait);

const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
const throttled = () => new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });

beforeEach(() => {
  ddb.reset();
  roomsOfOneShard(ddb);
  // An empty room, unless a test says otherwise: a join counts its room first.
  ddb.on(QueryCommand, { Select: 'COUNT' }).resolves({ Count: 0 });
});

describe('ConnectionStore', () => {
  it('stores a connection with a TTL in epoch seconds, 2 h 10 min after it connected', async () => {
    ddb.on(PutCommand).resolves({});
    await store.putConnection({ connectionId: 'c1', connectedAt: 1_700_000_000_123, sourceIp: '1.2.3.4', userId: 'alice' });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'T',
      Item: {
        pk: 'CONN#c1',
        sk: 'META',
        connectionId: 'c1',
        connectedAt: 1_700_000_000_123,
        sourceIp: '1.2.3.4',
        userId: 'alice',
        expiresAt: 1_700_000_000 + 7800,
      },
    });
  });

  it('joins a room: conditional update of the rooms set, then the member row', async () => {
    ddb
      .on(UpdateCommand)
      .resolves({ Attributes: { connectionId: 'c1', connectedAt: 1, expiresAt: 99, userId: 'u1', rooms: new Set(['other']) } });
    ddb.on(PutCommand).resolves({});
    await expect(store.joinRoom('c1', 'lobby', { maxRoomsPerConnection: 20 })).resolves.toBe('joined');
    const update = ddb.commandCalls(UpdateCommand)[0].args[0].input;
    expect(update.ConditionExpression).toContain('size(rooms) < :max');
    expect(update.ExpressionAttributeValues).toEqual({ ':room': new Set(['lobby']), ':name': 'lobby', ':max': 20 });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: { pk: 'ROOM#lobby', sk: 'CONN#c1', connectionId: 'c1', userId: 'u1', expiresAt: 99 },
    });
  });

  it('reports too-many-rooms when the condition fails and the room is new', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({ Item: { connectionId: 'c1', rooms: new Set(['a', 'b']) } });
    await expect(store.joinRoom('c1', 'c', { maxRoomsPerConnection: 2 })).resolves.toBe('too-many-rooms');
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('reports unknown-connection when the connection row is missing', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({});
    await expect(store.joinRoom('ghost', 'c', { maxRoomsPerConnection: 2 })).resolves.toBe('unknown-connection');
  });

  it('retries DynamoDB throttling during a join', async () => {
    ddb
      .on(UpdateCommand)
      .rejectsOnce(throttled())
      .resolves({ Attributes: { connectionId: 'c1', expiresAt: 5 } });
    ddb.on(PutCommand).rejectsOnce(throttled()).resolves({});
    await expect(store.joinRoom('c1', 'lobby', { maxRoomsPerConnection: 20 })).resolves.toBe('joined');
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 2);
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 2);
  });

  it('leaves a room, or says not-member', async () => {
    ddb.on(UpdateCommand).resolvesOnce({}).rejectsOnce(conditionFailed());
    ddb.on(DeleteCommand).resolves({});
    await expect(store.leaveRoom('c1', 'lobby')).resolves.toBe('left');
    expect(ddb).toHaveReceivedCommandWith(DeleteCommand, { Key: { pk: 'ROOM#lobby', sk: 'CONN#c1' } });
    await expect(store.leaveRoom('c1', 'lobby')).resolves.toBe('not-member');
    expect(ddb).toHaveReceivedCommandTimes(DeleteCommand, 1);
  });

  it('reads room members page by page with Query, following LastEvaluatedKey', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ connectionId: 'a' }, { connectionId: 'b' }], LastEvaluatedKey: { pk: 'ROOM#r', sk: 'CONN#b' } })
      .resolvesOnce({ Items: [{ connectionId: 'c' }] });
    const pages: RoomMemberPage[] = [];
    for await (const page of store.roomMembers('r')) pages.push(page);
    expect(pages).toEqual([
      { live: ['a', 'b'], expired: [], shards: 1 },
      { live: ['c'], expired: [], shards: 1 },
    ]);
    expect(ddb.commandCalls(QueryCommand)[1].args[0].input.ExclusiveStartKey).toEqual({ pk: 'ROOM#r', sk: 'CONN#b' });
    expect(ddb.commandCalls(QueryCommand)[0].args[0].input).toMatchObject({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'ROOM#r' },
    });
  });

  it('splits room members by TTL: a row expires once its expiresAt (seconds) is before now', async () => {
    const now = 1_700_000_000_500; // ms; 1_700_000_000 in epoch seconds
    const clocked = new ConnectionStore(client, 'T', { ...noWait, now: () => now });
    ddb.on(QueryCommand).resolves({
      Items: [
        { connectionId: 'past', expiresAt: 1_699_999_999 },
        { connectionId: 'this-second', expiresAt: 1_700_000_000 },
        { connectionId: 'future', expiresAt: 1_700_007_800 },
        { connectionId: 'no-ttl' },
      ],
    });
    const pages: RoomMemberPage[] = [];
    for await (const page of clocked.roomMembers('r')) pages.push(page);
    expect(pages).toEqual([{ live: ['this-second', 'future', 'no-ttl'], expired: ['past'], shards: 1 }]);
  });

  it('counts only live members: a FilterExpression on the room Query, never a Scan', async () => {
    const clocked = new ConnectionStore(client, 'T', { ...noWait, now: () => 1_700_000_000_999 });
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Count: 2, ScannedCount: 900, LastEvaluatedKey: { pk: 'ROOM#r', sk: 'CONN#x' } })
      .resolvesOnce({ Count: 1, ScannedCount: 100 });
    await expect(clocked.countMembers('r')).resolves.toBe(3);
    expect(ddb.commandCalls(QueryCommand)[0].args[0].input).toEqual({
      TableName: 'T',
      KeyConditionExpression: 'pk = :pk',
      Select: 'COUNT',
      FilterExpression: 'attribute_not_exists(#ttl) OR #ttl >= :now',
      ExpressionAttributeNames: { '#ttl': 'expiresAt' },
      ExpressionAttributeValues: { ':pk': 'ROOM#r', ':now': 1_700_000_000 },
      ExclusiveStartKey: undefined,
    });
    expect(ddb.commandCalls(QueryCommand)[1].args[0].input.ExclusiveStartKey).toEqual({ pk: 'ROOM#r', sk: 'CONN#x' });
  });

  it('joins a room full of expired rows: only live members count against maxRoomMembers', async () => {
    ddb.on(QueryCommand).resolves({ Count: 0, ScannedCount: 1000 });
    ddb.on(UpdateCommand).resolves({ Attributes: { connectionId: 'c1', expiresAt: 99, rooms: new Set<string>() } });
    ddb.on(PutCommand).resolves({});
    await expect(store.joinRoom('c1', 'stale', { maxRoomsPerConnection: 20, maxRoomMembers: 1000 })).resolves.toBe('joined');
    expect(ddb.commandCalls(QueryCommand)[0].args[0].input.FilterExpression).toBe('attribute_not_exists(#ttl) OR #ttl >= :now');
  });

  it("deletes expired members' room and connection rows in batches of 25, without reading them", async () => {
    ddb.on(BatchWriteCommand).resolves({});
    await store.removeExpiredMembers({ room: 'lobby', shards: 1 }, ['a', 'b']);
    expect(ddb).toHaveReceivedCommandWith(BatchWriteCommand, {
      RequestItems: {
        T: [
          { DeleteRequest: { Key: { pk: 'ROOM#lobby', sk: 'CONN#a' } } },
          { DeleteRequest: { Key: { pk: 'CONN#a', sk: 'META' } } },
          { DeleteRequest: { Key: { pk: 'ROOM#lobby', sk: 'CONN#b' } } },
          { DeleteRequest: { Key: { pk: 'CONN#b', sk: 'META' } } },
        ],
      },
    });
    expect(ddb).not.toHaveReceivedCommand(GetCommand);
  });

  it('removes a connection (claiming its row with one DeleteItem) and every membership in batches of 25', async () => {
    const rooms = Array.from({ length: 30 }, (_, i) => `room${i}`);
    ddb.on(DeleteCommand).resolves({ Attributes: { connectionId: 'c1', userId: 'alice', rooms: new Set(rooms) } });
    ddb.on(BatchWriteCommand).resolves({});
    await expect(store.removeConnection('c1')).resolves.toEqual({ rooms: [...rooms].sort(), userId: 'alice', claimed: true });
    expect(ddb).toHaveReceivedCommandWith(DeleteCommand, { Key: { pk: 'CONN#c1', sk: 'META' }, ReturnValues: 'ALL_OLD' });
    const batches = ddb.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems!.T);
    expect(batches.map((b) => b.length)).toEqual([25, 5]);
    expect(batches.flat()).toContainEqual({ DeleteRequest: { Key: { pk: 'ROOM#room7', sk: 'CONN#c1' } } });
    expect(ddb).not.toHaveReceivedCommand(GetCommand);
  });

  it('claims nothing when another caller removed the connection first, but still deletes the named room row', async () => {
    ddb.on(DeleteCommand).resolves({});
    ddb.on(BatchWriteCommand).resolves({});
    await expect(store.removeConnection('c1', { room: 'lobby', shards: 1 })).resolves.toEqual({ rooms: [], claimed: false });
    expect(ddb).toHaveReceivedCommandWith(BatchWriteCommand, {
      RequestItems: { T: [{ DeleteRequest: { Key: { pk: 'ROOM#lobby', sk: 'CONN#c1' } } }] },
    });
  });

  it('re-sends BatchWrite UnprocessedItems until none remain', async () => {
    ddb.on(DeleteCommand).resolves({ Attributes: { connectionId: 'c1', rooms: new Set(['a', 'b']) } });
    const leftover = [{ DeleteRequest: { Key: { pk: 'ROOM#b', sk: 'CONN#c1' } } }];
    ddb
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { T: leftover } })
      .resolves({});
    await store.removeConnection('c1');
    const calls = ddb.commandCalls(BatchWriteCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1].args[0].input.RequestItems).toEqual({ T: leftover });
  });

  it('gives up on UnprocessedItems after the retry budget, loudly', async () => {
    ddb.on(DeleteCommand).resolves({ Attributes: { connectionId: 'c1', rooms: new Set(['a']) } });
    ddb.on(BatchWriteCommand).resolves({ UnprocessedItems: { T: [{ DeleteRequest: { Key: { pk: 'ROOM#a', sk: 'CONN#c1' } } }] } });
    await expect(store.removeConnection('c1')).rejects.toThrow('1 item(s) unprocessed');
    expect(ddb).toHaveReceivedCommandTimes(BatchWriteCommand, 5);
  });
});
