import { type ConnectOptions, type CustomEvent, type SwitchboardClient, MAX_CUSTOM_FRAME_BYTES } from '../../client';
import { ManualClock } from '../support/manual-clock';
import { TestClients, next } from './support/client-events';
import { type PeerConnection, TestPeer, defaultResponder, reply } from './support/peer';

/** The reply of the guide's `typing` action (docs/extend.md). */
interface TypingEvent {
  event: 'typing';
  room: string;
  userId: string;
  id?: string;
}

describe('SwitchboardClient.custom(): actions of your own', () => {
  let peer: TestPeer;
  let clock: ManualClock;
  const clients = new TestClients(
    () => peer.url,
    () => ({ clock, random: () => 0.5 }),
  );
  const open = (options?: ConnectOptions): SwitchboardClient => clients.connect(options);

  /** Answers `typing` as the guide's handler does, and protocol v1's actions as the default peer. */
  function answerTyping(frame: Record<string, unknown>, connection: PeerConnection): void | false {
    if (frame.action !== 'typing') return defaultResponder(frame, connection);
    if (typeof frame.room !== 'string' || frame.room.includes(' ')) {
      return reply(connection, { event: 'error', error: { code: 'BAD_REQUEST', message: '"room" is required' }, id: frame.id });
    }
    reply(connection, { event: 'typing', room: frame.room, userId: 'alice', id: frame.id });
  }

  beforeEach(async () => {
    peer = await TestPeer.start();
    clock = new ManualClock();
    peer.respond = answerTyping;
  });

  afterEach(async () => {
    await clients.closeAll();
    await peer.stop();
  });

  test('sends {action, ...payload, id} (queued until open) and resolves with the frame that echoes the id, whatever its event', async () => {
    const client = open();
    const custom = next(client, 'custom');
    const payload = { room: 'lobby' };
    const typing = client.custom<TypingEvent>('typing', payload);
    // Queued while connecting: a later change to the payload is not what gets sent.
    payload.room = 'changed';
    const connection = await peer.connections.next();
    const sent = await connection.frames.next();
    expect(sent).toEqual({ action: 'typing', room: 'lobby', id: expect.any(String) as string });
    const reply = await typing;
    expect(reply).toEqual({ event: 'typing', room: 'lobby', userId: 'alice', id: sent.id });
    // The reply is an event too, for listeners that are not the caller.
    expect(await custom).toEqual(reply);
  });

  test("a reply with one of protocol v1's events resolves it too", async () => {
    const client = open();
    peer.respond = (frame, connection) => reply(connection, { event: 'message', data: 'done', id: frame.id });
    await expect(client.custom('export', { format: 'csv' })).resolves.toMatchObject({ event: 'message', data: 'done' });
  });

  test("rejects with the server's error frame, which is also an error event", async () => {
    const client = open();
    const error = next(client, 'error');
    const refused = client.custom('typing', { room: 'no spaces' });
    await expect(refused).rejects.toMatchObject({ name: 'SwitchboardError', code: 'BAD_REQUEST', message: '"room" is required' });
    expect(await error).toMatchObject({ code: 'BAD_REQUEST' });
    expect(client.state).toBe('open');
  });

  test('rejects with TIMEOUT when no reply arrives in time', async () => {
    const client = open();
    peer.respond = () => false;
    const connection = await peer.connections.next();
    await client.whenOpen();
    const result = client.custom('typing', { room: 'lobby' }, { timeoutMs: 2_000 });
    await connection.frames.next();
    clock.advance(2_000);
    await expect(result).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  test('refuses, before sending anything, a bad action name, a built-in action, a reserved field and an oversized frame', async () => {
    const client = open();
    const connection = await peer.connections.next();
    const refusals: Array<[string, object, RegExp]> = [
      ['', {}, /1-64 characters of A-Z a-z 0-9 _ \. -.*got ""/],
      ['has space', {}, /got "has space"/],
      ['$default', {}, /got "\$default"/],
      ['x'.repeat(65), {}, /1-64 characters/],
      ['join', { room: 'lobby' }, /"join" is one of Switchboard's own actions: send it with request\('join'/],
      ['typing', { id: 'mine' }, /may not have an "id" field/],
      ['typing', { action: 'other' }, /may not have an "action" field/],
      ['typing', { text: 'x'.repeat(MAX_CUSTOM_FRAME_BYTES) }, new RegExp(`the limit is ${MAX_CUSTOM_FRAME_BYTES} bytes`)],
    ];
    for (const [action, payload, message] of refusals) {
      await expect(client.custom(action, payload)).rejects.toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringMatching(message) as string,
      });
    }
    await expect(client.custom('typing', [])).rejects.toMatchObject({
      message: expect.stringContaining('an array') as string,
    });
    // The largest frame that fits is sent: the limit is not off by the id.
    const action = 'typing';
    const fits = { text: 'x'.repeat(MAX_CUSTOM_FRAME_BYTES - `{"action":"${action}","text":""}`.length) };
    peer.respond = () => false;
    void client.custom(action, fits).catch(() => undefined);
    const sent = await connection.frames.next();
    // Nothing refused reached the peer: the first frame it got is the one that fits.
    expect(sent).toMatchObject({ action, text: fits.text });
    expect(Buffer.byteLength(JSON.stringify(sent))).toBeLessThanOrEqual(32 * 1024);
  });

  test('events of your own that answer no request arrive as custom events, not as invalid frames', async () => {
    const client = open();
    const connection = await peer.connections.next();
    await client.whenOpen();
    const errors: unknown[] = [];
    client.on('error', (err) => errors.push(err));
    const custom = next(client, 'custom');
    reply(connection, { event: 'typing', room: 'lobby', userId: 'bob' });
    expect(await custom).toEqual({ event: 'typing', room: 'lobby', userId: 'bob' });
    // A frame with no event at all is still unreadable.
    const invalid = next(client, 'error');
    reply(connection, { room: 'lobby' });
    expect(await invalid).toMatchObject({ code: 'INVALID_FRAME' });
    expect(errors).toHaveLength(1);
  });

  test("a frame of your own event does not answer a built-in request that carries its id: that request keeps protocol v1's reply type", async () => {
    const client = open();
    peer.respond = (frame, connection) => {
      reply(connection, { event: 'typing', room: 'lobby', userId: 'bob', id: frame.id });
      defaultResponder(frame, connection);
    };
    const seen: CustomEvent[] = [];
    client.on('custom', (frame) => seen.push(frame));
    await expect(client.join('lobby')).resolves.toMatchObject({ event: 'joined', room: 'lobby' });
    expect(seen).toEqual([expect.objectContaining({ event: 'typing' })]);
  });
});
