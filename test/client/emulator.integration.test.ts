import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type ClientEvents, type ConnectOptions, type SwitchboardClient, connect } from '../../client';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../local/emulator';
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
    // Signed in, the sender is named by its user id (the local issuer's sub).
    expect(await received).toMatchObject({ room: 'lobby', from: 'local-bob', data: 'welcome back' });
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
