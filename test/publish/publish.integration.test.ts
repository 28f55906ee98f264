/**
 * Publish from a backend, end to end on the emulator: this app's real Publish function (from the
 * assembly jest's globalSetup synthesized), real ws members in rooms, the real
 * @aws-sdk/client-lambda pointed at the emulator's Lambda API, and the CLI spawned as a user runs it.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { LOCAL_CREDENTIALS } from '../../protocol/local-endpoints';
import { startEmulator, type Emulator } from '../../local/emulator';
import { SERVER_SENDER, userRoom } from '../../protocol';
import { publish, PublishError } from '../../publish/publish';
import { appAssembly } from '../support/app-assembly';
import { connect, type TestClient } from '../local/helpers';

jest.setTimeout(60_000);

const ROOT = path.join(__dirname, '..', '..');

let emu: Emulator;
let lambda: LambdaClient;
let functionName: string;
const clients: TestClient[] = [];

beforeAll(async () => {
  emu = await startEmulator({ assemblyDir: appAssembly(), port: 0, log: () => undefined, functionLog: () => undefined });
  if (!emu.publishFunctionName) {
    throw new Error("the app's assembly has no publish function (no PublishFunctionName output, no PublishHandler function)");
  }
  functionName = emu.publishFunctionName;
  lambda = new LambdaClient({ endpoint: emu.lambdaEndpoint, region: emu.app.region, credentials: LOCAL_CREDENTIALS });
});

afterAll(async () => {
  for (const client of clients) client.ws.close();
  lambda?.destroy();
  await emu?.settled();
  await emu?.stop();
});

interface Member {
  readonly client: TestClient;
  /** The user id the authorizer gave the connection: the token's `sub`. */
  readonly userId: string;
}

/** The `sub` of a JWT, read without verifying it (the emulator's authorizer did). */
function subOf(token: string): string {
  return (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { sub: string }).sub;
}

/** A member connection of `user` (through the local issuer), in each of `rooms` (a function of its user id). */
async function member(user: string, ...rooms: Array<string | ((userId: string) => string)>): Promise<Member> {
  if (!emu.localIssuer) throw new Error("the app's assembly has no Cognito user pool, so the emulator has no local issuer");
  const token = await emu.localIssuer.mint(user);
  const userId = subOf(token);
  const client = await connect(`${emu.url}?token=${encodeURIComponent(token)}`);
  clients.push(client);
  for (const roomOf of rooms) {
    const room = typeof roomOf === 'string' ? roomOf : roomOf(userId);
    client.ws.send(JSON.stringify({ action: 'join', room }));
    expect(await nextFrame(client)).toMatchObject({ event: 'joined', room });
  }
  return { client, userId };
}

/** The next frame that is not a presence event (members also hear each other join). */
async function nextFrame(client: TestClient): Promise<Record<string, unknown>> {
  for (;;) {
    const frame = await client.nextJson();
    if (frame.event !== 'presence') return frame;
  }
}

/** Runs `npm run -s publish -- ...args` in the repository, as a user would. */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // Without the variable the emulator's import sets in this process: the command must keep stderr clean itself.
    const { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: _set, ...env } = process.env;
    const child = spawn('npm', ['run', '-s', 'publish', '--', ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('a backend publish reaches every member of a room, with from = server and a seq', async () => {
  const members = [await member('alice', 'orders'), await member('bob', 'orders'), await member('carol', 'orders')];
  const outsider = await member('dave', 'elsewhere');

  const result = await publish({ room: 'orders', data: 'order 42 shipped' }, { client: lambda, functionName });

  expect(result).toEqual({ room: 'orders', seq: expect.any(Number), delivered: 3, failed: 0 });
  for (const { client } of members) {
    expect(await nextFrame(client)).toEqual({
      event: 'message',
      room: 'orders',
      from: SERVER_SENDER,
      publisher: true,
      data: 'order 42 shipped',
      ts: expect.any(Number),
      seq: result.seq,
    });
  }
  // Nothing reached the member of another room: its next frame is the answer to its own ping.
  outsider.client.ws.send(JSON.stringify({ action: 'ping' }));
  expect(await nextFrame(outsider.client)).toMatchObject({ event: 'pong' });

  // The next publish to the room takes the next seq, and carries the publisher's name when given.
  const next = await publish({ room: 'orders', data: 'order 43 shipped', from: 'billing' }, { client: lambda, functionName });
  expect(next.seq).toBe(result.seq + 1);
  for (const { client } of members) expect(await nextFrame(client)).toMatchObject({ from: 'billing', publisher: true, seq: next.seq });
});

test("npm run publish -- --emulator URL publishes to a room and prints the function's answer", async () => {
  const members = [await member('erin', 'cli-room'), await member('frank', 'cli-room')];

  const run = await runCli(['--emulator', emu.httpUrl, '--room', 'cli-room', '--data', 'from the command line', '--from', 'ops']);

  expect(run).toMatchObject({ code: 0, stderr: '' });
  const [, seq] = /^Published to cli-room as seq (\d+): delivered 2, failed 0\.\n$/.exec(run.stdout) ?? [];
  expect(seq).toBeDefined();
  for (const { client } of members) {
    expect(await nextFrame(client)).toMatchObject({
      event: 'message',
      room: 'cli-room',
      from: 'ops',
      data: 'from the command line',
      seq: Number(seq),
    });
  }
});

test("a publish to user.<sub> reaches all of that user's connections, and no one else's", async () => {
  const devices = [await member('grace', userRoom), await member('grace', userRoom)];
  const room = userRoom(devices[0].userId);
  const other = await member('heidi', userRoom);

  const result = await publish({ room, data: 'your export is ready' }, { client: lambda, functionName });

  expect(result).toMatchObject({ room, delivered: 2, failed: 0 });
  for (const { client } of devices) {
    expect(await nextFrame(client)).toMatchObject({ event: 'message', room, from: SERVER_SENDER, data: 'your export is ready' });
  }
  other.client.ws.send(JSON.stringify({ action: 'ping' }));
  expect(await nextFrame(other.client)).toMatchObject({ event: 'pong' });
});

test('a payload the function refuses is a PublishError with its code, from publish() and from the CLI', async () => {
  const attempt = publish({ room: 'no spaces allowed', data: 'x' }, { client: lambda, functionName });
  await expect(attempt).rejects.toThrow(PublishError);
  await expect(attempt).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('"room"') });

  const run = await runCli(['--emulator', emu.httpUrl, '--room', 'no spaces allowed', '--data', 'x']);
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/^publish: BAD_REQUEST: The publish function refused the message: "room"/);
});
