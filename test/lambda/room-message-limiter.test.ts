import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ConnectionStore, type ConnectionRecord } from '../../lambda/core/connection-store';
import { ROOM_TOKEN_ATTEMPTS, RoomMessageLimiter } from '../../lambda/core/room-message-limiter';

const ddb = mockClient(DynamoDBDocumentClient);
const store = new ConnectionStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'T', { retry: { sleep: () => Promise.resolve() } });
let now = 1_700_000_000_000;
const limiter = new RoomMessageLimiter(store, { perSecond: 10, burst: 20 }, () => now);
const sender: ConnectionRecord = { connectionId: 'c1', connectedAt: 1, sourceIp: '127.0.0.1', rooms: ['lobby'], shards: {}, expiresAt: 99 };
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

beforeEach(() => {
  ddb.reset();
  now = 1_700_000_000_000;
});

describe('RoomMessageLimiter', () => {
  it('saves the first bucket under attribute_not_exists: one conditional UpdateItem on the connection row', async () => {
    ddb.on(UpdateCommand).resolves({});
    await expect(limiter.take(sender)).resolves.toEqual({ allowed: true });
    expect(ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input)).toEqual([
      {
        TableName: 'T',
        Key: { pk: 'CONN#c1', sk: 'META' },
        UpdateExpression: 'SET roomTokens = :tokens, roomTokensAt = :at',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(roomTokensAt)',
        ExpressionAttributeValues: { ':tokens': 19, ':at': now },
      },
    ]);
    expect(ddb).not.toHaveReceivedCommand(GetCommand);
  });

  it('compare-and-sets on the bucket it read, refilled for the time since', async () => {
    ddb.on(UpdateCommand).resolves({});
    await limiter.take({ ...sender, roomBucket: { tokens: 0.5, at: now - 100 } });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      ConditionExpression: 'attribute_exists(pk) AND roomTokens = :previousTokens AND roomTokensAt = :previousAt',
      ExpressionAttributeValues: { ':tokens': 0.5, ':at': now, ':previousTokens': 0.5, ':previousAt': now - 100 },
    });
  });

  it('refuses an empty bucket without writing anything, with the time to the next token', async () => {
    await expect(limiter.take({ ...sender, roomBucket: { tokens: 0.25, at: now } })).resolves.toEqual({ allowed: false, retryAfterMs: 75 });
    expect(ddb.calls()).toHaveLength(0);
  });

  it('reads again and decides again when a concurrent room message saved first', async () => {
    ddb.on(UpdateCommand).rejectsOnce(conditionFailed()).resolves({});
    // The concurrent frame left the bucket empty: this one is refused on the fresh state.
    ddb
      .on(GetCommand)
      .resolves({ Item: { connectionId: 'c1', rooms: new Set(['lobby']), expiresAt: 99, roomTokens: 0, roomTokensAt: now } });
    await expect(limiter.take(sender)).resolves.toEqual({ allowed: false, retryAfterMs: 100 });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { Key: { pk: 'CONN#c1', sk: 'META' }, ConsistentRead: true });
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
  });

  it(`refuses after ${ROOM_TOKEN_ATTEMPTS} lost races instead of looping`, async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb
      .on(GetCommand)
      .resolves({ Item: { connectionId: 'c1', rooms: new Set(['lobby']), expiresAt: 99, roomTokens: 5, roomTokensAt: now } });
    await expect(limiter.take(sender)).resolves.toEqual({ allowed: false, retryAfterMs: 100 });
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, ROOM_TOKEN_ATTEMPTS);
  });

  it('lets exactly burst + perSecond x elapsed through a stored bucket', async () => {
    // The row as DynamoDB would hold it: each save becomes the next read.
    let row: ConnectionRecord = sender;
    const memory = {
      getConnection: () => Promise.resolve(row),
      saveRoomBucket: (_id: string, _previous: unknown, next: { tokens: number; at: number }) => {
        row = { ...row, roomBucket: next };
        return Promise.resolve(true);
      },
    };
    const exact = new RoomMessageLimiter(memory, { perSecond: 10, burst: 20 }, () => now);
    let allowed = 0;
    for (let i = 0; i < 1000; i++) {
      now += 2; // 500 messages a second for 2 s
      if ((await exact.take(row)).allowed) allowed++;
    }
    expect(allowed).toBe(20 + 19); // 20 at once, then one per 100 ms for 1.998 s
  });

  it('refuses from memory, with no table call, while the bucket it last saw is still empty', async () => {
    const fresh = new RoomMessageLimiter(store, { perSecond: 10, burst: 20 }, () => now, 2);
    expect(fresh.refuseFromMemory('c1')).toBeUndefined(); // never seen: must read
    await expect(fresh.take({ ...sender, roomBucket: { tokens: 0, at: now } })).resolves.toEqual({ allowed: false, retryAfterMs: 100 });
    expect(fresh.refuseFromMemory('c1')).toEqual({ allowed: false, retryAfterMs: 100 });
    now += 50;
    expect(fresh.refuseFromMemory('c1')).toEqual({ allowed: false, retryAfterMs: 50 });
    now += 50; // a token's worth has flowed in: only the table can tell whether another environment took it
    expect(fresh.refuseFromMemory('c1')).toBeUndefined();
    expect(ddb.calls()).toHaveLength(0);
  });

  it('never refuses from memory what the table would allow: a bucket it saved with tokens left means read', async () => {
    ddb.on(UpdateCommand).resolves({});
    const fresh = new RoomMessageLimiter(store, { perSecond: 10, burst: 20 }, () => now);
    await expect(fresh.take(sender)).resolves.toEqual({ allowed: true });
    expect(fresh.refuseFromMemory('c1')).toBeUndefined();
  });

  it('remembers at most maxConnections buckets, forgetting the least recently used', async () => {
    const fresh = new RoomMessageLimiter(store, { perSecond: 10, burst: 20 }, () => now, 2);
    const empty = { tokens: 0, at: now };
    for (const id of ['a', 'b', 'c']) await fresh.take({ ...sender, connectionId: id, roomBucket: empty });
    expect(fresh.refuseFromMemory('a')).toBeUndefined(); // forgotten
    expect(fresh.refuseFromMemory('b')).toMatchObject({ allowed: false });
    expect(fresh.refuseFromMemory('c')).toMatchObject({ allowed: false });
  });
});
