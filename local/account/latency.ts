/**
 * How long an AWS call takes, as a flag gives it: a fixed time (`20`) or a range (`10-30`), each
 * call drawing a time in the range from an injected random source, so tests make it exact.
 */

/** A call's latency, in milliseconds: `minMs` when both are equal. */
export interface LatencyRange {
  readonly minMs: number;
  readonly maxMs: number;
}

/** The most a latency flag may say: past a minute no AWS call is waited for (Lambda's own limit on a route is 29 s). */
const MAX_LATENCY_MS = 60_000;

/** Parses `MS` or `MIN-MAX` (whole milliseconds); throws a message naming what is expected. */
export function parseLatency(spec: string): LatencyRange {
  const match = /^(\d+)(?:-(\d+))?$/.exec(spec.trim());
  const minMs = match ? Number(match[1]) : NaN;
  const maxMs = match?.[2] !== undefined ? Number(match[2]) : minMs;
  if (!match || !(minMs <= maxMs) || maxMs > MAX_LATENCY_MS) {
    throw new Error(
      `"${spec}" is not a latency: expected whole milliseconds MS or a range MIN-MAX with MIN <= MAX <= ${MAX_LATENCY_MS}, e.g. 20 or 10-30`,
    );
  }
  return { minMs, maxMs };
}

/** One call's latency: uniform in the range, drawn from `random` (in [0, 1)). */
export function drawLatency(range: LatencyRange, random: () => number): number {
  return range.minMs === range.maxMs ? range.minMs : range.minMs + random() * (range.maxMs - range.minMs);
}

/** `20 ms`, or `10-30 ms`. */
export function describeLatency(range: LatencyRange): string {
  return range.minMs === range.maxMs ? `${range.minMs} ms` : `${range.minMs}-${range.maxMs} ms`;
}
