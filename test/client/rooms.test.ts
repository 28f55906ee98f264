import fc from 'fast-check';
import {
  type ClientEvents,
  type ConnectOptions,
  type GapEvent,
  type RoomHandle,
  type RoomMessage,
  type SwitchboardClient,
  SwitchboardError,
} from '../../client';
import { ManualClock } from '../support/manual-clock';
import { TestClients, next, unusedPort } from './support/client-events';
import { type PeerConnection, TestPeer, defaultResponder, reply } from './support/peer';
import { RoomServerModel } from './support/room-server';

const GAP_WAIT_MS = 500;

/** Resolves once the client has handled every frame sent before: the peer's unsolicited pong comes after them. */
async function processed(client: SwitchboardClient, connection: PeerConnection): Promise<void> {
  const pong = next(client, 'pong');
  reply(connection, { event: 'pong' });
  await pong;
}

/**
 * Lets replies to requests the client just sent arrive and be handled: everything here happens in
 * this process, so it is a matter of turns of the event loop, however busy the machine; the bound
 * only turns a bug into a failure instead of a hang.
 */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error(`Timed out waiting until ${what}`);
}

describe('Room handles, state and resume against a plain ws peer', () => {
  let peer: TestPeer;
  let clock: ManualClock;
  let model: RoomServerModel;
  const clients = new TestClients(
    () => peer.url,
    () => ({ clock, random: () => 0.5, gapWaitMs: GAP_WAIT_MS, keepaliveIntervalMs: 0 }),
  );

  /** A client with the handle of room lobby, recording the seq of every message the handle delivers. */
  function openLobby(options: ConnectOptions = {}): { client: SwitchboardClient; room: RoomHandle; seqs: number[] } {
    const client = open(options);
    const room = client.room('lobby');
    const seqs: number[] = [];
    room.on('message', (m) => seqs.push(m.seq));
    return { client, room, seqs };
  }

  const open = (options?: ConnectOptions): SwitchboardClient => clients.connect(options);

  beforeAll(async () => {
    peer = await TestPeer.start();
  });

  beforeEach(() => {
    clock = new ManualClock();
    model = new RoomServerModel('lobby');
    peer.respond = (frame, connection) => {
      if (model.responder(frame, connection) === false) return defaultResponder(frame, connection);
    };
  });

  afterEach(async () => {
    await clients.closeAll();
    // Connections of a finished test must not be taken by the next one.
    while (peer.connections.buffered.length > 0) await peer.connections.next();
  });

  afterAll(async () => {
    await peer.stop();
  });

  /** Drops the client's connection and lets it reconnect; returns the new connection. */
  async function dropAndReconnect(client: SwitchboardClient, connection: PeerConnection): Promise<PeerConnection> {
    const reconnecting = next(client, 'reconnecting');
    connection.socket.terminate();
    clock.advance((await reconnecting).delayMs);
    return peer.connections.next();
  }

  test('room(name) returns one handle per name, and refuses an invalid name with the parser’s message', () => {
    const client = open();
    expect(client.room('lobby')).toBe(client.room('lobby'));
    expect(client.room('lobby')).not.toBe(client.room('games'));
    expect(() => client.room('no spaces')).toThrow(SwitchboardError);
    expect(() => client.room('no spaces')).toThrow('"room" must be 1-64 characters');
  });

  test('the state event reports every change: connecting, open, reconnecting, open, closed', async () => {
    const client = open();
    const states: ClientEvents['state'][] = [];
    client.on('state', (change) => states.push(change));
    const first = await peer.connections.next();
    await client.whenOpen();
    await dropAndReconnect(client, first);
    await client.whenOpen();
    await client.close();
    expect(states).toEqual([
      { state: 'open', previous: 'connecting' },
      { state: 'reconnecting', previous: 'open' },
      { state: 'open', previous: 'reconnecting' },
      { state: 'closed', previous: 'open' },
    ]);
  });

  test('a server that cannot be reached is reported once as reconnecting, not once per attempt', async () => {
    const client = clients.connect({}, `ws://127.0.0.1:${await unusedPort()}/dev`);
    const states: ClientEvents['state'][] = [];
    client.on('state', (change) => states.push(change));
    for (let i = 0; i < 3; i++) clock.advance((await next(client, 'reconnecting')).delayMs);
    expect(states).toEqual([{ state: 'reconnecting', previous: 'connecting' }]);
  });

  test('a room’s messages arrive on its handle and on the client; on() returns an unsubscribe', async () => {
    model.counter = 7;
    const client = open();
    const room = client.room('lobby');
    const onRoom: number[] = [];
    const onClient: Array<ClientEvents['message']> = [];
    const off = room.on('message', (m) => onRoom.push(m.seq));
    client.on('message', (m) => onClient.push(m));
    const connection = await peer.connections.next();
    expect(await room.join()).toMatchObject({ event: 'joined', room: 'lobby', seq: 7 });
    expect(room.lastSeq).toBe(7);
    for (let i = 0; i < 2; i++) reply(connection, model.publish());
    await processed(client, connection);
    off();
    reply(connection, model.publish());
    await processed(client, connection);
    expect(onRoom).toEqual([8, 9]);
    expect(onClient.map((m) => (m as RoomMessage).seq)).toEqual([8, 9, 10]);
    expect(room.lastSeq).toBe(10);
  });

  test('send() resolves with the acknowledgement; presence, joined and left reach the handle', async () => {
    const client = open();
    const room = client.room('lobby');
    const events: string[] = [];
    room.on('joined', () => events.push('joined'));
    room.on('presence', (p) => events.push(`${p.userId} ${p.change}`));
    room.on('left', () => events.push('left'));
    const connection = await peer.connections.next();
    await room.join();
    expect(await room.send('hello')).toMatchObject({ event: 'message', data: 'Received: hello', delivered: 1 });
    expect(await connection.frames.next()).toMatchObject({ action: 'join', room: 'lobby' });
    expect(await connection.frames.next()).toMatchObject({ action: 'message', room: 'lobby', data: 'hello' });
    reply(connection, { event: 'presence', room: 'lobby', userId: 'carol', change: 'joined', connections: 1, version: 1 });
    await processed(client, connection);
    await room.leave();
    expect(events).toEqual(['joined', 'carol joined', 'left']);
  });

  test('presence applies by version: an event older than what the room knows of its user is dropped, and knownMembers reconciles members() with events', async () => {
    const client = open();
    const room = client.room('lobby');
    const onRoom: string[] = [];
    const onClient: string[] = [];
    room.on('presence', (p) => onRoom.push(`${p.userId} ${p.change} v${p.version}`));
    client.on('presence', (p) => onClient.push(`${p.userId} ${p.change} v${p.version}`));
    const connection = await peer.connections.next();
    await room.join();
    // carol's new device joined (v5) while her old one's departure (v4) was still on its way.
    reply(connection, { event: 'presence', room: 'lobby', userId: 'carol', change: 'joined', connections: 1, version: 5 });
    reply(connection, { event: 'presence', room: 'lobby', userId: 'carol', change: 'left', connections: 0, version: 4 });
    await processed(client, connection);
    expect(onRoom).toEqual(['carol joined v5']);
    expect(onClient).toEqual(['carol joined v5']);
    // A members list read before carol's join: its older entry of her loses to the event; dave is new.
    model.members = [
      { userId: 'carol', connections: 2, version: 3 },
      { userId: 'dave', connections: 1, version: 2 },
    ];
    await room.members();
    expect(room.knownMembers).toEqual([
      { userId: 'carol', connections: 1, version: 5 },
      { userId: 'dave', connections: 1, version: 2 },
    ]);
    reply(connection, { event: 'presence', room: 'lobby', userId: 'dave', change: 'left', connections: 0, version: 3 });
    await processed(client, connection);
    expect(room.knownMembers).toEqual([{ userId: 'carol', connections: 1, version: 5 }]);
    await room.leave();
    expect(room.knownMembers).toEqual([]);
  });

  test("our own message's seq (from its ack) is not waited for: the next member's message is delivered at once", async () => {
    const client = open();
    const room = client.room('lobby');
    const delivered: number[] = [];
    room.on('message', (m) => delivered.push(m.seq));
    const connection = await peer.connections.next();
    await room.join();
    expect(await room.send('mine')).toMatchObject({ room: 'lobby', seq: 1 });
    reply(connection, model.publish());
    await processed(client, connection);
    // Delivered without the gap wait (the clock never moved) and without asking history.
    expect(delivered).toEqual([2]);
    expect(model.historyRequests).toEqual([]);
    expect(room.lastSeq).toBe(2);
  });

  test('members() gathers every page; members({ cursor }) gets one', async () => {
    model.members = Array.from({ length: 5 }, (_, i) => ({ userId: `user-${i}`, connections: 1, version: 1 }));
    model.membersPageSize = 2;
    const client = open();
    const room = client.room('lobby');
    await room.join();
    expect(await room.members()).toEqual(model.members);
    expect(await room.members({})).toEqual({ members: model.members.slice(0, 2), next: '2' });
    expect(await room.members({ cursor: '4' })).toEqual({ members: model.members.slice(4) });
  });

  test('history() returns retained messages oldest first, and does not deliver them as events', async () => {
    model.counter = 30;
    model.expiredUpTo = 5;
    const client = open();
    const room = client.room('lobby');
    const delivered = jest.fn();
    room.on('message', delivered);
    await room.join();
    const messages = await room.history({ before: 10, limit: 3 });
    expect(messages.map((m) => m.seq)).toEqual([7, 8, 9]);
    expect((await room.history()).map((m) => m.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 6));
    expect(delivered).not.toHaveBeenCalled();
    await expect(room.history({ limit: 500 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  test('after a drop it rejoins with since = lastSeq; the replay, interleaved with live frames and repeats, is delivered once, in order', async () => {
    model.counter = 3;
    const { client, room, seqs } = openLobby();
    const first = await peer.connections.next();
    await room.join();
    reply(first, model.publish());
    reply(first, model.publish());
    await processed(client, first);
    expect(seqs).toEqual([4, 5]);
    await first.frames.next();

    // While the client is away, 6..9 are sent; the live 10 and 11 overtake the replay's end, 7 comes twice.
    for (let i = 0; i < 4; i++) model.publish();
    const responder = model.responder;
    peer.respond = (frame, connection) => {
      if (frame.action !== 'join') return responder(frame, connection);
      model.counter = 11;
      reply(connection, model.message(11));
      reply(connection, { event: 'joined', room: 'lobby', seq: 9, replay: 4, id: frame.id });
      reply(connection, model.message(6));
      reply(connection, model.message(10));
      reply(connection, model.message(7));
      reply(connection, model.message(7));
      reply(connection, model.message(8));
      reply(connection, model.message(9));
    };
    const second = await dropAndReconnect(client, first);
    expect(await second.frames.next()).toEqual({ action: 'join', room: 'lobby', since: 5, id: expect.any(String) });
    await client.whenOpen();
    await processed(client, second);
    expect(seqs).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    expect(model.historyRequests).toEqual([]);
  });

  test('a rejoin whose replay stops short (79 of 103) fills to joined.seq from history at once, with no later message', async () => {
    model.counter = 0;
    const { client, room, seqs } = openLobby();
    const first = await peer.connections.next();
    await room.join();
    for (let i = 0; i < 79; i++) reply(first, model.publish());
    await processed(client, first);
    await first.frames.next();
    // While the client is away 80..103 are sent; the rejoin's replay stops after 2 (the function ran out of time).
    for (let i = 0; i < 24; i++) model.publish();
    const responder = model.responder;
    peer.respond = (frame, connection) => {
      if (frame.action !== 'join') return responder(frame, connection);
      reply(connection, { event: 'joined', room: 'lobby', seq: 103, replay: 24, id: frame.id });
      reply(connection, model.message(80));
      reply(connection, model.message(81));
    };
    const second = await dropAndReconnect(client, first);
    await client.whenOpen();
    await processed(client, second);
    expect(seqs.at(-1)).toBe(81);
    clock.advance(GAP_WAIT_MS);
    await until(() => seqs.length === 103, 'the rest of the replay is fetched from history');
    expect(seqs).toEqual(Array.from({ length: 103 }, (_, i) => i + 1));
    expect(model.historyRequests).toEqual([{ action: 'history', room: 'lobby', before: 104, limit: 22, id: expect.any(String) }]);
  });

  test('messages that reach a first join before its joined are judged by joined.seq: older ones are not part of the stream', async () => {
    model.counter = 6;
    const { client, room, seqs } = openLobby();
    const connection = await peer.connections.next();
    // The membership is written before joined is sent: fan-outs of 6 (sent before the join) and 7 (after) can precede it.
    model.onJoining = (c) => {
      reply(c, model.message(6));
      reply(c, model.publish());
    };
    await room.join();
    await processed(client, connection);
    expect(seqs).toEqual([7]);
  });

  test('a hole no frame fills is fetched from history after gapWaitMs, then delivered in order', async () => {
    model.counter = 0;
    const { client, room, seqs } = openLobby();
    const connection = await peer.connections.next();
    await room.join();
    for (let i = 0; i < 5; i++) model.publish();
    reply(connection, model.message(1));
    reply(connection, model.message(4));
    reply(connection, model.message(5));
    await processed(client, connection);
    expect(seqs).toEqual([1]);
    clock.advance(GAP_WAIT_MS - 1);
    expect(model.historyRequests).toEqual([]);
    clock.advance(1);
    await until(() => seqs.length === 5, 'the gap is filled');
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
    expect(model.historyRequests).toEqual([{ action: 'history', room: 'lobby', before: 4, limit: 2, id: expect.any(String) }]);
  });

  test('a hole longer than a history page is fetched page by page, also when the server shortens a page', async () => {
    model.counter = 0;
    const { client, room, seqs } = openLobby();
    const connection = await peer.connections.next();
    await room.join();
    for (let i = 0; i < 151; i++) model.publish();
    // The server keeps pages within 128 KB: the first page it answers holds 60, not the 100 asked for.
    const responder = model.responder;
    let shortened = false;
    peer.respond = (frame, c) => {
      if (frame.action !== 'history' || shortened) return responder(frame, c);
      shortened = true;
      model.historyRequests.push(frame);
      const before = frame.before as number;
      const messages = Array.from({ length: 60 }, (_, i) => model.message(before - 60 + i));
      reply(c, { event: 'history', room: 'lobby', messages, id: frame.id });
    };
    reply(connection, model.message(151));
    await processed(client, connection);
    clock.advance(GAP_WAIT_MS);
    await until(() => seqs.length === 151, 'the long hole is filled');
    expect(seqs).toEqual(Array.from({ length: 151 }, (_, i) => i + 1));
    expect(model.historyRequests.map((f) => [f.before, f.limit])).toEqual([
      [151, 100],
      [91, 90],
    ]);
  });

  test('what history no longer has becomes a gap event on the room and the client, and what follows is delivered', async () => {
    model.counter = 10;
    const client = open();
    const room = client.room('lobby');
    const seqs: number[] = [];
    const roomGaps: GapEvent[] = [];
    const clientGaps: GapEvent[] = [];
    room.on('message', (m) => seqs.push(m.seq));
    room.on('gap', (gap) => roomGaps.push(gap));
    client.on('gap', (gap) => clientGaps.push(gap));
    const first = await peer.connections.next();
    await room.join();
    await first.frames.next();
    // Away so long that retention passed for 11..14; 15..16 are still kept.
    for (let i = 0; i < 6; i++) model.publish();
    model.expiredUpTo = 14;
    const second = await dropAndReconnect(client, first);
    expect(await second.frames.next()).toMatchObject({ action: 'join', since: 10 });
    await client.whenOpen();
    await processed(client, second);
    expect(seqs).toEqual([]);
    clock.advance(GAP_WAIT_MS);
    await until(() => seqs.length === 2, 'the kept messages are delivered');
    expect(roomGaps).toEqual([{ room: 'lobby', from: 11, to: 14 }]);
    expect(clientGaps).toEqual(roomGaps);
    expect(seqs).toEqual([15, 16]);
  });

  test('a joined seq below lastSeq (the counter restarted) becomes the new baseline', async () => {
    model.counter = 40;
    const { client, room, seqs } = openLobby();
    const first = await peer.connections.next();
    await room.join();
    await first.frames.next();
    model.counter = 2;
    const second = await dropAndReconnect(client, first);
    expect(await second.frames.next()).toMatchObject({ action: 'join', since: 40 });
    await client.whenOpen();
    expect(room.lastSeq).toBe(2);
    reply(second, model.publish());
    await processed(client, second);
    expect(seqs).toEqual([3]);
  });

  test('leave() forgets lastSeq: the next join starts afresh, without since', async () => {
    model.counter = 4;
    const client = open();
    const room = client.room('lobby');
    const connection = await peer.connections.next();
    await room.join();
    await room.leave();
    expect(room.lastSeq).toBeUndefined();
    model.counter = 9;
    await client.join('lobby');
    const frames = [await connection.frames.next(), await connection.frames.next(), await connection.frames.next()];
    expect(frames.map((f) => [f.action, f.since])).toEqual([
      ['join', undefined],
      ['leave', undefined],
      ['join', undefined],
    ]);
    expect(room.lastSeq).toBe(9);
  });

  test('a refused join rejects, and the room stops holding messages for it', async () => {
    const client = open();
    const room = client.room('user.someone-else');
    peer.respond = (frame, connection) =>
      reply(connection, {
        event: 'error',
        error: { code: 'FORBIDDEN', message: 'Only its user may join "user.someone-else".' },
        id: frame.id,
      });
    await expect(room.join()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(client.rooms.has('user.someone-else')).toBe(false);
  });

  test('the client’s own join(room) resumes too: it is room(room).join()', async () => {
    model.counter = 2;
    const client = open();
    const connection = await peer.connections.next();
    await client.join('lobby');
    reply(connection, model.publish());
    await processed(client, connection);
    await client.join('lobby');
    await connection.frames.next();
    expect(await connection.frames.next()).toMatchObject({ action: 'join', room: 'lobby', since: 3 });
  });

  test('property: drops mid-stream, replays interleaved with live frames, repeats and lost frames: each seq once, in order', async () => {
    let reachedGapFill = 0;
    let reachedResume = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          start: fc.nat({ max: 20 }),
          // Per live message: order key, lost, repeated, and whether the connection drops after it.
          live: fc.array(fc.record({ key: fc.nat({ max: 5 }), lost: fc.boolean(), repeated: fc.boolean(), drop: fc.nat({ max: 9 }) }), {
            minLength: 1,
            maxLength: 40,
          }),
        }),
        async ({ start, live }) => {
          model = new RoomServerModel('lobby');
          model.counter = start;
          const { client, room, seqs } = openLobby();
          let connection = await peer.connections.next();
          await room.join();
          let batch: Array<{ seq: number; key: number; repeated: boolean }> = [];
          const flush = async () => {
            // Concurrent fan-outs land in any order: sort each batch by its keys.
            for (const { seq, repeated } of batch.sort((a, b) => a.key - b.key)) {
              reply(connection, model.message(seq));
              if (repeated) reply(connection, model.message(seq));
            }
            batch = [];
            await processed(client, connection);
          };
          for (const frame of live) {
            const message = model.publish();
            if (!frame.lost) batch.push({ seq: message.seq, key: frame.key, repeated: frame.repeated });
            if (frame.drop === 0) {
              // The frames not yet sent reach the next connection instead, racing its replay: some before
              // `joined`, the rest after the replay (which repeats them all).
              const racing = batch;
              batch = [];
              await processed(client, connection);
              model.onJoining = (c) => {
                model.onJoining = () => undefined;
                for (const { seq } of racing.filter((r) => r.key % 2 === 0)) reply(c, model.message(seq));
              };
              model.onJoined = (c) => {
                model.onJoined = () => undefined;
                for (const { seq } of racing.filter((r) => r.key % 2 === 1)) reply(c, model.message(seq));
              };
              connection = await dropAndReconnect(client, connection);
              await client.whenOpen();
              reachedResume += 1;
            }
          }
          await flush();
          // The room's last message arrives, so the client knows how far the room has come.
          reply(connection, model.message(model.counter));
          await processed(client, connection);
          if (seqs.length < model.counter - start) {
            reachedGapFill += 1;
            clock.advance(GAP_WAIT_MS);
            await until(() => seqs.length === model.counter - start, 'history fills the holes');
          }
          expect(seqs).toEqual(Array.from({ length: model.counter - start }, (_, i) => start + i + 1));
          await client.close();
        },
      ),
      { numRuns: 40 },
    );
    expect(reachedGapFill).toBeGreaterThan(10);
    expect(reachedResume).toBeGreaterThan(10);
  });
});
