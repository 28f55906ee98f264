/**
 * Sequence numbers, history and resume in this app (lib/, lambda/), run by the emulator from the
 * synthesized assembly, with real ws clients: the real bundled handlers, the real DynamoDB API.
 */
import { startEmulator, type Emulator } from '../../local/emulator';
import type { RoomMessage } from '../../protocol';
import { appAssembly } from '../support/app-assembly';
import { connect, waitFor, type TestClient } from './helpers';

jest.setTimeout(60_000);

let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ assemblyDir: appAssembly(), port: 0, log: () => undefined, functionLog: () => undefined });
});

afterAll(async () => {
  await emu?.settled();
  await emu?.stop();
});

async function open(user: string): Promise<TestClient> {
  const opened = waitFor<string>(emu.gateway, 'open');
  const token = emu.localIssuer ? await emu.localIssuer.mint(user) : undefined;
  const client = await connect(token ? `${emu.url}?token=${encodeURIComponent(token)}` : emu.url);
  await opened;
  return client;
}

const send = (client: TestClient, frame: unknown) => client.ws.send(JSON.stringify(frame));

/** The next frame that is not a presence event (another engineer's feature, which these tests do not check). */
async function nextFrame(client: TestClient): Promise<Record<string, unknown>> {
  for (;;) {
    const frame = await client.nextJson();
    if (frame.event !== 'presence') return frame;
  }
}

async function join(client: TestClient, room: string, since?: number): Promise<Record<string, unknown>> {
  send(client, { action: 'join', room, ...(since === undefined ? {} : { since }) });
  return nextFrame(client);
}

/** Sends `data` to `room` and waits for the sender's ack. */
async function say(client: TestClient, room: string, data: string): Promise<void> {
  send(client, { action: 'message', room, data });
  expect(await nextFrame(client)).toMatchObject({ event: 'message', data: `Received: ${data}` });
}

test('room messages get seq 1, 2, 3 in the order sent; joined carries the latest', async () => {
  const alice = await open('alice');
  const bob = await open('bob');
  expect(await join(alice, 'seq-room')).toEqual({ event: 'joined', room: 'seq-room', seq: 0 });
  expect(await join(bob, 'seq-room')).toEqual({ event: 'joined', room: 'seq-room', seq: 0 });
  for (const data of ['one', 'two', 'three']) await say(alice, 'seq-room', data);
  const received = [await nextFrame(bob), await nextFrame(bob), await nextFrame(bob)] as unknown as RoomMessage[];
  expect(received.map((m) => [m.seq, m.data])).toEqual([
    [1, 'one'],
    [2, 'two'],
    [3, 'three'],
  ]);
  const carol = await open('carol');
  expect(await join(carol, 'seq-room')).toEqual({ event: 'joined', room: 'seq-room', seq: 3 });
  for (const c of [alice, bob, carol]) c.ws.close();
});

test('a client that reconnects with since gets joined, then exactly the messages it missed, in order', async () => {
  const alice = await open('alice');
  let bob = await open('bob');
  await join(alice, 'resume-room');
  await join(bob, 'resume-room');
  await say(alice, 'resume-room', 'm1');
  const last = (await nextFrame(bob)) as unknown as RoomMessage;
  expect(last.seq).toBe(1);

  // Bob drops; the room goes on without him.
  const closed = bob.closed;
  bob.ws.terminate();
  await closed;
  for (const data of ['m2', 'm3', 'm4']) await say(alice, 'resume-room', data);

  bob = await open('bob');
  send(bob, { action: 'join', room: 'resume-room', since: last.seq, id: 'r' });
  expect(await nextFrame(bob)).toEqual({ event: 'joined', room: 'resume-room', seq: 4, replay: 3, id: 'r' });
  const replay = [await nextFrame(bob), await nextFrame(bob), await nextFrame(bob)] as unknown as RoomMessage[];
  // Each as the room message frame members got live: alice's user id as `from`.
  expect(replay.map((m) => [m.seq, m.data, m.from])).toEqual([
    [2, 'm2', last.from],
    [3, 'm3', last.from],
    [4, 'm4', last.from],
  ]);
  // Then live, with nothing repeated in between.
  await say(alice, 'resume-room', 'm5');
  expect(await nextFrame(bob)).toMatchObject({ seq: 5, data: 'm5' });
  for (const c of [alice, bob]) c.ws.close();
});

test('history answers members with retained messages, oldest first, paged with before', async () => {
  const alice = await open('alice');
  const outsider = await open('dave');
  await join(alice, 'history-room');
  for (let i = 1; i <= 5; i++) await say(alice, 'history-room', `h${i}`);

  send(alice, { action: 'history', room: 'history-room', limit: 2, id: 'h' });
  const newest = (await nextFrame(alice)) as { event: string; messages: RoomMessage[]; id: string };
  expect(newest).toMatchObject({ event: 'history', room: 'history-room', id: 'h' });
  expect(newest.messages.map((m) => m.seq)).toEqual([4, 5]);

  send(alice, { action: 'history', room: 'history-room', before: 4 });
  const older = (await nextFrame(alice)) as { messages: RoomMessage[] };
  expect(older.messages.map((m) => m.data)).toEqual(['h1', 'h2', 'h3']);

  send(outsider, { action: 'history', room: 'history-room' });
  expect(await nextFrame(outsider)).toMatchObject({ event: 'error', error: { code: 'NOT_IN_ROOM' } });
  for (const c of [alice, outsider]) c.ws.close();
});

test('a client that kept up (since = latest) gets only joined', async () => {
  const alice = await open('alice');
  await join(alice, 'quiet-room');
  await say(alice, 'quiet-room', 'only');
  const bob = await open('bob');
  expect(await join(bob, 'quiet-room', 1)).toEqual({ event: 'joined', room: 'quiet-room', seq: 1, replay: 0 });
  await say(alice, 'quiet-room', 'next');
  expect(await nextFrame(bob)).toMatchObject({ seq: 2, data: 'next' });
  for (const c of [alice, bob]) c.ws.close();
});
