import { type DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { RoomHistory } from '../../lambda/core/room-history';
import { sendToRoom } from '../../lambda/core/room-messages';
import { LIMITS, type RoomMessage } from '../../protocol';
import { startDynaliteTable, type DynaliteTable } from '../support/dynalite-table';

/**
 * RoomHistory against a real DynamoDB API (dynalite): the counter's atomic ADD, the key ranges,
 * the put-and-delete batch and the Query pagination are checked by a DynamoDB implementation.
 */
let table: DynaliteTable;
let db: DynamoDBDocumentClient;
const tableName = 'switchboard-history-test';
const NOW = 1_700_000_000_000;

beforeAll(async () => {
  table = await startDynaliteTable(tableName);
  db = table.db;
});

afterAll(() => table.stop());

const historyOf = (limit: number, now = () => NOW) => new RoomHistory(db, tableName, { limit, retentionSeconds: 3600 }, { now });

/** Sends `count` messages through the one path every room message takes, with a fan-out that reaches nobody. */
async function send(history: RoomHistory, room: string, count: number, data = (i: number) => `m${i}`): Promise<RoomMessage[]> {
  const fanout = { broadcast: () => Promise.resolve({ delivered: 0, failed: 0, pruned: 0, expired: 0, skipped: 0 }) };
  const sent: RoomMessage[] = [];
  for (let i = 1; i <= count; i++) {
    sent.push((await sendToRoom({ room, from: 'u', data: data(i) }, { history, fanout, fanoutConcurrency: 1, now: () => NOW })).message);
  }
  return sent;
}

async function itemsOf(room: string): Promise<Array<{ sk: string; expiresAt?: number }>> {
  // A Scan is fine in a test: it shows everything the room left in the table.
  const items = (await db.send(new ScanCommand({ TableName: tableName }))).Items ?? [];
  return items.filter((item) => item.pk === `HIST#${room}`) as Array<{ sk: string; expiresAt?: number }>;
}

describe('RoomHistory on dynalite', () => {
  it('gives concurrent senders distinct seqs, 1 to N with no gap', async () => {
    const history = historyOf(100);
    const seqs = await Promise.all(Array.from({ length: 40 }, () => history.nextSeq('busy')));
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    await expect(history.latestSeq('busy')).resolves.toBe(40);
    await expect(history.latestSeq('never-used')).resolves.toBe(0);
  });

  it('keeps the last `limit` messages, with TTLs in epoch seconds, and serves since and before from them', async () => {
    const history = historyOf(3);
    const sent = await send(history, 'lobby', 5);
    const items = await itemsOf('lobby');
    expect(items.map((i) => i.sk).sort()).toEqual(['COUNTER', 'MSG#000000000000003', 'MSG#000000000000004', 'MSG#000000000000005']);
    for (const item of items.filter((i) => i.sk !== 'COUNTER')) expect(item.expiresAt).toBe(NOW / 1000 + 3600);

    await expect(history.since('lobby', 0, 5)).resolves.toEqual(sent.slice(2));
    await expect(history.since('lobby', 3, 5)).resolves.toEqual(sent.slice(3));
    await expect(history.since('lobby', 3, 4)).resolves.toEqual([sent[3]]);
    await expect(history.before('lobby', undefined, 2)).resolves.toEqual({ messages: sent.slice(3), trimmed: false });
    await expect(history.before('lobby', 5, 10)).resolves.toEqual({ messages: sent.slice(2, 4), trimmed: false });
  });

  it('follows Query pages past DynamoDB’s 1 MB, in order', async () => {
    const history = historyOf(100);
    const big = (i: number) => `${i}`.padEnd(LIMITS.maxDataBytes, 'x');
    const sent = await send(history, 'big', 40, big); // 40 x 32 KB: more than one 1 MB page
    const dbSend = jest.spyOn(db, 'send');
    const replay = await history.since('big', 0);
    expect(dbSend.mock.calls.filter(([command]) => command instanceof QueryCommand).length).toBeGreaterThan(1);
    dbSend.mockRestore();
    expect(replay.map((m) => m.seq)).toEqual(sent.map((m) => m.seq));
    expect(replay[39]).toEqual(sent[39]);
  });

  it('serves no message past its retention, though TTL has not deleted it yet', async () => {
    const history = historyOf(10);
    await send(history, 'old', 2);
    const later = historyOf(10, () => NOW + 3601 * 1000);
    await expect(later.since('old', 0)).resolves.toEqual([]);
    await expect(later.before('old', undefined, 10)).resolves.toEqual({ messages: [], trimmed: false });
    // The counter outlives the messages: the next message continues the room's numbering.
    await expect(later.nextSeq('old')).resolves.toBe(3);
  });

  it('assigns seqs but stores nothing with a limit of 0', async () => {
    const history = historyOf(0);
    const sent = await send(history, 'off', 3);
    expect(sent.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect((await itemsOf('off')).map((i) => i.sk)).toEqual(['COUNTER']);
    await expect(history.since('off', 0)).resolves.toEqual([]);
  });
});
