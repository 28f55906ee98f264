import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { addSwitchboard } from '../../lib/switchboard-app';
import type { SwitchboardStack } from '../../lib/switchboard-stack';

/**
 * Synthesizes the app as `cdk synth` does (cdk-nag included) into a temp dir.
 * With `bundle: false`, NodejsFunction skips esbuild (CDK's bundling-stacks
 * context), for tests that only read the template.
 */
export function synthSwitchboard(
  context: Record<string, unknown> = {},
  options: { bundle: boolean } = { bundle: true },
): { app: App; stack: SwitchboardStack; outdir: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-synth-'));
  const app = new App({
    outdir,
    // The CLI records each asset's folder in the template metadata; do the same.
    context: options.bundle ? { 'aws:cdk:enable-asset-metadata': true, ...context } : { ...context, 'aws:cdk:bundling-stacks': [] },
  });
  const stack = addSwitchboard(app);
  app.synth();
  return { app, stack, outdir };
}
