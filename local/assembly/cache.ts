/**
 * Synthesized cloud assemblies, cached by a hash of everything `cdk synth` reads, so an unchanged
 * app is synthesized once instead of on every test run (and, later, every `npm start`).
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import { synthesize, type SynthOptions } from './synth';

/** Files synthesis reads besides the app's sources: CDK settings, dependency versions, compiler settings. */
const TOOLCHAIN_FILES = [
  'cdk.json',
  'cdk.context.json',
  'package.json',
  'package-lock.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'tsconfig.json',
];
/** Folders that are never inputs, at any depth: dependencies, synth output. */
const NEVER_INPUT_FOLDERS: ReadonlySet<string> = new Set(['node_modules', 'cdk.out']);

/**
 * Whether a folder of this name is never a synth input: dependencies, synth output, and every
 * dot-folder (.git, .switchboard with the local issuer's state, editors' and tools' caches), which
 * would otherwise change the key on every emulator start of an app without `watch.include`.
 */
export function notAnInputFolder(name: string): boolean {
  return NEVER_INPUT_FOLDERS.has(name) || name.startsWith('.');
}

/** How long an assembly beyond the `keep` most recent stays, in case a running emulator or test run still uses it. */
const PRUNE_UNUSED_FOR_MS = 24 * 60 * 60_000;
/** Bumped when the assembly's layout or the key's recipe changes, so old entries are not reused. */
const KEY_VERSION = 'assembly-cache-v1';
const ENTRY_PREFIX = 'assembly-';
const TEMP_PREFIX = '.tmp-assembly-';

export interface AssemblyKeyOptions {
  /** The CDK app folder (with cdk.json). */
  readonly cwd: string;
  /** Extra context, as given to `cdk synth -c`. */
  readonly context?: Readonly<Record<string, string>>;
}

export interface AssemblyCacheOptions extends AssemblyKeyOptions {
  /** Where assemblies are kept. @default <cwd>/node_modules/.cache/switchboard */
  readonly cacheDir?: string;
  /** How many other assemblies to keep, most recently used first. @default 2 */
  readonly keep?: number;
  /** Show cdk's own output. @default false */
  readonly verbose?: boolean;
  /** Told when the cache misses and synthesis starts. @default silent */
  readonly log?: (line: string) => void;
  /** Synthesizes into `options.outDir`. @default `cdk synth` (local/assembly/synth.ts) */
  readonly synth?: (options: SynthOptions) => Promise<unknown>;
}

export interface CachedAssembly {
  /** The assembly folder; never written to again, so many readers may share it. */
  readonly dir: string;
  readonly key: string;
  /** True when this call synthesized it. */
  readonly synthesized: boolean;
}

/**
 * What synthesis reads, relative to `cwd`: the folders `watch.include` in cdk.json names (the app's
 * own list of its sources, as `cdk watch` uses it; each glob cut to its literal folder, so a pattern
 * never covers less than it says) and the toolchain files. Without `watch.include`, the whole folder.
 */
