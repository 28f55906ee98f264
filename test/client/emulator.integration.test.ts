import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import {
  type ClientEvents,
  type ConnectOptions,
  type SocketFactory,
  type SwitchboardClient,
  SwitchboardError,
  connect,
} from '../../client';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../local/emulator';
import { localSubject } from '../../local/issuer/issuer';
import { API_GATEWAY_LIMITS } from '../../protocol';
import { appAssembly } from '../support/app-assembly';
import { ManualClock } from '../support/manual-clock';

/** The typed client against the local emulator running the real app's handlers. */
describe('SwitchboardClient against the emulator', () => {
  let emulator: Emulator | undefined;
  let emulatorLog: string[] = [];
  const clients: SwitchboardClient[] = [];
  /** Tokens from the emulator's local issuer, for the app's $connect authorizer. */
  let tokens: { alice: string; bob: string };

  async function start(options: Partial<EmulatorOptions> = {}): Promise<Emulator> {
    emulatorLog = [];
    emulator = await startEmulator({
      assemblyDir: appAssembly(),
      port: 0,
      dynamodbPort: 0,
      log: (line) => emulatorLog.push(line),
      ...options,
    });
    tokens = { alice: await emulator.localIssuer!.mint('alice'), bob: await emulator.localIssuer!.mint('bob') };
    return emulator;
  }

  function open(url: string, options: ConnectOptions = {}): SwitchboardClient {
    // No jitter, so reconnects happen at once; nothing here waits on a timer it could skip.
    const client = connect(url, { random: () => 0, token: tokens.alice, ...options });
    clients.push(client);
    return client;
  }

  /** Runs each function once, so later timings do not include cold starts. */
  async function warmUp(emu: Emulator): Promise<void> {
    const warm = open(emu.url);
    await warm.join('warm-up');
    await warm.request('message', { data: 'warm-up', room: 'warm-up' });
    await warm.leave('warm-up');
    await warm.request('ping');
    await warm.close();
  }

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    // Let the $disconnect handlers finish before the store goes away under them.
    await emulator?.settled();
    await emulator?.stop();
    emulator = undefined;
    const name = expect.getState().currentTestName?.replace(/[^A-Za-z0-9]+/g, '-') ?? 'emulator';
    const artifacts = path.join(__dirname, '../../test-artifacts');
    await mkdir(artifacts, { recursive: true });
    await writeFile(path.join(artifacts, `${name}.log`), emulatorLog.join('\n'));
  });

  test('when the server deletes the connection, the client reconnects and rejoins its room', async () => {
    const emu = await start();
    const connectionIds: string[] = [];
    emu.gateway.on('open', (connectionId: string) => connectionIds.push(connectionId));
    const alice = open(emu.url);
    await alice.join('lobby');
    const aliceId = connectionIds[0];
    const bob = open(emu.url, { token: tokens.bob });
    await bob.join('lobby');

    const reopened = next(alice, 'open');
    const closed = next(alice, 'close');
    const deleted = await fetch(`${emu.managementEndpoint}/@connections/${encodeURIComponent(aliceId)}`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect(await closed).toMatchObject({ willReconnect: true });
    expect(await reopened).toEqual({ reconnect: true });
    await alice.whenOpen();
    expect(connectionIds).toHaveLength(3);

    // The rejoin happened on the server: Bob's room message reaches Alice's new connection.
    const received = next(alice, 'message');
    const ack = await bob.request('message', { data: 'welcome back', room: 'lobby' });
    expect(ack).toMatchObject({ data: 'Received: welcome back', delivered: 1 });
    // Signed in, the sender is named by its user id (the local issuer's sub, a UUID) and its display name.
    expect(await received).toMatchObject({ room: 'lobby', from: localSubject('bob'), fromName: 'bob', data: 'welcome back' });
  });

  test('keepalive pings hold a connection open past the idle timeout; without them it is closed', async () => {
    // One manual clock for the client's keepalive and the gateway's 10-minute idle timeout.
    const clock = new ManualClock(Date.now());
    const emu = await start({ clock });
    const idleMs = API_GATEWAY_LIMITS.idleTimeoutSeconds * 1000;
    const idle = open(emu.url, { clock, keepaliveIntervalMs: 0, reconnect: false });
    const keepaliveMs = idleMs / 2;
    const kept = open(emu.url, { clock, keepaliveIntervalMs: keepaliveMs });
    const keptClosed = jest.fn();
    kept.on('close', keptClosed);
    const idleClosed = next(idle, 'close');
    await Promise.all([idle.whenOpen(), kept.whenOpen()]);

    // Three idle timeouts pass, a keepalive interval at a time; each ping is answered before time moves on.
    for (let elapsed = 0; elapsed < 3 * idleMs; elapsed += keepaliveMs) {
      const pong = next(kept, 'pong');
      clock.advance(keepaliveMs);
      await pong;
    }
    expect(await idleClosed).toMatchObject({ code: 1001 });
    expect(keptClosed).not.toHaveBeenCalled();
    expect(kept.state).toBe('open');
  });

  test('a receiver whose connection is killed several times mid-stream sees every message exactly once, in order', async () => {
    const emu = await start();
    await warmUp(emu);
    // The client's own sockets, through its WebSocket option, so the test can cut the TCP connection.
    const sockets: WebSocket[] = [];
    class RecordedWebSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        sockets.push(this);
      }
    }
    // The receiver's clock is manual, so it stays away (its reconnect timer waits) while the stream goes on.
    const clock = new ManualClock(Date.now());
    const receiver = open(emu.url, { clock, token: tokens.bob, WebSocket: RecordedWebSocket as unknown as SocketFactory });
    const room = receiver.room('stream');
    const replayed: number[] = [];
    room.on('joined', (joined) => replayed.push(joined.replay ?? 0));
    const received: string[] = [];
    const seqs: number[] = [];
    const gaps: unknown[] = [];
    room.on('message', (m) => {
      received.push(m.data);
      seqs.push(m.seq);
    });
    room.on('gap', (gap) => gaps.push(gap));
    let reconnects = 0;
    receiver.on('open', ({ reconnect }) => (reconnects += reconnect ? 1 : 0));
    await room.join();
    const sender = open(emu.url);
    await sender.join('stream');

    const total = 40;
    const killAfter = new Set([8, 18, 28]);
    const awayFor = 3;
    for (let i = 1; i <= total; i++) {
      await sendToRoom(sender, 'stream', String(i));
      if (killAfter.has(i)) {
        // No close handshake: the emulator runs $disconnect; the next messages are sent while the receiver is away.
        const reconnecting = next(receiver, 'reconnecting');
        sockets[sockets.length - 1].terminate();
        await reconnecting;
      }
      if (killAfter.has(i - awayFor)) clock.advance(0);
    }
    await waitFor(() => {
      // Lets a gap fill's wait pass, should one be needed.
      clock.advance(50);
      return received.length >= total;
    }, `the receiver has ${total} messages (has ${received.length})`);
    expect(received).toEqual(numbered(1, total));
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => seqs[0] + i));
    expect(gaps).toEqual([]);
    expect(reconnects).toBe(killAfter.size);
    expect(sockets).toHaveLength(killAfter.size + 1);
    // The first join had nothing to replay; each resume replayed at least what was sent while away.
    expect(replayed[0]).toBe(0);
    expect(replayed.slice(1)).toHaveLength(killAfter.size);
    for (const count of replayed.slice(1)) expect(count).toBeGreaterThanOrEqual(awayFor);
  });

  test('across an emulator restart with --data-dir, a receiver resumes and gets every message once, in order', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-client-resume-'));
    try {
      const first = await start({ dataDir });
      const port = first.port;
      // Each connection asks the running emulator for a token: a restarted one has its own signing key.
      const token = () => emulator!.localIssuer!.mint('bob');
      // Retry a few times a second while the server is down, not in a tight loop.
      const retrying: ConnectOptions = { random: () => 0.5, backoff: { initialDelayMs: 200, maxDelayMs: 400 } };
      // Manual: the receiver stays away until the test lets it reconnect.
      const clock = new ManualClock(Date.now());
      const receiver = open(first.url, { ...retrying, clock, token });
      const room = receiver.room('restart');
      const received: string[] = [];
      room.on('message', (m) => received.push(m.data));
      const replayed: number[] = [];
      room.on('joined', (joined) => replayed.push(joined.replay ?? 0));
      const states: string[] = [];
      receiver.on('state', ({ state }) => states.push(state));
      await room.join();
      const sender = open(first.url, { ...retrying, token: () => emulator!.localIssuer!.mint('alice') });
      await sender.join('restart');
      for (let i = 1; i <= 5; i++) await sendToRoom(sender, 'restart', String(i));
      await waitFor(() => received.length === 5, 'the first 5 arrive');

      const away = next(receiver, 'reconnecting');
      await first.settled();
      await first.stop();
      emulator = undefined;
      await away;
      await start({ dataDir, port });
      await sender.whenOpen();
      // Sent while the receiver is away: they come with its resume's replay.
      for (let i = 6; i <= 10; i++) await sendToRoom(sender, 'restart', String(i));
      await waitFor(() => {
        clock.advance(400);
        return receiver.state === 'open';
      }, 'the receiver reconnects');
      await receiver.whenOpen();
      for (let i = 11; i <= 15; i++) await sendToRoom(sender, 'restart', String(i));
      await waitFor(() => {
        clock.advance(50);
        return received.length >= 15;
      }, `the receiver has 15 messages (has ${received.length})`);
      expect(received).toEqual(numbered(1, 15));
      expect(states).toEqual(expect.arrayContaining(['reconnecting', 'open']));
      expect(replayed).toEqual([0, 5]);
      expect(room.lastSeq).toBe(15);
    } finally {
      await Promise.all(clients.splice(0).map((client) => client.close()));
      await emulator?.settled();
      await emulator?.stop();
      emulator = undefined;
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('the client recycles its connection before the maximum duration, and rejoins', async () => {
    const emu = await start({ maxDurationSeconds: 5 });
    // A cold join could take longer than the 1 s age below.
    await warmUp(emu);
    const client = open(emu.url, { maxConnectionAgeMs: 1_000 });
    await client.join('lobby');
    const reconnecting = next(client, 'reconnecting');
    const rejoined = next(client, 'joined');
    expect(await reconnecting).toEqual({ attempt: 1, delayMs: 0, reason: 'max-age' });
    expect(await rejoined).toMatchObject({ room: 'lobby' });
  });
});

function next<K extends keyof ClientEvents>(client: SwitchboardClient, event: K): Promise<ClientEvents[K]> {
  return new Promise((resolve) => client.once(event, resolve));
}

/** Sends one room message, waiting out RATE_LIMITED (the frame was not processed, so it is sent again). */
async function sendToRoom(client: SwitchboardClient, room: string, data: string): Promise<void> {
  for (;;) {
    try {
      await client.room(room).send(data);
      return;
    } catch (err: unknown) {
      const wait = err instanceof SwitchboardError && err.code === 'RATE_LIMITED' ? /retry in (\d+) ms/.exec(err.message)?.[1] : undefined;
      if (wait === undefined) throw err;
      await new Promise((resolve) => setTimeout(resolve, Number(wait)));
    }
  }
}

/** Polls (real time: the emulator runs real handlers) until `condition` holds; fails naming `what`. */
async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function numbered(from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
}
