/**
 * Presence under churn, in the emulator with real `ws` clients: many users dropping at once while
 * the room is busy with messages. Each drop is removed by whichever call gets there first (its
 * `$disconnect`, or a fan-out whose post to it answered 410), and the room's `members` must end
 * up listing exactly the users still connected.
 */
import * as path from 'node:path';
import WebSocket from 'ws';
import { cachedAssembly } from '../../local/assembly/cache';
import { startEmulator, type Emulator } from '../../local/emulator';
import { wsText } from '../../cli-kit/ws-text';
import { requireIntegrationTest } from '../support/test-tier';

const ROOT = path.join(__dirname, '..', '..');
const ROOM = 'churn';
/** Users in the room, and how many of them drop at once. */
const USERS = 100;
const DROPPED = 80;
/** Connections that keep the room busy with messages while the others drop. */
const SENDERS = 4;

type Frame = Record<string, unknown>;

interface Client {
  readonly ws: WebSocket;
  request(frame: Frame): Promise<Frame>;
}

let ids = 0;

/** A guest connection (authProvider none: its user id is its connection id) that answers requests by `id`. */
function open(url: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const waiting = new Map<string, (frame: Frame) => void>();
    ws.on('message', (data) => {
      const frame = JSON.parse(wsText(data)) as Frame;
      // API Gateway's "Internal server error" (a function that failed or timed out) names no request: it answers the oldest.
      const id = typeof frame.id === 'string' ? frame.id : frame.event === undefined ? waiting.keys().next().value : undefined;
      if (id === undefined) return;
      waiting.get(id)?.(frame);
      waiting.delete(id);
    });
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        ws,
        request: (frame) =>
          new Promise((answered) => {
            const id = `r${++ids}`;
            waiting.set(id, answered);
            ws.send(JSON.stringify({ ...frame, id }));
          }),
      }),
    );
  });
}

const closed = (ws: WebSocket) => new Promise((r) => (ws.readyState === WebSocket.CLOSED ? r(undefined) : ws.once('close', r)));

describe('presence under churn in the emulator', () => {
  let emu: Emulator;
  const clients: Client[] = [];

  beforeAll(async () => {
    requireIntegrationTest('the presence churn integration test');
    const assembly = await cachedAssembly({ cwd: ROOT, context: { authProvider: 'none' } });
    emu = await startEmulator({
      assemblyDir: assembly.dir,
      port: 0,
      dynamodbPort: 0,
      log: () => undefined,
      functionLog: () => undefined,
    });
  }, 600_000);

  afterAll(async () => {
    clients.forEach((c) => c.ws.terminate());
    await Promise.all(clients.map((c) => closed(c.ws)));
    await emu?.stop();
  });

  it(`${DROPPED} of ${USERS} users dropping at once while the room is busy leave no ghost members`, async () => {
    const opened: string[] = [];
    const disconnected: string[] = [];
    let allDropped: () => void = () => undefined;
    const dropped = new Promise<void>((resolve) => (allDropped = resolve));
    emu.gateway.on('open', (id: string) => opened.push(id));
    emu.gateway.on('disconnect', ({ connectionId }: { connectionId: string }) => {
      disconnected.push(connectionId);
      if (disconnected.length === DROPPED) allDropped();
    });
    clients.push(...(await Promise.all(Array.from({ length: USERS }, () => open(emu.url)))));
    await Promise.all(clients.map((c) => c.request({ action: 'join', room: ROOM })));
    await emu.settled(); // every arrival's presence fan-out is over
    const staying = clients.slice(DROPPED);
    const dropping = clients.slice(0, DROPPED);
    const senders = staying.slice(0, SENDERS);

    // The room stays busy: each sender sends a message whenever its last one was acknowledged.
    let busy = true;
    const sending = senders.map(async (sender, i) => {
      for (let n = 0; busy; n++) await sender.request({ action: 'message', room: ROOM, data: `busy ${i}.${n}` });
    });
    // The drop: sockets cut without a close handshake, as when a network goes away.
    dropping.forEach((c) => c.ws.terminate());
    // Busy until every $disconnect has run: meanwhile the messages met the gone members (410s, prunes).
    await dropped;
    busy = false;
    await Promise.all(sending);
    await emu.settled(); // the fan-outs of the last messages, and their prunes, are over

    const members: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await staying[0].request({ action: 'members', room: ROOM, ...(cursor === undefined ? {} : { cursor }) });
      expect(page).toMatchObject({ event: 'members' });
      members.push(...(page.members as Array<{ userId: string }>).map((m) => m.userId));
      cursor = page.next as string | undefined;
    } while (cursor !== undefined);
    expect(disconnected).toHaveLength(DROPPED);
    const expected = opened.filter((id) => !disconnected.includes(id));
    const ghosts = members.filter((id) => !expected.includes(id));
    expect(ghosts).toEqual([]);
    expect(members.sort()).toEqual([...expected].sort());
  }, 120_000);
});
