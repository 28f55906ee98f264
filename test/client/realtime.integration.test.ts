import { WebSocket } from 'ws';
import { wsText } from '../../cli-kit/ws-text';
import { connect, type SignalEvent, type SocketFactory, type SocketLike, type SwitchboardClient } from '../../client';
import { startEmulator, type Emulator } from '../../local/emulator';
import { localSubject } from '../../local/issuer/issuer';
import type { MessageAck, RoomMessage } from '../../protocol';
import { connect as connectRaw, type TestClient } from '../local/helpers';
import { appAssembly } from '../support/app-assembly';

/**
 * Signals and exactly-once room messages, end to end: the typed client against the emulator
 * running this app's handlers on the real DynamoDB API. Connections are killed mid-send by a socket
 * of the client's own (its WebSocket option): the server has the message, the sender never gets
 * the acknowledgement.
 */

jest.setTimeout(120_000);

let emu: Emulator;
const clients: SwitchboardClient[] = [];
const raws: TestClient[] = [];

beforeAll(async () => {
  emu = await startEmulator({ assemblyDir: appAssembly(), port: 0, dynamodbPort: 0, log: () => undefined, functionLog: () => undefined });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  for (const raw of raws) raw.ws.close();
  await emu?.settled();
  await emu?.stop();
});

async function open(user: string, options: { WebSocket?: SocketFactory } = {}): Promise<SwitchboardClient> {
  const token = await emu.localIssuer!.mint(user);
  // No jitter: a reconnect after a kill starts at once.
  const client = connect(emu.url, { token, random: () => 0, backoff: { initialDelayMs: 50, maxDelayMs: 200 }, ...options });
  clients.push(client);
  await client.whenOpen();
  return client;
}

/** A member that sees every frame as the server sends it: the typed client would hide a second copy. */
async function observer(user: string, room: string): Promise<{ frames: Array<Record<string, unknown>>; raw: TestClient }> {
  const raw = await connectRaw(`${emu.url}?token=${encodeURIComponent(await emu.localIssuer!.mint(user))}`);
  raws.push(raw);
  const frames: Array<Record<string, unknown>> = [];
  raw.ws.on('message', (data) => frames.push(JSON.parse(wsText(data)) as Record<string, unknown>));
  raw.ws.send(JSON.stringify({ action: 'join', room, id: 'join' }));
  await waitUntil(() => frames.some((f) => f.event === 'joined'), `${user} joined ${room}`);
  return { frames, raw };
}

/**
 * The client's WebSocket, with a kill switch: `cut` decides, for each frame sent or received,
 * whether the TCP connection dies right there (without a closing handshake), the frame received
 * never reaching the client.
 */
let cut: { onSend?: (frame: Record<string, unknown>) => boolean; onReceive?: (frame: Record<string, unknown>) => boolean } = {};
let kills = 0;
class KillableSocket implements SocketLike {
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  private readonly ws: WebSocket;

  constructor(url: string, protocols?: string | string[]) {
    this.ws = new WebSocket(url, protocols);
    this.ws.onopen = (event) => this.onopen?.(event);
    this.ws.onclose = (event) => this.onclose?.({ code: event.code, reason: event.reason });
    this.ws.onerror = (event) => this.onerror?.(event);
    this.ws.onmessage = (event) => {
      // Text frames come as strings through this event interface.
      const text = typeof event.data === 'string' ? event.data : wsText(event.data);
      if (cut.onReceive?.(JSON.parse(text) as Record<string, unknown>)) return this.kill();
      this.onmessage?.({ data: text });
    };
  }

  get protocol(): string {
    return this.ws.protocol;
  }

  send(data: string): void {
    this.ws.send(data);
    if (cut.onSend?.(JSON.parse(data) as Record<string, unknown>)) this.kill();
  }

