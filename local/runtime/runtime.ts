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
import type { FunctionSpec } from '../assembly/assembly';
import type { LocalAwsServices } from '../aws/endpoints';
import { newEventId } from '../aws/ids';
import { OutcomeReader, outcomeMemory } from './outcome-ring';
import type { InvocationReply, InvokeRequest, SerializedError, WorkerCommand, WorkerInit, WorkerReply } from './worker-protocol';

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
  /**
   * How long an environment's init (loading the handler's modules) may take before the invocation
   * waiting for it fails with Sandbox.Timedout and the environment is discarded. Lambda allows 10 s,
   * then retries the init within the invocation's timeout. @default 10 s plus the function's timeout
   */
  readonly initTimeoutMs?: number;
  /**
   * How invocations are spread over a function's environments (see DISPATCH).
   * @default DISPATCH
   */
  readonly dispatch?: Partial<DispatchSettings>;
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

/** One invocation, from the call to its result. */
class Job {
  /** Its slot in the claims of the environment it was last sent to, and that send's ticket (see WorkerInit.claims). */
  slot = -1;
  ticket = 0;

  constructor(
    readonly id: number,
    readonly requestId: string,
    readonly eventJson: string | undefined,
    private readonly start: number,
    private readonly resolve: (result: InvokeResult) => void,
  ) {}

  finish(result: unknown): void {
    this.resolve({ ok: true, requestId: this.requestId, durationMs: performance.now() - this.start, result });
  }

  fail(error: SerializedError): void {
    this.resolve({ ok: false, requestId: this.requestId, durationMs: performance.now() - this.start, error });
  }
}

interface Environment {
  readonly worker: Worker;
  /** The worker said it is ready (its handler loaded). */
  isReady: boolean;
  /**
   * The invocations sent to this worker, in order: the first is running, the others wait in the
   * worker's queue and start there the moment the one before it answers (see DISPATCH).
   */
  jobs: Job[];
  /** Invocations for this worker not posted yet: they go in one message when this turn of the event loop ends. */
  outbox: InvokeRequest[];
  /**
   * When the running invocation started (performance.now() time): when the runtime sent it to an
   * idle environment or settled the one before it, or, for one the worker started as it wrote the
   * previous result to shared memory, when it wrote it.
   */
  startedAt: number;
  /** The claims on the invocations sent to it (WorkerInit.claims), and the slots no invocation holds. */
  readonly claims: Int32Array;
  /** The results its worker wrote to shared memory (WorkerInit.outcomes). */
  readonly outcomes: OutcomeReader;
  /** Results that came before those of invocations that ran earlier, by invocation id; they settle in turn. */
  readonly early: Map<number, { readonly reply: InvocationReply; readonly endedAt: number }>;
  readonly freeSlots: number[];
  /**
   * The timeout of the invocation it started last (`timed`), if that one still runs. One timer per
   * environment, re-armed as each invocation starts: a new timer per invocation, cleared as it
   * answered, cost the main thread about a microsecond per invocation.
   */
  timer?: ReturnType<typeof setTimeout>;
  /** The delay `timer` was set with: refresh() re-arms it with the same. */
  timerMs?: number;
  timed?: Job;
  dead: boolean;
}

/**
 * How a function's invocations are spread over its environments.
 *
 * A worker thread that waits for work sleeps, and waking it costs more CPU than a small handler's
 * whole run: on this project's 2-core machine a wake-up each way was most of an echo round trip's
 * CPU time, and spreading short invocations over idle environments meant a wake-up for nearly
 * every one. So short invocations queue in a busy environment, behind the one it runs, and start
 * there the moment it answers, with no wake-up; idle environments are used when the running one
 * is not short, and the invocations sent in one turn of the event loop go to a worker in one
 * message. An environment still serves one invocation at a time (as in Lambda), each one's
 * timeout and `getRemainingTimeInMillis()` count from its own start, and nothing waits long
 * behind a slow invocation: the ones queued behind it are taken back and go to another environment.
 */
export interface DispatchSettings {
  /** The function's invocations are short when they typically (a moving average) run under this. */
  readonly shortRunMs: number;
  /** At most this many invocations wait in one environment's queue, behind the one it runs. */
  readonly queueLimit: number;
  /** Invocations waiting behind one that has run this long are taken back, to run elsewhere. */
  readonly reclaimAfterMs: number;
}

export const DISPATCH: DispatchSettings = { shortRunMs: 1, queueLimit: 16, reclaimAfterMs: 5 };

/** Lambda's limit on an execution environment's init phase, before it retries it within the invocation's timeout. */
const INIT_LIMIT_MS = 10_000;

/** The weight of the latest run in the moving average of a function's run time. */
const RUN_TIME_WEIGHT = 0.1;

