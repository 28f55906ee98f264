import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cdkReleases, installRelease, type CdkRelease } from './cdk-versions';
import { consumerProject, packTarball, REPO, run, startUntil, stop, tarballFiles, type ConsumerProject } from './consumer-project';

/*
 * The package as a consumer gets it: `npm pack` (whose prepack runs the build), installed into a
 * fresh project offline (see consumer-project.ts), then used the three ways the README shows: a
 * CDK app of its own composing SwitchboardApi, the client from CommonJS and ESM, the emulator bin.
 */

const CONSUMER_APP = `
const { App, CfnOutput, Stack, Validations } = require('aws-cdk-lib');
const { AwsSolutionsChecks } = require('cdk-nag');
const { SwitchboardApi } = require('switchboard');

class ChatStack extends Stack {
  constructor(scope, id) {
    super(scope, id);
    const realtime = new SwitchboardApi(this, 'Realtime', { stageName: 'live', maxRoomMembers: 50 });
    new CfnOutput(this, 'Url', { value: realtime.webSocketUrl });
  }
}

const app = new App();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
new ChatStack(app, 'ChatApp');
app.synth();
`;

// Each test synthesizes an app or starts the emulator: seconds each on an idle 2-core machine, far
// more while other suites run; every child process has its own timeout besides.
jest.setTimeout(120_000);

let work: string;
let tarball: string;
let project: ConsumerProject;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-pack-'));
  tarball = packTarball(work);
  project = consumerProject(tarball);
  fs.writeFileSync(path.join(project.dir, 'app.js'), CONSUMER_APP);
  fs.writeFileSync(path.join(project.dir, 'cdk.json'), JSON.stringify({ app: 'node app.js' }));
}, 120_000);

