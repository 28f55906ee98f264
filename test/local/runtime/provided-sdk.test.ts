/**
 * The SDK the emulator provides to functions: which packages it installs into its cache, and that
 * functions (real workers, CommonJS and ES modules) load them from there. The installer here writes
 * a stand-in package, as npm would install one; test/local/sdk-provisioning.integration.test.ts
 * installs a real client with npm.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { FunctionSpec } from '../../../local/assembly/app-spec';
import { ProvidedSdk } from '../../../local/runtime/provided-sdk';
import { installFolder } from '../../../local/runtime/runtime-sdk';
import { LambdaRuntime } from '../../../local/runtime/runtime';
import type { SdkInstaller } from '../../../local/runtime/sdk-install';
import { FunctionFolders, SDK_FOLDER } from './function-fixtures';

let folders: FunctionFolders;
beforeEach(() => {
  folders = new FunctionFolders();
});
afterEach(() => folders.remove());

/** An installer that records what it is asked and installs a stand-in of the package, or fails for the packages named in `failing`. */
function standInInstaller(failing: ReadonlySet<string> = new Set()): SdkInstaller & { calls: Array<[string, readonly string[]]> } {
  const calls: Array<[string, readonly string[]]> = [];
  const install = (folder: string, specs: readonly string[]): Promise<void> => {
    calls.push([folder, specs]);
    const pkg = specs[0].slice(0, specs[0].lastIndexOf('@'));
    if (failing.has(pkg)) return Promise.reject(new Error('npm install failed (exit 1): ENOTFOUND: request to the registry failed'));
    const dir = path.join(folder, 'node_modules', pkg);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: pkg, main: 'index.js' }));
    writeFileSync(path.join(dir, 'index.js'), 'exports.Client = class Client {}; exports.from = __filename;\n');
    return Promise.resolve();
  };
  return Object.assign(install, { calls });
}

function sdkWith(install: SdkInstaller, lines: string[] = []): ProvidedSdk {
  return new ProvidedSdk({ cacheDir: folders.file('cache'), log: (line) => lines.push(line), install, emulatorModules: SDK_FOLDER });
}

/** The version of a package this project installed. */
function versionOf(pkg: string): string {
  return (JSON.parse(readFileSync(path.join(SDK_FOLDER, pkg, 'package.json'), 'utf8')) as { version: string }).version;
}

const LOADS_SNS_CJS = `const { Client, from } = require('@aws-sdk/client-sns');
exports.handler = async () => ({ client: typeof Client, from });`;
const LOADS_SNS_ESM = `import { Client, from } from '@aws-sdk/client-sns';
export const handler = async () => ({ client: typeof Client, from });`;

