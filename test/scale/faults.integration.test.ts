import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { API_GATEWAY_LIMITS, LIMITS } from '../../protocol';
import { keys } from '../../contract/table-design';
import type { Emulator } from '../../local/emulator';
import { OUTBOUND_HIGH_WATER_BYTES } from '../../local/gateway/management';
import { wsText } from '../../cli-kit/ws-text';
import { connect, waitFor, type TestClient } from '../local/helpers';
import { memberIds, request, retryAfterMs, seeded, start, waitUntil } from './support';

/**
 * The emulator's @connections API stays honest under faults, with this app and real ws clients:
 * under a 410/429/500 mix every ack's `delivered` is what members received, and the table holds
 * every open socket; a member that never reads gets posts refused (429) once its buffer passes
 * the high-water mark, counted `failed`, while the others keep receiving.
 * Each test prints what it measured; docs/benchmarks.md's "Chaos figures" quote these lines.
 */
jest.setTimeout(120_000);

const ROOM = 'faults';
/** Waits at most 20 s, then lets the assertions that follow say what is wrong. */
const SETTLE = { timeoutMs: 20_000, returnOnTimeout: true } as const;

/** Sends a room message, waiting out the app's room-message rate limit when it answers RATE_LIMITED. */
async function broadcast(sender: TestClient, data: string): Promise<Record<string, unknown>> {
  for (;;) {
    const ack = await request(sender, { action: 'message', room: ROOM, data });
    const error = ack.error as { code?: string } | undefined;
    if (error?.code !== 'RATE_LIMITED') return ack;
    await new Promise((resolve) => setTimeout(resolve, retryAfterMs(ack)));
  }
}

interface Member {
  readonly client: TestClient;
  readonly connectionId: string;
  /** The `data` of every room message received, in order. */
  readonly received: string[];
}

async function memberUrl(emu: Emulator): Promise<string> {
  return emu.localIssuer ? `${emu.url}?token=${await emu.localIssuer.mint('fault-tester')}` : emu.url;
}

/** Opens one member, recording room messages from the start; its connection id comes from the gateway's 'open' event. */
async function openMember(emu: Emulator, url: string): Promise<Member> {
  const opened = waitFor<string>(emu.gateway, 'open');
  const client = await connect(url);
  const connectionId = await opened;
  const received: string[] = [];
  client.ws.on('message', (data) => {
    const frame = JSON.parse(wsText(data)) as { event?: string; data?: string };
    if (frame.event === 'message' && typeof frame.data === 'string') received.push(frame.data);
  });
  return { client, connectionId, received };
}

async function join(member: Member): Promise<void> {
  expect(await request(member.client, { action: 'join', room: ROOM })).toMatchObject({ event: 'joined', room: ROOM });
}

/** Opens members one at a time, so each connection id is known, and has each join the room. */
async function openMembers(emu: Emulator, count: number): Promise<Member[]> {
  const url = await memberUrl(emu);
  const members: Member[] = [];
  for (let i = 0; i < count; i++) {
    const member = await openMember(emu, url);
    await join(member);
    members.push(member);
  }
  return members;
}

