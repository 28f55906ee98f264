/**
 * Installs one SDK package into its own folder of the emulator's SDK cache with npm. Each install
 * goes to a private folder first, which is renamed into place once complete: emulators started
 * at once (tests, several apps) never see a half-installed package, and never undo each other's
 * installs (one npm prefix shared by all would prune what it did not install itself).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** Installs `specs` (`name@range`) into `folder`, which does not exist yet; rejects saying why it could not. */
export type SdkInstaller = (folder: string, specs: readonly string[]) => Promise<void>;

/** A whole install's limit: a slow registry is waited for, a hung one is not. */
const INSTALL_TIMEOUT_MS = 5 * 60_000;

/** The installer the emulator uses: the npm that runs this process, else `npm` on PATH. */
export const npmInstall: SdkInstaller = async (folder, specs) => {
  const parent = path.dirname(folder);
  mkdirSync(parent, { recursive: true });
  const staging = path.join(parent, `.installing-${path.basename(folder)}-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(staging);
  try {
    // A package.json of its own: npm installs into this folder, never into a project above it.
    writeFileSync(
      path.join(staging, 'package.json'),
      `${JSON.stringify({ private: true, description: 'AWS SDK for Switchboard local functions' })}\n`,
    );
    await runNpm([
      'install',
      '--prefix',
      staging,
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--omit=dev',
      '--loglevel=error',
      // Offline, fail within seconds rather than after npm's minutes of retries.
      '--fetch-retries=1',
      '--fetch-retry-mintimeout=2000',
      '--fetch-retry-maxtimeout=10000',
      ...specs,
    ]);
    try {
      renameSync(staging, folder);
    } catch (err: unknown) {
      // Another emulator installed it meanwhile: keep theirs.
      if (!existsSync(folder)) throw err;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
};

/** Runs npm with `args`; rejects with what its error output says when it fails. */
function runNpm(args: readonly string[]): Promise<void> {
  // Under `npm start` or `npx`, npm names its own script: run that one, with this Node.
  const npmCli = process.env.npm_execpath;
  const [command, commandArgs] = npmCli && /npm-cli\.js$/.test(npmCli) ? [process.execPath, [npmCli, ...args]] : ['npm', [...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, {
      stdio: ['ignore', 'ignore', 'pipe'],
      shell: process.platform === 'win32' && command === 'npm',
      timeout: INSTALL_TIMEOUT_MS,
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      // Its first lines say what failed; a stack follows.
      if (stderr.length < 16_000) stderr += chunk;
    });
    child.on('error', (err) => reject(new Error(`could not run npm: ${err.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const why = signal ? `stopped by ${signal} after ${INSTALL_TIMEOUT_MS / 1000} s` : `exit ${code}`;
      reject(new Error(`npm install failed (${why}): ${npmErrorSummary(stderr)}`));
    });
  });
}

/** npm's error code and first message line (`E404: 404 Not Found - GET …`, `ECONNREFUSED: FetchError: request to … failed`), without its stack and advice. */
export function npmErrorSummary(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => /^npm (?:error|ERR!) ?(.*)$/.exec(line)?.[1])
    .filter((line): line is string => line !== undefined);
  const code = lines.map((line) => /^code (\S+)$/.exec(line)?.[1]).find((c) => c !== undefined);
  const message = lines.find((line) => line.trim() !== '' && !/^(code|syscall|errno) |^\s|^[{}]|^A complete log/.test(line));
  const summary = [code, message].filter((part) => part !== undefined).join(': ');
  return summary || stderr.trim().split('\n').slice(-3).join(' ') || 'no output';
}