describe('the SDK provided to functions', () => {
  test("installs the packages a function's runtime provides that the emulator lacks, once, with one line", async () => {
    // GIVEN functions on v3 and v2 runtimes, importing packages the emulator has, lacks, or their runtime would not provide
    const specs: FunctionSpec[] = [
      folders.spec('v3', 'index.handler', {
        'index.js': "require('@aws-sdk/client-sns'); require('@aws-sdk/client-dynamodb'); require('aws-sdk');",
      }),
      folders.spec('v2', 'index.handler', { 'index.js': "require('aws-sdk'); require('@aws-sdk/client-sqs');" }, { runtime: 'nodejs16.x' }),
      folders.spec(
        'py',
        'index.handler',
        { 'index.js': "require('@aws-sdk/client-s3');" },
        { runtime: 'python3.13', unsupported: 'not Node' },
      ),
    ];
    const install = standInInstaller();
    const lines: string[] = [];
    const sdk = sdkWith(install, lines);

    // WHEN it prepares them, twice, and another emulator on the same cache does too
    await sdk.prepare(specs);
    await sdk.prepare(specs);
    await sdkWith(install, lines).prepare(specs);

    // THEN only the v3 client the emulator lacks and v2 for the nodejs16.x function were installed, once each
    expect(install.calls).toEqual([
      [
        installFolder('@aws-sdk/client-sns', sdk.settings),
        ['@aws-sdk/client-sns@<=' + sdk.settings.v3Release, `@aws-sdk/core@${sdk.settings.coreVersion}`],
      ],
      [installFolder('aws-sdk', sdk.settings), ['aws-sdk@2']],
    ]);
    expect(lines).toEqual([
      `Installing @aws-sdk/client-sns, aws-sdk into ${folders.file('cache')}: Lambda's Node.js runtime provides them and the emulator has not got them yet (once; later starts reuse them)`,
    ]);
    // AND each function's NODE_PATH names where its packages are: v3 from the emulator and the cache, v2 only from the cache
    expect(sdk.nodePathOf(specs[0])).toBe(
      [SDK_FOLDER, path.join(installFolder('@aws-sdk/client-sns', sdk.settings), 'node_modules')].join(path.delimiter),
    );
    expect(sdk.nodePathOf(specs[1])).toBe(path.join(installFolder('aws-sdk', sdk.settings), 'node_modules'));
    // and the versions come from the emulator's own SDK
    expect(sdk.settings).toEqual({
      dir: folders.file('cache'),
      v3Release: versionOf('@aws-sdk/client-dynamodb'),
      coreVersion: versionOf('@aws-sdk/core'),
    });
  });

  test('functions load what was installed for them, CommonJS and ES modules; v2 functions get no v3 client', async () => {
    const specs = [
      folders.spec('cjs', 'index.handler', { 'index.js': LOADS_SNS_CJS }),
      folders.spec('esm', 'index.handler', { 'index.mjs': LOADS_SNS_ESM }),
      folders.spec(
        'old',
        'index.handler',
        {
          'index.js': `const AWS = require('aws-sdk');
exports.handler = async () => {
  let v3;
  try { require('@aws-sdk/client-dynamodb'); v3 = 'loaded'; } catch (err) { v3 = err.message; }
  return { from: AWS.from, v3 };
};`,
        },
        { runtime: 'nodejs16.x' },
      ),
    ];
    const sdk = sdkWith(standInInstaller());
    await sdk.prepare(specs);
    const runtime = new LambdaRuntime(specs, (spec) => ({ NODE_PATH: sdk.nodePathOf(spec) }), {
      baseEnvironment: {},
      region: 'us-east-1',
      accountId: '123456789012',
      sdkCache: sdk.settings,
    });
    try {
      const snsFile = path.join(installFolder('@aws-sdk/client-sns', sdk.settings), 'node_modules', '@aws-sdk', 'client-sns', 'index.js');
      expect(await runtime.invoke('cjs', {})).toMatchObject({ ok: true, result: { client: 'function', from: snsFile } });
      expect(await runtime.invoke('esm', {})).toMatchObject({ ok: true, result: { client: 'function', from: snsFile } });
      expect(await runtime.invoke('old', {})).toMatchObject({
        ok: true,
        result: {
          from: path.join(installFolder('aws-sdk', sdk.settings), 'node_modules', 'aws-sdk', 'index.js'),
          v3: expect.stringContaining("Cannot find module '@aws-sdk/client-dynamodb'") as string,
        },
      });
    } finally {
      await runtime.stop();
    }
  });

  test('a package that could not be installed is a warning naming the command, then an init error saying the same; a later prepare tries again', async () => {
    const spec = folders.spec('esm', 'index.handler', { 'index.mjs': LOADS_SNS_ESM });
    const lines: string[] = [];
    const install = standInInstaller(new Set(['@aws-sdk/client-sns']));
    const sdk = sdkWith(install, lines);

    await sdk.prepare([spec]);

    const command = `npm install --prefix ${installFolder('@aws-sdk/client-sns', sdk.settings)} '@aws-sdk/client-sns@<=${sdk.settings.v3Release}' @aws-sdk/core@${sdk.settings.coreVersion}`;
    expect(lines[1]).toBe(
      `warning: could not install @aws-sdk/client-sns (npm install failed (exit 1): ENOTFOUND: request to the registry failed); functions that load it fail at init. Install it with: ${command}`,
    );
    const runtime = new LambdaRuntime([spec], (s) => ({ NODE_PATH: sdk.nodePathOf(s) }), {
      baseEnvironment: {},
      region: 'us-east-1',
      accountId: '123456789012',
      sdkCache: sdk.settings,
    });
    try {
      const result = await runtime.invoke('esm', {});
      expect(result).toMatchObject({ ok: false, error: { errorType: 'Runtime.ImportModuleError' } });
      if (!result.ok) {
        expect(result.error.errorMessage).toContain("Cannot find package '@aws-sdk/client-sns'. Lambda's nodejs24.x runtime provides it");
        expect(result.error.errorMessage).toContain(`install it with: ${command}`);
      }
    } finally {
      await runtime.stop();
    }
    await sdk.prepare([spec]);
    expect(install.calls).toHaveLength(2);
  });
});
