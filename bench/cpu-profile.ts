/**
 * Summarizes `node --cpu-prof` output by self time: per file (or package) and per function,
 * as shares of the busy time (all samples but idle), one table per thread's profile.
 *
 *   npx tsx bench/cpu-profile.ts DIR|FILE.cpuprofile [--top 15] [--after-ms 0 | --last-ms N] [--until-ms N]
 *
 * --after-ms N leaves out the first N ms of the profile, e.g. the server's start-up; --last-ms N
 * keeps only its last N ms; --until-ms N leaves out what follows its first N ms (e.g. the shutdown).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../cli-kit/flags';
import { markdownTable, numberArg } from './support';

/** The parts of the V8 .cpuprofile format used here. */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: CallFrame; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

/** Not work: the thread waiting for events. */
const IDLE = '(idle)';

/** Where a function lives, short: a package under node_modules, else the path below the repo. */
function place(url: string): string {
  if (url === '') return '(native/V8)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url;
  const file = url.replace(/^file:\/\//, '');
  return path.relative(process.cwd(), file) || file;
}

function summarizeProfile(file: string, top: number, afterMsOption: number, lastMs: number | undefined, untilMs: number): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const totalMs = profile.timeDeltas.reduce((a, b) => a + b, 0) / 1000;
  const afterMs = lastMs === undefined ? afterMsOption : Math.max(0, totalMs - lastMs);
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);
  /** Native code is charged to no file: name the closest JavaScript caller, e.g. who calls writev. */
  const caller = (id: number): string => {
    for (let p = parentOf.get(id); p !== undefined; p = parentOf.get(p)) {
      const frame = byId.get(p)!;
      if (frame.url) return ` <- ${frame.functionName || '(anonymous)'} ${place(frame.url)}:${frame.lineNumber + 1}`;
    }
    return '';
  };
  const selfByFunction = new Map<string, number>();
  const selfByPlace = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  let elapsed = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)!;
    const micros = profile.timeDeltas[i] ?? 0;
    elapsed += micros;
    if (elapsed < afterMs * 1000 || elapsed > untilMs * 1000) return;
    if (frame.functionName === IDLE) {
      idle += micros;
      return;
    }
    busy += micros;
    const where = place(frame.url);
    const fn = `${frame.functionName || '(anonymous)'} ${where}${frame.url ? `:${frame.lineNumber + 1}` : caller(id)}`;
    selfByFunction.set(fn, (selfByFunction.get(fn) ?? 0) + micros);
    selfByPlace.set(where, (selfByPlace.get(where) ?? 0) + micros);
  });
  const rows = (totals: Map<string, number>) =>
    [...totals]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => [name, (micros / 1000).toFixed(0), `${((micros / busy) * 100).toFixed(1)}%`]);
  return [
    `${path.basename(file)}${afterMs > 0 ? ` after its first ${afterMs.toFixed(0)} ms` : ''}${Number.isFinite(untilMs) ? ` until ${untilMs} ms` : ''}: busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s`,
    '',
    markdownTable(['file or package', 'self ms', 'of busy'], rows(selfByPlace)),
    '',
    markdownTable(['function', 'self ms', 'of busy'], rows(selfByFunction)),
    '',
  ].join('\n');
}

function main(): void {
  const target = process.argv[2];
  if (!target || target.startsWith('--'))
    throw new UsageError('Usage: npx tsx bench/cpu-profile.ts DIR|FILE.cpuprofile [--top 15] [--after-ms 0 | --last-ms N]');
  const top = numberArg('top', 15, 1);
  const afterMs = numberArg('after-ms', 0, 0);
  const lastMs = process.argv.includes('--last-ms') ? numberArg('last-ms', 0, 1) : undefined;
  const untilMs = numberArg('until-ms', Infinity, 1);
  const files = statSync(target).isDirectory()
    ? readdirSync(target)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => path.join(target, f))
    : [target];
  for (const file of files) console.log(summarizeProfile(file, top, afterMs, lastMs, untilMs));
}

try {
  main();
} catch (err: unknown) {
  console.error(err instanceof UsageError ? err.message : err);
  process.exit(err instanceof UsageError ? 2 : 1);
}
