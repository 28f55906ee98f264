import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { RoomHistory } from '../../lambda/core/room-history';
import { ManualClock } from '../support/manual-clock';
import type { RoomMessage } from '../../protocol';

const ddb = mockClient(DynamoDBDocumentClient);
const noWait = { sleep: () => Promise.resolve() };
const NOW_MS = 1_700_000_000_000;
const NOW_S = NOW_MS / 1000;
const clock = new ManualClock(NOW_MS);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const history = (limit = 100, retentionSeconds = 86_400) =>
  new RoomHistory(client, 'T', { limit, retentionSeconds }, { retry: noWait, now: () => clock.now() });

const message = (seq: number, data = `m${seq}`): RoomMessage => ({ event: 'message', room: 'lobby', from: 'u', data, ts: NOW_MS, seq });
/** A stored history item, as append writes it; `expiresAt` in epoch seconds. */
const stored = (seq: number, expiresAt = NOW_S + 3600, data?: string) => ({
  pk: 'HIST#lobby',
  sk: `MSG#${String(seq).padStart(15, '0')}`,
  seq,
  frame: JSON.stringify(message(seq, data)),
  expiresAt,
});

beforeEach(() => ddb.reset());

describe('RoomHistory.nextSeq', () => {
  it('takes the next seq with one atomic ADD on the counter, and keeps the counter at least 2 h 10 min', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { seq: 42 } });
    await expect(history(100, 60).nextSeq('lobby')).resolves.toBe(42);
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'T',
      Key: { pk: 'HIST#lobby', sk: 'COUNTER' },
      UpdateExpression: 'ADD #seq :one SET #ttl = :ttl',
      ExpressionAttributeNames: { '#seq': 'seq', '#ttl': 'expiresAt' },
      // A one-minute retention still keeps the counter past any connection that saw it (2 h + 10 min).
      ExpressionAttributeValues: { ':one': 1, ':ttl': NOW_S + 7800 },
      ReturnValues: 'UPDATED_NEW',
    });
  });

  it('sets the counter TTL in epoch seconds, retention after now when that is longer', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { seq: 1 } });
    await history(100, 86_400).nextSeq('lobby');
    const ttl = ddb.commandCalls(UpdateCommand)[0].args[0].input.ExpressionAttributeValues![':ttl'] as number;
    expect(ttl).toBe(NOW_S + 86_400);
    expect(ttl).toBeLessThan(10_000_000_000); // seconds, not milliseconds
  });

  it('retries throttling, and refuses an answer that is no seq', async () => {
    const throttled = Object.assign(new Error('slow down'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    ddb
      .on(UpdateCommand)
      .rejectsOnce(throttled)
      .resolves({ Attributes: { seq: 2 } });
    await expect(history().nextSeq('lobby')).resolves.toBe(2);
    ddb.on(UpdateCommand).resolves({ Attributes: {} });
    await expect(history().nextSeq('lobby')).rejects.toThrow('Room "lobby" got seq undefined; expected an integer from 1');
  });
});

describe('RoomHistory.latestSeq', () => {
  it('reads the counter strongly consistently; 0 when the room has none', async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: { seq: 9 } })
      .resolvesOnce({});
    await expect(history().latestSeq('lobby')).resolves.toBe(9);
    await expect(history().latestSeq('lobby')).resolves.toBe(0);
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { Key: { pk: 'HIST#lobby', sk: 'COUNTER' }, ConsistentRead: true });
  });
});

describe('RoomHistory.append', () => {
  it('puts the message and deletes the one `limit` places back, in one BatchWriteItem', async () => {
    ddb.on(BatchWriteCommand).resolves({});
    await history(100, 3600).append(message(150));
    expect(ddb).toHaveReceivedCommandTimes(BatchWriteCommand, 1);
    expect(ddb.commandCalls(BatchWriteCommand)[0].args[0].input.RequestItems).toEqual({
      T: [
        { PutRequest: { Item: { ...stored(150), expiresAt: NOW_S + 3600 } } },
        { DeleteRequest: { Key: { pk: 'HIST#lobby', sk: 'MSG#000000000000050' } } },
      ],
    });
  });

  it('deletes nothing while the room has fewer than `limit` messages', async () => {
    ddb.on(BatchWriteCommand).resolves({});
    await history(100).append(message(100));
    expect(ddb.commandCalls(BatchWriteCommand)[0].args[0].input.RequestItems!.T).toHaveLength(1);
  });

  it('writes nothing with a limit of 0', async () => {
    await history(0).append(message(5));
    expect(ddb.calls()).toHaveLength(0);
  });

  it('re-sends what DynamoDB left unprocessed', async () => {
    const put = { PutRequest: { Item: stored(3) } };
    ddb
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { T: [put] } })
      .resolves({});
    await history().append(message(3));
    expect(ddb.commandCalls(BatchWriteCommand)[1].args[0].input.RequestItems).toEqual({ T: [put] });
  });
});

