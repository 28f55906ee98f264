/** Shared pieces of the benchmark and load scripts. */
import { UsageError } from '../cli-kit/flags';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Reads `--name value` from the command line, checking it is a number within bounds. */
export function numberArg(name: string, fallback: number, min = 0): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const raw = process.argv[i + 1];
  const value = Number(raw);
  if (raw === undefined || !Number.isFinite(value) || value < min) {
    throw new UsageError(`--${name} must be a number >= ${min}; got ${raw === undefined ? 'nothing' : `"${raw}"`}.`);
  }
  return value;
}

export function stringArg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Percentiles of a set of latencies (ms); sorts the array in place. */
export function summarize(latencies: number[]): LatencySummary {
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies.length === 0 ? NaN : latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return { count: latencies.length, p50: pct(50), p95: pct(95), p99: pct(99), max: latencies[latencies.length - 1] ?? NaN };
}

/** A Markdown table, aligned for a terminal and pasteable into the README. */
export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** The machine a measurement came from, for the README. */
export function machine(): string {
  return `node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`;
}

/**
 * A line for the top of a benchmark's output when this Node.js is older than package.json's
 * `engines` allows (Node 20 on a machine that has nothing newer): its figures are not the ones to
 * publish, which come from a Node.js users run (22 or 24). Undefined when the version is supported.
 */
export function unsupportedNodeNote(version: string = process.version, engines: string = packageEngines()): string | undefined {
  const oldest = /^>=\s*(\d+)/.exec(engines)?.[1];
  const major = /^v?(\d+)/.exec(version)?.[1];
  if (oldest === undefined || major === undefined || Number(major) >= Number(oldest)) return undefined;
  return `note: Node.js ${version} is older than this package supports (engines: node ${engines}); publish figures measured on Node.js ${oldest} or newer`;
}

function packageEngines(): string {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { engines?: { node?: string } };
  return pkg.engines?.node ?? '';
}
