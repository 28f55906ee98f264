import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  ApiGatewayManagementApiClient,
  GoneException,
  LimitExceededException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { BatchWriteCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { postedText } from './support/handler-harness';
import { roomsOfOneShard } from '../support/room-layouts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ConnectionStore } from '../../lambda/core/connection-store';
import { Notifier } from '../../lambda/core/notifier';
import type { RoomMessage } from '../../protocol';
import { RoomFanout } from '../../lambda/core/room-fanout';

const ddb = mockClient(DynamoDBDocumentClient);
const api = mockClient(ApiGatewayManagementApiClient);
const noWait = { sleep: () => Promise.resolve() };
const store = new ConnectionStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'T', { retry: noWait });
const notifier = new Notifier(new ApiGatewayManagementApiClient({ endpoint: 'http://127.0.0.1:1' }), { retry: noWait });
const logger = { warn: jest.fn(), error: jest.fn() };
const fanout = new RoomFanout(store, notifier, logger);
const message: RoomMessage = { event: 'message', room: 'lobby', from: 'sender', data: 'Hello', ts: 1, seq: 1 };
const members = (...ids: string[]) => ids.map((connectionId) => ({ connectionId }));
/** Member rows whose TTL (epoch seconds) passed an hour ago, as DynamoDB returns them until TTL deletes them. */
const expiredMembers = (...ids: string[]) => ids.map((connectionId) => ({ connectionId, expiresAt: Math.floor(Date.now() / 1000) - 3600 }));
const deletedKeys = () =>
  ddb.commandCalls(BatchWriteCommand).flatMap((c) => c.args[0].input.RequestItems!.T.map((r) => r.DeleteRequest!.Key));

beforeEach(() => {
  ddb.reset();
  roomsOfOneShard(ddb);
  api.reset();
  logger.warn.mockReset();
  logger.error.mockReset();
});

