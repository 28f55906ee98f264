/**
 * The README's Layout table orders the folders so that imports run downward. Every import of the
 * sources (tests aside: import, export ... from, require and dynamic import, as TypeScript itself
 * finds them) is checked against that order here, the deployables that must stay apart are kept
 * apart, and the files are checked for cycles, so the table stays true as the code moves.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');

/** The rows of the README's Layout table, top to bottom; a row may name several folders (peers). */
function layoutRows(): string[][] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = /^## Layout\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
  return [...section.matchAll(/^\| ((?:`[a-z-]+(?:\/[a-z-]+)*\/`(?:, )?)+) \|/gm)].map((m) =>
    [...m[1].matchAll(/`([a-z-/]+)\/`/g)].map((f) => f[1]),
  );
}

/**
 * Folders the table keeps apart although their rows would allow an import: the stack and the
 * functions are deployed separately and share only contract/ and protocol/; the client and the page
 * ship to browsers and must not pull in server code.
 */
const APART: ReadonlyArray<readonly [string, string]> = [
  ['lib', 'lambda'],
  ['web', 'lambda'],
  ['web', 'lib'],
  ['web', 'local'],
  ['client', 'lambda'],
  ['client', 'lib'],
  ['client', 'local'],
  ['publish', 'lambda'],
  ['publish', 'lib'],
];

/** The source files git tracks (or would add) outside test/, dist/ and fixtures: what ships and runs. */
function sources(): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  return listed
    .split('\n')
    .filter((f) => /\.(ts|mts|js|mjs)$/.test(f) && !f.endsWith('.d.ts') && f.includes('/'))
    .filter((f) => !/^(test|node_modules|dist|types)\//.test(f) && !/(^|\/)cdk\.out\//.test(f))
    .filter((f) => fs.existsSync(path.join(ROOT, f)));
}

const files = new Set(sources());

/** The repository files a source imports by a relative path (packages are not ours to order). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const specifiers = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
  return specifiers
    .filter((specifier) => specifier.startsWith('.'))
    .flatMap((specifier) => {
      const target = path.normalize(path.join(path.dirname(file), specifier));
      const found = ['', '.ts', '.mts', '.js', '.mjs', '/index.ts'].map((ext) => target + ext).find((candidate) => files.has(candidate));
      return found ? [found] : [];
    });
}

const rows = layoutRows();
const folders = rows.flat();
/** The row a file belongs to: that of its longest folder prefix. */
function rowOf(file: string): number {
  const folder = folders.filter((f) => file.startsWith(`${f}/`)).sort((a, b) => b.length - a.length)[0];
  return folder === undefined ? -1 : rows.findIndex((row) => row.includes(folder));
}
const graph = new Map([...files].map((file) => [file, importsOf(file)]));
const arrows = [...graph].flatMap(([from, targets]) => targets.map((to) => ({ from, to })));

describe("the README's Layout", () => {
  it('lists every source folder, and the check sees the imports it judges', () => {
    expect(folders).toEqual(expect.arrayContaining(['lib', 'contract', 'lambda/functions', 'local', 'local/gateway', 'protocol']));
    expect([...files].filter((file) => rowOf(file) < 0)).toEqual([]);
    // Were parsing broken, the rules below would pass with nothing to judge.
    expect(arrows.length).toBeGreaterThan(300);
    expect(arrows).toContainEqual({ from: 'local/emulator.ts', to: 'local/gateway/gateway.ts' });
  });

  it('is the direction of every import: no folder imports one above it, nor a peer of its row', () => {
    const wrong = arrows
      .filter(({ from, to }) => rowOf(to) < rowOf(from) || (rowOf(to) === rowOf(from) && !sameFolder(from, to)))
      .map(({ from, to }) => `${from} -> ${to}`);
    expect(wrong).toEqual([]);
  });

  it('keeps the stack and the functions, and the browser code and the server, apart', () => {
    const inside = (file: string, folder: string) => file.startsWith(`${folder}/`);
    const wrong = arrows
      .filter(({ from, to }) => APART.some(([a, b]) => (inside(from, a) && inside(to, b)) || (inside(from, b) && inside(to, a))))
      .map(({ from, to }) => `${from} -> ${to}`);
    expect(wrong).toEqual([]);
  });

  it("is what docs/design.md's picture shows: its solid arrows are exactly the imports between top-level folders", () => {
    const design = fs.readFileSync(path.join(ROOT, 'docs', 'design.md'), 'utf8');
    const picture = /^## Layout\n[\s\S]*?```mermaid\n([\s\S]*?)```/m.exec(design)?.[1] ?? '';
    const drawn = [...picture.matchAll(/^\s*([a-z-]+) --> ([a-z-]+)\s*$/gm)].map(([, from, to]) => `${from} --> ${to}`);
    const top = (file: string) => file.split('/')[0];
    const real = [...new Set(arrows.filter(({ from, to }) => top(from) !== top(to)).map(({ from, to }) => `${top(from)} --> ${top(to)}`))];
    expect(drawn.sort()).toEqual(real.sort());
  });

  it('leaves no cycle between files', () => {
    const cycles: string[][] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, trail: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(file)), file]);
        return;
      }
      state.set(file, 'open');
      for (const target of graph.get(file) ?? []) visit(target, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });
});

/** Whether two files are in the same folder of the table (their longest listed prefix). */
function sameFolder(a: string, b: string): boolean {
  const folderOf = (file: string) => folders.filter((f) => file.startsWith(`${f}/`)).sort((x, y) => y.length - x.length)[0];
  return folderOf(a) === folderOf(b);
}
