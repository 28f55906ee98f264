/** Runs the CDK CLI's `cdk synth`, as a user would, for the CLI, the benches and the tests. */
import { spawnSync } from 'node:child_process';

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

/** Synthesizes the app in `cwd` into `outDir`; throws naming the exit status when cdk fails. */
export function synthesize(options: SynthOptions): string {
  const cdk = require.resolve('aws-cdk/bin/cdk');
  const contextArgs = Object.entries(options.context ?? {}).flatMap(([key, value]) => ['-c', `${key}=${value}`]);
  const result = spawnSync(process.execPath, [cdk, 'synth', '--quiet', '-o', options.outDir, ...contextArgs], {
    cwd: options.cwd,
    stdio: ['ignore', options.verbose ? 'inherit' : 'ignore', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`cdk synth failed (exit ${result.status ?? result.signal})`);
  return options.outDir;
}
