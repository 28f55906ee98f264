/**
 * The AWS SDK packages a function's code imports and does not bundle: a static scan of its code
 * folder for `require('…')`, `import … from '…'`, `import('…')` and `export … from '…'` of
 * `@aws-sdk/*` and `aws-sdk`. What its own folder holds (a node_modules shipped in the asset) is
 * its own; the rest is what it expects the runtime to provide.
 */
import { existsSync, readdirSync, readFileSync, type Dirent } from 'node:fs';
import * as path from 'node:path';
import { sdkPackageOf } from './runtime-sdk';

/** The code files Node loads. */
const CODE_FILE = /\.(?:js|mjs|cjs)$/;

/**
 * A module specifier in a require, an import or an export: esbuild's output keeps the external
 * ones as string literals (`require("@aws-sdk/client-dynamodb")`, `from"@aws-sdk/lib-dynamodb"`).
 */
const SPECIFIER = /(?:\brequire\s*\(\s*|\bimport\s*\(\s*|\bfrom\s*|\bimport\s*)(["'`])((?:@aws-sdk\/|aws-sdk)[^"'`\s]*)\1/g;

/** Folders that cannot hold the function's own code. */
const SKIPPED_FOLDERS = new Set(['.git']);

/** The SDK packages the code in `codeDir` imports that do not resolve inside it, sorted. */
export function unbundledSdkImports(codeDir: string): string[] {
  const found = new Set<string>();
  for (const file of codeFiles(codeDir)) {
    const text = readableText(file);
    if (text === undefined) continue;
    for (const match of text.matchAll(SPECIFIER)) {
      const pkg = sdkPackageOf(match[2]);
      if (pkg !== undefined && !found.has(pkg) && !resolvesWithin(path.dirname(file), codeDir, pkg)) found.add(pkg);
    }
  }
  return [...found].sort();
}

/** A file's text; undefined for one this process may not read (its load would fail on its own terms). */
function readableText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Every code file under `dir`, in its node_modules too (a shipped package may expect the runtime's SDK). */
function* codeFiles(dir: string): Generator<string> {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name)) yield* codeFiles(full);
    else if (entry.isFile() && CODE_FILE.test(entry.name)) yield full;
  }
}

/**
 * Whether Node, resolving `pkg` from a file in `fromDir`, finds it inside the code folder: in a
 * node_modules between that file and the code folder's root (/var/task in Lambda, which has no
 * node_modules above it).
 */
function resolvesWithin(fromDir: string, codeDir: string, pkg: string): boolean {
  const root = path.resolve(codeDir);
  for (let dir = path.resolve(fromDir); ; dir = path.dirname(dir)) {
    if (path.basename(dir) !== 'node_modules' && existsSync(path.join(dir, 'node_modules', pkg, 'package.json'))) return true;
    if (dir === root || path.dirname(dir) === dir) return false;
  }
}
