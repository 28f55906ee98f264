/**
 * The emulator applies DynamoDB TTL to this app's table: rows of a connection that vanished
 * without a $disconnect are deleted once their `expiresAt` passes, at the next minute's sweep,
 * in simulated time; a live client's rows and its room are untouched.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { banner } from '../../local/cli/cli';
import { startEmulator, type Emulator } from '../../local/emulator';
import { TTL_SWEEP_INTERVAL_MS } from '../../local/services/dynamodb/ttl-sweeper';
import { keys } from '../../contract/table-design';
import { appAssembly } from '../support/app-assembly';
import { ManualClock } from '../support/manual-clock';
import { memberIds, request, waitUntil } from '../scale/support';
import { connect, type TestClient } from './helpers';
import { LOCAL_CREDENTIALS } from '../../protocol/local-endpoints';

let emu: Emulator;
let db: DynamoDBDocumentClient;
let client: TestClient | undefined;
const clock = new ManualClock(Date.now());
const log: string[] = [];

beforeAll(async () => {
  emu = await startEmulator({ assemblyDir: appAssembly(), port: 0, clock, log: (line) => log.push(line), functionLog: () => undefined });
  db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ credentials: LOCAL_CREDENTIALS, endpoint: emu.dynamodbEndpoint, region: emu.app.region }),
  );
});

afterAll(async () => {
  client?.ws.terminate();
  db?.destroy();
  await emu?.stop();
});

test("reads the table's TTL attribute from the template, and the banner says it is applied", () => {
  expect(emu.app.tables.map((t) => t.ttlAttribute)).toEqual(['expiresAt']);
  expect(banner(emu, {})).toContain(`${emu.app.tables[0].tableName} (TTL on expiresAt: expired items deleted every minute)`);
});

test('rows past expiresAt are deleted at the next sweep; live rows stay', async () => {
  const table = emu.app.tables[0].tableName;
  const token = await emu.localIssuer!.mint('alice');
  client = await connect(`${emu.url}?token=${token}`);
  expect(await request(client, { action: 'join', room: 'lobby' })).toMatchObject({ event: 'joined' });

  // A connection that vanished without $disconnect: its rows expire a minute from now (simulated).
  const vanished = 'VANISHED000000A=';
  const expiresAt = Math.floor(clock.now() / 1000) + 60;
  await db.send(
    new PutCommand({
      TableName: table,
      Item: { ...keys.connection(vanished), connectionId: vanished, rooms: new Set(['lobby']), expiresAt },
    }),
  );
  await db.send(new PutCommand({ TableName: table, Item: { ...keys.member('lobby', vanished), connectionId: vanished, expiresAt } }));
  expect(await memberIds(db, table, 'lobby')).toHaveLength(2);

  // A minute on, the sweep finds nothing expired yet (expiresAt is this very second); the one a
  // minute later deletes both rows. Each sweep schedules the next when it is done.
  const sweepScheduled = () => clock.pendingDelays().includes(TTL_SWEEP_INTERVAL_MS);
  clock.advance(TTL_SWEEP_INTERVAL_MS);
  await waitUntil(sweepScheduled);
  expect(await memberIds(db, table, 'lobby')).toHaveLength(2);
  clock.advance(TTL_SWEEP_INTERVAL_MS);
  await waitUntil(() => log.some((line) => line.startsWith(`TTL: expired 2 item(s) from ${table}`)));
  expect(await memberIds(db, table, 'lobby')).toHaveLength(1);
  expect((await db.send(new GetCommand({ TableName: table, Key: keys.connection(vanished) }))).Item).toBeUndefined();

  // The live client is still in its room and served.
  expect(await request(client, { action: 'message', room: 'lobby', data: 'still here' })).toMatchObject({ event: 'message', delivered: 0 });
});
