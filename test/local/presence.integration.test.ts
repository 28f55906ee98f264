/**
 * User rooms, room rules, presence and `members` in the emulator, on this app's own assembly
 * synthesized with room rules (as `-c roomRules='[...]'`), with real `ws` clients and real tokens
 * from the emulator's local issuer (its stand-in for Cognito).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import WebSocket from 'ws';
import { cachedAssembly } from '../../local/assembly/cache';
import { startEmulator, type Emulator } from '../../local/emulator';
import { LocalIssuer, localSubject } from '../../local/issuer/issuer';
import { wsText } from '../../cli-kit/ws-text';
import { PresenceRoster } from '../../client/presence-roster';
import type { PresenceEvent, RoomMember } from '../../protocol';
import { requireIntegrationTest } from '../support/test-tier';

const ROOT = path.join(__dirname, '..', '..');
const RULES = [
  { pattern: 'team.{group}.*', claims: { group: 'cognito:groups' } },
  { pattern: 'quiet.*', presence: false },
  { pattern: 'lobby.*' },
];

type Frame = Record<string, unknown>;

/** The local issuer's subs (UUIDs, as Cognito's), and each user's display name: its user name, from `cognito:username`. */
const ALICE = localSubject('alice');
const BOB = localSubject('bob');
/** A `members` list as the server pages it: by user id. */
const byUserId = (members: Array<{ userId: string }>) => [...members].sort((a, b) => (a.userId < b.userId ? -1 : 1));
const aliceWith = (connections: number) => ({ userId: ALICE, name: 'alice', connections, version: expect.any(Number) });
const bobWith = (connections: number) => ({ userId: BOB, name: 'bob', connections, version: expect.any(Number) });

/** A ws client that keeps every frame it receives, in order. */
interface Client {
  readonly ws: WebSocket;
  readonly frames: Frame[];
  /** Sends a frame and resolves with the reply carrying its `id`. */
  request(frame: Frame): Promise<Frame>;
  /** The next received frame that passes `accept` (already received ones first), removed from `frames`. */
  next(accept: (frame: Frame) => boolean): Promise<Frame>;
}

let ids = 0;

function open(url: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const frames: Frame[] = [];
    const waiters: Array<{ accept: (f: Frame) => boolean; resolve: (f: Frame) => void }> = [];
    ws.on('message', (data) => {
      const frame = JSON.parse(wsText(data)) as Frame;
      const i = waiters.findIndex((w) => w.accept(frame));
      if (i >= 0) waiters.splice(i, 1)[0].resolve(frame);
      else frames.push(frame);
    });
    ws.once('error', reject);
    const next = (accept: (f: Frame) => boolean) =>
      new Promise<Frame>((r) => {
        const i = frames.findIndex(accept);
        if (i >= 0) r(frames.splice(i, 1)[0]);
        else waiters.push({ accept, resolve: r });
      });
    ws.once('open', () =>
      resolve({
        ws,
        frames,
        next,
        request: (frame) => {
          const id = `r${++ids}`;
          ws.send(JSON.stringify({ ...frame, id }));
          return next((f) => f.id === id);
        },
      }),
    );
  });
}

const closed = (client: Client) =>
  new Promise((r) => (client.ws.readyState === WebSocket.CLOSED ? r(undefined) : client.ws.once('close', r)));
const isPresence = (f: Frame) => f.event === 'presence';

