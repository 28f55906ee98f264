import * as path from 'node:path';
import { cachedAssembly } from '../../local/assembly/cache';
import { APP_ASSEMBLY_ENV } from './app-assembly';

const ROOT = path.join(__dirname, '..', '..');

/**
 * Gives the integration tests this app's cloud assembly, exactly as a user's `npx cdk synth`
 * makes it: from the cache when no source changed since the last run, else synthesized once.
 * A run may bring its own with SWITCHBOARD_TEST_ASSEMBLY=dir.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env[APP_ASSEMBLY_ENV]) return;
  process.env[APP_ASSEMBLY_ENV] = (await cachedAssembly({ cwd: ROOT, log: (line) => process.stderr.write(`\n${line}\n`) })).dir;
}
