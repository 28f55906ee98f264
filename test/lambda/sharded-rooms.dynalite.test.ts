import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { keys, layoutsUpTo, shardOf } from '../../contract/table-design';
import { ConnectionStore } from '../../lambda/core/connection-store';
import { forEachWithConcurrency } from '../../lambda/core/concurrency';
import { COUNT_FRESH_MS, shardsFor } from '../../lambda/core/room-sizing';
import { startDynaliteTable, type DynaliteTable } from '../support/dynalite-table';

/**
 * Rooms beyond one shard, against a real DynamoDB API (dynalite): a room grows from one shard to
 * many while members join concurrently, and every member must be read by exactly one shard of the
 * newest layout, whichever layout its row was written under (no loss, no double).
 */
jest.setTimeout(60_000);

let table: DynaliteTable;
let now = 1_700_000_000_000;
const settings = { inlineFanoutLimit: 8, fanoutShardSize: 10 };

beforeAll(async () => {
  table = await startDynaliteTable('sharded-rooms-test');
});
afterAll(() => table.stop());

function storeAt(): ConnectionStore {
  return new ConnectionStore(table.db, table.tableName, { fanout: settings, now: () => now });
}

/** Every member id the shards of the room's current layout read, with how often each was read. */
async function readByShards(store: ConnectionStore, room: string): Promise<{ shards: number; reads: Map<string, number> }> {
  const { shards } = await store.layouts.get(room, true);
  const reads = new Map<string, number>();
  for (let shard = 0; shard < shards; shard++) {
    for await (const page of store.shardMembers(room, { shard, shards })) {
      for (const id of page.live) reads.set(id, (reads.get(id) ?? 0) + 1);
    }
  }
  return { shards, reads };
}

async function connectAndJoin(store: ConnectionStore, ids: string[], room: string, maxRoomMembers = 100_000): Promise<string[]> {
  const outcomes: string[] = [];
  await forEachWithConcurrency(ids, 16, async (id) => {
    await store.putConnection({ connectionId: id, connectedAt: now, sourceIp: '127.0.0.1' });
    outcomes.push(await store.joinRoom(id, room, { maxRoomsPerConnection: 5, maxRoomMembers }));
    // Time passes between joins, so the room is counted again (and grown) as it fills.
    now += COUNT_FRESH_MS / 8;
  });
  return outcomes;
}

describe('a room growing into shards', () => {
  it('stays one shard, in the partition it always had, while it fits the inline limit', async () => {
    const store = storeAt();
    await connectAndJoin(store, ['s1', 's2', 's3'], 'small');
    await expect(store.layouts.get('small', true)).resolves.toEqual({ shards: 1 });
    const rows = (await table.db.send(new ScanCommand({ TableName: table.tableName }))).Items ?? [];
    expect(rows.filter((r) => String(r.pk).startsWith('ROOM#small')).map((r) => String(r.pk))).toEqual(Array(3).fill('ROOM#small'));
  });

  it('grows while 100 members join 16 at a time, and each member is read by exactly one shard', async () => {
    const store = storeAt();
    const ids = Array.from({ length: 100 }, (_, i) => `m${i}`);
    const outcomes = await connectAndJoin(store, ids, 'big');
    expect(outcomes.every((o) => o === 'joined')).toBe(true);
    const { shards, reads } = await readByShards(store, 'big');
    // 100 members of 10 per shard: at least 16 shards, grown through several layouts on the way.
    expect(shards).toBeGreaterThanOrEqual(shardsFor(100, settings));
    expect([...reads.keys()].sort()).toEqual([...ids].sort());
    expect([...reads.values()].every((n) => n === 1)).toBe(true);
    // Rows were written under more than one layout: the reads above crossed layouts.
    const stored = await store.getConnection('m0');
    const written = new Set(await Promise.all(ids.map(async (id) => (await store.getConnection(id))!.shards.big ?? 1)));
    expect(written.size).toBeGreaterThan(1);
    expect(stored!.rooms).toEqual(['big']);
  });

  it('removes each member from the layout it was written under, on leave and on removal', async () => {
    const store = storeAt();
    const ids = Array.from({ length: 60 }, (_, i) => `r${i}`);
    await connectAndJoin(store, ids, 'churn');
    const leaving = ids.filter((_, i) => i % 3 === 0);
    const removed = ids.filter((_, i) => i % 3 === 1);
    await forEachWithConcurrency(leaving, 8, async (id) => expect(await store.leaveRoom(id, 'churn')).toBe('left'));
    await forEachWithConcurrency(removed, 8, async (id) => expect((await store.removeConnection(id)).rooms).toEqual(['churn']));
    const { reads } = await readByShards(store, 'churn');
    const staying = ids.filter((_, i) => i % 3 === 2);
    expect([...reads.keys()].sort()).toEqual([...staying].sort());
    // Nothing left behind in any layout: every member row in the table is a staying member's.
    const rows = (await table.db.send(new ScanCommand({ TableName: table.tableName }))).Items ?? [];
    const memberRows = rows.filter((r) => String(r.pk).startsWith('ROOM#churn'));
    expect(memberRows.map((r) => String(r.connectionId)).sort()).toEqual([...staying].sort());
  });

  it('keeps a joining member in its layout when it joins again after the room grew', async () => {
    const store = storeAt();
    await connectAndJoin(store, ['early'], 'regrow');
    await connectAndJoin(
      store,
      Array.from({ length: 40 }, (_, i) => `late${i}`),
      'regrow',
    );
    expect((await store.layouts.get('regrow', true)).shards).toBeGreaterThan(1);
    await expect(store.joinRoom('early', 'regrow', { maxRoomsPerConnection: 5 })).resolves.toBe('already-member');
    const { reads } = await readByShards(store, 'regrow');
    expect(reads.get('early')).toBe(1);
    const rows = (await table.db.send(new ScanCommand({ TableName: table.tableName }))).Items ?? [];
    expect(rows.filter((r) => r.sk === 'CONN#early' && String(r.pk).startsWith('ROOM#')).map((r) => String(r.pk))).toEqual([
      keys.member('regrow', 'early', 1).pk,
    ]);
  });

  it('refuses joins past maxRoomMembers in a room of many shards, within the joins of one count', async () => {
    const store = storeAt();
    const ids = Array.from({ length: 80 }, (_, i) => `f${i}`);
    const outcomes = await connectAndJoin(store, ids, 'capped', 50);
    const joined = outcomes.filter((o) => o === 'joined').length;
    expect(outcomes.filter((o) => o === 'room-full').length).toBe(80 - joined);
    // The count is at most a second old: 8 joins a second here, 16 in flight, so the overshoot is bounded.
    expect(joined).toBeGreaterThanOrEqual(50);
    expect(joined).toBeLessThanOrEqual(50 + 16 + 8);
    expect(await store.countMembers('capped', (await store.layouts.get('capped', true)).shards)).toBe(joined);
  });
});

describe('shardOf', () => {
  it('spreads ids evenly and puts each id of shard k of S in shard k mod S of every smaller layout', () => {
    const ids = Array.from({ length: 8192 }, (_, i) => `Ab${i.toString(36)}Cd=`);
    const counts: number[] = new Array<number>(64).fill(0);
    for (const id of ids) counts[shardOf(id, 64)]++;
    // 128 expected per shard: none far off.
    expect(Math.min(...counts)).toBeGreaterThan(80);
    expect(Math.max(...counts)).toBeLessThan(180);
    for (const id of ids.slice(0, 200)) {
      for (const layout of layoutsUpTo(64)) expect(shardOf(id, layout)).toBe(shardOf(id, 64) % layout);
    }
  });
});
