/**
 * This app (lib/, lambda/) in the emulator, from the assembly jest's globalSetup synthesized
 * with `cdk synth`: the echo flow, rooms across several clients, every bad input, 410 pruning
 * and table cleanup, checked with real ws clients and the real DynamoDB client.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { startEmulator, type Emulator } from '../../local/emulator';
import { localSubject } from '../../local/issuer/issuer';
import { keys } from '../../contract/table-design';
import { LIMITS } from '../../protocol';
import { appAssembly } from '../support/app-assembly';
import { connect, waitFor, type TestClient } from './helpers';
import { LOCAL_CREDENTIALS } from '../../protocol/local-endpoints';

jest.setTimeout(30_000);

let emu: Emulator;
let db: DynamoDBDocumentClient;
let table: string;

beforeAll(async () => {
  emu = await startEmulator({ assemblyDir: appAssembly(), port: 0, log: () => undefined, functionLog: () => undefined });
  db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ credentials: LOCAL_CREDENTIALS, endpoint: emu.dynamodbEndpoint, region: emu.app.region }),
  );
  expect(emu.app.tables).toHaveLength(1);
  table = emu.app.tables[0].tableName;
});

afterAll(async () => {
  db?.destroy();
  await emu?.settled();
  await emu?.stop();
});

/** Connects as `user` (through the local issuer when the app has an authorizer). */
async function open(user: string): Promise<{ client: TestClient; id: string }> {
  const opened = waitFor<string>(emu.gateway, 'open');
  const token = emu.localIssuer ? await emu.localIssuer.mint(user) : undefined;
  const client = await connect(token ? `${emu.url}?token=${encodeURIComponent(token)}` : emu.url);
  return { client, id: await opened };
}

const disconnectOf = (id: string) =>
  waitFor<{ connectionId: string; code: number }>(emu.gateway, 'disconnect', (d) => d.connectionId === id);
const send = (client: TestClient, frame: unknown) => client.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));

test('echo: a message is acknowledged with "Received: <data>"', async () => {
  const { client } = await open('alice');
  send(client, { action: 'message', data: 'Hello' });
  expect(await client.nextJson()).toEqual({ event: 'message', data: 'Received: Hello' });
  send(client, { action: 'ping', id: 'p1' });
  expect(await client.nextJson()).toMatchObject({ event: 'pong', id: 'p1' });
  client.ws.close();
});

test('rooms: a room message reaches every other member, not non-members', async () => {
  const alice = await open('alice');
  const bob = await open('bob');
  const carol = await open('carol');
  const outsider = await open('dave');
  for (const member of [alice, bob, carol]) {
    send(member.client, { action: 'join', room: 'lobby' });
    expect(await member.client.nextJson()).toMatchObject({ event: 'joined', room: 'lobby' });
  }
  // Each user's first join is a presence event to the members already there.
  const joinedEvent = (user: string) => ({
    event: 'presence',
    room: 'lobby',
    userId: localSubject(user),
    name: user,
    change: 'joined',
    connections: 1,
    version: expect.any(Number),
  });
  expect(await alice.client.nextJson()).toEqual(joinedEvent('bob'));
  expect(await alice.client.nextJson()).toEqual(joinedEvent('carol'));
  expect(await bob.client.nextJson()).toEqual(joinedEvent('carol'));
  send(alice.client, { action: 'message', room: 'lobby', data: 'hi all' });
  expect(await alice.client.nextJson()).toMatchObject({ event: 'message', data: 'Received: hi all', delivered: 2 });
  for (const member of [bob, carol]) {
    expect(await member.client.nextJson()).toMatchObject({ event: 'message', room: 'lobby', data: 'hi all', ts: expect.any(Number) });
  }
  send(outsider.client, { action: 'ping' });
  expect(await outsider.client.nextJson()).toMatchObject({ event: 'pong' }); // nothing from the room came first
  send(bob.client, { action: 'leave', room: 'lobby' });
  expect(await bob.client.nextJson()).toMatchObject({ event: 'left', room: 'lobby' });
  for (const c of [alice, bob, carol, outsider]) c.client.ws.close();
});