const STOPPED_ERROR: SerializedError = { errorType: 'Runtime.Stopped', errorMessage: 'the emulator is shutting down', trace: [] };

/** The warm environments of one function. */
export class FunctionPool {
  private readonly all = new Set<Environment>();
  /** Invocations waiting for an environment, first come first served. */
  private readonly queue: Job[] = [];
  private readonly dispatch: DispatchSettings;
  private nextId = 1;
  private stopped = false;
  /** A moving average of how long an invocation runs, from its start to its answer; unknown until one has. */
  private typicalRunMs = Infinity;
  private flushScheduled = false;
  /** Each send's claim ticket (see WorkerInit.claims): never 0, and never the same for two sends in reach of each other. */
  private nextTicket = 1;
  /** Checks, while invocations wait in workers' queues, for ones stuck behind a slow invocation. */
  private reclaimCheck?: ReturnType<typeof setInterval>;

  constructor(
    readonly spec: FunctionSpec,
    private readonly env: Readonly<Record<string, string>>,
    private readonly options: RuntimeOptions,
  ) {
    this.dispatch = { ...DISPATCH, ...options.dispatch };
  }

  /**
   * Invokes the function with `event`, which travels as JSON, as Lambda's events do (`eventJson`,
   * when the caller has it already); never throws for function errors (it throws for an event
   * JSON cannot carry, such as a circular one).
   */
  invoke(event: unknown, eventJson: string | undefined = event === undefined ? undefined : JSON.stringify(event)): Promise<InvokeResult> {
    const requestId = randomUUID();
    const start = performance.now();
    return new Promise<InvokeResult>((resolve) => {
      // A class, not closures: this runs once per invocation, on the emulator's busiest thread.
      const job = new Job(this.nextId, requestId, eventJson, start, resolve);
      // Ids travel as 32-bit integers (outcome-ring.ts); they only need to differ among invocations in flight.
      this.nextId = this.nextId >= 0x7fffffff ? 1 : this.nextId + 1;
      if (this.stopped) return job.fail(STOPPED_ERROR);
      if (this.spec.unsupported) return job.fail({ errorType: 'Runtime.Unsupported', errorMessage: this.spec.unsupported, trace: [] });
      this.queue.push(job);
      this.pump();
    });
  }

  /** Terminates every environment; later invocations fail. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.reclaimCheck);
    for (const job of this.queue.splice(0)) job.fail(STOPPED_ERROR);
    for (const e of this.all) {
      e.dead = true;
      clearTimeout(e.timer);
      e.outbox = [];
      // The claims too, so a worker that frees up before it is terminated starts none of them.
      for (const job of e.jobs.splice(0)) {
        Atomics.compareExchange(e.claims, job.slot, job.ticket, 0);
        job.fail(STOPPED_ERROR);
      }
    }
    await Promise.all([...this.all].map((e) => e.worker.terminate()));
    this.all.clear();
  }

  /** Sends waiting invocations to environments: an idle one, a new one, else a busy one's queue. */
  private pump(): void {
    while (this.queue.length > 0 && !this.stopped) {
      const environment = this.pick();
      if (!environment) return;
      this.send(environment, this.queue.shift()!);
    }
  }

  /**
   * Where the next invocation goes (see DISPATCH): behind a running one when the function's
   * invocations are short, else to an idle environment, else to a new one, else behind a running one.
   */
  private pick(): Environment | undefined {
    const now = performance.now();
    let idle: Environment | undefined;
    let queueable: Environment | undefined;
    for (const e of this.all) {
      if (e.dead) continue;
      if (e.jobs.length === 0) idle ??= e;
      else if (
        e.isReady &&
        e.freeSlots.length > 0 &&
        now - e.startedAt < this.dispatch.reclaimAfterMs &&
        (!queueable || e.jobs.length < queueable.jobs.length)
      )
        queueable = e;
    }
    if (queueable && this.typicalRunMs <= this.dispatch.shortRunMs) return queueable;
    if (idle) return idle;
    if (this.all.size < (this.options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY)) return this.spawn();
    return queueable;
  }

  private send(environment: Environment, job: Job): void {
    environment.jobs.push(job);
    // A worker still loading keeps the message in its port until it listens; its timeout starts once it is ready.
    if (environment.jobs.length === 1 && environment.isReady) this.startTimer(environment);
    job.slot = environment.freeSlots.pop()!;
    job.ticket = this.nextTicket;
    this.nextTicket = this.nextTicket >= 0x7fffffff ? 1 : this.nextTicket + 1;
    Atomics.store(environment.claims, job.slot, job.ticket);
    environment.outbox.push({
      id: job.id,
      slot: job.slot,
      ticket: job.ticket,
      requestId: job.requestId,
      timeoutMs: this.spec.timeoutSeconds * 1000,
      eventJson: job.eventJson,
      batchable: this.typicalRunMs <= this.dispatch.shortRunMs,
    });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    if (environment.jobs.length > 1) this.reclaimCheck ??= setInterval(() => this.reclaimStuck(), this.dispatch.reclaimAfterMs);
  }

