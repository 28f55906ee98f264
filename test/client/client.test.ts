import { type ClientEvents, type ConnectOptions, type SwitchboardClient, SwitchboardError } from '../../client';
import { ManualClock } from '../support/manual-clock';
import { TestClients, next, unusedPort } from './support/client-events';
import { type PeerConnection, TestPeer, reply } from './support/peer';

describe('SwitchboardClient against a plain ws peer', () => {
  let peer: TestPeer;
  let clock: ManualClock;
  const clients = new TestClients(
    () => peer.url,
    () => ({ clock, random: () => 0.5 }),
  );
  const open = (options?: ConnectOptions): SwitchboardClient => clients.connect(options);

  beforeEach(async () => {
    peer = await TestPeer.start({ handleProtocols: (protocols) => [...protocols][0] ?? false });
    clock = new ManualClock();
  });

  afterEach(async () => {
    await clients.closeAll();
    await peer.stop();
  });

  test('connects with the token as a query parameter and the requested subprotocol', async () => {
    const client = open({ token: 'secret token', protocols: ['switchboard.v1'] });
    const connection = await peer.connections.next();
    await client.whenOpen();
    expect(new URL(connection.request.url ?? '', 'ws://x').searchParams.get('token')).toBe('secret token');
    expect(connection.socket.protocol).toBe('switchboard.v1');
    expect(client.state).toBe('open');
  });

  test('a token function is asked again for every connection', async () => {
    const issued = ['first-token', 'second-token'];
    const client = open({ token: async () => issued.shift() ?? 'spent' });
    const first = await peer.connections.next();
    expect(new URL(first.request.url ?? '', 'ws://x').searchParams.get('token')).toBe('first-token');
    await client.whenOpen();
    const reconnecting = next(client, 'reconnecting');
    first.socket.terminate();
    const { delayMs } = await reconnecting;
    clock.advance(delayMs);
    const second = await peer.connections.next();
    expect(new URL(second.request.url ?? '', 'ws://x').searchParams.get('token')).toBe('second-token');
  });

  test('when the token function fails, it reports the error and retries with backoff', async () => {
    let calls = 0;
    const client = open({
      token: () => {
        calls += 1;
        if (calls === 1) throw new Error('sign-in service unavailable');
        return 'good-token';
      },
    });
    const error = next(client, 'error');
    const reconnecting = next(client, 'reconnecting');
    expect(await error).toMatchObject({ code: 'TOKEN', message: 'Could not get a token to connect with: sign-in service unavailable' });
    const { delayMs, reason } = await reconnecting;
    expect(reason).toBe('token-failed');
    clock.advance(delayMs);
    const connection = await peer.connections.next();
    expect(new URL(connection.request.url ?? '', 'ws://x').searchParams.get('token')).toBe('good-token');
  });

  test('frames sent before the connection opens are queued, then sent in order', async () => {
    const client = open();
    client.send('message', { data: 'first' });
    client.send('ping');
    expect(client.queued).toBe(2);
    const connection = await peer.connections.next();
    expect(await connection.frames.next()).toEqual({ action: 'message', data: 'first' });
    expect(await connection.frames.next()).toEqual({ action: 'ping' });
    expect(client.queued).toBe(0);
  });

  test('request() resolves with the reply that echoes its id, which is also emitted as an event', async () => {
    const client = open();
    const event = next(client, 'message');
    const ack = await client.request('message', { data: 'Hello' });
    expect(ack).toEqual({ event: 'message', data: 'Received: Hello', id: expect.any(String) });
    expect(await event).toEqual(ack);
  });

  test('request() rejects on an error frame with its code, and the error is emitted', async () => {
    const client = open();
    peer.respond = (frame, connection) =>
      reply(connection, { event: 'error', error: { code: 'NOT_IN_ROOM', message: 'Join "lobby" first.' }, id: frame.id });
    const emitted = next(client, 'error');
    const result = client.request('message', { data: 'hi', room: 'lobby' });
    await expect(result).rejects.toMatchObject({ name: 'SwitchboardError', code: 'NOT_IN_ROOM', message: 'Join "lobby" first.' });
    expect(await emitted).toMatchObject({ code: 'NOT_IN_ROOM' });
  });

  test('request() rejects with RATE_LIMITED when the server refuses a frame over its limits, and stays open', async () => {
    const client = open();
    const message =
      'Too many room messages: this connection may send 10 per second, in bursts of up to 20; this one was not processed, retry in 100 ms.';
    peer.respond = (frame, connection) => reply(connection, { event: 'error', error: { code: 'RATE_LIMITED', message }, id: frame.id });
    const result = client.request('message', { data: 'hi', room: 'lobby' });
    await expect(result).rejects.toMatchObject({ name: 'SwitchboardError', code: 'RATE_LIMITED', message });
    expect(client.state).toBe('open');
  });

  test('request() rejects with TIMEOUT when no reply arrives in time', async () => {
    const client = open();
    peer.respond = () => false;
    const connection = await peer.connections.next();
    await client.whenOpen();
    const result = client.request('ping', undefined, { timeoutMs: 2_000 });
    await connection.frames.next();
    clock.advance(1_999);
    clock.advance(1);
    await expect(result).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  test('invalid frames are refused before they are sent, with the server parser’s message', async () => {
    const client = open();
    expect(() => client.send('join', { room: 'no spaces allowed' })).toThrow(SwitchboardError);
    expect(() => client.send('join', { room: 'no spaces allowed' })).toThrow('"room" must be 1-64 characters');
    await expect(client.request('message', { data: 'x'.repeat(40_000) })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(client.queued).toBe(0);
  });

  test("API Gateway's internal server error becomes an INTERNAL_ERROR event", async () => {
    const client = open();
    peer.respond = (_frame, connection) =>
      reply(connection, { message: 'Internal server error', connectionId: 'BFaT_fALIAMCKug=', requestId: 'BFaUAHzDoAMFb9Q=' });
    const emitted = next(client, 'error');
    client.send('ping');
    expect(await emitted).toMatchObject({ code: 'INTERNAL_ERROR', message: 'Internal server error (requestId BFaUAHzDoAMFb9Q=)' });
  });

  test('a server frame that is not JSON is reported, not thrown', async () => {
    const client = open();
    peer.respond = (_frame, connection) => connection.socket.send('oops');
    const emitted = next(client, 'error');
    client.send('ping');
    expect(await emitted).toMatchObject({ code: 'INVALID_FRAME' });
  });

  test('after the server drops the connection it reconnects with jittered backoff and rejoins its rooms before sending queued frames', async () => {
    const client = open({ backoff: { initialDelayMs: 1_000, maxDelayMs: 8_000 } });
    const first = await peer.connections.next();
    await client.join('lobby');
    await client.join('games');
    expect([...client.rooms]).toEqual(['lobby', 'games']);

    const reconnecting = next(client, 'reconnecting');
    const closed = next(client, 'close');
    first.socket.terminate();
    expect(await closed).toMatchObject({ code: 1006, willReconnect: true });
    // Full jitter with random() = 0.5: half of the first ceiling.
    expect(await reconnecting).toEqual({ attempt: 1, delayMs: 500, reason: 'dropped' });
    client.send('message', { data: 'while away', room: 'lobby' });

    const reopened = next(client, 'open');
    clock.advance(500);
    const second = await peer.connections.next();
    expect(await reopened).toEqual({ reconnect: true });
    const rejoins = [await second.frames.next(), await second.frames.next()];
    expect(rejoins).toEqual([
      { action: 'join', room: 'lobby', id: expect.any(String) },
      { action: 'join', room: 'games', id: expect.any(String) },
    ]);
    // A room message gets an id even from send(), so a drop before its ack sends it again rather than losing it.
    expect(await second.frames.next()).toEqual({ action: 'message', data: 'while away', room: 'lobby', id: expect.any(String) });
  });

  test("a connection that fails with only an error event (Node 22's WebSocket sends no close) is retried like any other", async () => {
    // GIVEN a WebSocket implementation that reports a failed connection as undici in Node 22 does: `error`, then nothing
    const created: string[] = [];
    class ErrorOnlySocket {
      readonly protocol = '';
      onopen: ((event: unknown) => void) | null = null;
      onmessage: ((event: { data: unknown }) => void) | null = null;
      onclose: ((event: { code: number; reason: string }) => void) | null = null;
      onerror: ((event: unknown) => void) | null = null;
      constructor(url: string) {
        created.push(url);
        setImmediate(() => this.onerror?.({ type: 'error' }));
      }
      send(): void {}
      close(): void {}
    }
    const client = clients.connect({ WebSocket: ErrorOnlySocket }, 'ws://127.0.0.1:9/dev');
    // WHEN it fails, THEN the client says it is reconnecting, and after the delay it tries again
    const { attempt, delayMs } = await next(client, 'reconnecting');
    expect(attempt).toBe(1);
    clock.advance(delayMs);
    expect((await next(client, 'reconnecting')).attempt).toBe(2);
    expect(created).toHaveLength(2);
  });

  test('backoff ceilings double across failed attempts, up to the cap', async () => {
    const port = await unusedPort();
    const client = clients.connect(
      { random: () => 0.999, backoff: { initialDelayMs: 100, maxDelayMs: 350 } },
      `ws://127.0.0.1:${port}/dev`,
    );
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const { attempt, delayMs } = await next(client, 'reconnecting');
      expect(attempt).toBe(i + 1);
      delays.push(delayMs);
      clock.advance(delayMs);
    }
    expect(delays).toEqual([99, 199, 349, 349]);
  });

  test('while disconnected the queue is bounded: the oldest frame is dropped with an event, and its request rejected', async () => {
    const client = open({ maxQueuedFrames: 2 });
    const dropped: ClientEvents['dropped'][] = [];
    client.on('dropped', (event) => dropped.push(event));
    const oldest = client.request('message', { data: 'one' });
    client.send('message', { data: 'two' });
    client.send('message', { data: 'three' });
    await expect(oldest).rejects.toMatchObject({ code: 'DROPPED' });
    expect(dropped).toEqual([{ frame: { action: 'message', data: 'one', id: expect.any(String) }, reason: 'queue-full' }]);

    const connection = await peer.connections.next();
    expect(await connection.frames.next()).toEqual({ action: 'message', data: 'two' });
    expect(await connection.frames.next()).toEqual({ action: 'message', data: 'three' });
  });

  test('a request whose frame went out on a dropped connection rejects with DISCONNECTED', async () => {
    const client = open();
    peer.respond = () => false;
    const connection = await peer.connections.next();
    await client.whenOpen();
    const result = client.request('ping');
    await connection.frames.next();
    connection.socket.terminate();
    await expect(result).rejects.toMatchObject({ code: 'DISCONNECTED' });
  });

  test('keepalive: pings after the interval without traffic; any frame sent postpones it', async () => {
    const client = open({ keepaliveIntervalMs: 1_000 });
    const connection = await peer.connections.next();
    await client.whenOpen();
    clock.advance(900);
    client.send('message', { data: 'activity' });
    expect(await connection.frames.next()).toMatchObject({ action: 'message' });
    clock.advance(900);
    expect(connection.frames.buffered).toHaveLength(0);
    const pong = next(client, 'pong');
    clock.advance(100);
    expect(await connection.frames.next()).toEqual({ action: 'ping', id: expect.any(String) });
    await pong;
    expect(client.state).toBe('open');
  });

  test('keepalive: an unanswered ping means the connection is dead, so it reconnects', async () => {
    const client = open({ keepaliveIntervalMs: 1_000, keepaliveTimeoutMs: 500 });
    peer.respond = () => false;
    const first = await peer.connections.next();
    await client.whenOpen();
    clock.advance(1_000);
    await first.frames.next();
    const reconnecting = next(client, 'reconnecting');
    clock.advance(500);
    expect(await reconnecting).toMatchObject({ reason: 'keepalive-timeout' });
    await first.closed;
  });

  test('recycles the connection before the 2-hour limit, at once and without backoff', async () => {
    const client = open({ maxConnectionAgeMs: 60_000 });
    const first = await peer.connections.next();
    await client.join('lobby');
    const reconnecting = next(client, 'reconnecting');
    clock.advance(60_000);
    expect(await reconnecting).toEqual({ attempt: 1, delayMs: 0, reason: 'max-age' });
    expect(await first.closed).toEqual({ code: 1000, reason: 'Connection age limit reached; reconnecting' });
    clock.advance(0);
    const second = await peer.connections.next();
    expect(await second.frames.next()).toMatchObject({ action: 'join', room: 'lobby' });
  });

  test('an aged connection first gets the replies it owes; frames sent meanwhile go to the next connection', async () => {
    const client = open({ maxConnectionAgeMs: 60_000 });
    peer.respond = () => false;
    const first = await peer.connections.next();
    await client.whenOpen();
    const inFlight = client.request('ping', undefined, { timeoutMs: 600_000 });
    const ping = await first.frames.next();
    const reconnecting = jest.fn();
    client.on('reconnecting', reconnecting);

    clock.advance(60_000);
    client.send('message', { data: 'for the next connection' });
    expect(client.queued).toBe(1);
    expect(reconnecting).not.toHaveBeenCalled();

    const recycled = next(client, 'reconnecting');
    reply(first, { event: 'pong', id: ping.id });
    await expect(inFlight).resolves.toEqual({ event: 'pong', id: ping.id });
    expect(await recycled).toMatchObject({ reason: 'max-age', delayMs: 0 });
    clock.advance(0);
    const second = await peer.connections.next();
    expect(await second.frames.next()).toEqual({ action: 'message', data: 'for the next connection' });
  });

  test('an aged connection waits at most one request timeout for its replies', async () => {
    const client = open({ maxConnectionAgeMs: 60_000, requestTimeoutMs: 5_000 });
    peer.respond = () => false;
    const first = await peer.connections.next();
    await client.whenOpen();
    const inFlight = expect(client.request('ping', undefined, { timeoutMs: 600_000 })).rejects.toMatchObject({ code: 'DISCONNECTED' });
    await first.frames.next();
    clock.advance(60_000);
    const recycled = next(client, 'reconnecting');
    clock.advance(5_000);
    expect(await recycled).toMatchObject({ reason: 'max-age' });
    await inFlight;
  });

  test('the default limits: keepalive every 5 minutes, recycling 5 minutes before 2 hours', async () => {
    const client = open();
    await client.whenOpen();
    expect(clock.pendingDelays()).toEqual([5 * 60_000, 115 * 60_000]);
  });

  test('a room the server refuses on rejoin is no longer claimed', async () => {
    const client = open();
    const first = await peer.connections.next();
    await client.join('lobby');
    peer.respond = (frame, connection) =>
      reply(connection, { event: 'error', error: { code: 'ROOM_FULL', message: 'Room "lobby" is full.' }, id: frame.id });
    first.socket.terminate();
    const { delayMs } = await next(client, 'reconnecting');
    clock.advance(delayMs);
    await client.whenOpen();
    expect(client.rooms.size).toBe(0);
  });

  test('close() stops reconnecting and rejects what is pending', async () => {
    const client = open();
    peer.respond = () => false;
    const connection = await peer.connections.next();
    await client.whenOpen();
    const pending = expect(client.request('ping')).rejects.toMatchObject({ code: 'CLOSED' });
    const closeEvent = next(client, 'close');
    await client.close();
    await pending;
    expect(await closeEvent).toEqual({ code: 1000, reason: 'Client closed', willReconnect: false });
    expect(await connection.closed).toEqual({ code: 1000, reason: 'Client closed' });
    expect(client.state).toBe('closed');
    expect(clock.pendingDelays()).toEqual([]);
    expect(() => client.send('ping')).toThrow('The client is closed');
  });

  test('close() while waiting to reconnect cancels the reconnect and reports queued frames as dropped', async () => {
    const client = open();
    const connection = await peer.connections.next();
    await client.whenOpen();
    const reconnecting = next(client, 'reconnecting');
    connection.socket.terminate();
    await reconnecting;
    client.send('message', { data: 'never sent' });
    const dropped = next(client, 'dropped');
    await client.close();
    expect(await dropped).toEqual({ frame: { action: 'message', data: 'never sent' }, reason: 'closed' });
    expect(clock.pendingDelays()).toEqual([]);
  });

  test('with reconnect off, a drop closes the client for good', async () => {
    const client = open({ reconnect: false });
    const connection = await peer.connections.next();
    await client.whenOpen();
    const closed = next(client, 'close');
    connection.socket.terminate();
    expect(await closed).toMatchObject({ willReconnect: false });
    expect(client.state).toBe('closed');
    await expect(client.whenOpen()).rejects.toMatchObject({ code: 'CLOSED' });
  });

  test('room messages from others and leave confirmations arrive as typed events', async () => {
    const client = open();
    const connection: PeerConnection = await peer.connections.next();
    await client.join('lobby');
    const message = next(client, 'message');
    reply(connection, { event: 'message', room: 'lobby', from: 'alice', data: 'hi', ts: 1700000000000 });
    expect(await message).toEqual({ event: 'message', room: 'lobby', from: 'alice', data: 'hi', ts: 1700000000000 });
    const left = next(client, 'left');
    await client.leave('lobby');
    expect(await left).toMatchObject({ room: 'lobby' });
    expect(client.rooms.size).toBe(0);
  });
});
