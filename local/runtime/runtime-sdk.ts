/**
 * Which AWS SDK Lambda's Node.js runtimes provide (outside the function's bundle), and how the
 * emulator provides the same: the facts and messages, with no side effects, shared by the
 * provisioning at start (provided-sdk.ts) and the execution environment's errors (worker.ts).
 *
 * Lambda: "The nodejs16.x Lambda runtime includes version 2.x of the SDK. Runtime versions
 * nodejs18.x and later include version 3 of the SDK" (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-package.html),
 * every `@aws-sdk/*` package of a release in /var/runtime/node_modules.
 */
import * as path from 'node:path';

/** Lambda's Node.js runtimes up to this major provided AWS SDK v2 (`aws-sdk`); later ones provide only v3. */
export const LAST_RUNTIME_WITH_SDK_V2 = 16;

/** SDK v2's one package. */
export const SDK_V2_PACKAGE = 'aws-sdk';

/** The version range of SDK v2 the emulator installs: the last line of v2, which nodejs16.x shipped a release of. */
export const SDK_V2_RANGE = '2';

/** The major version of a `nodejsNN.x` runtime name, or undefined for any other runtime. */
export function nodeRuntimeMajor(runtime: string): number | undefined {
  const match = /^nodejs(\d+)\.x$/.exec(runtime);
  return match ? Number(match[1]) : undefined;
}

/** Which SDK a runtime provides: v2 (`aws-sdk`) up to nodejs16.x, v3 (`@aws-sdk/*`) after; undefined for a runtime that is not Node.js. */
export function runtimeSdkOf(runtime: string): 'v2' | 'v3' | undefined {
  const major = nodeRuntimeMajor(runtime);
  if (major === undefined) return undefined;
  return major <= LAST_RUNTIME_WITH_SDK_V2 ? 'v2' : 'v3';
}

/** The SDK package a module specifier names (`@aws-sdk/client-sns/dist-cjs/x` gives `@aws-sdk/client-sns`), if it names one. */
export function sdkPackageOf(specifier: string): string | undefined {
  const match = /^(@aws-sdk\/[a-z0-9][a-z0-9._-]*|aws-sdk)(?:\/|$)/.exec(specifier);
  return match?.[1];
}

/** Which SDK a package belongs to. */
export function sdkGenerationOf(pkg: string): 'v2' | 'v3' {
  return pkg === SDK_V2_PACKAGE ? 'v2' : 'v3';
}

/**
 * The versions the emulator installs, taken from its own SDK: each v3 package at the newest
 * version no newer than the emulator's clients (one release train: every client and lib is
 * published with the same version), with the emulator's `@aws-sdk/core`, so that installed clients
 * behave as the ones it depends on.
 */
export interface SdkCacheSettings {
  /** The folder packages are installed into, one folder per package and version. */
  readonly dir: string;
  /** The version of the emulator's own SDK v3 clients, e.g. `3.1169.0`. */
  readonly v3Release: string;
  /** The version of the emulator's `@aws-sdk/core`, e.g. `3.981.1`. */
  readonly coreVersion: string;
}

/** What `npm install` is given for a package: the package with its version range, and the core it runs with. */
export function installSpecs(pkg: string, settings: SdkCacheSettings): string[] {
  if (sdkGenerationOf(pkg) === 'v2') return [`${pkg}@${SDK_V2_RANGE}`];
  return [`${pkg}@<=${settings.v3Release}`, `@aws-sdk/core@${settings.coreVersion}`];
}

/** The folder a package is installed into (its node_modules is what functions get on NODE_PATH). */
export function installFolder(pkg: string, settings: SdkCacheSettings): string {
  const version = sdkGenerationOf(pkg) === 'v2' ? SDK_V2_RANGE : settings.v3Release;
  return path.join(settings.dir, `${pkg.replace('/', '+')}@${version}`);
}

/** The command that installs a package where the emulator looks for it, for a person to run. */
export function installCommand(pkg: string, settings: SdkCacheSettings): string {
  const specs = installSpecs(pkg, settings).map((spec) => (/[<>]/.test(spec) ? `'${spec}'` : spec));
  return `npm install --prefix ${installFolder(pkg, settings)} ${specs.join(' ')}`;
}

/**
 * Why a function cannot load an SDK package, and what to do, as its init error says it: the
 * package is not one its runtime provides (bundle it), or one the emulator could not install.
 */
export function missingSdkMessage(pkg: string, runtime: string, settings: SdkCacheSettings | undefined): string {
  const provided = runtimeSdkOf(runtime);
  const generation = sdkGenerationOf(pkg);
  if (provided !== undefined && provided !== generation) {
    return generation === 'v2'
      ? `Cannot find module '${pkg}'. Lambda's ${runtime} runtime provides AWS SDK v3 only (nodejs18.x and later do not include v2): bundle ${pkg} with the function, or use the v3 clients.`
      : `Cannot find package '${pkg}'. Lambda's ${runtime} runtime provides AWS SDK v2 (${SDK_V2_PACKAGE}), not v3: bundle ${pkg} with the function, or move it to nodejs18.x or later.`;
  }
  const where = settings
    ? `the emulator installs the SDK packages a function's code names into ${settings.dir} when it starts, and this one is not there (see the emulator's start output): install it with: ${installCommand(pkg, settings)}`
    : 'this emulator does not install SDK packages';
  return `Cannot find package '${pkg}'. Lambda's ${runtime} runtime provides it; ${where}`;
}
