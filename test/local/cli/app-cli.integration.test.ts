/**
 * This app (the synthesized assembly) in the real `switchboard-local`: a stop (SIGTERM) with
 * --data-dir closes every connection as API Gateway does, so each $disconnect removes its rows and
 * a restart finds no member that left; and a refused sign-in echoes only the start of what it got.
 * Real ws clients, the real DynamoDB and Cognito SDK clients.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CognitoIdentityProviderClient, InitiateAuthCommand, InvalidParameterException } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../contract/table-design';
import { localSubject } from '../../../local/issuer/issuer';
import { LOCAL_PASSWORD, LOCAL_PATHS, type PublishedConfig } from '../../../protocol';
import { LOCAL_CREDENTIALS } from '../../../protocol/local-endpoints';
import { EXCERPT_CHARACTERS } from '../../../protocol/values';
import { appAssembly } from '../../support/app-assembly';
import { memberIds, request } from '../../scale/support';
import { connect, type TestClient } from '../helpers';
import { startCli, type RunningCli } from './running-cli';

jest.setTimeout(90_000);

const ROOM = 'stop-room';
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-app-cli-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A client of `user`, with a token from the running emulator's token endpoint, as the chat page gets one. */
async function member(cli: RunningCli, user: string): Promise<TestClient> {
  const response = await fetch(`${cli.httpUrl}${LOCAL_PATHS.token}?user=${user}`);
  const { token } = (await response.json()) as { token: string };
  return connect(`${cli.url}?token=${encodeURIComponent(token)}`);
}

/** The emulator's table, through the DynamoDB endpoint its banner names. */
function tableOf(cli: RunningCli): { db: DynamoDBDocumentClient; table: string } {
  const table = /^ {2}Table\s+(\S+)/m.exec(cli.banner)![1];
  const region = /region (\S+)$/m.exec(cli.banner.split('\n')[0])![1];
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: cli.dynamodbEndpoint, region, credentials: LOCAL_CREDENTIALS }));
  return { db, table };
}

test('a stop (SIGTERM) with --data-dir runs every $disconnect: after a restart the room holds no member that left', async () => {
  const dataDir = path.join(tmp, 'data');
  const args = ['--assembly', appAssembly(), '--port', '0', '--data-dir', dataDir, '--quiet'];

  // GIVEN two members of a room, their rows kept on disk
  const first = await startCli(args);
  const before = tableOf(first);
  const alice = await member(first, 'alice');
  const bob = await member(first, 'bob');
  for (const client of [alice, bob]) expect(await request(client, { action: 'join', room: ROOM })).toMatchObject({ event: 'joined' });
  const ids = await memberIds(before.db, before.table, ROOM);
  expect(ids).toHaveLength(2);

  // WHEN the emulator is stopped as a service manager stops it
  expect(await first.stop('SIGTERM')).toBe(0);

  // THEN the clients were closed going away, and their $disconnect removed their rows before it exited
  expect((await alice.closed).code).toBe(1001);
  expect((await bob.closed).code).toBe(1001);
  before.db.destroy();

  // WHEN it starts again on the same data
  const second = await startCli(args);
  const after = tableOf(second);
  try {
    // THEN no row of either is left: not in the room, not as a connection
    expect(await memberIds(after.db, after.table, ROOM)).toEqual([]);
    for (const id of ids) {
      expect((await after.db.send(new GetCommand({ TableName: after.table, Key: keys.connection(id) }))).Item).toBeUndefined();
    }
    // AND a member joining now is the room's only one
    const carol = await member(second, 'carol');
    expect(await request(carol, { action: 'join', room: ROOM })).toMatchObject({ event: 'joined' });
    const members = await request(carol, { action: 'members', room: ROOM });
    expect(members).toMatchObject({ event: 'members', members: [{ userId: localSubject('carol') }] });
    carol.ws.close();
  } finally {
    after.db.destroy();
    expect(await second.stop('SIGTERM')).toBe(0);
  }
});

test("a sign-in refused for its user name echoes the name's start only, marked as cut", async () => {
  const cli = await startCli(['--assembly', appAssembly(), '--port', '0', '--quiet']);
  const config = (await (await fetch(`${cli.httpUrl}${LOCAL_PATHS.config}`)).json()) as PublishedConfig;
  const cognito = new CognitoIdentityProviderClient({
    endpoint: `${cli.httpUrl}${LOCAL_PATHS.cognito}`,
    region: config.cognito!.region,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    const name = `${'m'.repeat(15_999)}!`;
    const refused = cognito.send(
      new InitiateAuthCommand({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: config.cognito!.clientId,
        AuthParameters: { USERNAME: name, PASSWORD: LOCAL_PASSWORD },
      }),
    );
    await expect(refused).rejects.toBeInstanceOf(InvalidParameterException);
    const { message } = (await refused.catch((err: unknown) => err)) as Error;
    expect(message).toContain(`"${'m'.repeat(EXCERPT_CHARACTERS)}… (cut: 16000 characters)"`);
    expect(message.length).toBeLessThan(200);
  } finally {
    cognito.destroy();
    expect(await cli.stop()).toBe(0);
  }
});
