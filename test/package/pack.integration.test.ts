import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import WebSocket from 'ws';
import { consumerProject, packTarball, run, startUntil, stop, tarballFiles, type ConsumerProject } from './consumer-project';

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

let work: string;
let tarball: string;
let project: ConsumerProject;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-pack-'));
  tarball = packTarball(work);
  // No esbuild and no TypeScript: a synth that tried to bundle would fail (NodejsFunction falls
  // back to Docker, which is not there either).
  project = consumerProject(tarball, { withhold: ['esbuild', 'typescript', 'ts-node'] });
  fs.writeFileSync(path.join(project.dir, 'app.js'), CONSUMER_APP);
  fs.writeFileSync(path.join(project.dir, 'cdk.json'), JSON.stringify({ app: 'node app.js' }));
}, 120_000);

afterAll(() => {
  for (const dir of [project?.dir, work]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

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
    ]),
  );
  const unwanted = files.filter((f) => /(^|\/)(test|cdk\.out|\.switchboard|node_modules|bench|web)\//.test(f) || /\.test\.ts$/.test(f));
  expect(unwanted).toEqual([]);
  // The handlers ship only as bundles: their sources would make SwitchboardFunction bundle at synth.
  expect(files.filter((f) => f.startsWith('lambda/'))).toEqual([]);
});

test("a consumer's own CDK app synthesizes SwitchboardApi, cdk-nag clean, from the prebuilt bundles", () => {
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

test('the switchboard-local bin answers --help and serves the consumer app with npx', async () => {
  // The emulator compiles its worker with esbuild, a dependency of the package (withheld above only
  // to show that the construct does without it).
  project.link('esbuild');
  const help = run(project.dir, 'npx', ['--no-install', 'switchboard-local', '--help']);
  expect(help.status).toBe(0);
  expect(help.stdout).toContain('Usage: switchboard-local');

  const bin = path.join(project.dir, 'node_modules', '.bin', 'switchboard-local');
  const { child, match } = await startUntil(
    project.dir,
    bin,
    ['--assembly', 'cdk.out', '--port', '0', '--quiet'],
    /Try: npx wscat -c "?(ws:\/\/[^"\s]+)/,
    30_000,
  );
  try {
    const socket = new WebSocket(match[1]);
    const reply = await new Promise<string>((resolve, reject) => {
      socket.once('open', () => socket.send(JSON.stringify({ action: 'ping', id: 'p1' })));
      socket.once('message', (data: Buffer) => resolve(data.toString()));
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    socket.close();
    expect(JSON.parse(reply)).toEqual({ event: 'pong', id: 'p1' });
  } finally {
    await stop(child);
  }
});
