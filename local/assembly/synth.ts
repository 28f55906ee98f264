/** Runs the CDK CLI's `cdk synth`, as a user would, for the CLI, the benches and the tests. */
import { spawn } from 'node:child_process';

export interface SynthOptions {
  /** The CDK app folder (with cdk.json). */
  readonly cwd: string;
  /** Where the cloud assembly goes. */
  readonly outDir: string;
  /** Extra context, passed as `-c key=value`. */
  readonly context?: Readonly<Record<string, string>>;
  /** Show cdk's own output (bundling lines); errors are always shown. @default false */
  readonly verbose?: boolean;
}

/**
 * Synthesizes the app in `cwd` into `outDir`; rejects naming the exit status when cdk fails. It
 * runs as a child process, so a running emulator keeps serving while it synthesizes (--watch).
 */
export async function synthesize(options: SynthOptions): Promise<string> {
  const cdk = require.resolve('aws-cdk/bin/cdk');
  const contextArgs = Object.entries(options.context ?? {}).flatMap(([key, value]) => ['-c', `${key}=${value}`]);
  const child = spawn(process.execPath, [cdk, 'synth', '--quiet', '-o', options.outDir, ...contextArgs], {
    cwd: options.cwd,
    stdio: ['ignore', options.verbose ? 'inherit' : 'ignore', 'inherit'],
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
  });
  if (code !== 0) throw new Error(`cdk synth failed (exit ${code ?? signal})`);
  return options.outDir;
}
