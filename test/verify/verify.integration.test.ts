/**
 * `npm run verify` end to end: against the emulator it starts itself (as CI runs it), against a
 * deployed stack's outputs file (here pointing at an emulator, with the Cognito SDK's endpoint
 * variable aimed at its local issuer), and against a plain WebSocket echo server, which is not
 * Switchboard and must fail with reasons, in bounded time.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { WebSocketServer } from 'ws';
import { startEmulator, type Emulator } from '../../local/emulator';
import { localSubject } from '../../local/issuer/issuer';
import { LOCAL_CREDENTIALS, LOCAL_PASSWORD, LOCAL_PATHS } from '../../protocol';
import { main } from '../../verify/cli';
import { appAssembly } from '../support/app-assembly';

const ROOT = path.join(__dirname, '..', '..');

/** Runs `npm run -s verify -- ...args` as a user would; never longer than `timeoutMs`. */
function runVerify(args: readonly string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '-s', 'verify', '--', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`verify ${args.join(' ')} took over ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The result column of each check in the report table. */
function results(output: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of output.split('\n')) {
    const match = /^(.+?)\s{2,}(PASS|FAIL|SKIP)\s{2,}(.*)$/.exec(line);
    if (match) rows.set(match[1], `${match[2]} ${match[3]}`);
  }
  return rows;
}

/** Every check this app's server supports: all of them. */
const ALL_CHECKS = [
  'connect',
  'auth: no token is 401',
  'auth: bad token is 403',
  'echo',
  'ping',
  'error: BAD_REQUEST',
  'error: UNKNOWN_ACTION',
  'limit: oversized data is BAD_REQUEST',
  'limit: a message past 128 KB closes with 1009',
  'rooms: join and fan-out',
  'NOT_IN_ROOM',
  'leave',
  'members',
  'publish',
  'history',
  'resume: join with since',
  'signals',
  'exactly-once: the same id twice',
  'user rooms: own joins, another user FORBIDDEN',
  'presence',
];

test('npm run verify -- --local starts the emulator, signs in through its Cognito endpoint, and every check passes', async () => {
  const started = Date.now();
  const { code, output } = await runVerify(['--local', '--assembly', appAssembly(), '--samples', '5'], 90_000);
  const rows = results(output);
  expect({ code, failed: [...rows].filter(([, r]) => !r.startsWith('PASS')) }).toEqual({ code: 0, failed: [] });
  expect([...rows.keys()]).toEqual(ALL_CHECKS);
  expect(output).toMatch(/^message\s+\d+\s+[\d.]+\s+[\d.]+$/m);
  expect(Date.now() - started).toBeLessThan(60_000);
}, 100_000);

describe('against a server that is not Switchboard', () => {
  let echo: WebSocketServer;
  beforeAll(async () => {
    // GIVEN a plain WebSocket echo server, which answers every frame with itself and accepts any handshake.
    echo = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    echo.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
    await new Promise((resolve) => echo.once('listening', resolve));
  });
  afterAll(async () => {
    for (const client of echo.clients) client.terminate();
    await new Promise((resolve) => echo.close(resolve));
  });

  test('verify --url fails, with a reason for each check, and exits non-zero', async () => {
    const { port } = echo.address() as AddressInfo;
    const started = Date.now();
    const { code, output } = await runVerify(
      ['--url', `ws://127.0.0.1:${port}`, '--token', 'a.b.c', '--timeout-ms', '1000', '--samples', '2'],
      60_000,
    );
    expect(code).toBe(1);
    const rows = results(output);
    expect(rows.get('auth: no token is 401')).toBe('FAIL expected the handshake refused with 401; it connected');
    expect(rows.get('echo')).toMatch(/^FAIL expected \{"event":"message","data":"Received: verify echo 0".*; got \{"action":"message"/);
    expect(rows.get('error: BAD_REQUEST')).toBe(
      'FAIL expected an error frame with code BAD_REQUEST for a frame that is not JSON; got non-JSON "this is not JSON"',
    );
    expect(rows.get('limit: a message past 128 KB closes with 1009')).toBe(
      'FAIL expected the connection closed with 1009 within 1000 ms; it stayed open',
    );
    expect(rows.get('presence')).toBe('FAIL needs "rooms: join and fan-out", which failed');
    // Nothing passes silently: only the handshake itself succeeds.
    expect([...rows].filter(([, r]) => r.startsWith('PASS')).map(([name]) => name)).toEqual(['connect']);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 70_000);
});

