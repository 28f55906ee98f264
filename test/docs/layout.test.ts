import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The README's Layout table orders the folders so that imports run downward. Every relative import
 * of the sources (tests aside) is checked against that order here, and the files for cycles, so
 * the table stays true as the code moves.
 */

const ROOT = path.resolve(__dirname, '../..');

/** The folders of the README's Layout table, top to bottom. */
function layoutFolders(): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = /^## Layout\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
  return [...section.matchAll(/^\| `([a-z-]+(?:\/[a-z-]+)?)\/` \|/gm)].map((m) => m[1]);
}

/** The TypeScript sources below `dir`, relative to the root. */
function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return ['node_modules', 'dist', 'cdk.out'].includes(entry.name) ? [] : sources(relative);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [relative] : [];
  });
}

/** The files a source imports (or re-exports from) by a relative path. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom '(\.[^']+)'/gms)].flatMap(([, specifier]) => {
    const target = path.join(path.dirname(file), specifier);
    const found = [`${target}.ts`, path.join(target, 'index.ts')].find((candidate) => fs.existsSync(path.join(ROOT, candidate)));
    return found ? [found] : [];
  });
}

const folders = layoutFolders();
/** The row of the table a file belongs to: its longest folder prefix. */
const rowOf = (file: string) =>
  folders.reduce(
    (best, folder, index) => (file.startsWith(`${folder}/`) && (best < 0 || folder.length > folders[best].length) ? index : best),
    -1,
  );
const files = [...new Set(folders.map((folder) => folder.split('/')[0]))].flatMap((folder) => sources(folder));
const graph = new Map(files.map((file) => [file, importsOf(file)]));

describe("the README's Layout", () => {
  it('lists every source folder', () => {
    expect(folders).toEqual(expect.arrayContaining(['lib', 'contract', 'lambda/functions', 'lambda/handlers', 'lambda/core', 'protocol']));
    // Every source file is in a row of the table.
    expect(files.filter((file) => rowOf(file) < 0)).toEqual([]);
    expect(files.length).toBeGreaterThan(100);
    const topLevel = fs
      .readdirSync(ROOT, { withFileTypes: true })
      .filter(
        (entry) =>
          entry.isDirectory() &&
          !entry.name.startsWith('.') &&
          !['node_modules', 'dist', 'test', 'types'].includes(entry.name) &&
          sources(entry.name).length > 0,
      )
      .map((entry) => entry.name);
    expect(topLevel.filter((folder) => !folders.some((f) => f === folder || f.startsWith(`${folder}/`)))).toEqual([]);
  });

  it('is the direction of every import: no folder imports one above it', () => {
    const upward = [...graph].flatMap(([file, targets]) =>
      targets.filter((target) => rowOf(target) < rowOf(file)).map((target) => `${file} -> ${target}`),
    );
    expect(upward).toEqual([]);
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
