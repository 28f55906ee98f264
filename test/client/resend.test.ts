import { type SwitchboardClient, type ConnectOptions } from '../../client';
import { LIMITS } from '../../protocol';
import { ManualClock } from '../support/manual-clock';
import { TestClients, next } from './support/client-events';
import { type PeerConnection, TestPeer, reply } from './support/peer';

/**
 * Exactly-once room messages, the client's half: a room message whose connection drops before its
 * acknowledgement is sent again after the reconnect, with the same id, within the server's dedup
 * window; signals are never sent again. The peer plays a server that remembers ids, as Switchboard does.
 */
describe('room messages across a dropped connection', () => {
  let peer: TestPeer;
  let clock: ManualClock;
  const clients = new TestClients(
    () => peer.url,
    () => ({ clock, random: () => 0.5, backoff: { initialDelayMs: 1000, maxDelayMs: 1000 }, keepaliveIntervalMs: 0 }),
  );
  const open = (options?: ConnectOptions): SwitchboardClient => clients.connect(options);
  /** Ids the "server" has sent on, with their seq: a resend of one is acknowledged as a duplicate. */
  let seen: Map<string, number>;
  /** When set, the server takes room messages but the connection drops before it answers. */
  let dropBeforeAck: boolean;

  beforeEach(async () => {
    peer = await TestPeer.start();
    clock = new ManualClock(1_700_000_000_000);
    seen = new Map();
    dropBeforeAck = false;
    peer.respond = (frame, connection) => {
      const id = frame.id as string;
      if (frame.action === 'join') return reply(connection, { event: 'joined', room: frame.room, seq: seen.size, id });
      if (frame.action === 'signal') return reply(connection, { event: 'signal', room: frame.room, type: frame.type, delivered: 0, id });
      if (frame.action !== 'message') return;
      const first = seen.get(id);
      if (first === undefined) seen.set(id, seen.size + 1);
      if (dropBeforeAck) return connection.socket.terminate();
      const ack = { event: 'message', data: `Received: ${String(frame.data)}`, id, room: frame.room, seq: first ?? seen.get(id) };
      reply(connection, first === undefined ? { ...ack, delivered: 1 } : { ...ack, duplicate: true });
    };
  });

  afterEach(async () => {
    await clients.closeAll();
    await peer.stop();
  });

  /** Waits for the reconnect's connection, letting the backoff pass. */
  async function reconnect(client: SwitchboardClient): Promise<PeerConnection> {
    await next(client, 'reconnecting');
    clock.advance(1000);
    return peer.connections.next();
  }

  test('a room message whose ack the drop lost is sent again after the rejoin, with its id, and resolves once, with its first seq', async () => {
    const client = open();
    const first = await peer.connections.next();
    const room = client.room('lobby');
    await room.join();
    await first.frames.next(); // the join
    dropBeforeAck = true;
    const sent = room.send('hello');
    const original = await first.frames.next();
    expect(original).toMatchObject({ action: 'message', room: 'lobby', data: 'hello', id: expect.any(String) });
    dropBeforeAck = false;
    const second = await reconnect(client);
    expect(await second.frames.next()).toMatchObject({ action: 'join', room: 'lobby' });
    expect(await second.frames.next()).toEqual(original);
    await expect(sent).resolves.toMatchObject({ id: original.id, seq: 1, duplicate: true });
    expect([...seen.keys()]).toEqual([original.id]);
  });

  test('keeps an id the app gives, and refuses one already awaiting its reply', async () => {
    const client = open();
    const first = await peer.connections.next();
    const room = client.room('lobby');
    await room.join();
    await first.frames.next(); // the join
    dropBeforeAck = true;
    const sent = room.send('hello', { id: 'order-42' });
    await expect(room.send('again', { id: 'order-42' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('"order-42"') as string,
    });
    expect(await first.frames.next()).toMatchObject({ id: 'order-42' });
    dropBeforeAck = false;
    const second = await reconnect(client);
    await second.frames.next();
    expect(await second.frames.next()).toMatchObject({ id: 'order-42', data: 'hello' });
    await expect(sent).resolves.toMatchObject({ seq: 1, duplicate: true });
  });

  test("is not resent once the server's dedup window has passed: the send rejects DISCONNECTED, as it may or may not have arrived", async () => {
    const client = open({ backoff: { initialDelayMs: 10 * 60_000, maxDelayMs: 10 * 60_000 } });
    const first = await peer.connections.next();
    await client.room('lobby').join();
    await first.frames.next(); // the join
    dropBeforeAck = true;
    const sent = client.room('lobby').send('hello');
    await first.frames.next();
    await next(client, 'reconnecting');
    clock.advance(LIMITS.messageDedupSeconds * 1000);
    await expect(sent).rejects.toMatchObject({
      code: 'DISCONNECTED',
      message: expect.stringContaining('may or may not have reached the room') as string,
    });
    dropBeforeAck = false;
    clock.advance(10 * 60_000);
    const second = await peer.connections.next();
    expect(await second.frames.next()).toMatchObject({ action: 'join' });
    // Nothing else went out: the next frame is a ping sent now.
    client.send('ping');
    expect(await second.frames.next()).toEqual({ action: 'ping' });
  });

  test('other requests still reject DISCONNECTED, and signals are not sent again', async () => {
    const client = open();
    const first = await peer.connections.next();
    const room = client.room('lobby');
    await room.join();
    await first.frames.next(); // the join
    peer.respond = () => false;
    const signal = room.signal('typing', { on: true });
    const echo = client.request('message', { data: 'no room' });
    expect(await first.frames.next()).toMatchObject({ action: 'signal', room: 'lobby', type: 'typing', data: { on: true } });
    await first.frames.next();
    first.socket.terminate();
    await expect(signal).rejects.toMatchObject({ code: 'DISCONNECTED' });
    await expect(echo).rejects.toMatchObject({ code: 'DISCONNECTED' });
  });

  test("other members' signals reach the room's handle and the client; our own signal resolves with its ack", async () => {
    const client = open();
    const connection = await peer.connections.next();
    const room = client.room('lobby');
    await room.join();
    const onRoom = new Promise((resolve) => room.once('signal', resolve));
    const onClient = next(client, 'signal');
    const event = { event: 'signal', room: 'lobby', type: 'typing', from: 'u-2', fromName: 'Bob', data: true };
    reply(connection, event);
    expect(await onRoom).toEqual(event);
    expect(await onClient).toEqual(event);
    await expect(room.signal('typing')).resolves.toEqual({
      event: 'signal',
      room: 'lobby',
      type: 'typing',
      delivered: 0,
      id: expect.any(String),
    });
    await expect(room.signal('not a type')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
