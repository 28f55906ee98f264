/** What the emulator says at start about the Lambda runtimes it stands in for. */
import type { FunctionSpec } from '../assembly/assembly';

/** The major version of a `nodejsNN.x` runtime name, or undefined for any other runtime. */
export function nodeRuntimeMajor(runtime: string): number | undefined {
  const match = /^nodejs(\d+)\.x$/.exec(runtime);
  return match ? Number(match[1]) : undefined;
}

/** Lambda's Node.js runtimes up to this major provided AWS SDK v2 (`aws-sdk`); later ones provide only v3. */
export const LAST_RUNTIME_WITH_SDK_V2 = 16;

export interface RuntimeNoteOptions {
  /** The Node version the emulator runs functions on. @default process.versions.node */
  readonly nodeVersion?: string;
  /** Whether `aws-sdk` (v2) is installed where the emulator provides the SDK from. */
  readonly sdkV2Installed: boolean;
}

/**
 * The start-up lines about runtimes: functions that cannot run here (their routes answer 500),
 * runtimes whose Lambda environment provided SDK v2, and, once per runtime, a note when its Node
 * major differs from the one functions run on here.
 */
export function runtimeNotes(
  functions: Iterable<Pick<FunctionSpec, 'logicalId' | 'runtime' | 'unsupported'>>,
  options: RuntimeNoteOptions,
): string[] {
  const nodeVersion = options.nodeVersion ?? process.versions.node;
  const localMajor = Number(nodeVersion.split('.')[0]);
  const notes: string[] = [];
  const runtimes = new Set<string>();
  for (const fn of functions) {
    if (fn.unsupported) {
      notes.push(`warning: function ${fn.logicalId} cannot run here (${fn.unsupported}); its routes answer 500`);
      continue;
    }
    runtimes.add(fn.runtime);
    const major = nodeRuntimeMajor(fn.runtime);
    if (major !== undefined && major <= LAST_RUNTIME_WITH_SDK_V2) {
      notes.push(
        `warning: function ${fn.logicalId} runs on ${fn.runtime}, whose Lambda runtime provided AWS SDK v2 (aws-sdk); ` +
          (options.sdkV2Installed
            ? 'the emulator provides the aws-sdk installed in this project'
            : 'the emulator provides only SDK v3 unless this project installs it (npm install --save-dev aws-sdk)'),
      );
    }
  }
  for (const runtime of [...runtimes].sort()) {
    const major = nodeRuntimeMajor(runtime);
    if (major !== undefined && major !== localMajor) {
      notes.push(
        `note: functions on ${runtime} run here on Node ${nodeVersion}; behaviour that differs between Node ${major} and ${localMajor} may differ locally`,
      );
    }
  }
  return notes;
}
