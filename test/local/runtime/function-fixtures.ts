/**
 * What the runtime's tests share: functions written to a temporary folder, and ways to wait for
 * what a real worker does (a line it writes, a file it creates) instead of waiting for time.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, watch, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FunctionSpec } from '../../../local/assembly/assembly';

/** Where the emulator finds the runtime-provided SDK: this project's own node_modules. */
export const SDK_FOLDER = path.resolve(__dirname, '../../../node_modules');

/** Functions' asset folders in a temporary folder of their own; `remove()` when done. */
export class FunctionFolders {
  readonly root = mkdtempSync(path.join(os.tmpdir(), 'switchboard-runtime-'));

  /** A function named `name` whose asset folder holds `files`. */
  spec(name: string, handler: string, files: Record<string, string>, extra: Partial<FunctionSpec> = {}): FunctionSpec {
    const codeDir = path.join(this.root, name);
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(codeDir, file)), { recursive: true });
      writeFileSync(path.join(codeDir, file), text);
    }
    return {
      logicalId: name,
      functionName: name,
      codeDir,
      handler,
      runtime: 'nodejs24.x',
      timeoutSeconds: 10,
      memorySize: 128,
      environment: {},
      ...extra,
    };
  }

  /** A path in the temporary folder, for a file a handler or a test creates. */
  file(name: string): string {
    return path.join(this.root, name);
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** The lines functions write (a pool's `onOutput`), to wait for one. */
export class OutputLines {
  private readonly seen = new Set<string>();
  private readonly waiting = new Map<string, Array<() => void>>();

  readonly onOutput = (_functionLogicalId: string, line: string): void => {
    this.seen.add(line);
    for (const resolve of this.waiting.get(line) ?? []) resolve();
    this.waiting.delete(line);
  };

  /** Every distinct line written so far. */
  lines(): string[] {
    return [...this.seen];
  }

  /** Resolves once a function has written `line`. */
  written(line: string): Promise<void> {
    if (this.seen.has(line)) return Promise.resolve();
    return new Promise((resolve) => this.waiting.set(line, [...(this.waiting.get(line) ?? []), resolve]));
  }
}

/**
 * Resolves once `file` exists: a handler's sign that it has got somewhere, which it gives even when
 * it then blocks its worker's event loop (a line it writes would wait for that loop).
 */
export function created(file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const watcher = watch(path.dirname(file), () => {
      if (!existsSync(file)) return;
      watcher.close();
      resolve();
    });
    watcher.on('error', reject);
    if (existsSync(file)) {
      watcher.close();
      resolve();
    }
  });
}

/** Whether `promise` has settled once the events already due (a settled invocation's callbacks) have run. */
export async function hasSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}
