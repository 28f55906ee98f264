/** How a function's output lines read in the emulator's log. */

/** A function's output line as the log shows it: indented under its logical id, an EMF line summarized. */
export function functionLogLine(functionLogicalId: string, line: string): string {
  return `  [${functionLogicalId}] ${summarizeEmf(line) ?? line}`;
}

/**
 * An Embedded Metric Format line (what Powertools Metrics prints for CloudWatch) as a short
 * `metrics: Name=value ...` line, so local output stays readable; undefined for any other line.
 */
export function summarizeEmf(line: string): string | undefined {
  if (!line.startsWith('{"_aws":')) return undefined;
  try {
    const emf = JSON.parse(line) as {
      _aws?: { CloudWatchMetrics?: Array<{ Namespace?: string; Metrics?: Array<{ Name: string }> }> };
    } & Record<string, unknown>;
    const directives = emf._aws?.CloudWatchMetrics ?? [];
    const values = directives.flatMap((d) => (d.Metrics ?? []).map((m) => `${m.Name}=${JSON.stringify(emf[m.Name])}`));
    if (values.length === 0) return undefined;
    return `metrics (${directives.map((d) => d.Namespace).join(', ')}): ${values.join(' ')}`;
  } catch {
    return undefined;
  }
}
