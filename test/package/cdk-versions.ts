/**
 * The aws-cdk-lib releases the pack test runs a consumer's app against: the oldest the package's
 * peer range allows and the newest on the registry. Each is installed once from the registry, with
 * the constructs and cdk-nag that go with it, into node_modules/.cache/switchboard/cdk-<version>-nag-<cdk-nag version>/,
 * which later runs reuse (npm's own cache makes the install in a fresh clone a few seconds). Where
 * the registry cannot be reached, a release not installed yet is skipped, with one line saying so.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from './consumer-project';

const CACHE = path.join(REPO, 'node_modules', '.cache', 'switchboard');

interface PackageJson {
  readonly version: string;
  readonly peerDependencies: Record<string, string>;
  readonly dependencies: Record<string, string>;
}

const readPackage = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageJson;

/** The lowest version a `^x.y.z` range allows; throws for any other form, which this test would not know how to read. */
export function floorOf(range: string): string {
  const match = /^\^(\d+\.\d+\.\d+)$/.exec(range);
  if (!match) throw new Error(`Expected a peer range of the form ^x.y.z, got ${range}.`);
  return match[1];
}

/** One aws-cdk-lib release to test against, with the constructs and cdk-nag to install beside it. */
export interface CdkRelease {
  /** Which end of the range: 'oldest' or 'newest'. */
  readonly end: 'oldest' | 'newest';
  readonly version: string;
  readonly constructs: string;
  readonly cdkNag: string;
}

/** `npm view aws-cdk-lib version`: the newest release, or the reason the registry did not answer. */
function newestOnRegistry(): { version: string } | { unreachable: string } {
  const result = spawnSync('npm', ['view', 'aws-cdk-lib', 'version', '--fetch-retries=0', '--fetch-timeout=15000'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  const version = result.stdout?.trim();
  if (result.status === 0 && version && /^\d+\.\d+\.\d+$/.test(version)) return { version };
  const reason = (result.error?.message ?? result.stderr ?? '').split('\n').find((line) => line.trim() !== '') ?? `exit ${result.status}`;
  return { unreachable: reason.trim() };
}

/** Where a release is (or will be) installed: its node_modules holds aws-cdk-lib, constructs and cdk-nag, by their versions. */
export function releaseModules(release: CdkRelease): string {
  return path.join(CACHE, `cdk-${release.version}-nag-${release.cdkNag}`, 'node_modules');
}

function installed(release: CdkRelease): boolean {
  const modules = releaseModules(release);
  const versionIn = (name: string) =>
    fs.existsSync(path.join(modules, name, 'package.json')) ? readPackage(path.join(modules, name)).version : undefined;
  return versionIn('aws-cdk-lib') === release.version && versionIn('cdk-nag') === release.cdkNag;
}

/**
 * The releases to test: the oldest the peer range allows (with constructs at its floor too), and
 * the newest on the registry (with the newest constructs), each with this repository's cdk-nag. A
 * release that is neither installed nor installable (no registry) is listed in `skipped`.
 */
export function cdkReleases(): { releases: CdkRelease[]; skipped: string[] } {
  const pkg = readPackage(REPO);
  const cdkNag = readPackage(path.join(REPO, 'node_modules', 'cdk-nag')).version;
  const oldest: CdkRelease = {
    end: 'oldest',
    version: floorOf(pkg.peerDependencies['aws-cdk-lib']),
    constructs: floorOf(pkg.peerDependencies.constructs),
    cdkNag,
  };
  const newest = newestOnRegistry();
  const releases: CdkRelease[] = [];
  const skipped: string[] = [];
  if (installed(oldest) || 'version' in newest) releases.push(oldest);
  else skipped.push(`aws-cdk-lib ${oldest.version} (oldest)`);
  if ('version' in newest) releases.push({ end: 'newest', version: newest.version, constructs: '^10', cdkNag });
  else skipped.push('aws-cdk-lib (newest on the registry)');
  if (skipped.length > 0) {
    process.stderr.write(
      `pack test: skipped ${skipped.join(' and ')}: the npm registry is unreachable (${'unreachable' in newest ? newest.unreachable : ''})\n`,
    );
  }
  return { releases, skipped };
}

/** Installs a release into its cache folder unless it is there; returns its node_modules. */
export function installRelease(release: CdkRelease): string {
  if (installed(release)) return releaseModules(release);
  const target = path.dirname(releaseModules(release));
  // Installed beside, then renamed: an interrupted install never passes for a cached one.
  const staging = `${target}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  fs.writeFileSync(path.join(staging, 'package.json'), JSON.stringify({ private: true }));
  execFileSync(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      `aws-cdk-lib@${release.version}`,
      `constructs@${release.constructs}`,
      `cdk-nag@${release.cdkNag}`,
    ],
    { cwd: staging, stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 },
  );
  fs.rmSync(target, { recursive: true, force: true });
  fs.renameSync(staging, target);
  return releaseModules(release);
}
