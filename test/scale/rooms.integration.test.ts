import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Emulator } from '../../local/emulator';
import { expiresAtFor, keys } from '../../contract/table-design';
import type { InvocationRecord } from '../../local/gateway/gateway';
import { waitFor, type TestClient } from '../local/helpers';
import { memberIds, openMembers, recorder, request, seeded, start, waitUntil } from './support';

/**
 * Rooms at scale, with real ws clients against the emulator running this app:
 * exactly-once delivery to 200 members, pruning of members that vanished
 * without a $disconnect, injected @connections faults, and --data-dir.
 */
jest.setTimeout(120_000);

/** Resolves once the gateway has seen `count` more connections close. */
function disconnects(emu: Emulator, count: number): Promise<void> {
  let seen = 0;
  return new Promise((resolve) => {
    const listener = () => {
      if (++seen < count) return;
      emu.gateway.off('disconnect', listener);
      resolve();
    };
    emu.gateway.on('disconnect', listener);
  });
}

describe('rooms on the emulator', () => {
  let emu: Emulator;
  let db: DynamoDBDocumentClient;
  let table: string;
  let members: TestClient[] = [];

  beforeAll(async () => {
    ({ emu, db, table } = await start());
  });
  afterEach(() => {
    for (const m of members) m.ws.terminate();
    members = [];
  });
  afterAll(async () => {
    await emu.stop();
    db.destroy();
  });

  it('delivers a message to each of 200 members exactly once', async () => {
    members = await openMembers(emu, 'two-hundred', 200);
    const [sender, ...others] = members;
    const received = others.map(recorder);
    const ack = await request(sender, { action: 'message', room: 'two-hundred', data: 'to all' });
    expect(ack).toMatchObject({ event: 'message', data: 'Received: to all', delivered: 199 });
    expect(ack.failed).toBeUndefined();
    await waitUntil(() => received.every((frames) => frames.length >= 1));
    // Every post was made before the handler answered; give a late duplicate time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const frames of received) {
      expect(frames).toHaveLength(1);
      expect(JSON.parse(frames[0])).toEqual({
        event: 'message',
        room: 'two-hundred',
        from: expect.any(String),
        fromName: 'scale-tester',
        data: 'to all',
        ts: expect.any(Number),
        seq: 1, // the room's first message
      });
    }
  });

  it('completes a broadcast after 20% of members vanished without $disconnect, and prunes them', async () => {
    members = await openMembers(emu, 'dropping', 50);
    const [sender, ...others] = members;
    const dropped = others.slice(0, 10);
    const live = others.slice(10);
    // Remember the rows of the members about to drop, drop them abruptly (no close frame) ...
    const before = new Set(await memberIds(db, table, 'dropping'));
    const disconnected = disconnects(emu, dropped.length);
    for (const m of dropped) m.ws.terminate();
    await disconnected;
    await emu.settled();
    const after = new Set(await memberIds(db, table, 'dropping'));
    const vanished = [...before].filter((id) => !after.has(id));
    expect(vanished).toHaveLength(10);
    // ... then put their rows back: on AWS, $disconnect is best-effort and may never arrive. Their
    // TTL has not passed (that case is the stale-members test's), so the fan-out posts and gets 410.
    const expiresAt = expiresAtFor(Date.now());
    for (const id of vanished) {
      await db.send(
        new PutCommand({
          TableName: table,
          Item: {
            ...keys.connection(id),
            connectionId: id,
            connectedAt: Date.now(),
            sourceIp: '127.0.0.1',
            rooms: new Set(['dropping']),
            expiresAt,
          },
        }),
      );
      await db.send(new PutCommand({ TableName: table, Item: { ...keys.member('dropping', id), connectionId: id, expiresAt } }));
    }
    expect(await memberIds(db, table, 'dropping')).toHaveLength(50);

    const received = live.map(recorder);
    const ack = await request(sender, { action: 'message', room: 'dropping', data: 'still here?' });
    expect(ack).toMatchObject({ delivered: 39 });
    await waitUntil(() => received.every((frames) => frames.length >= 1));
    for (const frames of received) expect(frames).toHaveLength(1);
    // The stale recipients' rows are gone; the sender's and the live members' remain.
    const remaining = await memberIds(db, table, 'dropping');
    expect(remaining).toHaveLength(40);
    for (const id of vanished) {
      expect(remaining).not.toContain(id);
      expect((await db.send(new GetCommand({ TableName: table, Key: keys.connection(id) }))).Item).toBeUndefined();
    }
  });
});

