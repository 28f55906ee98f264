/**
 * `npm run build` (and `prepack`): the package consumers install, in dist/.
 * - dist/lib, dist/protocol, dist/client, dist/publish: tsc's JavaScript and .d.ts (tsconfig.build.json).
 * - dist/client/index.{mjs,cjs,browser.mjs}: the client bundled for Node ESM, Node CommonJS and browsers.
 * - dist/handlers/<handler>/index.js: every function the construct creates, bundled as
 *   NodejsFunction would at synth, with the same BUNDLING options (but the oldest runtime's target), so a consumer's synth runs no
 *   esbuild (SwitchboardFunction picks these up when the handler sources are absent).
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { build, type BuildOptions } from 'esbuild';
import { clientBundles } from './client-bundles';
import { OLDEST_NODE_MAJOR } from '../lib/node-runtime';
import { SwitchboardFunction, BUNDLING, FUNCTIONS_DIR, PREBUILT_HANDLERS_DIR } from '../lib/switchboard-function';
import { SwitchboardStack } from '../lib/switchboard-stack';

const ROOT = path.join(__dirname, '..');
export const DIST = path.join(ROOT, 'dist');

/**
 * The handlers of every SwitchboardFunction a SwitchboardStack creates, found by building one
 * (bundling off) and walking its constructs: whatever the route table, the authorizer or the
 * publish function add, nothing is listed by hand. A function that only some props create would
 * need a stack with those props here too; today the default stack creates every one.
 */
export function constructHandlers(): string[] {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  new SwitchboardStack(app, 'Package');
  const handlers = app.node
    .findAll()
    .filter((c): c is SwitchboardFunction => c instanceof SwitchboardFunction)
    .map((fn) => fn.handler);
  return [...new Set(handlers)].sort();
}

/** BUNDLING as esbuild options: what NodejsFunction passes to esbuild for the same settings. */
function handlerBuildOptions(handler: string): BuildOptions {
  return {
    entryPoints: [path.join(FUNCTIONS_DIR, `${handler}.ts`)],
    outfile: path.join(DIST, PREBUILT_HANDLERS_DIR, handler, 'index.js'),
    bundle: true,
    platform: 'node',
    format: BUNDLING.format,
    // The oldest runtime a consumer's app may pick (the newest its aws-cdk-lib offers, or a
    // runtime prop), not the one this repository's aws-cdk-lib offers: one bundle serves them all.
    target: `node${OLDEST_NODE_MAJOR}`,
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap,
    keepNames: BUNDLING.keepNames,
    external: [...BUNDLING.externalModules],
    logLevel: BUNDLING.logLevel,
  };
}

export async function buildPackage(log: (line: string) => void = console.log): Promise<void> {
  const started = Date.now();
  rmSync(DIST, { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  const handlers = constructHandlers();
  await Promise.all([
    ...handlers.map((handler) => build(handlerBuildOptions(handler))),
    ...clientBundles(path.join(DIST, 'client')).map((options) => build(options)),
  ]);
  log(
    `dist/ built in ${((Date.now() - started) / 1000).toFixed(1)} s: lib, protocol, client (ESM, CJS, browser), publish; handlers ${handlers.join(', ')}`,
  );
}

if (require.main === module) {
  buildPackage().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
