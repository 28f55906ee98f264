/** What the emulator says at start about the Lambda runtimes it stands in for. */
import type { FunctionSpec } from '../assembly/assembly';
import { nodeRuntimeMajor, runtimeSdkOf } from './runtime-sdk';

export interface RuntimeNoteOptions {
  /** The Node version the emulator runs functions on. @default process.versions.node */
  readonly nodeVersion?: string;
  /** Where the emulator installs the SDK packages functions need (ProvidedSdk.settings.dir). */
  readonly sdkCacheDir: string;
}

/**
 * The start-up lines about runtimes: functions that cannot run here (their routes answer 500),
 * runtimes whose Lambda environment provides SDK v2 (and what the emulator provides them), and, once per runtime, a note when its Node
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
    if (runtimeSdkOf(fn.runtime) === 'v2') {
      notes.push(
        `note: function ${fn.logicalId} runs on ${fn.runtime}, whose Lambda runtime provides AWS SDK v2 (aws-sdk) and no v3 client: ` +
          `the emulator provides the same, aws-sdk v2 from ${options.sdkCacheDir} (installed there on first use)`,
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