describe('user rooms, room rules, presence and members in the emulator', () => {
  let emu: Emulator;
  let keyDir: string;
  let issuer: LocalIssuer;
  const clients: Client[] = [];

  beforeAll(async () => {
    requireIntegrationTest('the presence integration test');
    const assembly = await cachedAssembly({ cwd: ROOT, context: { roomRules: JSON.stringify(RULES) } });
    keyDir = await mkdtemp(path.join(tmpdir(), 'switchboard-presence-'));
    emu = await startEmulator({
      assemblyDir: assembly.dir,
      port: 0,
      dynamodbPort: 0,
      localIssuerDir: keyDir,
      log: () => undefined,
      functionLog: () => undefined,
    });
    // The emulator's issuer key, opened again to mint tokens that carry groups.
    issuer = await LocalIssuer.open(keyDir);
  }, 600_000);

  afterEach(async () => {
    const open = clients.splice(0);
    open.forEach((c) => c.ws.close());
    await Promise.all(open.map(closed));
    await emu.settled();
  });
  afterAll(async () => {
    await emu?.stop();
    if (keyDir) await rm(keyDir, { recursive: true, force: true });
  });

  async function connect(user: string, groups?: string[]): Promise<Client> {
    const state = { issuer: emu.localIssuer!.issuer, audience: emu.localIssuer!.audience };
    const token = await issuer.mint(state, { user, groups });
    const client = await open(`${emu.url}?token=${encodeURIComponent(token)}`);
    clients.push(client);
    return client;
  }

  it("lets each user into its own user room only: another's is FORBIDDEN", async () => {
    const alice = await connect('alice');
    const bob = await connect('bob');
    expect(await alice.request({ action: 'join', room: `user.${ALICE}` })).toMatchObject({ event: 'joined', room: `user.${ALICE}` });
    expect(await bob.request({ action: 'join', room: `user.${ALICE}` })).toMatchObject({
      event: 'error',
      error: { code: 'FORBIDDEN', message: expect.stringContaining(`"user.${BOB}"`) },
    });
  });

  it('judges rooms by the rules, from the token claims the authorizer passed on', async () => {
    const carol = await connect('carol', ['red', 'ops']);
    const bob = await connect('bob');
    expect(await carol.request({ action: 'join', room: 'team.red.chat' })).toMatchObject({ event: 'joined' });
    expect(await carol.request({ action: 'join', room: 'team.blue.chat' })).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect(await bob.request({ action: 'join', room: 'team.red.chat' })).toMatchObject({
      error: { code: 'FORBIDDEN', message: expect.stringContaining('"cognito:groups"') },
    });
    expect(await bob.request({ action: 'join', room: 'nowhere' })).toMatchObject({
      error: { code: 'FORBIDDEN', message: expect.stringContaining('matches none') },
    });
  });

  it("sends presence on a user's first join and last leave or disconnect, and members counts connections", async () => {
    const alice1 = await connect('alice');
    const bob = await connect('bob');
    await alice1.request({ action: 'join', room: 'lobby.main' });
    await bob.request({ action: 'join', room: 'lobby.main' });
    const bobJoined = await alice1.next(isPresence);
    expect(bobJoined).toEqual({
      event: 'presence',
      room: 'lobby.main',
      userId: BOB,
      name: 'bob',
      change: 'joined',
      connections: 1,
      version: expect.any(Number),
    });

    // Alice's second connection: counted, but no event (she was already present).
    const alice2 = await connect('alice');
    await alice2.request({ action: 'join', room: 'lobby.main' });
    const members = await bob.request({ action: 'members', room: 'lobby.main' });
    expect(members).toMatchObject({ event: 'members', room: 'lobby.main' });
    expect(members.members).toEqual(byUserId([aliceWith(2), bobWith(1)]));
    const aliceVersion = (members.members as Array<{ userId: string; version: number }>).find((m) => m.userId === ALICE)!.version;
    expect((members.members as Array<{ userId: string; version: number }>).find((m) => m.userId === BOB)!.version).toBe(bobJoined.version);
    expect(members).not.toHaveProperty('next');
    expect(bob.frames.filter(isPresence)).toEqual([]);

    // One of her connections leaves: still present, no event.
    expect(await alice2.request({ action: 'leave', room: 'lobby.main' })).toMatchObject({ event: 'left' });
    expect((await bob.request({ action: 'members', room: 'lobby.main' })).members).toEqual(byUserId([aliceWith(1), bobWith(1)]));
    expect(bob.frames.filter(isPresence)).toEqual([]);

    // Her last one disconnects: $disconnect tells bob.
    alice1.ws.close();
    // Her versions: her two arrivals, one departure, then this one; each change grew it by one.
    expect(await bob.next(isPresence)).toEqual({
      event: 'presence',
      room: 'lobby.main',
      userId: ALICE,
      name: 'alice',
      change: 'left',
      connections: 0,
      version: aliceVersion + 2,
    });
    expect((await bob.request({ action: 'members', room: 'lobby.main' })).members).toEqual([bobWith(1)]);
  });

  it("keeps an observer right while a user's device reconnects, its old connection closing as its new one joins: events applied by version agree with members", async () => {
    const bob = await connect('bob');
    await bob.request({ action: 'join', room: 'lobby.churn' });
    const roster = new PresenceRoster();
    const since = roster.mark();
    roster.applyList((await bob.request({ action: 'members', room: 'lobby.churn' })).members as RoomMember[], since);
    let device = await connect('alice');
    await device.request({ action: 'join', room: 'lobby.churn' });
    for (let round = 0; round < 10; round++) {
      const old = device;
      device = await connect('alice');
      // The new connection joins while the old one's $disconnect runs.
      old.ws.close();
      await Promise.all([device.request({ action: 'join', room: 'lobby.churn' }), closed(old)]);
    }
    await emu.settled();
    for (const frame of bob.frames.filter(isPresence)) roster.applyEvent(frame as unknown as PresenceEvent);
    const members = (await bob.request({ action: 'members', room: 'lobby.churn' })).members as RoomMember[];
    expect(members).toEqual(byUserId([aliceWith(1), bobWith(1)]));
    const versionOf = (list: RoomMember[]) => list.find((m) => m.userId === ALICE)?.version;
    // What bob knows from the events is alice present, at a version no newer than the page's.
    expect(roster.members.map((m) => m.userId)).toEqual(expect.arrayContaining([ALICE]));
    expect(versionOf(roster.members)).toBeLessThanOrEqual(versionOf(members)!);
  });

  it('sends no presence where a rule turns it off, while members still answers', async () => {
    const alice = await connect('alice');
    const bob = await connect('bob');
    await alice.request({ action: 'join', room: 'quiet.library' });
    await bob.request({ action: 'join', room: 'quiet.library' });
    expect(await bob.request({ action: 'leave', room: 'quiet.library' })).toMatchObject({ event: 'left' });
    await bob.request({ action: 'join', room: 'quiet.library' });
    expect((await alice.request({ action: 'members', room: 'quiet.library' })).members).toEqual(byUserId([aliceWith(1), bobWith(1)]));
    expect(alice.frames.filter(isPresence)).toEqual([]);
  });

  it('answers members only to members of the room, and a forged cursor BAD_REQUEST', async () => {
    const alice = await connect('alice');
    const bob = await connect('bob');
    await alice.request({ action: 'join', room: 'lobby.private' });
    expect(await bob.request({ action: 'members', room: 'lobby.private' })).toMatchObject({
      event: 'error',
      error: { code: 'NOT_IN_ROOM' },
    });
    const forged = Buffer.from(JSON.stringify({ r: 'lobby.other', u: BOB })).toString('base64url');
    expect(await alice.request({ action: 'members', room: 'lobby.private', cursor: forged })).toMatchObject({
      event: 'error',
      error: { code: 'BAD_REQUEST', message: expect.stringContaining('"cursor"') },
    });
    // The connection is still good after both.
    expect(await alice.request({ action: 'ping' })).toMatchObject({ event: 'pong' });
  });
});