afterAll(() => {
  for (const dir of [project?.dir, work]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** A JWT's `sub`, unverified. */
const subjectOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { sub: string }).sub;

test('the tarball holds what consumers need and none of the repository', () => {
  const files = tarballFiles(tarball);
  expect(files).toEqual(
    expect.arrayContaining([
      'package.json',
      'dist/lib/index.js',
      'dist/lib/index.d.ts',
      'dist/client/index.mjs',
      'dist/client/index.cjs',
      'dist/client/index.browser.mjs',
      'dist/client/index.d.ts',
      'dist/protocol/index.d.ts',
      'dist/handlers/connect/index.js',
      'local/bin/switchboard-local.js',
      'verify/bin/switchboard-verify.js',
      'verify/cli.ts',
    ]),
  );
  const unwanted = files.filter((f) => /(^|\/)(test|cdk\.out|\.switchboard|node_modules|bench|web)\//.test(f) || /\.test\.ts$/.test(f));
  expect(unwanted).toEqual([]);
  // The handlers ship only as bundles: their sources would make SwitchboardFunction bundle at synth.
  expect(files.filter((f) => f.startsWith('lambda/'))).toEqual([]);
});

test("a consumer's own CDK app synthesizes SwitchboardApi, cdk-nag clean, from the prebuilt bundles, bundling nothing", () => {
  const { status, stdout, stderr } = run(project.dir, process.execPath, [
    path.join(project.dir, 'node_modules', 'aws-cdk', 'bin', 'cdk'),
    'synth',
    '--quiet',
    '-o',
    'cdk.out',
  ]);
  expect({ status, stderr: status === 0 ? '' : stderr + stdout }).toEqual({ status: 0, stderr: '' });
  expect(stdout + stderr).not.toMatch(/AwsSolutions-|Bundling asset/);

  const template = JSON.parse(fs.readFileSync(path.join(project.dir, 'cdk.out', 'ChatApp.template.json'), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, string> }>;
  };
  const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
  const stages = Object.values(template.Resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Stage');
  expect(stages.map((s) => s.Properties.StageName)).toEqual(['live']);

  // Every function's code is one of the package's bundles, byte for byte, each used once.
  const prebuiltDir = path.join(project.packageDir, 'dist', 'handlers');
  const prebuilt = fs.readdirSync(prebuiltDir).map((handler) => sha256(path.join(prebuiltDir, handler, 'index.js')));
  const deployed = functions.map((fn) => sha256(path.join(project.dir, 'cdk.out', fn.Metadata!['aws:asset:path'], 'index.js')));
  expect(deployed.sort()).toEqual(prebuilt.sort());
  expect(functions.every((fn) => fn.Properties.Handler === 'index.handler')).toBe(true);

  // The construct brings its monitoring and outputs: the alarms (two per function, the authorizer's
  // key fetches, API Gateway, table and fan-out), the dashboard, and the outputs the tools read.
  const types = Object.values(template.Resources).map((r) => r.Type);
  expect(types.filter((type) => type === 'AWS::CloudWatch::Alarm')).toHaveLength(2 * functions.length + 5);
  expect(types.filter((type) => type === 'AWS::CloudWatch::Dashboard')).toHaveLength(1);
  const { Outputs } = JSON.parse(fs.readFileSync(path.join(project.dir, 'cdk.out', 'ChatApp.template.json'), 'utf8')) as {
    Outputs: Record<string, unknown>;
  };
  expect(Object.keys(Outputs).sort()).toEqual(
    ['CallbackUrl', 'DashboardName', 'PublishFunctionName', 'TableName', 'Url', 'UserPoolClientId', 'UserPoolId', 'WebSocketUrl'].sort(),
  );
});

test("switchboard-verify, from the installed package, checks the consumer's own app in the emulator it starts: every check passes", () => {
  // GIVEN the consumer's app synthesized by the test above
  expect(fs.existsSync(path.join(project.dir, 'cdk.out', 'manifest.json'))).toBe(true);
  // WHEN the bin, as npx finds it, runs against that assembly
  const help = run(project.dir, 'npx', ['--no-install', 'switchboard-verify', '--help']);
  expect(help).toMatchObject({ status: 0, stdout: expect.stringMatching(/^Usage: switchboard-verify TARGET/) as string });
  const verify = run(project.dir, 'npx', ['--no-install', 'switchboard-verify', '--local', '--assembly', 'cdk.out', '--samples', '2'], {
    timeout: 100_000,
  });
  // THEN it exits 0 with a table of passed checks, none failed
  expect({ status: verify.status, failed: verify.stdout.split('\n').filter((line) => /\bFAIL\b/.test(line)) }).toEqual({
    status: 0,
    failed: [],
  });
  expect(verify.stdout).toMatch(/\bPASS\b[\s\S]*\bPASS\b/);
});

test('the client loads with require() and import(), and connects from ESM on this Node', () => {
  const cjs = run(project.dir, process.execPath, [
    '-e',
    "const c = require('switchboard/client'); const p = require('switchboard/protocol');" +
      'console.log(typeof c.SwitchboardClient, typeof c.connect, p.ACTIONS.includes("message"))',
  ]);
  expect(cjs).toEqual({ status: 0, stdout: 'function function true\n', stderr: '' });

  // The ESM build loads `ws` itself where Node has no global WebSocket (Node 20): connect to a ws server to prove it.
  const esm = run(project.dir, process.execPath, [
    '--input-type=module',
    '-e',
    [
      "const { SwitchboardClient, connect } = await import('switchboard/client');",
      "const { WebSocketServer } = await import('ws');",
      "const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });",
      "await new Promise((resolve) => server.once('listening', resolve));",
      'const client = connect(`ws://127.0.0.1:${server.address().port}`, { keepaliveIntervalMs: 0 });',
      'await client.whenOpen();',
      'console.log(client instanceof SwitchboardClient, client.state);',
      'await client.close();',
      'server.close();',
    ].join('\n'),
  ]);
  expect(esm).toEqual({ status: 0, stdout: 'true open\n', stderr: '' });
});

/** The newest `nodejsNN.x` the aws-cdk-lib of a consumer project knows: the runtime cdk-nag AwsSolutions-L1 asks for there. */
function newestNodeRuntimeIn(dir: string): string {
  const listed = run(dir, process.execPath, ['-p', "require('aws-cdk-lib/aws-lambda').Runtime.ALL.map((r) => r.name).join(' ')"]);
  const majors = listed.stdout.split(/\s+/).flatMap((name) => /^nodejs(\d+)\.x$/.exec(name)?.[1] ?? []);
  expect(majors.length).toBeGreaterThan(0);
  return `nodejs${Math.max(...majors.map(Number))}.x`;
}

// The oldest aws-cdk-lib the peer range allows and the newest on the registry (cdk-versions.ts).
const { releases } = cdkReleases();
const releaseTable = releases.map((release): [string, CdkRelease] => [`${release.version} (the ${release.end} allowed)`, release]);

(releaseTable.length > 0 ? describe.each(releaseTable) : describe.skip.each([['none', undefined]]))(
  'with aws-cdk-lib %s',
  (_name, release) => {
    let consumer: ConsumerProject;

    beforeAll(() => {
      consumer = consumerProject(tarball, { cdk: installRelease(release!) });
      fs.writeFileSync(path.join(consumer.dir, 'app.js'), CONSUMER_APP);
    }, 300_000);

    afterAll(() => {
      if (consumer) fs.rmSync(consumer.dir, { recursive: true, force: true });
    });

    test("a consumer's app synthesizes cdk-nag clean, every function on the newest Node.js runtime that aws-cdk-lib knows", () => {
      // GIVEN the consumer's own aws-cdk-lib, constructs and cdk-nag are that release's
      const own = run(consumer.dir, process.execPath, ['-p', "require('aws-cdk-lib/package.json').version"]);
      expect(own.stdout.trim()).toBe(release!.version);
      // WHEN its app (AwsSolutionsChecks as a validation plugin) synthesizes, run as the CDK CLI runs it
      const synth = run(consumer.dir, process.execPath, ['app.js'], { env: { CDK_OUTDIR: 'cdk.out' } });
      // THEN nothing is reported and every function runs on that release's newest Node.js runtime
      expect({ status: synth.status, output: synth.stdout + synth.stderr }).toEqual({ status: 0, output: '' });
      const template = JSON.parse(fs.readFileSync(path.join(consumer.dir, 'cdk.out', 'ChatApp.template.json'), 'utf8')) as {
        Resources: Record<string, { Type: string; Properties: { Runtime?: string } }>;
      };
      const runtimes = Object.values(template.Resources)
        .filter((r) => r.Type === 'AWS::Lambda::Function')
        .map((r) => r.Properties.Runtime);
      expect(runtimes.length).toBeGreaterThan(0);
      expect(new Set(runtimes)).toEqual(new Set([newestNodeRuntimeIn(consumer.dir)]));
    });
  },
);

/** The fenced code blocks of docs/extend.md that name a file (```ts file=typing.ts), by file name. */
function guideFiles(): Map<string, string> {
  const guide = fs.readFileSync(path.join(REPO, 'docs', 'extend.md'), 'utf8');
  const files = new Map<string, string>();
  for (const [, name, body] of guide.matchAll(/^```\w+ file=(\S+)\n([\s\S]*?)^```$/gm)) files.set(name, body);
  return files;
}

/** Runs an ES module in `dir` and returns what it printed, one JSON value per line. */
function runModule(dir: string, source: string): unknown[] {
  const result = run(dir, process.execPath, ['--input-type=module', '-e', source], { timeout: 20_000 });
  expect(result).toMatchObject({ status: 0, stderr: '' });
  return result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);
}

test("docs/extend.md, followed in the consumer project: one member's typing reaches another, and its whoami action answers, with tokens from the bin's banner command", async () => {
  // WHEN the guide's three files are written as they stand in the guide, and its app synthesized
  const files = guideFiles();
  expect([...files.keys()].sort()).toEqual(['app.js', 'client.mjs', 'whoami.ts']);
  const dir = path.join(project.dir, 'extend');
  fs.mkdirSync(dir);
  for (const [name, body] of files) fs.writeFileSync(path.join(dir, name), body);
  fs.writeFileSync(path.join(dir, 'cdk.json'), JSON.stringify({ app: 'node app.js' }));
  const synth = run(dir, process.execPath, [
    path.join(project.dir, 'node_modules', 'aws-cdk', 'bin', 'cdk'),
    'synth',
    '--quiet',
    '-o',
    'cdk.out',
  ]);
  expect({ status: synth.status, output: synth.status === 0 ? '' : synth.stderr + synth.stdout }).toEqual({ status: 0, output: '' });
  // Only the consumer's own handler is bundled; Switchboard's come prebuilt.
  expect((synth.stdout + synth.stderr).match(/Bundling asset \S+/g)).toEqual([
    'Bundling asset ChatApp/Realtime/WhoamiHandler/Function/Code/Stage...',
  ]);

  // THEN the bin, as npx finds it, answers --help and serves the app
  const help = run(dir, 'npx', ['--no-install', 'switchboard-local', '--help']);
  expect(help.status).toBe(0);
  expect(help.stdout).toContain('Usage: switchboard-local');
  const { child, match } = await startUntil(
    dir,
    path.join(project.dir, 'node_modules', '.bin', 'switchboard-local'),
    ['--assembly', 'cdk.out', '--port', '0', '--quiet'],
    /Publish\s+function \S+: (npx switchboard-local publish [^\n]+)\n[\s\S]*Tokens\s+(npx switchboard-local token [^,]+),[\s\S]*Try: npx wscat -c "?(ws:\/\/[^"\s?]+)/,
    30_000,
  );
  try {
    // AND the banner's token and publish commands work in the consumer's project, through npx
    const [, publishCommand, tokenCommand, url] = match;
    const npx = (command: string) => run(dir, 'npx', ['--no-install', ...command.split(' ').slice(1)], { timeout: 30_000 });
    const tokenByUrl = npx(tokenCommand.replace('NAME', 'bob'));
    expect(tokenByUrl).toMatchObject({ status: 0, stderr: '' });
    // Without --url it signs with the key the emulator keeps in this folder.
    const tokenByKey = npx('npx switchboard-local token --user bob');
    expect(tokenByKey).toMatchObject({ status: 0, stderr: '' });
    for (const printed of [tokenByUrl.stdout, tokenByKey.stdout]) expect(printed).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const published = npx(publishCommand);
    expect(published).toMatchObject({
      status: 0,
      stdout: expect.stringMatching(/^Published to lobby as seq 1: delivered 0, failed 0\.\n$/) as string,
    });

    // AND the guide's client methods, on switchboard/client's ESM build with bob's and alice's
    // tokens: bob's typing signal reaches alice (and not bob), whoami answers (also as a custom
    // event), and built-in actions still work
    const tokenOfAlice = npx(tokenCommand.replace('NAME', 'alice'));
    expect(tokenOfAlice).toMatchObject({ status: 0, stderr: '' });
    const [typed, seenByAlice, seenByBob, me, custom, pong] = runModule(
      dir,
      [
        "import { connect } from 'switchboard/client';",
        "import { onTyping, sendTyping, whoami } from './client.mjs';",
        `const bob = connect(${JSON.stringify(url)}, { token: ${JSON.stringify(tokenByUrl.stdout.trim())}, reconnect: false });`,
        `const alice = connect(${JSON.stringify(url)}, { token: ${JSON.stringify(tokenOfAlice.stdout.trim())}, reconnect: false });`,
        "await bob.room('lobby').join();",
        "await alice.room('lobby').join();",
        'const seenByAlice = [];',
        'const seenByBob = [];',
        "const typing = new Promise((resolve) => onTyping(alice, 'lobby', (event) => resolve(seenByAlice.push(event))));",
        "onTyping(bob, 'lobby', (event) => seenByBob.push(event));",
        'const custom = [];',
        "bob.on('custom', (frame) => custom.push(frame));",
        "console.log(JSON.stringify(await sendTyping(bob, 'lobby')));",
        'await typing;',
        'console.log(JSON.stringify(seenByAlice));',
        'console.log(JSON.stringify(seenByBob));',
        'console.log(JSON.stringify(await whoami(bob)));',
        'console.log(JSON.stringify(custom));',
        "console.log(JSON.stringify(await bob.request('ping')));",
        'await Promise.all([bob.close(), alice.close()]);',
      ].join('\n'),
    );
    expect(typed).toEqual({ event: 'signal', room: 'lobby', type: 'typing', delivered: 1, id: expect.any(String) as string });
    const bobId = subjectOf(tokenByUrl.stdout.trim());
    expect(seenByAlice).toEqual([{ event: 'signal', room: 'lobby', type: 'typing', from: bobId, fromName: 'bob' }]);
    expect(seenByBob).toEqual([]);
    const reply = { event: 'whoami', userId: bobId, name: 'bob', id: expect.any(String) as string };
    expect(me).toEqual(reply);
    expect(custom).toEqual([reply]);
    expect(pong).toEqual({ event: 'pong', id: expect.any(String) as string });
  } finally {
    await stop(child);
  }
});