describe('RoomHistory.since', () => {
  it('reads seq in (after, upTo], oldest first, page after page, strongly consistent, skipping expired items', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [stored(4, NOW_S - 1), stored(5)], LastEvaluatedKey: { pk: 'HIST#lobby', sk: 'MSG#000000000000005' } })
      .resolvesOnce({ Items: [stored(6)] });
    const messages = await history().since('lobby', 3, 6);
    expect(messages.map((m) => m.seq)).toEqual([5, 6]);
    expect(messages[0]).toEqual(message(5));
    expect(ddb.commandCalls(QueryCommand)[0].args[0].input).toEqual({
      TableName: 'T',
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': 'HIST#lobby', ':from': 'MSG#000000000000004', ':to': 'MSG#000000000000006' },
      ScanIndexForward: true,
      ConsistentRead: true,
      Limit: undefined,
      ExclusiveStartKey: undefined,
    });
    expect(ddb.commandCalls(QueryCommand)[1].args[0].input.ExclusiveStartKey).toEqual({ pk: 'HIST#lobby', sk: 'MSG#000000000000005' });
  });

  it('reads nothing when there is nothing after `since`, or history is off', async () => {
    await expect(history().since('lobby', 6, 6)).resolves.toEqual([]);
    await expect(history(0).since('lobby', 0, 6)).resolves.toEqual([]);
    expect(ddb.calls()).toHaveLength(0);
  });
});

describe('RoomHistory.before', () => {
  it('reads the newest `limit` below `before`, newest first, and returns them oldest first', async () => {
    ddb.on(QueryCommand).resolves({ Items: [stored(9), stored(8), stored(7)] });
    const page = await history().before('lobby', 10, 3);
    expect(page).toEqual({ messages: [message(7), message(8), message(9)], trimmed: false });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      ExpressionAttributeValues: { ':pk': 'HIST#lobby', ':from': 'MSG#000000000000001', ':to': 'MSG#000000000000009' },
      ScanIndexForward: false,
      ConsistentRead: true,
      Limit: 3,
    });
  });

  it('reads from the newest without `before`', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    await history().before('lobby', undefined, 50);
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      ExpressionAttributeValues: { ':pk': 'HIST#lobby', ':from': 'MSG#000000000000001', ':to': 'MSG#999999999999999' },
    });
  });

  it('leaves out the oldest that do not fit `maxBytes`, and stops reading there', async () => {
    const big = 'x'.repeat(1000);
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [stored(9, undefined, big), stored(8, undefined, big)], LastEvaluatedKey: { pk: 'x', sk: 'y' } })
      .resolvesOnce({ Items: [stored(7, undefined, big)] });
    const frameBytes = Buffer.byteLength(stored(9, undefined, big).frame);
    const page = await history().before('lobby', undefined, 3, 2 * frameBytes + 10);
    expect(page.messages.map((m) => m.seq)).toEqual([8, 9]);
    expect(page.trimmed).toBe(true);
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 2);
  });

  it('stops at the first expired item: everything older expired before it', async () => {
    ddb.on(QueryCommand).resolves({ Items: [stored(9), stored(8, NOW_S - 1), stored(7)] });
    await expect(history().before('lobby', undefined, 3)).resolves.toEqual({ messages: [message(9)], trimmed: false });
  });

  it('reads nothing below seq 1, or with history off', async () => {
    await expect(history().before('lobby', 1, 10)).resolves.toEqual({ messages: [], trimmed: false });
    await expect(history(0).before('lobby', undefined, 10)).resolves.toEqual({ messages: [], trimmed: false });
    expect(ddb.calls()).toHaveLength(0);
  });
});
