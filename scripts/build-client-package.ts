/**
 * The light client package, packages/client (`switchboard-client`): the typed client and the
 * protocol's types and constants, built from client/ and protocol/ into packages/client/dist/,
 * with `ws` its only dependency (loaded only on Node without a global WebSocket) and nothing of
 * the CDK constructs, the handlers or the emulator. Its `prepack` runs this.
 * - dist/index.{cjs,mjs,browser.mjs}: the client, bundled as the main package's (client-bundles.ts).
 * - dist/protocol.{cjs,mjs}: protocol/, bundled (frame types, actions, limits, the frame parser).
 * - dist/types/: tsc's declarations of client/ and protocol/.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';
import { clientBundles } from './client-bundles';

const ROOT = path.join(__dirname, '..');
export const CLIENT_PACKAGE = path.join(ROOT, 'packages', 'client');
const DIST = path.join(CLIENT_PACKAGE, 'dist');

const versionOf = (dir: string) => (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;

export async function buildClientPackage(log: (line: string) => void = console.log): Promise<void> {
  // One release of both packages: a client of another version could speak another protocol.
  if (versionOf(CLIENT_PACKAGE) !== versionOf(ROOT)) {
    throw new Error(
      `packages/client/package.json has version ${versionOf(CLIENT_PACKAGE)} and package.json ${versionOf(ROOT)}; give both the same version.`,
    );
  }
  rmSync(DIST, { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(CLIENT_PACKAGE, 'tsconfig.build.json')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  const protocol = { entryPoints: [path.join(ROOT, 'protocol', 'index.ts')], bundle: true, target: 'es2022', platform: 'neutral' as const };
  await Promise.all([
    ...clientBundles(DIST).map((options) => build(options)),
    build({ ...protocol, format: 'cjs', outfile: path.join(DIST, 'protocol.cjs') }),
    build({ ...protocol, format: 'esm', outfile: path.join(DIST, 'protocol.mjs') }),
  ]);
  log('packages/client/dist/ built: the client (ESM, CJS, browser), the protocol (ESM, CJS), their types');
}

if (require.main === module) {
  buildClientPackage().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
