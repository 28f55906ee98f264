/** Starting the worker thread that becomes one execution environment (worker.ts). */
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { buildSync } from 'esbuild';
import type { WorkerInit } from './worker-protocol';

/**
 * The parent's `node --cpu-prof` options, which workers honour (one profile per thread in the
 * same folder), so a profile of the emulator shows the functions too. Not --cpu-prof-name:
 * every worker would write to the same file.
 */
const CPU_PROFILE_FLAGS = process.execArgv.filter(
  (arg, i, all) => /^--cpu-prof(-dir|-interval)?(=|$)/.test(arg) || /^--cpu-prof-(dir|interval)$/.test(all[i - 1] ?? ''),
);

/** Beside this file: plain JavaScript, loaded as is by the worker's module loader. */
export const SDK_HOOKS_FILE = path.join(__dirname, 'runtime-sdk-hooks.mjs');

let workerScript: string | undefined;

/**
 * worker.ts and the modules it imports bundled once per process to a file, so workers start
 * without a TS loader; Node built-ins stay imports, and the bundle may not use any package.
 */
function compiledWorkerScript(): string {
  if (workerScript) return workerScript;
  const { outputFiles } = buildSync({
    entryPoints: [path.join(__dirname, 'worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    write: false,
  });
  const code = outputFiles[0].text;
  const dir = path.join(os.tmpdir(), 'switchboard-local');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `worker-${createHash('sha256').update(code).digest('hex').slice(0, 12)}.js`);
  // Parallel processes (jest workers) may compile at once: write a private file, then rename it
  // into place, so no one ever loads a half-written script.
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temp, code);
  renameSync(temp, file);
  workerScript = file;
  return file;
}

/**
 * Starts a worker that becomes the execution environment `init` describes, with `env` as its
 * environment variables; each line it writes to stdout or stderr goes to `onLine`.
 */
export function startWorker(init: WorkerInit, env: Readonly<Record<string, string>>, onLine: (line: string) => void): Worker {
  const worker = new Worker(compiledWorkerScript(), {
    workerData: init,
    // The worker's own module loader reads NODE_PATH (the runtime-provided SDK) from this env.
    env: { ...env },
    stdout: true,
    stderr: true,
    // NODE_OPTIONS of the function is honoured through init.enableSourceMaps, not here:
    // workers cannot take process-wide flags. `node --cpu-prof` profiles the workers too.
    execArgv: CPU_PROFILE_FLAGS,
  });
  for (const stream of [worker.stdout, worker.stderr]) forwardLines(stream, onLine);
  return worker;
}

function forwardLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      onLine(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  });
  stream.on('end', () => {
    if (buffered) onLine(buffered);
  });
}