export function synthInputs(cwd: string): string[] {
  const cdkJson = path.join(cwd, 'cdk.json');
  const config = existsSync(cdkJson) ? (JSON.parse(readFileSync(cdkJson, 'utf8')) as { watch?: { include?: unknown } }) : {};
  const include = config.watch?.include;
  const patterns = Array.isArray(include)
    ? include.filter((p): p is string => typeof p === 'string')
    : typeof include === 'string'
      ? [include]
      : ['**'];
  const folders = patterns.map((pattern) => {
    const wildcard = pattern.search(/[*?[{]/);
    if (wildcard < 0) return pattern.replace(/\/+$/, '');
    // The folder before the first wildcard: 'lib/**/*.ts' -> 'lib', '**' -> '' (the whole app).
    return pattern.slice(0, wildcard).replace(/\/?[^/]*$/, '');
  });
  return [...new Set([...folders, ...TOOLCHAIN_FILES])].sort();
}

/** A hash of the contents (not the times) of every file synthesis reads, and of the context. */
export function assemblyKey(options: AssemblyKeyOptions): string {
  return assemblyKeyParts(options).key;
}

/** The key, and the two things it is made of, so a new synth can say which of them changed. */
export interface AssemblyKeyParts {
  readonly key: string;
  /** A hash of the files synthesis reads. */
  readonly sources: string;
  /** The context, as given to `cdk synth -c`. */
  readonly context: Readonly<Record<string, string>>;
}

export function assemblyKeyParts(options: AssemblyKeyOptions): AssemblyKeyParts {
  const hash = createHash('sha256').update(`${KEY_VERSION}\0`);
  const sources = createHash('sha256');
  const context = Object.entries(options.context ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  hash.update(`${JSON.stringify(context)}\0`);
  const files = new Map<string, string>();
  for (const input of synthInputs(options.cwd)) collectFiles(options.cwd, input, files);
  for (const relative of [...files.keys()].sort()) {
    hash.update(`${relative}\0${files.get(relative)}\0`);
    sources.update(`${relative}\0${files.get(relative)}\0`);
  }
  return { key: hash.digest('hex').slice(0, 20), sources: sources.digest('hex').slice(0, 20), context: Object.fromEntries(context) };
}

/**
 * Why an app is synthesized again, for the line that announces it: what differs from the parts
 * of the last synth (undefined: there was none; 'unknown': an assembly without its parts).
 */
export function synthReason(last: Omit<AssemblyKeyParts, 'key'> | undefined | 'unknown', current: AssemblyKeyParts): string {
  if (last === undefined) return 'no earlier synth of this app is cached';
  if (last === 'unknown') return 'its sources or context changed since the last synth';
  const keys = [...new Set([...Object.keys(last.context), ...Object.keys(current.context)])].sort();
  const contextChanges = keys
    .filter((k) => last.context[k] !== current.context[k])
    .map((k) => (k in current.context ? `-c ${k}=${current.context[k]}` : `no -c ${k}`));
  if (contextChanges.length === 0) return 'its sources changed since the last synth';
  const changes = contextChanges.join(', ');
  return last.sources === current.sources
    ? `its context changed since the last synth (${changes}), not its sources`
    : `its sources and its context changed since the last synth (${changes})`;
}

/** Inside each assembly: the parts of its key, for synthReason. A dot-file, which cdk and the emulator never read. */
const PARTS_FILE = '.switchboard-key.json';

/** The parts of the most recently used assembly in `cacheDir` other than `current`'s. */
function lastParts(cacheDir: string, current: string): Omit<AssemblyKeyParts, 'key'> | undefined | 'unknown' {
  const last = existsSync(cacheDir)
    ? readdirSync(cacheDir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && e.name.startsWith(ENTRY_PREFIX) && path.join(cacheDir, e.name) !== current)
        .map((e) => ({ dir: path.join(cacheDir, e.name), used: statSync(path.join(cacheDir, e.name)).mtimeMs }))
        .sort((a, b) => b.used - a.used)[0]
    : undefined;
  if (last === undefined) return undefined;
  try {
    return JSON.parse(readFileSync(path.join(last.dir, PARTS_FILE), 'utf8')) as Omit<AssemblyKeyParts, 'key'>;
  } catch {
    return 'unknown';
  }
}

/** The latest use time of the assemblies other than `current`, in ms (0 when there is none). */
function newestUse(cacheDir: string, current: string): number {
  return readdirSync(cacheDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name.startsWith(ENTRY_PREFIX) && path.join(cacheDir, e.name) !== current)
    .reduce((newest, e) => Math.max(newest, statSync(path.join(cacheDir, e.name)).mtimeMs), 0);
}

/** Each file under `relative` (a file or a folder) with a digest of its content. */
function collectFiles(cwd: string, relative: string, into: Map<string, string>): void {
  const full = path.join(cwd, relative);
  let stats;
  try {
    stats = statSync(full);
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (stats.isFile()) {
    into.set(relative, createHash('sha256').update(readFileSync(full)).digest('hex'));
    return;
  }
  if (!stats.isDirectory()) return;
  for (const entry of readdirSync(full, { withFileTypes: true })) {
    if (entry.isDirectory() && notAnInputFolder(entry.name)) continue;
    const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
    // A link is an input by where it points; following links to folders could loop.
    if (entry.isSymbolicLink()) into.set(child, `link:${readlinkSync(path.join(full, entry.name))}`);
    else collectFiles(cwd, child, into);
  }
}

/**
 * The app's assembly for its current sources: reused when one with the same key exists, else
 * synthesized into a private folder and renamed into place, so a concurrent run sees either no
 * assembly or a whole one. Older assemblies beyond `keep` are removed.
 */
export async function cachedAssembly(options: AssemblyCacheOptions): Promise<CachedAssembly> {
  const cacheDir = options.cacheDir ?? path.join(options.cwd, 'node_modules', '.cache', 'switchboard');
  const parts = assemblyKeyParts(options);
  const { key } = parts;
  const dir = path.join(cacheDir, `${ENTRY_PREFIX}${key}`);
  let synthesized = false;
  if (!existsSync(dir)) {
    const reason = synthReason(lastParts(cacheDir, dir), parts);
    mkdirSync(cacheDir, { recursive: true });
    // A sibling of `dir`, so the bundles' relative source-map paths still resolve after the rename.
    const temp = mkdtempSync(path.join(cacheDir, `${TEMP_PREFIX}${process.pid}-`));
    options.log?.(`Synthesizing the CDK app in ${options.cwd} into ${dir} (${reason}) ...`);
    try {
      await (options.synth ?? synthesize)({ cwd: options.cwd, outDir: temp, context: options.context, verbose: options.verbose });
      writeFileSync(path.join(temp, PARTS_FILE), JSON.stringify({ sources: parts.sources, context: parts.context }));
      renameSync(temp, dir);
      synthesized = true;
    } catch (err: unknown) {
      rmSync(temp, { recursive: true, force: true });
      // Another run renamed the same assembly into place first: use theirs.
      const code = (err as NodeJS.ErrnoException).code;
      if (!((code === 'ENOTEMPTY' || code === 'EEXIST') && existsSync(dir))) throw err;
    }
  }
  // The modification time orders assemblies by last use, for pruning and for synthReason; two uses
  // within one millisecond would tie, so this one is made later than any other.
  const now = new Date(Math.max(Date.now(), newestUse(cacheDir, dir) + 1));
  utimesSync(dir, now, now);
  prune(cacheDir, dir, options.keep ?? 2);
  return { dir, key, synthesized };
}

/**
 * Removes the other assemblies beyond the `keep` most recently used that have not been used for a
 * day (a running emulator or test run may still start workers from one), and temp folders of runs
 * that died.
 */
function prune(cacheDir: string, current: string, keep: number): void {
  const entries = readdirSync(cacheDir, { withFileTypes: true }).filter((e) => e.isDirectory());
  const others = entries
    .filter((e) => e.name.startsWith(ENTRY_PREFIX) && path.join(cacheDir, e.name) !== current)
    .map((e) => ({ dir: path.join(cacheDir, e.name), used: statSync(path.join(cacheDir, e.name)).mtimeMs }))
    .sort((a, b) => b.used - a.used);
  const now = Date.now();
  for (const { dir, used } of others.slice(keep)) {
    if (now - used >= PRUNE_UNUSED_FOR_MS) rmSync(dir, { recursive: true, force: true });
  }
  for (const entry of entries.filter((e) => e.name.startsWith(TEMP_PREFIX))) {
    const pid = Number(entry.name.slice(TEMP_PREFIX.length).split('-')[0]);
    if (!processAlive(pid)) rmSync(path.join(cacheDir, entry.name), { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err: unknown) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // it exists, under another user
  }
}
