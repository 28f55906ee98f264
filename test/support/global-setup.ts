import { synthesize } from '../../local/synth';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { APP_ASSEMBLY_ENV } from './app-assembly';

const ROOT = path.join(__dirname, '..', '..');

/**
 * Synthesizes the Switchboard app once per jest run, exactly as a user's
 * `npx cdk synth` does, so every emulator test runs the bundles that would be
 * deployed without paying for synthesis in each file.
 */
export default function globalSetup(): void {
  if (process.env[APP_ASSEMBLY_ENV]) return;
  const outdir = mkdtempSync(path.join(tmpdir(), 'switchboard-test-assembly-'));
  synthesize({ cwd: ROOT, outDir: outdir });
  process.env[APP_ASSEMBLY_ENV] = outdir;
  process.env.SWITCHBOARD_TEST_ASSEMBLY_OWNED = '1';
}
