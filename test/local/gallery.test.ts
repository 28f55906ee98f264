/**
 * Apps written the way public CDK WebSocket samples are, run unchanged with real ws clients:
 * L1 resources, ES module handlers that bundle nothing, callback URLs in every common form,
 * calls to AWS services the emulator does not serve, and a handler that names a profile
 * while the developer's real keys sit in the environment and in ~/.aws. Each function has the
 * role and Lambda permission the samples give it, so the apps run with IAM on, as on AWS.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../../local/emulator';
import { SHARED_FILE_DENIAL } from '../../local/iam/enforcing-authority';
import { SHARED_FILE_CREDENTIALS } from '../../local/iam/principals';
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
  let child: ChildProcessWithoutNullStreams | undefined;
  let home: string;
  let dir: string;

  beforeAll(() => {
    home = path.join(tmp, 'home');
    mkdirSync(path.join(home, '.aws'), { recursive: true });
    writeFileSync(
      path.join(home, '.aws', 'credentials'),
      `[default]\naws_access_key_id = ${FILE_KEY}\naws_secret_access_key = ${FILE_SECRET}\n[work]\naws_access_key_id = ${FILE_KEY}\naws_secret_access_key = ${FILE_SECRET}\n`,
    );
    writeFileSync(path.join(home, '.aws', 'config'), '[profile work]\nregion = eu-west-1\n');
    dir = writeGalleryApp(path.join(tmp, 'profile'), [
      { routeKey: '$connect', files: { 'index.mjs': CONNECT_MJS } },
      { routeKey: 'whoami', files: { 'index.mjs': PROFILE_MJS }, routeResponse: true },
    ]);
  });

  afterEach(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
    child = undefined;
  });

  interface ProfileReport {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
    stored: boolean;
    error: { name: string; message: string } | null;
    environ: string | null;
    env: Record<string, string>;
  }

  /** Runs the app through the CLI, as `npm start` runs it (it restarts itself without the credential variables), and asks the handler. */
  async function whoami(flags: string[]): Promise<ProfileReport> {
    const started = spawn(process.execPath, [BIN, '--assembly', dir, '--port', '0', '--quiet', ...flags], {
      env: { ...process.env, ...REAL, HOME: home },
    });
    child = started;
    let stdout = '';
    started.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      started.stdout.on('data', () => {
        const match = /WebSocket\s+(ws:\/\/\S+)/.exec(stdout);
        if (match) resolve(match[1]);
      });
      started.on('exit', (code) => reject(new Error(`exited ${code} before printing the URL: ${stdout}`)));
    });
    const client = await connect(url);
    client.ws.send(JSON.stringify({ action: 'whoami' }));
    const report = await client.nextJson<ProfileReport>();
    client.ws.close();
    return report;
  }

  test("gets the fake file's keys, never the real ones; with IAM on its table calls are refused, as on Lambda, where the profile has no keys at all", async () => {
    const report = await whoami([]);

    expect(report).toMatchObject({
      accessKeyId: SHARED_FILE_CREDENTIALS.accessKeyId,
      secretAccessKey: SHARED_FILE_CREDENTIALS.secretAccessKey,
      stored: false,
    });
    expect(report.error).toEqual({ name: 'AccessDeniedException', message: SHARED_FILE_DENIAL });
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

  test('with --iam off the fake keys store in the local table', async () => {
    const report = await whoami(['--iam', 'off']);

    expect(report).toMatchObject({ accessKeyId: SHARED_FILE_CREDENTIALS.accessKeyId, stored: true, error: null });
  });
});