test('every bad input gets its error frame', async () => {
  const { client } = await open('erin');
  const cases: Array<[string, string]> = [
    ['not json', 'BAD_REQUEST'],
    ['', 'BAD_REQUEST'],
    ['[1,2]', 'BAD_REQUEST'],
    ['{"data":"no action"}', 'BAD_REQUEST'],
    ['{"action":5}', 'BAD_REQUEST'],
    ['{"action":"dance"}', 'UNKNOWN_ACTION'],
    ['{"action":"message"}', 'BAD_REQUEST'],
    ['{"action":"message","data":7}', 'BAD_REQUEST'],
    ['{"action":"message","data":"x","room":"bad room!"}', 'BAD_REQUEST'],
    ['{"action":"join"}', 'BAD_REQUEST'],
    ['{"action":"join","room":""}', 'BAD_REQUEST'],
    [JSON.stringify({ action: 'ping', id: 'x'.repeat(LIMITS.maxIdLength + 1) }), 'BAD_REQUEST'],
    ['{"action":"leave","room":"never-joined"}', 'NOT_IN_ROOM'],
    ['{"action":"message","data":"x","room":"never-joined"}', 'NOT_IN_ROOM'],
  ];
  for (const [frame, code] of cases) {
    send(client, frame);
    const reply = await client.nextJson<{ event: string; error: { code: string; message: string } }>();
    expect({ frame, event: reply.event, code: reply.error?.code }).toEqual({ frame, event: 'error', code });
    expect(reply.error.message.length).toBeGreaterThan(0);
  }
  // Data over the 32 KB data limit can only arrive in fragments (each frame stays under 32 KB).
  const data = 'd'.repeat(LIMITS.maxDataBytes + 10);
  const frame = JSON.stringify({ action: 'message', data });
  for (let i = 0; i < frame.length; i += 16 * 1024) client.ws.send(frame.slice(i, i + 16 * 1024), { fin: i + 16 * 1024 >= frame.length });
  expect(await client.nextJson()).toMatchObject({ event: 'error', error: { code: 'BAD_REQUEST' } });
  client.ws.close();
});

test('a 410 from @connections prunes the stale member from the table', async () => {
  // GIVEN a member whose $disconnect never ran: its rows exist, its connection does not.
  const ghost = 'Z2hvc3RnaG9zdGc=';
  await db.send(
    new PutCommand({
      TableName: table,
      Item: { ...keys.connection(ghost), connectionId: ghost, connectedAt: Date.now(), rooms: new Set(['haunted']) },
    }),
  );
  await db.send(new PutCommand({ TableName: table, Item: { ...keys.member('haunted', ghost), connectionId: ghost } }));
  const alice = await open('alice');
  send(alice.client, { action: 'join', room: 'haunted' });
  expect(await alice.client.nextJson()).toMatchObject({ event: 'joined' });

  // WHEN alice writes to the room
  send(alice.client, { action: 'message', room: 'haunted', data: 'boo' });
  const ack = await alice.client.nextJson<{ delivered: number }>();
  expect(ack).toMatchObject({ event: 'message', delivered: 0 });

  // THEN the ghost's rows are gone
  expect((await db.send(new GetCommand({ TableName: table, Key: keys.member('haunted', ghost) }))).Item).toBeUndefined();
  expect((await db.send(new GetCommand({ TableName: table, Key: keys.connection(ghost) }))).Item).toBeUndefined();
  alice.client.ws.close();
});

test('an abrupt disconnect runs $disconnect, which cleans the connection and its memberships', async () => {
  const { client, id } = await open('frank');
  send(client, { action: 'join', room: 'cleanup' });
  expect(await client.nextJson()).toMatchObject({ event: 'joined' });
  expect((await db.send(new GetCommand({ TableName: table, Key: keys.connection(id) }))).Item).toMatchObject({ connectionId: id });

  const gone = disconnectOf(id);
  client.ws.terminate();
  expect((await gone).code).toBe(1006);
  expect((await db.send(new GetCommand({ TableName: table, Key: keys.connection(id) }))).Item).toBeUndefined();
  const members = await db.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.roomPartition('cleanup') },
    }),
  );
  expect(members.Items).toEqual([]);
});
