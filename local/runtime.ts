/**
 * Runs Lambda functions like the Lambda service: each function gets warm execution
 * environments (worker threads) that serve one invocation at a time, more environments for
 * concurrent invocations up to a limit, and a timeout enforced by terminating the worker.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { buildSync } from 'esbuild';
import type { FunctionSpec } from './assembly';
import type { LocalAwsServices } from './aws-endpoints';
import { newEventId } from './ids';
import type { InvokeRequest, SerializedError, WorkerInit, WorkerReply } from './worker-protocol';

export type InvokeResult =
  | { readonly ok: true; readonly requestId: string; readonly durationMs: number; readonly result: unknown }
  | { readonly ok: false; readonly requestId: string; readonly durationMs: number; readonly error: SerializedError };

export interface RuntimeOptions {
  /** Environment variables every function gets before its own (region, credentials, endpoints). */
  readonly baseEnvironment: Readonly<Record<string, string>>;
  /**
   * Variables set after the function's own, which its configuration cannot change (as Lambda
   * reserves AWS_REGION or the credentials): the local fake credentials and where to find them.
   * @default none
   */
  readonly reservedEnvironment?: Readonly<Record<string, string>>;
  /** The local services the functions' AWS requests go to. @default none: every AWS endpoint is refused */
  readonly localAws?: LocalAwsServices;
  /**
   * Most execution environments per function; more concurrent invocations wait for one.
   * Each environment is a V8 isolate that warms its own JIT, so more environments than
   * cores cost throughput (measured with bench/echo.ts on 2 cores: 29% vs 11% of plain ws
   * for 2 vs 10 environments). @default the number of CPUs, at least 2
   */
  readonly maxConcurrency?: number;
  /** Receives each line a function writes to stdout or stderr. @default none: the functions' output is dropped */
  readonly onOutput?: (functionLogicalId: string, line: string) => void;
  readonly region: string;
  readonly accountId: string;
}

const DEFAULT_MAX_CONCURRENCY = Math.max(2, os.availableParallelism());

/**
 * The parent's `node --cpu-prof` options, which workers honour (one profile per thread in the
 * same folder), so a profile of the emulator shows the functions too. Not --cpu-prof-name:
 * every worker would write to the same file.
 */
const CPU_PROFILE_FLAGS = process.execArgv.filter(
  (arg, i, all) => /^--cpu-prof(-dir|-interval)?(=|$)/.test(arg) || /^--cpu-prof-(dir|interval)$/.test(all[i - 1] ?? ''),
);

let workerScript: string | undefined;

/** Beside this file: plain JavaScript, loaded as is by the worker's module loader. */
const SDK_HOOKS_FILE = path.join(__dirname, 'runtime-sdk-hooks.mjs');

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

interface Environment {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  pending?: { id: number; settle: (reply: WorkerReply) => void };
  dead: boolean;
}

/** The warm environments of one function. */
export class FunctionPool {
  private readonly idle: Environment[] = [];
  private readonly all = new Set<Environment>();
  private readonly waiting: Array<() => void> = [];
  private nextId = 1;
  private stopped = false;

  constructor(
    readonly spec: FunctionSpec,
    private readonly env: Readonly<Record<string, string>>,
    private readonly options: RuntimeOptions,
  ) {}