  /** Posts each worker the invocations sent to it this turn of the event loop, in one message (one wake-up). */
  private flush(): void {
    this.flushScheduled = false;
    for (const e of this.all) {
      if (e.outbox.length === 0) continue;
      e.worker.postMessage(e.outbox satisfies WorkerCommand);
      e.outbox = [];
    }
  }

  /** Takes back the invocations waiting behind one that has run too long; stops checking when none wait. */
  private reclaimStuck(): void {
    const now = performance.now();
    let waiting = false;
    const back: Job[] = [];
    // Results written while a worker went on to the next invocation are read here too, even if
    // that one runs synchronous code (and sends no message) for a while; before anything is taken
    // back, so that what they start is judged from its real start.
    for (const e of this.all) if (!e.dead) this.readOutcomes(e);
    for (const e of this.all) {
      if (e.dead || e.jobs.length < 2) continue;
      waiting = true;
      if (now - e.startedAt >= this.dispatch.reclaimAfterMs) back.push(...this.takeBackWaiting(e));
    }
    if (!waiting) {
      clearInterval(this.reclaimCheck);
      this.reclaimCheck = undefined;
    }
    this.queue.unshift(...back);
    this.pump();
  }

  /**
   * Takes back this environment's invocations that it has not started, whatever its worker is
   * doing (even running synchronous code): each is the runtime's if it swaps the invocation's
   * ticket out of its claim slot before the worker does (WorkerInit.claims). Never the first, which
   * has started or is about to.
   */
  private takeBackWaiting(environment: Environment): Job[] {
    const back: Job[] = [];
    const kept: Job[] = [];
    environment.jobs.forEach((job, i) => {
      if (i > 0 && Atomics.compareExchange(environment.claims, job.slot, job.ticket, 0) === job.ticket) {
        environment.freeSlots.push(job.slot);
        back.push(job);
      } else kept.push(job);
    });
    if (back.length > 0) {
      environment.jobs = kept;
      environment.outbox = environment.outbox.filter((request) => !back.some((job) => job.id === request.id));
    }
    return back;
  }

  /** Times the environment's first invocation, which started at `startedAt` (performance.now() time). */
  private startTimer(environment: Environment, startedAt = performance.now()): void {
    environment.startedAt = startedAt;
    environment.timed = environment.jobs[0];
    const timeoutMs = this.spec.timeoutSeconds * 1000;
    const now = performance.now();
    // A start up to 1 ms ago gets the whole timeout from now (re-arming the timer if it has that
    // delay); one learnt of late (its predecessor's result was read from shared memory a while
    // after the worker went on) gets a timer for what is left of its timeout.
    const delayMs = startedAt >= now - 1 ? timeoutMs : Math.max(0, Math.ceil(startedAt + timeoutMs - now));
    if (environment.timer && environment.timerMs === delayMs) environment.timer.refresh();
    else {
      clearTimeout(environment.timer);
      environment.timer = setTimeout(() => this.timedOut(environment), delayMs);
      environment.timerMs = delayMs;
    }
  }

  /** The environment's timer fired: its last invocation started a timeout ago; if it still runs, it timed out. */
  private timedOut(environment: Environment): void {
    const job = environment.timed;
    // It may have answered, its result waiting in shared memory while the worker runs the next.
    this.readOutcomes(environment);
    if (job === undefined || environment.jobs[0] !== job) return;
    environment.jobs.shift();
    job.fail({
      errorType: 'Sandbox.Timedout',
      errorMessage: `${job.requestId} Task timed out after ${this.spec.timeoutSeconds.toFixed(2)} seconds`,
      trace: [],
    });
    this.discard(environment, 'an invocation timed out');
  }

  /** Settles the invocations whose results the environment's worker wrote to shared memory. */
  private readOutcomes(environment: Environment): void {
    environment.outcomes.drain((id, resultJson, endedAt) =>
      this.settle(environment, { type: 'result', id, resultJson }, endedAt - performance.timeOrigin),
    );
  }

