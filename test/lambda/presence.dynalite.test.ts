import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { ConnectionStore } from '../../lambda/core/connection-store';
import { MEMBERS_PAGE_SIZE, PresenceStore } from '../../lambda/core/presence';
import { keys } from '../../contract/table-design';
import { startDynaliteTable, type DynaliteTable } from '../support/dynalite-table';

/**
 * The presence rows against a real DynamoDB API (dynalite): the ADD counters, their conditions,
 * the conditional delete at 0, and paging with the opaque cursor.
 */
let table: DynaliteTable;
let db: DynamoDBDocumentClient;
let now = 1_700_000_000_000;
const nowSeconds = () => Math.floor(now / 1000);
let presence: PresenceStore;
const tableName = 'switchboard-presence-test';

beforeAll(async () => {
  table = await startDynaliteTable(tableName);
  db = table.db;
  presence = new PresenceStore(db, tableName, { now: () => now });
});

afterAll(() => table.stop());

const row = async (room: string, userId: string) =>
  (await db.send(new GetCommand({ TableName: tableName, Key: keys.presence(room, userId), ConsistentRead: true }))).Item;

describe('PresenceStore on dynalite', () => {
  it('counts connections per user: first arrival and last departure only', async () => {
    const ttl = nowSeconds() + 7800;
    await expect(presence.arrive('lobby', 'alice', ttl, 'Alice')).resolves.toBe(true);
    await expect(presence.arrive('lobby', 'alice', ttl + 60)).resolves.toBe(false); // a token without a name: none kept
    await expect(presence.arrive('lobby', 'alice', ttl - 60, 'Alice B.')).resolves.toBe(false); // an older member keeps the later TTL
    await expect(row('lobby', 'alice')).resolves.toMatchObject({ userId: 'alice', name: 'Alice B.', connections: 3, expiresAt: ttl + 60 });
    await expect(presence.page('lobby')).resolves.toEqual({ members: [{ userId: 'alice', name: 'Alice B.', connections: 3 }] });
    await expect(presence.depart('lobby', 'alice')).resolves.toEqual({ last: false, name: 'Alice B.' });
    await expect(presence.depart('lobby', 'alice')).resolves.toEqual({ last: false, name: 'Alice B.' });
    await expect(presence.depart('lobby', 'alice')).resolves.toEqual({ last: true, name: 'Alice B.' });
    await expect(row('lobby', 'alice')).resolves.toBeUndefined();
    // A departure with no row (TTL removed it, or counted already) is no departure.
    await expect(presence.depart('lobby', 'alice')).resolves.toBeUndefined();
    await expect(row('lobby', 'alice')).resolves.toBeUndefined();
  });

  it('keeps the name of the latest joining token, and none when that token had none', async () => {
    const ttl = nowSeconds() + 7800;
    await presence.arrive('names', 'dan', ttl, 'Dan');
    await expect(row('names', 'dan')).resolves.toMatchObject({ name: 'Dan' });
    await presence.arrive('names', 'dan', ttl + 1);
    expect(await row('names', 'dan')).not.toHaveProperty('name');
  });

  it('starts again from 1 on a row past its TTL, and leaves it out of members', async () => {
    await presence.arrive('stale', 'bob', nowSeconds() + 10);
    await presence.arrive('stale', 'bob', nowSeconds() + 10);
    now += 60_000;
    await expect(presence.page('stale')).resolves.toEqual({ members: [] });
    await expect(presence.arrive('stale', 'bob', nowSeconds() + 7800)).resolves.toBe(true);
    await expect(row('stale', 'bob')).resolves.toMatchObject({ connections: 1, expiresAt: nowSeconds() + 7800 });
  });

  it(`pages ${MEMBERS_PAGE_SIZE} users at a time with the cursor, every user exactly once`, async () => {
    const users = Array.from({ length: 250 }, (_, i) => `user-${String(i).padStart(3, '0')}`);
    for (const user of users) await presence.arrive('big', user, nowSeconds() + 7800);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await presence.page('big', cursor);
      expect(page.members.length).toBeLessThanOrEqual(MEMBERS_PAGE_SIZE);
      seen.push(...page.members.map((m) => m.userId));
      cursor = page.next;
      pages++;
    } while (cursor !== undefined);
    expect(seen).toEqual(users);
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('removes a connection once: of two racing removals only one claims its rooms', async () => {
    const store = new ConnectionStore(db, tableName, { now: () => now });
    await store.putConnection({ connectionId: 'c9', connectedAt: now, sourceIp: '127.0.0.1', userId: 'carol' });
    await store.joinRoom('c9', 'lobby', { maxRoomsPerConnection: 5 });
    const [a, b] = await Promise.all([store.removeConnection('c9'), store.removeConnection('c9', { room: 'lobby', shards: 1 })]);
    expect([a.claimed, b.claimed].sort()).toEqual([false, true]);
    expect((a.claimed ? a : b).rooms).toEqual(['lobby']);
    expect((a.claimed ? a : b).userId).toBe('carol');
  });
});
