import { type DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ConnectionStore, type RoomMemberPage } from '../../lambda/core/connection-store';
import { keys } from '../../contract/table-design';
import { startDynaliteTable, type DynaliteTable } from '../support/dynalite-table';

/**
 * The store against a real DynamoDB API (dynalite), so the condition and
 * update expressions are checked by a DynamoDB implementation, not a mock.
 */
let table: DynaliteTable;
let db: DynamoDBDocumentClient;
let store: ConnectionStore;
const tableName = 'switchboard-store-test';

beforeAll(async () => {
  table = await startDynaliteTable(tableName);
  db = table.db;
  store = new ConnectionStore(db, tableName);
});

afterAll(() => table.stop());

async function allItems() {
  // A Scan is fine in a test: it checks that nothing is left behind.
  return (await db.send(new ScanCommand({ TableName: tableName }))).Items ?? [];
}

describe('ConnectionStore on dynalite', () => {
  it('runs a connection through join, limit, leave and removal', async () => {
    await store.putConnection({ connectionId: 'c1', connectedAt: 1_700_000_000_000, sourceIp: '127.0.0.1', userId: 'alice' });
    await expect(store.joinRoom('c1', 'a', { maxRoomsPerConnection: 2 })).resolves.toBe('joined');
    await expect(store.joinRoom('c1', 'a', { maxRoomsPerConnection: 2 })).resolves.toBe('already-member');
    await expect(store.joinRoom('c1', 'b', { maxRoomsPerConnection: 2 })).resolves.toBe('joined');
    await expect(store.joinRoom('c1', 'c', { maxRoomsPerConnection: 2 })).resolves.toBe('too-many-rooms');
    await expect(store.joinRoom('ghost', 'a', { maxRoomsPerConnection: 2 })).resolves.toBe('unknown-connection');

    await expect(store.getConnection('c1')).resolves.toEqual({
      connectionId: 'c1',
      connectedAt: 1_700_000_000_000,
      sourceIp: '127.0.0.1',
      userId: 'alice',
      rooms: ['a', 'b'],
      shards: {},
      expiresAt: 1_700_007_800,
    });

    await expect(store.leaveRoom('c1', 'a')).resolves.toBe('left');
    await expect(store.leaveRoom('c1', 'a')).resolves.toBe('not-member');
    await expect(store.joinRoom('c1', 'c', { maxRoomsPerConnection: 2 })).resolves.toBe('joined');

    await expect(store.removeConnection('c1')).resolves.toEqual({ rooms: ['b', 'c'], userId: 'alice', claimed: true });
    await expect(allItems()).resolves.toEqual([]);
    // Removing again is harmless, and claims nothing.
    await expect(store.removeConnection('c1')).resolves.toEqual({ rooms: [], claimed: false });
  });

  it('refuses a join into a full room, but lets a member re-join', async () => {
    const limits = { maxRoomsPerConnection: 20, maxRoomMembers: 2 };
    for (const id of ['f1', 'f2', 'f3']) await store.putConnection({ connectionId: id, connectedAt: Date.now(), sourceIp: '127.0.0.1' });
    await expect(store.joinRoom('f1', 'full', limits)).resolves.toBe('joined');
    await expect(store.joinRoom('f2', 'full', limits)).resolves.toBe('joined');
    await expect(store.countMembers('full')).resolves.toBe(2);
    await expect(store.joinRoom('f3', 'full', limits)).resolves.toBe('room-full');
    await expect(store.joinRoom('f2', 'full', limits)).resolves.toBe('already-member');
    await expect(store.leaveRoom('f1', 'full')).resolves.toBe('left');
    await expect(store.joinRoom('f3', 'full', limits)).resolves.toBe('joined');
    for (const id of ['f1', 'f2', 'f3']) await store.removeConnection(id);
    await expect(allItems()).resolves.toEqual([]);
  });

  it('pages through a large room', async () => {
    const ids = Array.from({ length: 120 }, (_, i) => `m${String(i).padStart(3, '0')}`);
    for (const id of ids) {
      await store.putConnection({ connectionId: id, connectedAt: Date.now(), sourceIp: '127.0.0.1' });
      await store.joinRoom(id, 'big', { maxRoomsPerConnection: 20 });
    }
    const pages: string[][] = [];
    for await (const page of store.roomMembers('big', 50)) pages.push(page.live);
    expect(pages.map((p) => p.length)).toEqual([50, 50, 20]);
    expect(pages.flat().sort()).toEqual(ids);
    for (const id of ids) await store.removeConnection(id);
    await expect(allItems()).resolves.toEqual([]);
  });

  it('lets a join into a room full of expired rows through, and deletes those rows on request', async () => {
    const limits = { maxRoomsPerConnection: 20, maxRoomMembers: 3 };
    const anHourAgo = Math.floor(Date.now() / 1000) - 3600;
    const stale = ['s1', 's2', 's3'];
    // Members that vanished without a $disconnect, their TTL passed but not yet applied.
    for (const id of stale) {
      await db.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...keys.connection(id), connectionId: id, rooms: new Set(['stale']), expiresAt: anHourAgo },
        }),
      );
      await db.send(
        new PutCommand({ TableName: tableName, Item: { ...keys.member('stale', id), connectionId: id, expiresAt: anHourAgo } }),
      );
    }
    await expect(store.countMembers('stale')).resolves.toBe(0);
    await store.putConnection({ connectionId: 'fresh', connectedAt: Date.now(), sourceIp: '127.0.0.1' });
    await expect(store.joinRoom('fresh', 'stale', limits)).resolves.toBe('joined');
    await expect(store.countMembers('stale')).resolves.toBe(1);

    const pages: RoomMemberPage[] = [];
    for await (const page of store.roomMembers('stale')) pages.push(page);
    expect(pages).toEqual([{ live: ['fresh'], expired: stale, shards: 1 }]);
    await store.removeExpiredMembers({ room: 'stale', shards: 1 }, stale);
    await store.removeConnection('fresh');
    await expect(allItems()).resolves.toEqual([]);
  });

  it('compare-and-sets the room-message bucket on the connection row', async () => {
    await store.putConnection({ connectionId: 'rl', connectedAt: Date.now(), sourceIp: '127.0.0.1' });
    const first = { tokens: 19, at: 1_700_000_000_000 };
    await expect(store.saveRoomBucket('rl', undefined, first)).resolves.toBe(true);
    await expect(store.saveRoomBucket('rl', undefined, first)).resolves.toBe(false); // someone saved first
    // Fractional tokens survive the round trip exactly, so the next compare matches.
    const second = { tokens: 18 + 1 / 7, at: 1_700_000_000_087 };
    await expect(store.saveRoomBucket('rl', first, second)).resolves.toBe(true);
    await expect(store.getConnection('rl')).resolves.toMatchObject({ roomBucket: second });
    await expect(store.saveRoomBucket('rl', first, { tokens: 17, at: 1_700_000_000_090 })).resolves.toBe(false); // stale
    await expect(store.saveRoomBucket('gone', undefined, first)).resolves.toBe(false);
    await store.removeConnection('rl');
    await expect(allItems()).resolves.toEqual([]);
  });
});
