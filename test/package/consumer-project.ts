/**
 * A fresh project that installs this package from its `npm pack` tarball, as a consumer would,
 * but offline: the tarball is extracted into the project's node_modules/switchboard (what
 * `npm install <tarball>` does with it), and the package's dependencies are symlinks to this
 * repository's node_modules, which `npm ci` filled from the same lock. Installing from the
 * registry would need the network and minutes for aws-cdk-lib alone.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO = path.join(__dirname, '..', '..');
const REPO_MODULES = path.join(REPO, 'node_modules');

/** `npm pack` of this repository (its prepack builds dist/), into `destination`; returns the tarball's path. */
export function packTarball(destination: string): string {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', destination], {
    cwd: REPO,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 90_000,
  });
  const [{ filename }] = JSON.parse(out.slice(out.indexOf('['))) as Array<{ filename: string }>;
  return path.join(destination, filename);
}

/** The files a tarball holds, relative to the package root. */
export function tarballFiles(tarball: string): string[] {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.length > 0 && !line.endsWith('/'))
    .map((line) => line.replace(/^package\//, ''));
}

export interface ConsumerProject {
  readonly dir: string;
  /** Where the package is installed: node_modules/switchboard. */
  readonly packageDir: string;
}

/** The packages that come from `cdk` (a node_modules folder) when a consumer project is given one. */
const CDK_PACKAGES = ['aws-cdk-lib', 'constructs', 'cdk-nag'];

/**
 * A project in a temp folder with the tarball installed and every package of this repository's
 * node_modules linked, or with `cdk`, aws-cdk-lib, constructs and cdk-nag from that node_modules. Which of them a synth uses is what the tests check (bundles, not esbuild):
 * aws-cdk-lib, linked, would find this repository's esbuild anyway.
 */
export function consumerProject(tarball: string, { cdk }: { cdk?: string } = {}): ConsumerProject {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-consumer-'));
  const modules = path.join(dir, 'node_modules');
  const packageDir = path.join(modules, 'switchboard');
  fs.mkdirSync(packageDir, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1']);
  const link = (name: string) => {
    const target = path.join(modules, name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    // Another aws-cdk-lib comes with its own constructs and cdk-nag: cdk-nag resolves aws-cdk-lib
    // from where it really is, and two copies of aws-cdk-lib in one app see none of each other's constructs.
    const from = cdk !== undefined && CDK_PACKAGES.includes(name) ? cdk : REPO_MODULES;
    fs.symlinkSync(path.join(from, name), target, 'dir');
  };
  for (const entry of fs.readdirSync(REPO_MODULES)) {
    if (entry.startsWith('.') || entry === 'switchboard') continue;
    if (entry.startsWith('@')) {
      for (const scoped of fs.readdirSync(path.join(REPO_MODULES, entry))) link(`${entry}/${scoped}`);
    } else {
      link(entry);
    }
  }
  // What npm does for the package's `bin` entries.
  const pkg = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  fs.mkdirSync(path.join(modules, '.bin'));
  for (const [name, file] of Object.entries(pkg.bin)) {
    fs.chmodSync(path.join(packageDir, file), 0o755);
    fs.symlinkSync(path.join('..', 'switchboard', file), path.join(modules, '.bin', name));
  }
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }));
  // NodejsFunction (the consumer's own handlers) takes the folder of the lock file as the project root.
  fs.writeFileSync(
    path.join(dir, 'package-lock.json'),
    JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages: {} }),
  );
  return { dir, packageDir };
}

/** Runs `command args` in `cwd`; returns its exit status and both outputs, never throwing on a non-zero exit. */
export function run(
  cwd: string,
  command: string,
  args: readonly string[],
  { timeout = 60_000, env }: { timeout?: number; env?: Record<string, string> } = {},
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout, env: env && { ...process.env, ...env } });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts `command args` in `cwd` and resolves with the first stdout line that matches `ready`, or rejects with its output. */
export function startUntil(
  cwd: string,
  command: string,
  args: readonly string[],
  ready: RegExp,
  timeoutMs: number,
): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${command} ${args.join(' ')} printed no line matching ${ready} within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(ready);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(' ')} exited (${code}) before printing a line matching ${ready}:\n${output}`));
    });
  });
}

/** Stops a child this test started and waits for it to exit. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
