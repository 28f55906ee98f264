import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assemblyKey, assemblyKeyParts, cachedAssembly, synthInputs, synthReason } from '../../../local/assembly/cache';
import type { SynthOptions } from '../../../local/assembly/synth';
import { FUNCTIONS_DIR } from '../../../lib/switchboard-function';

const ROOT = path.join(__dirname, '..', '..', '..');
let app: string;

/** Writes `content` to `relative` under the fixture app, making its folders. */
function write(relative: string, content: string): void {
  mkdirSync(path.dirname(path.join(app, relative)), { recursive: true });
  writeFileSync(path.join(app, relative), content);
}

beforeEach(() => {
  app = mkdtempSync(path.join(os.tmpdir(), 'switchboard-cache-'));
  write('cdk.json', JSON.stringify({ app: 'npx tsx bin/app.ts', watch: { include: ['bin/**', 'lib/**/*.ts', 'shared'] } }));
  write('package-lock.json', '{"lockfileVersion":3}');
  write('bin/app.ts', 'new App();');
  write('lib/stack.ts', 'export class Stack {}');
  write('shared/limits.ts', 'export const LIMIT = 1;');
  write('test/stack.test.ts', 'test()');
  write('README.md', '# App');
});
afterEach(() => rmSync(app, { recursive: true, force: true }));

describe('assemblyKey', () => {
  test.each([
    ['a source in a watched folder changes', () => write('lib/stack.ts', 'export class Stack { x = 1 }')],
    ['a file is added to a watched folder', () => write('lib/nested/more.ts', '')],
    ['a plain path in watch.include changes', () => write('shared/limits.ts', 'export const LIMIT = 2;')],
    ['the lock file changes', () => write('package-lock.json', '{"lockfileVersion":3,"packages":{}}')],
    [
      'cdk.json changes',
      () =>
        write(
          'cdk.json',
          JSON.stringify({ app: 'npx tsx bin/app.ts', watch: { include: ['bin/**', 'lib/**/*.ts', 'shared'] }, context: { a: 1 } }),
        ),
    ],
    ['cdk.context.json appears', () => write('cdk.context.json', '{}')],
    ['tsconfig.json appears', () => write('tsconfig.json', '{}')],
  ])('changes when %s', (_what, change) => {
    const before = assemblyKey({ cwd: app });
    change();
    expect(assemblyKey({ cwd: app })).not.toBe(before);
  });

  test.each([
    ['a test changes', () => write('test/stack.test.ts', 'test.skip()')],
    ['the README changes', () => write('README.md', '# App, renamed')],
    ['a file appears outside the inputs', () => write('docs/notes.md', '')],
    [
      'cdk.out and node_modules inside a watched folder change',
      () => {
        write('lib/cdk.out/x.json', '{}');
        write('lib/node_modules/y.js', '');
      },
    ],
    [
      'a source is rewritten with the same content (only its time changes)',
      () => {
        const file = path.join(app, 'lib/stack.ts');
        writeFileSync(file, readFileSync(file));
        utimesSync(file, new Date(2000, 0, 1), new Date(2000, 0, 1));
      },
    ],
  ])('stays the same when %s', (_what, change) => {
    const before = assemblyKey({ cwd: app });
    change();
    expect(assemblyKey({ cwd: app })).toBe(before);
  });

  test('its parts say what changed: both sources and context, or an assembly of unknown parts', () => {
    const before = assemblyKeyParts({ cwd: app, context: { a: '1' } });
    write('lib/stack.ts', 'export class Stack { x = 1 }');
    const after = assemblyKeyParts({ cwd: app, context: { a: '2' } });
    expect(after.key).not.toBe(before.key);
    expect(after.key).toBe(assemblyKey({ cwd: app, context: { a: '2' } }));
    expect(synthReason(before, after)).toBe('its sources and its context changed since the last synth (-c a=2)');
    expect(synthReason('unknown', after)).toBe('its sources or context changed since the last synth');
  });

  test('depends on the context, not on its order', () => {
    expect(assemblyKey({ cwd: app, context: { a: '1' } })).not.toBe(assemblyKey({ cwd: app }));
    expect(assemblyKey({ cwd: app, context: { a: '1', b: '2' } })).toBe(assemblyKey({ cwd: app, context: { b: '2', a: '1' } }));
  });

  test("reads the folders from cdk.json's watch.include, each glob cut to the folder before its first wildcard", () => {
    expect(synthInputs(app)).toEqual(expect.arrayContaining(['bin', 'lib', 'shared', 'cdk.json', 'package-lock.json', 'tsconfig.json']));
    expect(synthInputs(app).filter((input) => !input.includes('.'))).toEqual(['bin', 'lib', 'shared']);
  });

  test('covers the whole folder when cdk.json has no watch.include', () => {
    write('cdk.json', JSON.stringify({ app: 'npx tsx bin/app.ts' }));
    expect(synthInputs(app)).toContain('');
    const before = assemblyKey({ cwd: app });
    write('README.md', 'changed');
    expect(assemblyKey({ cwd: app })).not.toBe(before);
    // The emulator's own state (.switchboard/) and other dot-folders are never inputs.
    const withSource = assemblyKey({ cwd: app });
    write('.switchboard/switchboard-local-issuer.json', '{"issuer":"http://127.0.0.1:3001/.switchboard"}');
    write('.idea/workspace.xml', '<x/>');
    expect(assemblyKey({ cwd: app })).toBe(withSource);
  });
});