describe('RoomFanout', () => {
  it('delivers once to every member across pages, never to the sender', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: members('sender', 'a', 'b'), LastEvaluatedKey: { pk: 'x', sk: 'y' } })
      .resolvesOnce({ Items: members('c') });
    api.on(PostToConnectionCommand).resolves({});
    await expect(fanout.broadcast(message, 'sender', { concurrency: 2 })).resolves.toEqual({
      delivered: 3,
      failed: 0,
      pruned: 0,
      expired: 0,
      skipped: 0,
    });
    const recipients = api.commandCalls(PostToConnectionCommand).map((c) => c.args[0].input.ConnectionId);
    expect(recipients.sort()).toEqual(['a', 'b', 'c']);
    expect(api.commandCalls(PostToConnectionCommand)[0].args[0].input.Data).toBe(JSON.stringify(message));
  });

  it('prunes the stale recipient on 410, not the sender, and carries on', async () => {
    ddb.on(QueryCommand).resolves({ Items: members('sender', 'stale', 'ok') });
    ddb.on(DeleteCommand).resolves({ Attributes: { connectionId: 'stale', rooms: new Set(['lobby']) } });
    ddb.on(BatchWriteCommand).resolves({});
    api
      .on(PostToConnectionCommand, { ConnectionId: 'stale' })
      .rejects(new GoneException({ message: 'Gone', $metadata: { httpStatusCode: 410 } }));
    api.on(PostToConnectionCommand, { ConnectionId: 'ok' }).resolves({});
    await expect(fanout.broadcast(message, 'sender', { concurrency: 4 })).resolves.toEqual({
      delivered: 1,
      failed: 0,
      pruned: 1,
      expired: 0,
      skipped: 0,
    });
    expect(ddb).toHaveReceivedCommandWith(DeleteCommand, { Key: { pk: 'CONN#stale', sk: 'META' }, ReturnValues: 'ALL_OLD' });
    expect(deletedKeys()).toEqual([{ pk: 'ROOM#lobby', sk: 'CONN#stale' }]);
    expect(JSON.stringify(ddb.calls().map((c) => c.args[0].input))).not.toContain('CONN#sender');
  });

  it('removes the room row of a 410 recipient whose connection row is already gone', async () => {
    ddb.on(QueryCommand).resolves({ Items: members('orphan') });
    ddb.on(DeleteCommand).resolves({}); // its connection row expired first
    ddb.on(BatchWriteCommand).resolves({});
    api.on(PostToConnectionCommand).rejects(new GoneException({ message: 'Gone', $metadata: { httpStatusCode: 410 } }));
    await expect(fanout.broadcast(message, 'sender', { concurrency: 1 })).resolves.toMatchObject({ pruned: 1 });
    expect(deletedKeys()).toContainEqual({ pk: 'ROOM#lobby', sk: 'CONN#orphan' });
  });

  it("posts nothing to members past their TTL and deletes their rows in batches of 25, not the sender's", async () => {
    const stale = Array.from({ length: 30 }, (_, i) => `stale${i}`);
    ddb.on(QueryCommand).resolves({ Items: [...members('live'), ...expiredMembers('sender', ...stale)] });
    ddb.on(BatchWriteCommand).resolves({});
    api.on(PostToConnectionCommand).resolves({});
    await expect(fanout.broadcast(message, 'sender', { concurrency: 4 })).resolves.toEqual({
      delivered: 1,
      failed: 0,
      pruned: 30,
      expired: 30,
      skipped: 0,
    });
    expect(api.commandCalls(PostToConnectionCommand).map((c) => c.args[0].input.ConnectionId)).toEqual(['live']);
    // Two rows per stale member (its room row and its connection row), 25 per BatchWriteItem, no reads.
    expect(ddb.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems!.T.length)).toEqual([25, 25, 10]);
    expect(deletedKeys()).toHaveLength(60);
    expect(deletedKeys()).toContainEqual({ pk: 'ROOM#lobby', sk: 'CONN#stale7' });
    expect(deletedKeys()).toContainEqual({ pk: 'CONN#stale7', sk: 'META' });
    // No connection row is read: the one GetItem is the room's layout.
    expect(ddb.commandCalls(GetCommand).map((c) => c.args[0].input.Key)).toEqual([{ pk: 'FANOUT#lobby', sk: 'LAYOUT' }]);
    expect(JSON.stringify(ddb.calls().map((c) => c.args[0].input))).not.toContain('CONN#sender');
    expect(logger.warn).toHaveBeenCalledWith('Pruned stale room members', { room: 'lobby', pruned: 30, expired: 30 });
  });

  it('reads member rows with their TTL, so the expired ones can be told apart', async () => {
    ddb.on(QueryCommand).resolves({ Items: members('a') });
    api.on(PostToConnectionCommand).resolves({});
    await fanout.broadcast(message, 'sender', { concurrency: 1 });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'ROOM#lobby' },
      ProjectionExpression: 'connectionId, #ttl',
      ExpressionAttributeNames: { '#ttl': 'expiresAt' },
    });
  });

  it('leaves expired rows to TTL when the time budget is spent, and still never posts to them', async () => {
    ddb.on(QueryCommand).resolves({ Items: expiredMembers('gone1', 'gone2') });
    const result = await fanout.broadcast(message, 'sender', { concurrency: 1, remainingMs: () => 1000 });
    expect(result).toEqual({ delivered: 0, failed: 0, pruned: 0, expired: 0, skipped: 0 });
    expect(api).not.toHaveReceivedCommand(PostToConnectionCommand);
    expect(ddb).not.toHaveReceivedCommand(BatchWriteCommand);
  });

  it('logs a failed prune of expired rows with context and still delivers', async () => {
    ddb.on(QueryCommand).resolves({ Items: [...members('live'), ...expiredMembers('gone')] });
    ddb.on(BatchWriteCommand).rejects(new Error('AccessDenied'));
    api.on(PostToConnectionCommand).resolves({});
    await expect(fanout.broadcast(message, 'sender', { concurrency: 1 })).resolves.toEqual({
      delivered: 1,
      failed: 0,
      pruned: 0,
      expired: 0,
      skipped: 0,
    });
    expect(logger.error).toHaveBeenCalledWith(
      'Could not prune expired members; TTL will remove them',
      expect.objectContaining({ room: 'lobby', count: 1 }),
    );
  });

  it('stops posting when the time budget runs out and reports the rest as failed', async () => {
    ddb.on(QueryCommand).resolves({ Items: members('a', 'b', 'c', 'd') });
    api.on(PostToConnectionCommand).resolves({});
    let remaining = 10_000;
    api.on(PostToConnectionCommand).callsFake(() => {
      remaining -= 5_000; // each post uses up a lot of the budget
      return Promise.resolve({});
    });
    const result = await fanout.broadcast(message, 'sender', { concurrency: 1, remainingMs: () => remaining });
    expect(result).toEqual({ delivered: 2, failed: 2, pruned: 0, expired: 0, skipped: 2 });
    expect(logger.error).toHaveBeenCalledWith('Fan-out stopped at the time budget', { room: 'lobby', skipped: 2 });
  });

  it('counts a member it cannot reach after retries as failed and logs it with context', async () => {
    ddb.on(QueryCommand).resolves({ Items: members('a', 'b') });
    api
      .on(PostToConnectionCommand, { ConnectionId: 'a' })
      .rejects(new LimitExceededException({ message: 'slow', $metadata: { httpStatusCode: 429 } }));
    api.on(PostToConnectionCommand, { ConnectionId: 'b' }).resolves({});
    await expect(fanout.broadcast(message, 'sender', { concurrency: 4 })).resolves.toEqual({
      delivered: 1,
      failed: 1,
      pruned: 0,
      expired: 0,
      skipped: 0,
    });
    expect(logger.error).toHaveBeenCalledWith('Room delivery failed', expect.objectContaining({ room: 'lobby', recipient: 'a' }));
  });

  it('retries DynamoDB throttling while reading the members', async () => {
    const throttled = Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
      name: 'ProvisionedThroughputExceededException',
      $metadata: { httpStatusCode: 400 },
    });
    ddb
      .on(QueryCommand)
      .rejectsOnce(throttled)
      .rejectsOnce(throttled)
      .resolves({ Items: members('a', 'b') });
    api.on(PostToConnectionCommand).resolves({});
    await expect(fanout.broadcast(message, 'sender', { concurrency: 2 })).resolves.toEqual({
      delivered: 2,
      failed: 0,
      pruned: 0,
      expired: 0,
      skipped: 0,
    });
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 3);
  });

  it('keeps at most `concurrency` posts in flight', async () => {
    ddb.on(QueryCommand).resolves({ Items: members(...Array.from({ length: 40 }, (_, i) => `m${i}`)) });
    let inFlight = 0;
    let peak = 0;
    api.on(PostToConnectionCommand).callsFake(async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return {};
    });
    await expect(fanout.broadcast(message, 'sender', { concurrency: 5 })).resolves.toMatchObject({ delivered: 40 });
    expect(peak).toBe(5);
  });
});