  close(code?: number, reason?: string): void {
    this.ws.close(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }

  private kill(): void {
    kills++;
    this.ws.terminate();
  }
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const messagesOf = (frames: Array<Record<string, unknown>>, room: string) =>
  frames.filter((f) => f.event === 'message' && f.room === room && typeof f.from === 'string') as unknown as RoomMessage[];

describe('signals', () => {
  it("reach the room's other members, named, with no seq, and are kept nowhere", async () => {
    const room = 'signals.typing';
    const alice = await open('alice');
    const bob = await open('bob');
    await alice.room(room).join();
    await bob.room(room).join();
    const carol = await observer('carol', room);
    const seenByBob: SignalEvent[] = [];
    bob.room(room).on('signal', (event) => seenByBob.push(event));
    const seenByAlice: SignalEvent[] = [];
    alice.on('signal', (event) => seenByAlice.push(event));

    const ack = await alice.room(room).signal('typing', { typing: true });
    expect(ack).toMatchObject({ event: 'signal', room, type: 'typing', delivered: 2 });
    await waitUntil(() => seenByBob.length === 1 && carol.frames.some((f) => f.event === 'signal'), 'bob and carol got the signal');
    const expected = { event: 'signal', room, type: 'typing', from: localSubject('alice'), fromName: 'alice', data: { typing: true } };
    expect(seenByBob).toEqual([expected]);
    expect(carol.frames.filter((f) => f.event === 'signal')).toEqual([expected]);
    // Not echoed to its sender, not in history, and no seq was taken: the next message is seq 1.
    expect(seenByAlice).toEqual([]);
    await expect(bob.room(room).history()).resolves.toEqual([]);
    await expect(alice.room(room).send('after the signal')).resolves.toMatchObject({ seq: 1 });
  });

  it('are refused to a connection that is not in the room', async () => {
    const mallory = await open('mallory');
    await expect(mallory.room('signals.private').signal('typing')).rejects.toMatchObject({ code: 'NOT_IN_ROOM' });
  });
});

describe('exactly-once room messages, with connections killed mid-send', () => {
  afterEach(() => {
    cut = {};
  });

  it('a message whose acknowledgement the kill lost is sent again on reconnect and reaches the room once, acknowledged with its first seq', async () => {
    const room = 'once.ack-lost';
    const alice = await open('alice', { WebSocket: KillableSocket });
    await alice.room(room).join();
    const bob = await observer('bob', room);
    const acks: MessageAck[] = [];
    const rounds = 5;
    for (let i = 1; i <= rounds; i++) {
      // The server sent it on, then the connection dies as the acknowledgement (a message frame without `from`) arrives: once.
      let killed = false;
      cut = {
        onReceive: (frame) => !killed && frame.event === 'message' && frame.room === room && frame.from === undefined && (killed = true),
      };
      acks.push(await alice.room(room).send(`lost ack ${i}`));
      cut = {};
    }
    expect(kills).toBeGreaterThanOrEqual(rounds);
    // Each was already in the room: every acknowledgement is the resend's, naming the first seq.
    expect(acks.map((a) => [a.seq, a.duplicate])).toEqual(Array.from({ length: rounds }, (_, i) => [i + 1, true]));
    await emu.settled();
    expect(messagesOf(bob.frames, room).map((m) => [m.seq, m.data])).toEqual(
      Array.from({ length: rounds }, (_, i) => [i + 1, `lost ack ${i + 1}`]),
    );
    expect((await alice.room(room).history()).map((m) => m.data)).toEqual(Array.from({ length: rounds }, (_, i) => `lost ack ${i + 1}`));
  });

  it('a message whose connection dies as it is sent reaches the room once, whether or not the server got the first copy', async () => {
    const room = 'once.sent-and-killed';
    const alice = await open('alice', { WebSocket: KillableSocket });
    await alice.room(room).join();
    const bob = await observer('bob', room);
    const rounds = 8;
    const before = kills;
    for (let i = 1; i <= rounds; i++) {
      // The first copy goes out and the connection dies at once; the resend after the reconnect lives.
      let copies = 0;
      cut = { onSend: (frame) => frame.action === 'message' && frame.data === `killed ${i}` && ++copies === 1 };
      await alice.room(room).send(`killed ${i}`);
      cut = {};
    }
    expect(kills - before).toBe(rounds);
    await emu.settled();
    // Two copies of one message racing on the server may fan out after the next message: order by seq.
    const received = messagesOf(bob.frames, room).sort((a, b) => a.seq - b.seq);
    expect(received.map((m) => m.data)).toEqual(Array.from({ length: rounds }, (_, i) => `killed ${i + 1}`));
    expect(new Set(received.map((m) => m.seq)).size).toBe(rounds);
    const kept = await alice.room(room).history();
    expect(kept.map((m) => m.data)).toEqual(received.map((m) => m.data));
  });
});