describe('verify --outputs, on an outputs file that points at an emulator', () => {
  let emu: Emulator;
  let dir: string;
  beforeAll(async () => {
    emu = await startEmulator({ assemblyDir: appAssembly(), port: 0, log: () => undefined });
    dir = await mkdtemp(path.join(tmpdir(), 'switchboard-verify-outputs-'));
  });
  afterAll(async () => {
    // verify closed its connections; their $disconnect handlers still use the store.
    await emu?.settled();
    await emu?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('reads WebSocketUrl and UserPoolClientId, signs in with USER_PASSWORD_AUTH through the SDK, and passes', async () => {
    // GIVEN the file `cdk deploy --outputs-file` writes, with this emulator's URL and app client
    const file = path.join(dir, 'cdk-outputs.json');
    await writeFile(
      file,
      JSON.stringify({
        Switchboard: {
          WebSocketUrl: emu.url,
          UserPoolClientId: emu.localIssuer!.audience,
          UserPoolId: 'us-east-1_Local',
          PublishFunctionName: emu.publishFunctionName,
        },
      }),
    );
    // and the SDK's own endpoint variables aiming Cognito at the local issuer and Lambda at the
    // emulator's Invoke API, with credentials in the environment as a deployer's shell has them
    // (nothing in verify knows it is local; the credentials are the emulator's dummies)
    const endpoints = {
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: `${emu.httpUrl}${LOCAL_PATHS.cognito}`,
      AWS_ENDPOINT_URL_LAMBDA: emu.lambdaEndpoint,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    };
    const saved = Object.fromEntries(Object.keys(endpoints).map((k) => [k, process.env[k]]));
    Object.assign(process.env, endpoints);
    let report = '';
    try {
      // WHEN verify runs with two users, and may publish with the credentials at hand
      const code = await main(
        [
          '--outputs',
          file,
          '--user',
          'ann',
          '--password',
          LOCAL_PASSWORD,
          '--user2',
          'bob',
          '--password2',
          LOCAL_PASSWORD,
          '--publish',
          '--samples',
          '3',
        ],
        (text) => (report += text),
      );
      // THEN every check passes
      const rows = results(report);
      expect({ code, notPassed: [...rows].filter(([, r]) => !r.startsWith('PASS')) }).toEqual({ code: 0, notPassed: [] });
      expect(rows.get('presence')).toBe(`PASS "joined" when bob (${localSubject('bob')}) joined, "left" when it disconnected`);
      expect(rows.get('signals')).toBe('PASS reached the other connection (from ann), no seq, not in history');
      expect(rows.get('exactly-once: the same id twice')).toMatch(
        /^PASS acknowledged twice with seq 1 \(the second "duplicate"\), delivered once$/,
      );
      expect(rows.get('publish')).toBe('PASS delivered to 2 connections with seq 5');

      // AND a wrong password stops it before any check, with Cognito's answer
      const errors: string[] = [];
      const write = jest.spyOn(process.stderr, 'write').mockImplementation((text) => errors.push(String(text)) > 0);
      try {
        await expect(main(['--outputs', file, '--user', 'ann', '--password', 'wrong'], () => undefined)).resolves.toBe(2);
      } finally {
        write.mockRestore();
      }
      expect(errors.join('')).toContain('signing in ann (app client');
      expect(errors.join('')).toContain('NotAuthorizedException: Incorrect username or password.');
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  }, 60_000);
});
