/**
 * The client's bundles, one per platform, shared by the main package's build (build-package.ts)
 * and the light client package's (build-client-package.ts): both ship the same client.
 * - index.cjs, index.mjs: Node (CommonJS, ESM), with `ws` left a dependency: loaded only where
 *   Node has no global WebSocket (Node 20).
 * - index.browser.mjs: browsers, which have a global WebSocket; `ws` resolves to its browser stub,
 *   which is never called, so the bundle imports nothing.
 */
import * as path from 'node:path';
import type { BuildOptions } from 'esbuild';

const ROOT = path.join(__dirname, '..');

/** The esbuild options of the three bundles of the module `entry` (a path under the repository), written into `outDir`. */
export function clientBundles(outDir: string, entry: string = path.join(ROOT, 'client', 'index.ts')): BuildOptions[] {
  const common: BuildOptions = { entryPoints: [entry], bundle: true, target: 'es2022', logLevel: 'warning' };
  return [
    { ...common, platform: 'node', format: 'cjs', packages: 'external', outfile: path.join(outDir, 'index.cjs') },
    {
      ...common,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      outfile: path.join(outDir, 'index.mjs'),
      // The transport loads `ws` with require() only when there is no global WebSocket (Node 20);
      // an ES module has no require of its own.
      banner: {
        js: "import { createRequire as __switchboardRequire } from 'node:module';\nconst require = __switchboardRequire(import.meta.url);",
      },
    },
    { ...common, platform: 'browser', format: 'esm', outfile: path.join(outDir, 'index.browser.mjs') },
  ];
}
