import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { addSwitchboard } from '../../lib/switchboard-app';
import type { SwitchboardStack } from '../../lib/switchboard-stack';
import { requireIntegrationTest } from '../support/test-tier';

/**
 * Synthesizes the app as `cdk synth` does (cdk-nag included) into a temp dir,
 * for tests that read the template. NodejsFunction skips esbuild here (CDK's
 * bundling-stacks context); bundling.test.ts checks the real bundles.
 */
export function synthSwitchboard(context: Record<string, unknown> = {}): { app: App; stack: SwitchboardStack; outdir: string } {
  requireIntegrationTest('synthSwitchboard()');
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-synth-'));
  const app = new App({ outdir, context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  const stack = addSwitchboard(app);
  app.synth();
  return { app, stack, outdir };
}