  /** Invokes the function with `event`; never throws for function errors. */
  async invoke(event: unknown): Promise<InvokeResult> {
    const requestId = randomUUID();
    const start = performance.now();
    const fail = (error: SerializedError): InvokeResult => ({
      ok: false,
      requestId,
      durationMs: performance.now() - start,
      error,
    });
    if (this.stopped) return fail({ errorType: 'Runtime.Stopped', errorMessage: 'the emulator is shutting down', trace: [] });
    if (this.spec.unsupported) return fail({ errorType: 'Runtime.Unsupported', errorMessage: this.spec.unsupported, trace: [] });
    let environment: Environment;
    try {
      environment = await this.acquire();
    } catch {
      return fail({ errorType: 'Runtime.Stopped', errorMessage: 'the emulator is shutting down', trace: [] });
    }
    try {
      await environment.ready;
    } catch (err: unknown) {
      this.discard(environment);
      return fail(err as SerializedError);
    }
    const timeoutMs = this.spec.timeoutSeconds * 1000;
    const request: InvokeRequest = { id: this.nextId++, requestId, deadline: Date.now() + timeoutMs, event };
    const reply = await new Promise<WorkerReply | 'timeout'>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), timeoutMs);
      environment.pending = {
        id: request.id,
        settle: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      environment.worker.postMessage(request);
    });
    environment.pending = undefined;
    if (reply === 'timeout') {
      this.discard(environment);
      return fail({
        errorType: 'Sandbox.Timedout',
        errorMessage: `${requestId} Task timed out after ${this.spec.timeoutSeconds.toFixed(2)} seconds`,
        trace: [],
      });
    }
    if (environment.dead) this.discard(environment);
    else this.release(environment);
    const durationMs = performance.now() - start;
    if (reply.type === 'result') return { ok: true, requestId, durationMs, result: reply.result };
    if (reply.type === 'error' || reply.type === 'init-error') return fail(reply.error);
    return fail({ errorType: 'Runtime.Unknown', errorMessage: 'unexpected reply from the function worker', trace: [] });
  }

  /** Terminates every environment; later invocations fail. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of this.waiting.splice(0)) wake();
    const stoppedError = { errorType: 'Runtime.Stopped', errorMessage: 'the emulator is shutting down', trace: [] };
    for (const e of this.all) {
      e.dead = true;
      e.pending?.settle({ type: 'error', id: e.pending.id, error: stoppedError });
    }
    await Promise.all([...this.all].map((e) => e.worker.terminate()));
    this.all.clear();
    this.idle.length = 0;
  }

  private acquire(): Promise<Environment> {
    if (this.stopped) return Promise.reject(new Error('the emulator is shutting down'));
    const idle = this.idle.pop();
    if (idle) return Promise.resolve(idle);
    if (this.all.size < (this.options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY)) return Promise.resolve(this.spawn());
    return new Promise((resolve) => this.waiting.push(() => resolve(this.acquire())));
  }

  private release(environment: Environment): void {
    this.idle.push(environment);
    this.waiting.shift()?.();
  }

  private discard(environment: Environment): void {
    environment.dead = true;
    this.all.delete(environment);
    const i = this.idle.indexOf(environment);
    if (i >= 0) this.idle.splice(i, 1);
    void environment.worker.terminate();
    this.waiting.shift()?.();
  }

  private spawn(): Environment {
    const spec = this.spec;
    const init: WorkerInit = {
      codeDir: spec.codeDir,
      handler: spec.handler,
      functionName: spec.functionName,
      invokedFunctionArn: `arn:aws:lambda:${this.options.region}:${this.options.accountId}:function:${spec.functionName}`,
      memorySize: spec.memorySize,
      logStreamName: `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${newEventId().slice(0, 8)}`,
      enableSourceMaps: /--enable-source-maps/.test(this.env.NODE_OPTIONS ?? ''),
      sdkHooksFile: SDK_HOOKS_FILE,
      localAws: this.options.localAws ?? null,
      forwardOutput: this.options.onOutput !== undefined,
    };
    const worker = new Worker(compiledWorkerScript(), {
      workerData: init,
      // The worker's own module loader reads NODE_PATH (the runtime-provided SDK) from this env.
      env: { ...this.env },
      stdout: true,
      stderr: true,
      // NODE_OPTIONS of the function is honoured through init.enableSourceMaps, not here:
      // workers cannot take process-wide flags. `node --cpu-prof` profiles the workers too.
      execArgv: CPU_PROFILE_FLAGS,
    });
    for (const stream of [worker.stdout, worker.stderr]) forwardLines(stream, (line) => this.options.onOutput?.(spec.logicalId, line));
    let markReady: () => void = () => undefined;
    let markFailed: (e: SerializedError) => void = () => undefined;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      markFailed = reject;
    });
    ready.catch(() => undefined); // observed in invoke(); avoid unhandled-rejection noise
    const environment: Environment = { worker, ready, dead: false };
    const crash = (error: SerializedError) => {
      environment.dead = true;
      markFailed(error);
      environment.pending?.settle({ type: 'error', id: environment.pending.id, error });
    };
    let partialLine = '';
    const output = (text: string) => {
      const lines = (partialLine + text).split('\n');
      partialLine = lines.pop() ?? '';
      for (const line of lines) this.options.onOutput?.(spec.logicalId, line);
    };
    worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'output') output(reply.text);
      else if (reply.type === 'ready') markReady();
      else if (reply.type === 'init-error') crash(reply.error);
      else {
        if (reply.output) output(reply.output);
        if (environment.pending?.id === reply.id) environment.pending.settle(reply);
      }
    });
    worker.on('error', (err) =>
      crash({ errorType: `Runtime.${err.name || 'Error'}`, errorMessage: err.message, trace: (err.stack ?? '').split('\n') }),
    );
    // Also after terminate(): an invocation or init still waiting on this worker must not hang.
    worker.on('exit', (code) =>
      crash({ errorType: 'Runtime.ExitError', errorMessage: `the function's process exited with code ${code}`, trace: [] }),
    );
    this.all.add(environment);
    return environment;
  }
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

/** All functions of an app, each with its own pool and environment variables. */
export class LambdaRuntime {
  private readonly pools = new Map<string, FunctionPool>();

  constructor(functions: Iterable<FunctionSpec>, environmentOf: (spec: FunctionSpec) => Record<string, string>, options: RuntimeOptions) {
    for (const spec of functions) {
      const env = { ...options.baseEnvironment, ...environmentOf(spec), ...options.reservedEnvironment };
      this.pools.set(spec.logicalId, new FunctionPool(spec, env, options));
    }
  }

  /** Invokes the function with this logical id. */
  invoke(functionLogicalId: string, event: unknown): Promise<InvokeResult> {
    const pool = this.pools.get(functionLogicalId);
    if (!pool) throw new Error(`no function ${functionLogicalId} in this app`);
    return pool.invoke(event);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.stop()));
  }
}
