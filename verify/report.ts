/** The suite's results as text: a table of checks, then round-trip latency per action. */
import type { Latencies } from './probe';
import type { CheckResult } from './checks';

/** The value below which `p` percent of the sorted samples fall (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

export function formatReport(target: string, checks: readonly CheckResult[], latencies: Latencies): string {
  const count = (outcome: string) => checks.filter((c) => c.outcome === outcome).length;
  const lines = [`Switchboard verify: ${target}`, ''];
  lines.push(
    ...table(
      ['check', 'result', 'reason'],
      checks.map((c) => [c.name, c.outcome.toUpperCase(), c.reason]),
    ),
  );
  lines.push('');
  const rows = [...latencies.entries()].map(([action, samples]) => {
    const sorted = [...samples].sort((x, y) => x - y);
    return [action, String(sorted.length), percentile(sorted, 50).toFixed(1), percentile(sorted, 99).toFixed(1)];
  });
  if (rows.length > 0) lines.push(...table(['action', 'n', 'p50 ms', 'p99 ms'], rows), '');
  lines.push(`${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped`);
  return `${lines.join('\n')}\n`;
}