describe('RoomFanout presence in big rooms', () => {
  const event = { event: 'presence' as const, room: 'lobby', userId: 'u1', change: 'joined' as const, connections: 1, version: 3 };
  const postedFrames = () =>
    api.commandCalls(PostToConnectionCommand).map((c) => JSON.parse(postedText(c.args[0].input.Data)) as Record<string, unknown>);

  it('sends the presence event in a room of up to presenceLimit members', async () => {
    ddb.on(QueryCommand, { Select: 'COUNT' }).resolves({ Count: 100 });
    ddb.on(QueryCommand, { ProjectionExpression: 'connectionId, #ttl' }).resolves({ Items: members('a', 'b') });
    api.on(PostToConnectionCommand).resolves({});
    await fanout.presenceChanged(event, 'a', { concurrency: 4 });
    expect(postedFrames()).toEqual([event]);
  });

  it('sends an occupancy count instead above it, once a second: a second change that second sends nothing', async () => {
    ddb.on(QueryCommand, { Select: 'COUNT' }).resolves({ Count: 101 });
    ddb.on(QueryCommand, { ProjectionExpression: 'connectionId, #ttl' }).resolves({ Items: members('a', 'b') });
    ddb
      .on(UpdateCommand)
      .resolvesOnce({})
      .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    api.on(PostToConnectionCommand).resolves({});
    await fanout.presenceChanged(event, 'a', { concurrency: 4 });
    await fanout.presenceChanged({ ...event, userId: 'u2' }, 'b', { concurrency: 4 });
    // The count goes to everyone, the joiner too: it is the room's, not an event about one member.
    expect(postedFrames()).toEqual([
      { event: 'occupancy', room: 'lobby', members: 101 },
      { event: 'occupancy', room: 'lobby', members: 101 },
    ]);
    expect(ddb.commandCalls(UpdateCommand)[0].args[0].input).toMatchObject({
      Key: { pk: 'FANOUT#lobby', sk: 'LAYOUT' },
      ConditionExpression: 'attribute_not_exists(occupancyAt) OR occupancyAt <= :before',
    });
  });
});
