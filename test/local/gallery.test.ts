/**
 * Apps written the way public CDK WebSocket samples are, run unchanged with real ws clients:
 * L1 resources, ES module handlers that bundle nothing, callback URLs in every common form,
 * calls to AWS services the emulator does not serve, and a handler that names a profile
 * while the developer's real keys sit in the environment and in ~/.aws.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../../local/emulator';
import { connect, waitFor } from './helpers';
import {
  CALLBACK_FORMS_MJS,
  CONNECT_MJS,
  DISCONNECT_MJS,
  PROFILE_MJS,
  SEND_MESSAGE_MJS,
  UNEMULATED_MJS,
  V2_STYLE_JS,
  writeGalleryApp,
} from './fixtures/gallery';

const BIN = path.resolve(__dirname, '../../local/bin/switchboard-local.js');
const quiet = { log: () => undefined, functionLog: () => undefined };

/**
 * Closes a client and waits until the emulator has run its $disconnect: the samples' sendmessage
 * Scans every stored connection and fails the whole broadcast on one 410, as on AWS, so a
 * connection a test closed must be gone from the table before the next test broadcasts.
 */
async function closeAndSettle(emu: Emulator, client: Awaited<ReturnType<typeof connect>>): Promise<void> {
  client.ws.close();
  await client.closed;
  for (let i = 0; i < 200 && emu.gateway.connections.size > 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  await emu.gateway.settled();
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-gallery-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('an L1 app with ES module handlers (aws-cdk-examples style)', () => {
  let emu: Emulator;
  beforeAll(async () => {
    const dir = writeGalleryApp(path.join(tmp, 'l1'), [
      { routeKey: '$connect', files: { 'index.mjs': CONNECT_MJS } },
      { routeKey: '$disconnect', files: { 'index.mjs': DISCONNECT_MJS } },
      { routeKey: 'sendmessage', files: { 'index.mjs': SEND_MESSAGE_MJS } },
      { routeKey: 'callbacks', files: { 'index.mjs': CALLBACK_FORMS_MJS } },
      { routeKey: 'legacy', files: { 'index.js': V2_STYLE_JS } },
      { routeKey: 'unemulated', files: { 'index.mjs': UNEMULATED_MJS }, routeResponse: true },
    ]);
    emu = await startEmulator({ assemblyDir: dir, port: 0, ...quiet });
  });
  afterAll(() => emu.stop());

  test('events carry the API domain, as in AWS', async () => {
    const invocation = waitFor<{ event: { requestContext: { domainName: string } } }>(emu.gateway, 'invocation');
    const client = await connect(emu.url);
    expect((await invocation).event.requestContext.domainName).toBe(`${emu.app.apiId}.execute-api.us-east-1.amazonaws.com`);
    await closeAndSettle(emu, client);
  });

  test('connect stores the id in the literal-named table; sendmessage posts to every client through https://${domainName}/${stage}', async () => {
    const alice = await connect(emu.url);
    const bob = await connect(emu.url);
    alice.ws.send(JSON.stringify({ action: 'sendmessage', data: 'hello all' }));
    expect(await alice.next()).toBe('hello all');
    expect(await bob.next()).toBe('hello all');
    // The $connect client had no endpoint configured at all: its PutItems reached the local table.
    expect(emu.dynamodbRequests().PutItem).toBeGreaterThanOrEqual(2);
    alice.ws.close();
    bob.ws.close();
  });

  test('the callback URL from the template (Fn::Join as WebSocketStage.callbackUrl, Fn::Sub) reaches the sender', async () => {
    const client = await connect(emu.url);
    client.ws.send(JSON.stringify({ action: 'callbacks' }));
    expect([await client.next(), await client.next()]).toEqual(['join', 'sub']);
    client.ws.close();
  });

  test("SDK v2's scheme-less endpoint (domainName + '/' + stage, https added) reaches the sender", async () => {
    const client = await connect(emu.url);
    client.ws.send(JSON.stringify({ action: 'legacy' }));
    expect(await client.next()).toBe('v2');
    client.ws.close();
  });

  test('a call to an AWS service the emulator does not serve fails at once, naming the service and the host', async () => {
    const client = await connect(emu.url);
    client.ws.send(JSON.stringify({ action: 'unemulated' }));
    const report = await client.nextJson<Record<string, { ok: boolean; message: string; attempts?: number }>>();
    const expected: Record<string, string> = {
      sns: 'does not emulate sns (sns.us-east-1.amazonaws.com)',
      metadata: 'does not emulate EC2 instance metadata (169.254.169.254)',
      dynamodbElsewhere: 'does not emulate dynamodb (dynamodb.eu-west-1.amazonaws.com)',
      fetchSts: 'fetch failed',
    };
    for (const [call, text] of Object.entries(expected)) {
      expect(report[call]).toMatchObject({ ok: false, message: expect.stringContaining(text) as string });
    }
    // Refused at once: the SDK does not retry the error (and a refusal that hung would time the test out).
    expect(report.dynamodbElsewhere.attempts).toBe(1);
    client.ws.close();
  });
});

describe('a handler naming a profile, with real-looking keys in the environment and in ~/.aws', () => {
  const REAL = {
    AWS_ACCESS_KEY_ID: 'AKIAENVREALLOOKING01',
    AWS_SECRET_ACCESS_KEY: 'envRealLookingSecretKey0000000000000000000',
    AWS_SESSION_TOKEN: 'envRealLookingSessionToken',
    AWS_PROFILE: 'work',
    AWS_ROLE_ARN: 'arn:aws:iam::111122223333:role/real',
    AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/real-token',
    AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.2/v2/credentials/real',
  };
  const FILE_KEY = 'AKIAFILEREALLOOKING1';
  const FILE_SECRET = 'fileRealLookingSecretKey00000000000000000';
  let child: ChildProcessWithoutNullStreams;
  let home: string;

  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
  });

  test('resolves the local fake keys, stores in the local table, and never sees the real ones', async () => {
    home = path.join(tmp, 'home');
    mkdirSync(path.join(home, '.aws'), { recursive: true });
    writeFileSync(
      path.join(home, '.aws', 'credentials'),
      `[default]\naws_access_key_id = ${FILE_KEY}\naws_secret_access_key = ${FILE_SECRET}\n[work]\naws_access_key_id = ${FILE_KEY}\naws_secret_access_key = ${FILE_SECRET}\n`,
    );
    writeFileSync(path.join(home, '.aws', 'config'), '[profile work]\nregion = eu-west-1\n');
    const dir = writeGalleryApp(path.join(tmp, 'profile'), [
      { routeKey: '$connect', files: { 'index.mjs': CONNECT_MJS } },
      { routeKey: 'whoami', files: { 'index.mjs': PROFILE_MJS }, routeResponse: true },
    ]);
    // Through the CLI, as `npm start` runs: it restarts itself without the credential variables.
    child = spawn(process.execPath, [BIN, '--assembly', dir, '--port', '0', '--quiet'], { env: { ...process.env, ...REAL, HOME: home } });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', () => {
        const match = /WebSocket\s+(ws:\/\/\S+)/.exec(stdout);
        if (match) resolve(match[1]);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code} before printing the URL: ${stdout}`)));
    });

    const client = await connect(url);
    client.ws.send(JSON.stringify({ action: 'whoami' }));
    const report = await client.nextJson<{
      accessKeyId: string;
      secretAccessKey: string;
      sessionToken?: string;
      stored: boolean;
      environ: string | null;
      env: Record<string, string>;
    }>();
    client.ws.close();

    expect(report).toMatchObject({ accessKeyId: 'local', secretAccessKey: 'local', stored: true });
    expect(report.sessionToken).toBeUndefined();
    expect(report.env.HOME).not.toBe(home);
    // Its own credentials (Lambda's reserved variables) are set, as on Lambda; never the developer's.
    expect(report.env.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
    expect(report.env.AWS_SESSION_TOKEN).toBeDefined();
    for (const name of Object.keys(REAL).filter((n) => !/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)$/.test(n))) {
      expect(report.env).not.toHaveProperty(name);
    }
    const secrets = [...Object.values(REAL).filter((v) => v !== 'work'), FILE_KEY, FILE_SECRET];
    const visible = JSON.stringify(report.env);
    for (const secret of secrets) expect(visible).not.toContain(secret);
    if (process.platform === 'linux') {
      expect(report.environ).not.toBeNull();
      for (const secret of secrets) expect(report.environ).not.toContain(secret);
    }
  });
});
