import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.join(__dirname, '../../..');

/** Synthesizes the real Switchboard app, as `cdk synth` does for users, into a fresh temporary folder. */
export async function synthesizeApp(): Promise<string> {
  const outdir = await mkdtemp(path.join(tmpdir(), 'switchboard-assembly-'));
  await promisify(execFile)(path.join(ROOT, 'node_modules/.bin/cdk'), ['synth', '--quiet', '--output', outdir], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  return outdir;
}
