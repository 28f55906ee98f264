import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createServer as createHttpServer } from 'node:http';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { exposureWarning, parseArgs, subcommandOf, tryCommand } from '../../../local/cli/cli';
import { handleTokenRequest, LocalIssuer, localIssuerDirFor } from '../../../local/issuer/issuer';
import { editHandTemplate, writeHandAssembly } from '../fixtures/hand-assembly';
import { connect } from '../helpers';

const BIN = path.resolve(__dirname, '../../../local/bin/switchboard-local.js');
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-cli-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the CLI to completion and returns its exit code and output. */
function run(args: string[], cwd = tmp): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('switchboard-local', () => {
  test('prints the URL, serves the app, logs each invocation, and exits 0 on SIGINT', async () => {
    const assembly = writeHandAssembly(path.join(tmp, 'ok'));
    const child = spawn(process.execPath, [BIN, '--assembly', assembly, '--port', '0'], { cwd: tmp });
    let stdout = '';
    child.stdout.on('data', (c) => (stdout += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', () => {
        const match = /WebSocket\s+(ws:\/\/\S+)/.exec(stdout);
        if (match) resolve(match[1]);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code} before printing the URL: ${stdout}`)));
    });
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(stdout).toMatch(/\$default\s+-> EchoFn\s+\[route response\]/);
    expect(stdout).toContain('@connections  http://127.0.0.1:');

    const client = await connect(url);
    client.ws.send('hi');
    expect(await client.next()).toBe('echo:hi');
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/MESSAGE\s+\$default\s+\S{16} 200 [\d.]+ms/);
    expect((await client.closed).code).toBe(1001);
  });

  test('a bad flag exits non-zero with a clear message', async () => {
    const result = await run(['--port', 'abc']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--port must be a whole number from 0 to 65535, got "abc"');
  });

  test('an assembly without a WebSocket API exits non-zero and says so', async () => {
    const assembly = writeHandAssembly(path.join(tmp, 'no-api'), false);
    const result = await run(['--assembly', assembly, '--port', '0']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('defines a WebSocket API');
  });
});

describe("the banner's Try line", () => {
  const url = 'ws://127.0.0.1:3001/dev';

  test("puts the token where the $connect authorizer's identity sources look: query parameters and headers", () => {
    expect(tryCommand(url, ['route.request.querystring.token'], 'T0K')).toBe('npx wscat -c "ws://127.0.0.1:3001/dev?token=T0K"');
    expect(tryCommand(url, ['route.request.querystring.idToken'], 'T0K')).toBe('npx wscat -c "ws://127.0.0.1:3001/dev?idToken=T0K"');
    expect(tryCommand(url, ['route.request.header.Authorization'], 'T0K')).toBe(
      'npx wscat -c "ws://127.0.0.1:3001/dev" -H "Authorization: T0K"',
    );
    expect(tryCommand(url, ['route.request.header.Auth', 'route.request.querystring.t'], 'T0K')).toBe(
      'npx wscat -c "ws://127.0.0.1:3001/dev?t=T0K" -H "Auth: T0K"',
    );
  });

  test('is the bare URL without a token to give', () => {
    expect(tryCommand(url, ['route.request.querystring.token'], undefined)).toBe('npx wscat -c ws://127.0.0.1:3001/dev');
  });
});

describe('parseArgs', () => {
  test('defaults', () => {
    expect(parseArgs([])).toMatchObject({ port: 3001, host: '127.0.0.1', dynamodbPort: 0, iam: 'on', quiet: false, help: false });
  });

  test('every flag, in both --flag value and --flag=value forms', () => {
    const options = parseArgs([
      '--assembly',
      tmp,
      '--stack',
      'S',
      '--port=0',
      '--host',
      '0.0.0.0',
      '--dynamodb-port',
      '8000',
      '--data-dir',
      'd',
      '--idle-timeout',
      '5',
      '--max-duration=60',
      '--web',
      tmp,
      '--fault-rate',
      '410:0.1',
      '--iam=off',
      '--account-rps',
      '500',
      '--post-latency=10-30',
      '--lambda-concurrency',
      '50',
      '--aws-like',
      '--quiet',
    ]);
    expect(options).toMatchObject({
      assemblyDir: tmp,
      stack: 'S',
      port: 0,
      host: '0.0.0.0',
      dynamodbPort: 8000,
      dataDir: path.resolve('d'),
      idleTimeoutSeconds: 5,
      maxDurationSeconds: 60,
      webDir: tmp,
      faultRates: { 410: 0.1 },
      iam: 'off',
      accountRps: 500,
      postLatency: { minMs: 10, maxMs: 30 },
      lambdaConcurrency: 50,
      awsLike: true,
      quiet: true,
    });
    expect(parseArgs([])).toMatchObject({ awsLike: false, accountRps: undefined, postLatency: undefined, lambdaConcurrency: undefined });
    expect(parseArgs(['--post-latency', '25']).postLatency).toEqual({ minMs: 25, maxMs: 25 });
  });

  test('bad input names the flag and what is expected', () => {
    expect(() => parseArgs(['--nope'])).toThrow('unknown flag --nope');
    expect(() => parseArgs(['--port'])).toThrow('--port needs a value');
    expect(() => parseArgs(['--port', '70000'])).toThrow('--port must be a whole number');
    expect(() => parseArgs(['--idle-timeout', '0'])).toThrow('--idle-timeout must be a whole number from 1');
    expect(() => parseArgs(['--assembly', path.join(tmp, 'missing')])).toThrow('does not exist');
    expect(() => parseArgs(['--fault-rate', '410'])).toThrow('--fault-rate: bad fault rate "410"');
    expect(() => parseArgs(['--account-rps', '0'])).toThrow('--account-rps must be a whole number from 1 to 1000000, got "0"');
    expect(() => parseArgs(['--account-rps', '2.5'])).toThrow('--account-rps must be a whole number');
    expect(() => parseArgs(['--lambda-concurrency', 'lots'])).toThrow(
      '--lambda-concurrency must be a whole number from 1 to 1000000, got "lots"',
    );
    expect(() => parseArgs(['--post-latency', '30-10'])).toThrow(
      '--post-latency: "30-10" is not a latency: expected whole milliseconds MS or a range MIN-MAX with MIN <= MAX <= 60000, e.g. 20 or 10-30',
    );
    expect(() => parseArgs(['--aws-like=yes'])).toThrow('--aws-like takes no value');
    expect(() => parseArgs(['stray'])).toThrow('unexpected argument "stray"');
    expect(() => parseArgs(['--iam', 'maybe'])).toThrow('--iam takes on or off; got "maybe"');
    expect(() => parseArgs(['-c', 'novalue'])).toThrow('-c/--context takes key=value');
    expect(() => parseArgs(['-x'])).toThrow('unknown flag -x');
    expect(() => parseArgs(['--assembly', tmp, '-c', 'a=b'])).toThrow('with --assembly nothing is synthesized');
  });

  test('-c key=value (repeatable) passes context through to the synth, as cdk synth -c does', () => {
    expect(parseArgs(['-c', 'authProvider=none', '--context', 'stageName=v2', '-c', 'x=a=b']).context).toEqual({
      authProvider: 'none',
      stageName: 'v2',
      x: 'a=b',
    });
    expect(parseArgs([]).context).toEqual({});
  });
});

describe('exposureWarning', () => {
  const emu = { url: 'ws://0.0.0.0:3001/dev', managementEndpoint: 'http://0.0.0.0:3001/dev', localIssuer: undefined };

  test('on loopback nothing is exposed, so nothing is said', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1']) expect(exposureWarning(host, emu)).toBeUndefined();
  });

  test('on another address it names every API other machines reach, and those that answer this machine only', () => {
    const issuer = { issuer: 'http://x/.switchboard/issuer', audience: 'a', jwksUrl: 'j', mint: () => Promise.resolve('t') };
    expect(exposureWarning('0.0.0.0', { ...emu, localIssuer: issuer }, '/srv/web')).toBe(
      'listening on 0.0.0.0, so other machines reach the WebSocket API (ws://0.0.0.0:3001/dev); ' +
        '@connections (http://0.0.0.0:3001/dev/@connections), unauthenticated here: anyone who reaches this port can post to, read and close every connection; ' +
        "the page configuration (/.switchboard/config.json) and the local issuer's public keys; the static site (/srv/web). " +
        'Only this machine reaches the Lambda Invoke API, the token endpoint, sign-in, DynamoDB.',
    );
    expect(exposureWarning('192.0.2.10', emu)).toContain('Only this machine reaches the Lambda Invoke API, DynamoDB.');
  });
});

describe('before synthesizing', () => {
  test('a busy port is reported at once, not after a synth', async () => {
    // GIVEN a taken port, and an app folder whose synth would fail if it ever ran.
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    const app = mkdtempSync(path.join(os.tmpdir(), 'switchboard-busy-'));
    writeFileSync(path.join(app, 'cdk.json'), JSON.stringify({ app: 'node -e "process.exit(3)"' }));
    try {
      const { code, stderr } = await run(['--port', String(port)], app);
      expect(code).toBe(1);
      expect(stderr).toContain('that port is in use');
      expect(stderr).not.toContain('cdk synth failed');
    } finally {
      taken.close();
      rmSync(app, { recursive: true, force: true });
    }
  });
});

describe('subcommands', () => {
  test('the first word token or publish routes to that command, with the rest of the arguments', () => {
    expect(subcommandOf(['token', '--user', 'bob'])).toEqual({ name: 'token', argv: ['--user', 'bob'] });
    expect(subcommandOf(['publish', '--room', 'r', '--data', 'd', '--emulator', 'http://127.0.0.1:3001'])).toEqual({
      name: 'publish',
      argv: ['--room', 'r', '--data', 'd', '--emulator', 'http://127.0.0.1:3001'],
    });
    // Anything else starts the emulator, as before.
    expect(subcommandOf([])).toBeUndefined();
    expect(subcommandOf(['--port', '0', 'token'])).toBeUndefined();
    expect(subcommandOf(['toString'])).toBeUndefined();
  });

  test('the bin answers token --help and publish --help with their own usage', async () => {
    const token = await run(['token', '--help']);
    expect(token).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: npx switchboard-local token --user NAME/) as string });
    const publish = await run(['publish', '--help']);
    expect(publish).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^Usage: npx switchboard-local publish --room ROOM/) as string,
    });
    const refused = await run(['publish', '--room', 'r', '--data', 'd', '--emulator', 'ws://127.0.0.1:3001/dev']);
    expect(refused).toMatchObject({ code: 2, stderr: expect.stringContaining("--emulator takes the emulator's http URL") as string });
  });

  test("npx switchboard-local token prints a token of the local issuer: from the key of this folder's emulator, or from --url", async () => {
    // GIVEN a local issuer's key and state where an emulator started in `app` keeps them, served as the emulator serves them
    const app = mkdtempSync(path.join(os.tmpdir(), 'switchboard-token-'));
    const issuer = await LocalIssuer.open(localIssuerDirFor(undefined, app));
    const server = createHttpServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      void handleTokenRequest(req, res, url, issuer, state).then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const state = { issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123xYz', audience: 'client-1' };
    await issuer.saveState(state);
    const jwks = createLocalJWKSet(issuer.jwks());
    try {
      // WHEN the bin's token subcommand runs there, and from elsewhere with --url
      const byKey = await run(['token', '--user', 'bob', '--ttl', '15m'], app);
      const byUrl = await run(['token', '--user', 'bob', '--url', `${origin}/`], tmp);
      // THEN both print one token for bob that the issuer's keys verify
      for (const result of [byKey, byUrl]) {
        expect(result).toMatchObject({ code: 0, stderr: '' });
        const { payload } = await jwtVerify(result.stdout.trim(), jwks, { issuer: state.issuer, audience: 'client-1' });
        expect(payload['cognito:username']).toBe('bob');
      }
      // AND without a running emulator or its key it says what to do
      const none = await run(['token', '--user', 'bob'], tmp);
      expect(none).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('start the emulator here first (npx switchboard-local') as string,
      });
      const both = await run(['token', '--user', 'bob', '--url', origin, '--data-dir', app], tmp);
      expect(both).toMatchObject({ code: 2, stderr: expect.stringContaining('give --data-dir or --url, not both') as string });
    } finally {
      server.close();
      rmSync(app, { recursive: true, force: true });
      rmSync(localIssuerDirFor(undefined, app), { recursive: true, force: true });
    }
  });

  test("a start leaves the app's folder as it was: the local issuer's key is kept outside it, where the token command finds it", async () => {
    // GIVEN an app folder under git, and an app with a Cognito user pool (so the local issuer makes a key)
    const app = mkdtempSync(path.join(os.tmpdir(), 'switchboard-clean-app-'));
    execFileSync('git', ['init', '--quiet'], { cwd: app });
    const assembly = editHandTemplate(writeHandAssembly(path.join(tmp, 'with-pool')), (template) => {
      template.Resources.Users = { Type: 'AWS::Cognito::UserPool', Properties: {} };
      template.Resources.WebClient = { Type: 'AWS::Cognito::UserPoolClient', Properties: { UserPoolId: { Ref: 'Users' } } };
    });
    const keyDir = localIssuerDirFor(undefined, app);
    try {
      // WHEN the emulator starts there, and stops
      const child = spawn(process.execPath, [BIN, '--assembly', assembly, '--port', '0'], { cwd: app });
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      await outputMatching(child, /Issuer\s+https:\/\/cognito-idp\.us-east-1\.amazonaws\.com\/us-east-1_\w+/);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      // THEN git sees nothing new in the app's folder, and the key is in the app's state folder
      expect(execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: app, encoding: 'utf8' })).toBe('');
      expect(readdirSync(app)).toEqual(['.git']);
      expect(keyDir.startsWith(app)).toBe(false);
      expect(readdirSync(keyDir).sort()).toEqual(['switchboard-local-issuer-key.json', 'switchboard-local-issuer.json']);
      // AND the token command run in the app's folder signs with it
      expect(await run(['token', '--user', 'bob'], app)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^eyJ/) as string });
    } finally {
      rmSync(app, { recursive: true, force: true });
      rmSync(keyDir, { recursive: true, force: true });
    }
  });
});

/** Resolves once the child's standard output matches `pattern`; rejects if it exits first. */
function outputMatching(child: ChildProcessWithoutNullStreams, pattern: RegExp): Promise<void> {
  let stdout = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += String(chunk);
      if (pattern.test(stdout)) resolve();
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before printing ${String(pattern)}: ${stdout}`)));
  });
}