describe('guests (authProvider none) in the emulator', () => {
  let emu: Emulator;
  const clients: Client[] = [];

  beforeAll(async () => {
    requireIntegrationTest('the presence integration test');
    const assembly = await cachedAssembly({ cwd: ROOT, context: { authProvider: 'none' } });
    emu = await startEmulator({ assemblyDir: assembly.dir, port: 0, dynamodbPort: 0, log: () => undefined, functionLog: () => undefined });
  }, 600_000);

  afterAll(async () => {
    clients.forEach((c) => c.ws.close());
    await Promise.all(clients.map(closed));
    await emu?.stop();
  });

  it('have no user room, and are each present under their own connection id', async () => {
    const opened: string[] = [];
    emu.gateway.on('open', (id: string) => opened.push(id));
    const first = await open(emu.url);
    const second = await open(emu.url);
    clients.push(first, second);
    expect(await first.request({ action: 'join', room: 'user.anyone' })).toMatchObject({
      error: { code: 'FORBIDDEN', message: expect.stringContaining('guests') },
    });
    await first.request({ action: 'join', room: 'open-room' });
    await second.request({ action: 'join', room: 'open-room' });
    expect(await first.next(isPresence)).toMatchObject({
      event: 'presence',
      room: 'open-room',
      userId: opened[1],
      change: 'joined',
      connections: 1,
    });
    const members = await second.request({ action: 'members', room: 'open-room' });
    expect(new Set((members.members as Array<{ userId: string }>).map((m) => m.userId))).toEqual(new Set(opened));
    second.ws.close();
    expect(await first.next(isPresence)).toMatchObject({
      event: 'presence',
      room: 'open-room',
      userId: opened[1],
      change: 'left',
      connections: 0,
    });
  });
});