describe('cachedAssembly', () => {
  let cacheDir: string;
  let synths: string[];
  /** Stands in for `cdk synth`: writes a manifest, as the real one would. */
  const fakeSynth = async (options: SynthOptions): Promise<void> => {
    synths.push(options.outDir);
    writeFileSync(
      path.join(options.outDir, 'manifest.json'),
      JSON.stringify({ source: readFileSync(path.join(app, 'lib/stack.ts'), 'utf8') }),
    );
  };
  beforeEach(() => {
    cacheDir = path.join(app, 'node_modules', '.cache', 'switchboard');
    synths = [];
  });
  const assemblies = () =>
    readdirSync(cacheDir)
      .filter((name) => name.startsWith('assembly-'))
      .sort();

  test('synthesizes once, then reuses the assembly until a source changes', async () => {
    const first = await cachedAssembly({ cwd: app, synth: fakeSynth });
    expect(first.synthesized).toBe(true);
    expect(first.dir).toBe(path.join(cacheDir, `assembly-${first.key}`));
    expect(await cachedAssembly({ cwd: app, synth: fakeSynth })).toEqual({ ...first, synthesized: false });
    expect(synths).toHaveLength(1);

    write('lib/stack.ts', 'export class Stack { changed = true }');
    const second = await cachedAssembly({ cwd: app, synth: fakeSynth });
    expect(second.synthesized).toBe(true);
    expect(second.dir).not.toBe(first.dir);
    const manifest = JSON.parse(readFileSync(path.join(second.dir, 'manifest.json'), 'utf8')) as { source: string };
    expect(manifest.source).toContain('changed');
  });

  test('synthesizes into a temp folder and renames it into place, leaving no temp folder', async () => {
    const { dir } = await cachedAssembly({ cwd: app, synth: fakeSynth });
    expect(path.dirname(synths[0])).toBe(cacheDir);
    expect(synths[0]).not.toBe(dir);
    expect(existsSync(synths[0])).toBe(false);
    expect(readdirSync(cacheDir)).toEqual([path.basename(dir)]);
  });

  test('a failed synth leaves nothing behind, so the next run tries again', async () => {
    const failing = async (options: SynthOptions): Promise<void> => {
      writeFileSync(path.join(options.outDir, 'half-written.json'), '{');
      throw new Error('cdk synth failed (exit 1)');
    };
    await expect(cachedAssembly({ cwd: app, synth: failing })).rejects.toThrow('cdk synth failed (exit 1)');
    expect(readdirSync(cacheDir)).toEqual([]);
    expect((await cachedAssembly({ cwd: app, synth: fakeSynth })).synthesized).toBe(true);
  });

  test('when a concurrent run finishes the same assembly first, uses that one', async () => {
    const key = assemblyKey({ cwd: app });
    const racing = async (options: SynthOptions): Promise<void> => {
      await fakeSynth(options);
      // The other run renames its whole assembly into place while this one is synthesizing.
      mkdirSync(path.join(cacheDir, `assembly-${key}`));
      writeFileSync(path.join(cacheDir, `assembly-${key}`, 'manifest.json'), '{"by":"the other run"}');
    };
    const result = await cachedAssembly({ cwd: app, synth: racing });
    expect(result.synthesized).toBe(false);
    expect(readFileSync(path.join(result.dir, 'manifest.json'), 'utf8')).toBe('{"by":"the other run"}');
    expect(readdirSync(cacheDir)).toEqual([`assembly-${key}`]);
  });

  test('beyond `keep`, an assembly used within the last day stays (a running emulator may use it)', async () => {
    const dirs: string[] = [];
    for (let version = 0; version < 3; version++) {
      write('lib/stack.ts', `export const RECENT = ${version};`);
      dirs.push((await cachedAssembly({ cwd: app, synth: fakeSynth, keep: 0 })).dir);
    }
    expect(dirs.every((dir) => existsSync(dir))).toBe(true);
  });

  test('keeps the current assembly and the `keep` most recently used others', async () => {
    const dirs: string[] = [];
    for (let version = 0; version < 4; version++) {
      write('lib/stack.ts', `export const VERSION = ${version};`);
      const { dir } = await cachedAssembly({ cwd: app, synth: fakeSynth, keep: 1 });
      // Distinct use times without waiting: each older assembly was used a minute earlier.
      utimesSync(dir, new Date(2020, 0, 1, 0, version), new Date(2020, 0, 1, 0, version));
      dirs.push(dir);
    }
    expect(assemblies()).toEqual([path.basename(dirs[2]), path.basename(dirs[3])].sort());
    expect(statSync(dirs[3]).isDirectory()).toBe(true);
  });

  test('says why it synthesizes: the first time, sources changed, or which -c context changed', async () => {
    const lines: string[] = [];
    const log = (line: string) => lines.push(/^Synthesizing the CDK app in \S+ into \S+ (\(.*\)) \.\.\.$/.exec(line)?.[1] ?? line);
    await cachedAssembly({ cwd: app, synth: fakeSynth, log });
    await cachedAssembly({ cwd: app, synth: fakeSynth, log, context: { historyLimit: '0' } });
    await cachedAssembly({ cwd: app, synth: fakeSynth, log, context: { historyLimit: '0' } }); // cached: says nothing
    write('lib/stack.ts', 'export class Stack { changed = true }');
    await cachedAssembly({ cwd: app, synth: fakeSynth, log, context: { historyLimit: '0' } });
    await cachedAssembly({ cwd: app, synth: fakeSynth, log, context: { alarmEmail: 'ops@example.com' } });
    expect(lines).toEqual([
      '(no earlier synth of this app is cached)',
      '(its context changed since the last synth (-c historyLimit=0), not its sources)',
      '(its sources changed since the last synth)',
      '(its context changed since the last synth (-c alarmEmail=ops@example.com, no -c historyLimit), not its sources)',
    ]);
  });

  test("removes a dead run's temp folder but not a live run's", async () => {
    mkdirSync(cacheDir, { recursive: true });
    const dead = path.join(cacheDir, '.tmp-assembly-2147483646-abc');
    const live = path.join(cacheDir, `.tmp-assembly-${process.pid}-def`);
    mkdirSync(dead);
    mkdirSync(live);
    await cachedAssembly({ cwd: app, synth: fakeSynth });
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });
});

