import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SwitchboardApi, type SwitchboardApiProps } from '../../lib/switchboard-api';
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

/** The template of the app synthesized with `context` (synthSwitchboard), its temp dir removed once read. */
export function synthTemplate(context: Record<string, unknown>): Template {
  const { stack, outdir } = synthSwitchboard(context);
  try {
    return Template.fromStack(stack);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** A SwitchboardApi with `props` in a stack of its own (`S`), without bundling, for tests of its props and grants. */
export function apiStack(props: SwitchboardApiProps = {}): { app: App; stack: Stack; api: SwitchboardApi } {
  requireIntegrationTest('apiStack()');
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'S');
  const api = new SwitchboardApi(stack, 'Switchboard', props);
  return { app, stack, api };
}

/** The template of a SwitchboardApi with `props` in a stack of its own (apiStack). */
export function apiWith(props: SwitchboardApiProps): Template {
  return Template.fromStack(apiStack(props).stack);
}

export interface HandlerFunctionProperties {
  Role: { 'Fn::GetAtt': [string, string] };
  Environment?: { Variables?: Record<string, unknown> };
}

/** The one Lambda function of the SwitchboardApi `Switchboard` built from lambda/functions/<handler>.ts (`Message`, `Publish`, ...). */
export function handlerFunction(t: Template, handler: string): { logicalId: string; properties: HandlerFunctionProperties } {
  const found = Object.entries(t.findResources('AWS::Lambda::Function')).filter(([logicalId]) =>
    logicalId.startsWith(`Switchboard${handler}HandlerFunction`),
  );
  if (found.length !== 1) throw new Error(`expected one function for handler ${handler}; found ${found.length}`);
  return { logicalId: found[0][0], properties: (found[0][1] as { Properties: HandlerFunctionProperties }).Properties };
}

/** The environment variables of that function. */
export function environmentOf(t: Template, handler: string): Record<string, unknown> {
  return handlerFunction(t, handler).properties.Environment?.Variables ?? {};
}
