/**
 * The AWS SDK the emulator provides to functions, as Lambda's Node.js runtime does: SDK v3 (every
 * `@aws-sdk/*` package) on nodejs18.x and later, SDK v2 (`aws-sdk`) up to nodejs16.x, whatever
 * the app's folder layout. Before a function's environments start, the packages its code imports
 * and does not bundle (sdk-imports.ts) come from the emulator's own node_modules when it has them,
 * else from the SDK cache on this machine (local/machine/folders.ts), where they are installed
 * with npm on first use. Each function's NODE_PATH (which the ES module hook follows too) names
 * where its packages are.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { FunctionSpec } from '../assembly/app-spec';
import {
  installCommand,
  installFolder,
  installSpecs,
  runtimeSdkOf,
  sdkGenerationOf,
  SDK_V2_PACKAGE,
  type SdkCacheSettings,
} from './runtime-sdk';
import { unbundledSdkImports } from './sdk-imports';
import { npmInstall, type SdkInstaller } from './sdk-install';

export interface ProvidedSdkOptions {
  /** The SDK cache: where packages the emulator lacks are installed (sdkCacheDir()). */
  readonly cacheDir: string;
  /** Receives the progress line of an install, and a warning for each package that could not be installed. */
  readonly log: (line: string) => void;
  /** @default npm */
  readonly install?: SdkInstaller;
  /** The node_modules folder that holds the emulator's own SDK v3. @default the one this process loads @aws-sdk/client-dynamodb from */
  readonly emulatorModules?: string;
}

export class ProvidedSdk {
  /** The cache and the versions installed into it, which execution environments also need for their errors. */
  readonly settings: SdkCacheSettings;
  private readonly emulatorModules: string;
  private readonly install: SdkInstaller;
  /** Each code folder's unbundled SDK imports: asset folders are named by their content's hash, so one scan each. */
  private readonly imports = new Map<string, readonly string[]>();
  /** Installs under way or done, by folder; a failed one is tried again at the next prepare (a reload). */
  private readonly installs = new Map<string, Promise<boolean>>();

  constructor(private readonly options: ProvidedSdkOptions) {
    this.emulatorModules = options.emulatorModules ?? emulatorNodeModules();
    this.install = options.install ?? npmInstall;
    const fromClient = createRequire(path.join(this.emulatorModules, '@aws-sdk', 'client-dynamodb', 'package.json'));
    this.settings = {
      dir: options.cacheDir,
      v3Release: packageVersion(fromClient, '@aws-sdk/client-dynamodb'),
      coreVersion: packageVersion(fromClient, '@aws-sdk/core'),
    };
  }

  /**
   * Finds the SDK packages the functions import and do not bundle, and installs into the cache
   * those their runtime provides and neither the emulator nor the cache has, with one progress line.
   * Never throws for a package that could not be installed: it is logged, with the command that
   * installs it, and a function that loads it fails at init saying the same (worker.ts).
   */
  async prepare(functions: Iterable<FunctionSpec>): Promise<void> {
    const missing = new Set<string>();
    for (const spec of functions) for (const pkg of this.packagesOf(spec)) if (!this.has(pkg)) missing.add(pkg);
    const toInstall = [...missing].filter((pkg) => !this.installs.has(installFolder(pkg, this.settings)));
    if (toInstall.length > 0) {
      this.options.log(
        `Installing ${toInstall.join(', ')} into ${this.settings.dir}: Lambda's Node.js runtime provides ${toInstall.length === 1 ? 'it' : 'them'} and the emulator has not got ${toInstall.length === 1 ? 'it' : 'them'} yet (once; later starts reuse ${toInstall.length === 1 ? 'it' : 'them'})`,
      );
    }
    await Promise.all([...missing].map((pkg) => this.installOnce(pkg)));
  }

  /**
   * The NODE_PATH of a function: the emulator's node_modules (SDK v3) and the cache folders of the
   * v3 packages it installed for it; for a runtime that provided SDK v2, only the cache's aws-sdk.
   */
  nodePathOf(spec: FunctionSpec): string {
    const sdk = runtimeSdkOf(spec.runtime);
    if (sdk === 'v2') return this.cachedModules(SDK_V2_PACKAGE) ?? '';
    const cached = this.packagesOf(spec).flatMap((pkg) => this.cachedModules(pkg) ?? []);
    return [this.emulatorModules, ...cached].join(path.delimiter);
  }

  /** The SDK packages a function imports and does not bundle that its runtime provides. */
  private packagesOf(spec: FunctionSpec): readonly string[] {
    const sdk = runtimeSdkOf(spec.runtime);
    if (spec.unsupported || sdk === undefined) return [];
    let imports = this.imports.get(spec.codeDir);
    if (!imports) {
      imports = unbundledSdkImports(spec.codeDir);
      this.imports.set(spec.codeDir, imports);
    }
    return imports.filter((pkg) => sdkGenerationOf(pkg) === sdk);
  }

  /** Whether a package is where a function on its runtime gets it: SDK v3 in the emulator's node_modules or the cache, v2 in the cache. */
  private has(pkg: string): boolean {
    if (sdkGenerationOf(pkg) === 'v3' && existsSync(path.join(this.emulatorModules, pkg, 'package.json'))) return true;
    return this.cachedModules(pkg) !== undefined;
  }

  /** The node_modules of a package's cache folder, when it is installed there. */
  private cachedModules(pkg: string): string | undefined {
    const modules = path.join(installFolder(pkg, this.settings), 'node_modules');
    return existsSync(path.join(modules, pkg, 'package.json')) ? modules : undefined;
  }

  /** Installs a package once per emulator (concurrent prepares share the install); resolves whether it is there. */
  private installOnce(pkg: string): Promise<boolean> {
    const folder = installFolder(pkg, this.settings);
    let installing = this.installs.get(folder);
    if (!installing) {
      installing = this.install(folder, installSpecs(pkg, this.settings)).then(
        () => true,
        (err: unknown) => {
          this.installs.delete(folder);
          this.options.log(
            `warning: could not install ${pkg} (${err instanceof Error ? err.message : String(err)}); functions that load it fail at init. Install it with: ${installCommand(pkg, this.settings)}`,
          );
          return false;
        },
      );
      this.installs.set(folder, installing);
    }
    return installing;
  }
}

/** The node_modules folder this process loads its SDK v3 from. */
function emulatorNodeModules(): string {
  return path.resolve(path.dirname(require.resolve('@aws-sdk/client-dynamodb/package.json')), '..', '..');
}

/** The version of a package as `req` resolves it. */
function packageVersion(req: NodeRequire, pkg: string): string {
  return (req(`${pkg}/package.json`) as { version: string }).version;
}
