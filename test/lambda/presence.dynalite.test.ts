import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { ConnectionStore } from '../../lambda/core/connection-store';
import { MEMBERS_PAGE_SIZE, PresenceStore } from '../../lambda/core/presence';
import { keys } from '../../contract/table-design';
import { startDynaliteTable, type DynaliteTable } from '../support/dynalite-table';

/**
 * The presence rows against a real DynamoDB API (dynalite): the connection sets and versions, their
 * conditions, idempotent departures, and paging with the opaque cursor.
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
  it("keeps each user's connections as a set: first arrival and last departure only, each counted once", async () => {
    const ttl = nowSeconds() + 7800;
    const first = await presence.arrive('lobby', 'alice', 'c1', ttl, 'Alice');
    expect(first).toEqual({ first: true, connections: 1, version: now + 1, name: 'Alice' });
    await expect(presence.arrive('lobby', 'alice', 'c2', ttl + 60)).resolves.toEqual({ first: false, connections: 2, version: now + 2 }); // a token without a name: none kept
    await expect(presence.arrive('lobby', 'alice', 'c3', ttl - 60, 'Alice B.')).resolves.toMatchObject({ first: false, connections: 3 }); // an older member keeps the later TTL
    await expect(row('lobby', 'alice')).resolves.toMatchObject({
      userId: 'alice',
      name: 'Alice B.',
      connectionIds: new Set(['c1', 'c2', 'c3']),
      version: now + 3,
      expiresAt: ttl + 60,
    });
    await expect(presence.page('lobby')).resolves.toEqual({
      members: [{ userId: 'alice', name: 'Alice B.', connections: 3, version: now + 3 }],
    });
    await expect(presence.depart('lobby', 'alice', 'c2')).resolves.toEqual({
      last: false,
      connections: 2,
      version: now + 4,
      name: 'Alice B.',
    });
    // Counted out already (e.g. by a fan-out's prune and then by $disconnect): no change, no version.
    await expect(presence.depart('lobby', 'alice', 'c2')).resolves.toBeUndefined();
    await expect(presence.depart('lobby', 'alice', 'c1')).resolves.toMatchObject({ last: false, connections: 1 });
    await expect(presence.depart('lobby', 'alice', 'c3')).resolves.toEqual({
      last: true,
      connections: 0,
      version: now + 6,
      name: 'Alice B.',
    });
    // The row stays, empty, so the version goes on growing when she comes back; members leaves it out.
    await expect(row('lobby', 'alice')).resolves.toMatchObject({ version: now + 6 });
    expect(await row('lobby', 'alice')).not.toHaveProperty('connectionIds');
    await expect(presence.page('lobby')).resolves.toEqual({ members: [] });
    await expect(presence.depart('lobby', 'alice', 'c3')).resolves.toBeUndefined();
    await expect(presence.arrive('lobby', 'alice', 'c4', ttl)).resolves.toEqual({ first: true, connections: 1, version: now + 7 });
  });

  it('counts racing departures of one connection once, and arrivals of several all', async () => {
    const ttl = nowSeconds() + 7800;
    await Promise.all(['a', 'b', 'c', 'd'].map((id) => presence.arrive('race', 'erin', id, ttl)));
    await expect(row('race', 'erin')).resolves.toMatchObject({ connectionIds: new Set(['a', 'b', 'c', 'd']) });
    const departures = await Promise.all(['a', 'a', 'b', 'b', 'c', 'c', 'd', 'd'].map((id) => presence.depart('race', 'erin', id)));
    expect(departures.filter((d) => d !== undefined)).toHaveLength(4);
    expect(departures.filter((d) => d?.last)).toHaveLength(1);
  });

  it('keeps the name of the latest joining token, and none when that token had none', async () => {
    const ttl = nowSeconds() + 7800;
    await presence.arrive('names', 'dan', 'c1', ttl, 'Dan');
    await expect(row('names', 'dan')).resolves.toMatchObject({ name: 'Dan' });
    await presence.arrive('names', 'dan', 'c2', ttl + 1);
    expect(await row('names', 'dan')).not.toHaveProperty('name');
  });

  it('starts its set again on a row past its TTL, version still growing, and leaves it out of members', async () => {
    await presence.arrive('stale', 'bob', 'c1', nowSeconds() + 10);
    await presence.arrive('stale', 'bob', 'c2', nowSeconds() + 10);
    const before = Number((await row('stale', 'bob'))?.version);
    now += 60_000;
    await expect(presence.page('stale')).resolves.toEqual({ members: [] });
    await expect(presence.arrive('stale', 'bob', 'c3', nowSeconds() + 7800)).resolves.toEqual({
      first: true,
      connections: 1,
      version: before + 1,
    });
    await expect(row('stale', 'bob')).resolves.toMatchObject({ connectionIds: new Set(['c3']), expiresAt: nowSeconds() + 7800 });
  });

  it(`pages ${MEMBERS_PAGE_SIZE} users at a time with the cursor, every user exactly once`, async () => {
    const users = Array.from({ length: 250 }, (_, i) => `user-${String(i).padStart(3, '0')}`);
    for (const user of users) await presence.arrive('big', user, `conn-${user}`, nowSeconds() + 7800);
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