describe("this app's synth inputs", () => {
  /** Repo-local modules `entry` imports, directly or not, as paths relative to the repo. */
  function localModules(entries: readonly string[]): Set<string> {
    const seen = new Set<string>();
    const pending = [...entries];
    const specifier = /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;
    while (pending.length > 0) {
      const file = pending.pop()!;
      const relative = path.relative(ROOT, file).split(path.sep).join('/');
      if (seen.has(relative)) continue;
      seen.add(relative);
      if (!/\.[cm]?[jt]s$/.test(file)) continue;
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(specifier)) {
        const base = path.resolve(path.dirname(file), spec);
        const found = [base, `${base}.ts`, `${base}.js`, `${base}.json`, path.join(base, 'index.ts'), path.join(base, 'index.js')].find(
          (candidate) => existsSync(candidate) && statSync(candidate).isFile(),
        );
        if (!found) throw new Error(`${relative} imports ${spec}, which resolves to no file`);
        pending.push(found);
      }
    }
    return seen;
  }

  test('cover every module the app and its handlers import (else add its folder to watch.include in cdk.json)', async () => {
    const { app: command } = JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as { app: string };
    const appEntry = /\S+\.ts\b/.exec(command)![0];
    const handlers = readdirSync(FUNCTIONS_DIR)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => path.join(FUNCTIONS_DIR, f));
    const modules = localModules([path.join(ROOT, appEntry), ...handlers]);
    // The walk reaches past bin/ and lib/, so this check has teeth.
    expect([...modules].some((m) => m.startsWith('lambda/core/'))).toBe(true);

    const inputs = synthInputs(ROOT);
    const uncovered = [...modules].filter((m) => !inputs.some((input) => input === '' || m === input || m.startsWith(`${input}/`)));
    expect(uncovered).toEqual([]);
  });
});