  /** Settles an invocation the worker ended at `endedAt` (performance.now() time; the next one started then). */
  private settle(environment: Environment, reply: InvocationReply, endedAt = performance.now()): void {
    const job = environment.jobs[0];
    if (job?.id !== reply.id) {
      // One that ran after others whose results are still on their way (sent as messages before it
      // was written to shared memory) waits for them: results settle in the order they ran.
      if (environment.jobs.some((j) => j.id === reply.id)) environment.early.set(reply.id, { reply, endedAt });
      return;
    }
    environment.timed = undefined;
    environment.jobs.shift();
    environment.freeSlots.push(job.slot);
    // Never negative: a result that waited for an earlier one's message settles after it.
    const ranMs = Math.max(0, endedAt - environment.startedAt);
    this.typicalRunMs = this.typicalRunMs === Infinity ? ranMs : this.typicalRunMs + (ranMs - this.typicalRunMs) * RUN_TIME_WEIGHT;
    if (environment.jobs.length > 0) this.startTimer(environment, endedAt);
    complete(job, reply);
    const next = environment.jobs[0] && environment.early.get(environment.jobs[0].id);
    if (next) {
      environment.early.delete(environment.jobs[0].id);
      this.settle(environment, next.reply, next.endedAt);
    } else this.pump();
  }

  /**
   * Ends an environment (its running invocation has been answered, `why`): its worker is
   * terminated, and the invocations queued in it, which never started, go back to the front of the
   * line for another environment. One the worker had just started, after the one that ended it
   * answered, ends with it.
   */
  private discard(environment: Environment, why: string): void {
    environment.dead = true;
    clearTimeout(environment.timer);
    this.all.delete(environment);
    environment.outbox = [];
    const back: Job[] = [];
    for (const job of environment.jobs.splice(0)) {
      const early = environment.early.get(job.id);
      if (early) complete(job, early.reply);
      else if (Atomics.compareExchange(environment.claims, job.slot, job.ticket, 0) === job.ticket) back.push(job);
      else
        job.fail({
          errorType: 'Runtime.ExitError',
          errorMessage: `the execution environment ended (${why}) while this invocation ran`,
          trace: [],
        });
    }
    this.queue.unshift(...back);
    void environment.worker.terminate();
    this.pump();
  }

  private spawn(): Environment {
    const spec = this.spec;
    const claimSlots = this.dispatch.queueLimit + 1;
    const claims = new SharedArrayBuffer(claimSlots * Int32Array.BYTES_PER_ELEMENT);
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
      claims,
      outcomes: outcomeMemory(),
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
    const initTimeoutMs = this.options.initTimeoutMs ?? INIT_LIMIT_MS + spec.timeoutSeconds * 1000;
    const initTimer = setTimeout(
      () =>
        crash({
          errorType: 'Sandbox.Timedout',
          errorMessage: `the function's init did not finish in ${(initTimeoutMs / 1000).toFixed(2)} seconds`,
          trace: [],
        }),
      initTimeoutMs,
    );
    const environment: Environment = {
      worker,
      isReady: false,
      jobs: [],
      outbox: [],
      startedAt: 0,
      claims: new Int32Array(claims),
      outcomes: new OutcomeReader(init.outcomes),
      early: new Map(),
      freeSlots: Array.from({ length: claimSlots }, (_, slot) => slot),
      dead: false,
    };
    // The running invocation fails with the crash; the ones queued behind it never started, and go to another environment.
    const crash = (error: SerializedError) => {
      clearTimeout(initTimer);
      if (environment.dead) return;
      // Results it wrote before it ended are results.
      this.readOutcomes(environment);
      environment.jobs.shift()?.fail(error);
      this.discard(environment, `${error.errorType}: ${error.errorMessage}`);
    };
    let partialLine = '';
    const output = (text: string) => {
      const lines = (partialLine + text).split('\n');
      partialLine = lines.pop() ?? '';
      for (const line of lines) this.options.onOutput?.(spec.logicalId, line);
    };
    worker.on('message', (reply: WorkerReply) => {
      // Any message also announces the results written to shared memory before it, which come first.
      this.readOutcomes(environment);
      if (isOutcomes(reply)) {
        for (const outcome of reply) {
          if (outcome.output) output(outcome.output);
          this.settle(environment, outcome);
        }
      } else if (reply.type === 'output') output(reply.text);
      else if (reply.type === 'ready') {
        clearTimeout(initTimer);
        environment.isReady = true;
        if (environment.jobs.length > 0) this.startTimer(environment);
        this.pump();
      } else if (reply.type === 'init-error') crash(reply.error);
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

/** Ends an invocation with its outcome from the worker. */
function complete(job: Job, reply: InvocationReply): void {
  if (reply.type === 'result') job.finish(JSON.parse(reply.resultJson));
  else job.fail(reply.error);
}

/** Array.isArray does not narrow a readonly array type. */
function isOutcomes(reply: WorkerReply): reply is readonly InvocationReply[] {
  return Array.isArray(reply);
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

  /** Invokes the function with this logical id; `eventJson`, when given, is JSON.stringify(event), already made. */
  invoke(functionLogicalId: string, event: unknown, eventJson?: string): Promise<InvokeResult> {
    const pool = this.pools.get(functionLogicalId);
    if (!pool) throw new Error(`no function ${functionLogicalId} in this app`);
    return pool.invoke(event, eventJson);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.stop()));
  }
}