describe('@connections faults on the emulator', () => {
  let members: Member[] = [];
  afterEach(() => {
    for (const m of members) m.client.ws.terminate();
    members = [];
  });

  it('under --fault-rate 410:0.1,429:0.1,500:0.1, every ack counts exactly what members received and the table holds every open socket', async () => {
    const BROADCASTS = 50;
    const random = seeded(2026);
    let faults = false; // on for the broadcasts only
    const log: string[] = [];
    const { emu, db, table } = await start({
      faultRates: { 410: 0.1, 429: 0.1, 500: 0.1 },
      random: () => (faults ? random() : 1),
      log: (line) => log.push(line),
    });
    try {
      const url = await memberUrl(emu);
      members = await openMembers(emu, 41);
      // The sender gets no posts from its own broadcasts, so no fault closes it.
      const [sender, ...initial] = members;
      const recipients = [...initial];
      /** The first broadcast each member was in the room for from the start. */
      const firstBroadcast = new Map<Member, number>(initial.map((m) => [m, 0]));
      let started = 0;
      // A member closed by an injected 410 reconnects and joins again, as the web client does, so the room never drains.
      // One at a time, so the gateway's next 'open' event is this member's.
      let reconnecting = true;
      let rejoins = Promise.resolve();
      const watch = (m: Member): void => {
        void m.client.closed.then(() => {
          rejoins = rejoins.then(async () => {
            if (!reconnecting) return;
            const fresh = await openMember(emu, url);
            members.push(fresh);
            recipients.push(fresh);
            watch(fresh);
            // A post right after the join may close it (an injected 410) before the reply arrives; then it rejoins again.
            try {
              await join(fresh);
              firstBroadcast.set(fresh, started + 1);
            } catch (err: unknown) {
              if (fresh.client.ws.readyState === fresh.client.ws.OPEN) throw err;
            }
          });
        });
      };
      initial.forEach(watch);

      faults = true;
      const acks: Array<{ delivered: number; failed: number }> = [];
      for (let n = 0; n < BROADCASTS; n++) {
        started = n;
        const ack = await broadcast(sender.client, `b${n}`);
        expect(ack).toMatchObject({ event: 'message', delivered: expect.any(Number) });
        acks.push({ delivered: ack.delivered as number, failed: (ack.failed as number | undefined) ?? 0 });
      }
      faults = false;
      reconnecting = false;
      await rejoins;
      await emu.settled();

      // Every connection the gateway closed is closed at the client too, after the frames sent before it.
      const closedByGateway = (m: Member) => !emu.gateway.connections.has(m.connectionId);
      await waitUntil(() => recipients.every((m) => !closedByGateway(m) || m.client.ws.readyState === m.client.ws.CLOSED), SETTLE);
      await emu.settled();
      const receivedOf = (n: number) => recipients.filter((m) => m.received.includes(`b${n}`)).length;
      await waitUntil(() => acks.every((ack, n) => receivedOf(n) === ack.delivered), SETTLE);

      // Each ack's delivered equals the frames members received for that broadcast, and no frame came twice.
      expect(acks.map((_, n) => receivedOf(n))).toEqual(acks.map((ack) => ack.delivered));
      for (const m of recipients) expect(new Set(m.received).size).toBe(m.received.length);

      // Every open socket is still registered; every member the table lost is really closed.
      const registered = new Set(await memberIds(db, table, ROOM));
      const open = members.filter((m) => m.client.ws.readyState === m.client.ws.OPEN);
      for (const m of open) {
        expect(registered).toContain(m.connectionId);
        expect((await db.send(new GetCommand({ TableName: table, Key: keys.connection(m.connectionId) }))).Item).toBeDefined();
      }
      const gone = recipients.filter((m) => !registered.has(m.connectionId));
      for (const m of gone) expect(m.client.ws.readyState).toBe(m.client.ws.CLOSED);
      expect(registered.size).toBe(open.length);

      // Nothing lost silently: a member open at the end missed only broadcasts whose ack counted a failure.
      const failedTotal = acks.reduce((sum, ack) => sum + ack.failed, 0);
      let openRecipients = 0;
      for (const m of recipients.filter((r) => open.includes(r))) {
        openRecipients++;
        const expected = acks.map((_, n) => `b${n}`).slice(firstBroadcast.get(m));
        const missed = expected.filter((data) => !m.received.includes(data));
        expect(missed.length).toBeLessThanOrEqual(failedTotal);
      }

      // The faults were really injected, and the room still had members at the end.
      const injected = (status: number) => log.filter((line) => new RegExp(`@connections POST\\s+\\S+ ${status}$`).test(line)).length;
      expect(injected(410)).toBeGreaterThan(0);
      expect(injected(429)).toBeGreaterThan(0);
      expect(injected(500)).toBeGreaterThan(0);
      expect(gone.length).toBeGreaterThan(0);
      expect(openRecipients).toBeGreaterThan(20);

      const deliveredTotal = acks.reduce((sum, ack) => sum + ack.delivered, 0);
      console.log(
        `fault mix 410/429/500 at 0.1 each: ${BROADCASTS} broadcasts to a room of ${initial.length} members (each closed member rejoins); ` +
          `delivered ${deliveredTotal} = received ${acks.reduce((sum, _, n) => sum + receivedOf(n), 0)}, failed ${failedTotal}; ` +
          `posts answered 410: ${injected(410)}, 429: ${injected(429)}, 500: ${injected(500)}; ` +
          `connections closed by an injected 410 and pruned: ${gone.length}; open and registered at the end: ${openRecipients}`,
      );
    } finally {
      await emu.stop();
      db.destroy();
    }
  });

  it('refuses posts to a member that never reads once its buffer passes the high-water mark; the ack counts it failed and the others keep receiving', async () => {
    const log: string[] = [];
    const { emu, db, table } = await start({ log: (line) => log.push(line) });
    try {
      members = await openMembers(emu, 5);
      const [sender, stuck, ...others] = members;
      stuck.client.ws.pause(); // stops reading from its socket: the kernel buffers fill, then the emulator's
      const data = 'x'.repeat(LIMITS.maxDataBytes - 1024); // about 30 KB: one frame each
      const acks: Array<{ delivered: number; failed: number; ms: number }> = [];
      let maxBuffered = 0;
      const buffered = () => emu.gateway.connections.get(stuck.connectionId)?.bufferedBytes ?? 0;
      // Until the first refusal, then three more broadcasts, all bounded.
      for (let n = 0; n < 400 && acks.filter((a) => a.failed > 0).length < 4; n++) {
        const t0 = Date.now();
        const ack = await broadcast(sender.client, `${n}:${data}`);
        expect(ack).toMatchObject({ event: 'message', delivered: expect.any(Number) });
        acks.push({ delivered: ack.delivered as number, failed: (ack.failed as number | undefined) ?? 0, ms: Date.now() - t0 });
        maxBuffered = Math.max(maxBuffered, buffered());
      }
      const refused = acks.filter((a) => a.failed > 0);
      expect(refused).toHaveLength(4);
      // A refused post is counted failed (after the app's retries), never delivered.
      for (const ack of refused) expect(ack).toMatchObject({ delivered: others.length, failed: 1 });
      // The emulator holds at most the high-water mark plus one message for the member that does not read.
      expect(maxBuffered).toBeGreaterThan(OUTBOUND_HIGH_WATER_BYTES);
      expect(maxBuffered).toBeLessThanOrEqual(OUTBOUND_HIGH_WATER_BYTES + API_GATEWAY_LIMITS.messageBytes);
      expect(log.some((line) => line.includes(`@connections POST   ${stuck.connectionId} 429`))).toBe(true);
      // The others received every broadcast; the member that does not read is still open and registered.
      await waitUntil(() => others.every((m) => m.received.length === acks.length), SETTLE);
      for (const m of others) expect(m.received).toHaveLength(acks.length);
      expect(stuck.client.ws.readyState).toBe(stuck.client.ws.OPEN);
      expect(await memberIds(db, table, ROOM)).toContain(stuck.connectionId);

      // A route response to it is dropped too (logged), not buffered.
      const pongs: unknown[] = [];
      stuck.client.ws.on('message', (data) => {
        if ((JSON.parse(wsText(data)) as { event?: string }).event === 'pong') pongs.push(data);
      });
      stuck.client.ws.send(JSON.stringify({ action: 'ping' }));
      await waitUntil(() => log.some((line) => line.startsWith('DROPPED') && line.includes(stuck.connectionId)), SETTLE);
      expect(log.filter((line) => line.startsWith('DROPPED') && line.includes(stuck.connectionId))).toHaveLength(1);

      // Once it reads again, it gets exactly the frames whose posts were accepted: what the acks counted.
      const acceptedForStuck = acks.reduce((sum, ack) => sum + ack.delivered, 0) - others.length * acks.length;
      stuck.client.ws.resume();
      await waitUntil(() => stuck.received.length >= acceptedForStuck, SETTLE);
      expect(stuck.received).toHaveLength(acceptedForStuck);
      expect(new Set(stuck.received).size).toBe(acceptedForStuck);
      // A ping now is answered, behind anything still queued: only its pong arrives, not the dropped one.
      stuck.client.ws.send(JSON.stringify({ action: 'ping' }));
      await waitUntil(() => pongs.length >= 1, SETTLE);
      await new Promise((resolve) => setImmediate(resolve));
      expect(pongs).toHaveLength(1);

      console.log(
        `member that never reads, ${data.length}-byte messages: refused from broadcast ${acks.indexOf(refused[0]) + 1} on; ` +
          `its buffer peaked at ${maxBuffered} bytes (high-water mark ${OUTBOUND_HIGH_WATER_BYTES}); ` +
          `refused broadcasts acked in ${refused.map((a) => a.ms).join(', ')} ms with delivered ${others.length}, failed 1; ` +
          `it then received ${stuck.received.length} frames = ${acceptedForStuck} accepted`,
      );
    } finally {
      await emu.stop();
      db.destroy();
    }
  });
});