describe('fault injection on @connections', () => {
  let members: TestClient[] = [];
  afterEach(() => {
    for (const m of members) m.ws.terminate();
    members = [];
  });

  it('retries 429 and 500 so that no healthy member misses a message', async () => {
    const log: string[] = [];
    const { emu, db } = await start({ faultRates: { 429: 0.1, 500: 0.1 }, random: seeded(7), log: (line) => log.push(line) });
    try {
      members = await openMembers(emu, 'faulty', 40);
      const [sender, ...others] = members;
      const received = others.map(recorder);
      for (let n = 0; n < 5; n++) {
        const ack = await request(sender, { action: 'message', room: 'faulty', data: `burst ${n}` });
        expect(ack).toMatchObject({ delivered: 39 });
      }
      await waitUntil(() => received.every((frames) => frames.length >= 5));
      for (const frames of received) {
        expect(frames.map((f) => (JSON.parse(f) as { data: string }).data)).toEqual([
          'burst 0',
          'burst 1',
          'burst 2',
          'burst 3',
          'burst 4',
        ]);
      }
      // Faults were really injected, and each was retried into a delivery.
      const faulted = log.filter((line) => /@connections POST\s+\S+ (429|500)$/.test(line));
      expect(faulted.length).toBeGreaterThan(10);
    } finally {
      await emu.stop();
      db.destroy();
    }
  });

  it('prunes members whose posts answer 410 and delivers to the rest', async () => {
    // The fault is switched on after every member has joined, so it hits the fan-out only.
    const random = seeded(11);
    let faults = false;
    const { emu, db, table } = await start({ faultRates: { 410: 0.25 }, random: () => (faults ? random() : 1) });
    try {
      members = await openMembers(emu, 'gone', 40);
      const [sender, ...others] = members;
      const received = others.map(recorder);
      faults = true;
      const done = waitFor<InvocationRecord>(emu.gateway, 'invocation', (r) => r.routeKey === 'message');
      sender.ws.send(JSON.stringify({ action: 'message', room: 'gone', data: 'hello' }));
      expect((await done).status).toBe(200);
      faults = false;

      const remaining = new Set(await memberIds(db, table, 'gone'));
      const pruned = others.length - (remaining.size - 1);
      // Some posts answered 410 and their recipients were pruned; everyone else gets the message once.
      expect(pruned).toBeGreaterThan(0);
      await waitUntil(() => received.filter((frames) => frames.length === 1).length === others.length - pruned);
      expect(received.every((frames) => frames.length <= 1)).toBe(true);
      // An injected 410 closes the connection it names, as on AWS a 410 means it is gone: the unreached,
      // exactly the pruned, are closed, so the app never unregistered an open socket.
      const unreached = others.filter((_, i) => received[i].length === 0);
      await waitUntil(() => unreached.every((member) => member.ws.readyState === member.ws.CLOSED));
      expect(unreached.map((member) => member.ws.readyState)).toEqual(unreached.map((member) => member.ws.CLOSED));
    } finally {
      await emu.stop();
      db.destroy();
    }
  });
});

describe('--data-dir', () => {
  it('keeps rows across a restart', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-data-'));
    try {
      const first = await start({ dataDir });
      await first.db.send(
        new PutCommand({ TableName: first.table, Item: { ...keys.member('kept', 'SOMEONE000000AA='), connectionId: 'SOMEONE000000AA=' } }),
      );
      first.db.destroy();
      await first.emu.stop();

      const second = await start({ dataDir });
      expect(await memberIds(second.db, second.table, 'kept')).toEqual(['SOMEONE000000AA=']);
      second.db.destroy();
      await second.emu.stop();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
