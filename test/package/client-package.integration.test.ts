import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Emulator, startEmulator } from '../../local/emulator';
import { appAssembly } from '../support/app-assembly';
import { REPO, tarballFiles } from './consumer-project';

/*
 * The light client package (packages/client, `switchboard-client`) as a web app or a Node service
 * that only talks to a Switchboard API gets it: `npm pack` (whose prepack builds it), installed into
 * a fresh project offline (the tarball extracted where npm would put it, `ws` linked from this
 * repository's node_modules), then used from CommonJS and ESM against the emulator.
 */

const CLIENT_PACKAGE = path.join(REPO, 'packages', 'client');
/** The target for a client-only install: the package and its dependencies. */
const MAX_INSTALLED_BYTES = 1024 * 1024;

jest.setTimeout(60_000);

let work: string;
let tarball: string;
let project: string;
let installed: string;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-client-pack-'));
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
    cwd: CLIENT_PACKAGE,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  const [{ filename }] = JSON.parse(out.slice(out.indexOf('['))) as Array<{ filename: string }>;
  tarball = path.join(work, filename);
  project = path.join(work, 'project');
  installed = path.join(project, 'node_modules', 'switchboard-client');
  fs.mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
  fs.symlinkSync(path.join(REPO, 'node_modules', 'ws'), path.join(project, 'node_modules', 'ws'), 'dir');
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'web-app', private: true, version: '1.0.0' }));
}, 90_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** The bytes of every file under `dir`, following a symbolic link at the top (a linked package). */
function bytesUnder(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(fs.realpathSync(dir), { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

test('the package holds the built client and nothing else, depends on ws alone, and installs in under 1 MB', () => {
  const files = tarballFiles(tarball);
  expect(files.filter((f) => !f.startsWith('dist/')).sort()).toEqual(['README.md', 'package.json']);
  expect(files).toEqual(
    expect.arrayContaining(['dist/index.cjs', 'dist/index.mjs', 'dist/index.browser.mjs', 'dist/types/client/index.d.ts']),
  );

  const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as Manifest;
  const main = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as Manifest;
  expect(manifest).toMatchObject({ name: 'switchboard-client', version: main.version, dependencies: { ws: main.dependencies!.ws } });
  expect(Object.keys(manifest.dependencies!)).toEqual(['ws']);
  expect(manifest.peerDependencies).toBeUndefined();
  expect(manifest.optionalDependencies).toBeUndefined();
  // ws has no dependencies of its own, so these two folders are the whole install.
  expect(
    (JSON.parse(fs.readFileSync(path.join(project, 'node_modules', 'ws', 'package.json'), 'utf8')) as Manifest).dependencies,
  ).toBeUndefined();

  const size = bytesUnder(installed) + bytesUnder(path.join(project, 'node_modules', 'ws'));
  expect(size).toBeGreaterThan(50_000); // it measured something
  expect(size).toBeLessThan(MAX_INSTALLED_BYTES);
});

test('its Node bundles load only ws, and its browser bundle loads nothing', () => {
  const required = (file: string) =>
    [...fs.readFileSync(path.join(installed, 'dist', file), 'utf8').matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
  const imported = (file: string) =>
    [...fs.readFileSync(path.join(installed, 'dist', file), 'utf8').matchAll(/^import .* from ['"]([^'"]+)['"]/gm)].map((m) => m[1]);
  expect(required('index.cjs')).toEqual(['ws']);
  expect(required('protocol.cjs')).toEqual([]);
  expect(imported('index.mjs')).toEqual(['node:module']); // its createRequire, for ws on Node 20
  expect(imported('index.browser.mjs')).toEqual([]);
  expect(required('index.browser.mjs')).toEqual([]);
});

describe('against the emulator', () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator({ assemblyDir: appAssembly(), port: 0, dynamodbPort: 0, log: () => undefined });
  }, 60_000);

  afterAll(async () => {
    await emulator?.settled();
    await emulator?.stop();
  });

  /** Runs `node args` in the project without blocking this process, which serves the emulator; resolves with what it printed. */
  function node(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, args, { cwd: project, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  }

  /** A client's session, as a script body: joins a room, sends to it, and prints the ack's event, room and seq. */
  const session = (url: string, token: string, room: string) =>
    [
      `const client = connect(${JSON.stringify(url)}, { token: ${JSON.stringify(token)}, reconnect: false });`,
      `const room = client.room(${JSON.stringify(room)});`,
      'await room.join();',
      "const ack = await room.send('hello from the package');",
      'console.log(JSON.stringify({ event: ack.event, room: ack.room, seq: ack.seq }));',
      'await client.close();',
    ].join('\n');

  test('a client from require() and one from import() each join, send and get their ack', async () => {
    const [alice, bob] = await Promise.all([emulator.localIssuer!.mint('alice'), emulator.localIssuer!.mint('bob')]);
    const cjs = node([
      '-e',
      `const { connect } = require('switchboard-client');\n(async () => {\n${session(emulator.url, alice, 'from-cjs')}\n})();`,
    ]);
    const esm = node([
      '--input-type=module',
      '-e',
      `import { connect } from 'switchboard-client';\n${session(emulator.url, bob, 'from-esm')}`,
    ]);
    expect(await cjs).toEqual({ code: 0, stdout: '{"event":"message","room":"from-cjs","seq":1}\n', stderr: '' });
    expect(await esm).toEqual({ code: 0, stdout: '{"event":"message","room":"from-esm","seq":1}\n', stderr: '' });
  });
});
