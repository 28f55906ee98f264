/** What the emulator says at start about the Lambda runtimes it stands in for. */

/** The major version of a `nodejsNN.x` runtime name, or undefined for any other runtime. */
export function nodeRuntimeMajor(runtime: string): number | undefined {
  const match = /^nodejs(\d+)\.x$/.exec(runtime);
  return match ? Number(match[1]) : undefined;
}

/**
 * One line for each Node.js runtime whose major differs from the Node the emulator runs on:
 * functions run here on this Node, so behaviour that differs between majors may differ locally.
 */
export function runtimeMismatchNotes(runtimes: Iterable<string>, nodeVersion: string = process.versions.node): string[] {
  const localMajor = Number(nodeVersion.split('.')[0]);
  const notes: string[] = [];
  for (const runtime of [...new Set(runtimes)].sort()) {
    const major = nodeRuntimeMajor(runtime);
    if (major !== undefined && major !== localMajor) {
      notes.push(
        `note: functions on ${runtime} run here on Node ${nodeVersion}; behaviour that differs between Node ${major} and ${localMajor} may differ locally`,
      );
    }
  }
  return notes;
}
