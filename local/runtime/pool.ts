/**
 * The warm execution environments of one function, like the Lambda service keeps them: each
 * environment serves one invocation at a time, more are started for concurrent invocations up to
 * a limit, and the invocations beyond it wait here, first come first served.
 */
import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import { systemClock, type MonotonicClock } from '../../protocol/clock';
import type { FunctionSpec } from '../assembly/assembly';
import type { LocalAwsServices } from '../aws/endpoints';
import { chooseEnvironment, DISPATCH, type DispatchSettings, isShort, NEW_ENVIRONMENT, nextTypicalRunMs } from './dispatch';
import { ExecutionEnvironment, type EnvironmentEvents, type EnvironmentSettings } from './environment';
import { Invocation, type InvokeResult, STOPPED_ERROR } from './invocation';
import type { SdkCacheSettings } from './runtime-sdk';
import { SDK_HOOKS_FILE } from './worker-thread';

export interface PoolOptions {
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
  /**
   * Times the invocations (their durations and timeouts), the init limit and the reclaim check
   * (DispatchSettings.reclaimAfterMs). @default the system clock
   */
  readonly clock?: MonotonicClock;
  /** Where the emulator installs the SDK packages Lambda's runtime provides (ProvidedSdk.settings), named in a function's error when one is missing. @default none */
  readonly sdkCache?: SdkCacheSettings;
  readonly region: string;
  readonly accountId: string;
}

const DEFAULT_MAX_CONCURRENCY = Math.max(2, os.availableParallelism());

/** Lambda's limit on an execution environment's init phase, before it retries it within the invocation's timeout. */
const INIT_LIMIT_MS = 10_000;

/** The warm environments of one function. */
export class FunctionPool {
  /** Its environments that take invocations (starting, idle or busy); one that ends leaves the set. */
  private readonly environments = new Set<ExecutionEnvironment>();
  /** Invocations waiting for an environment, first come first served. */
  private readonly queue: Invocation[] = [];
  private readonly dispatch: DispatchSettings;
  private readonly clock: MonotonicClock;
  private readonly maxConcurrency: number;
  private readonly environmentSettings: EnvironmentSettings;
  private readonly events: EnvironmentEvents;
  private nextId = 1;
  private stopped = false;
  /** A moving average of how long an invocation runs, from its start to its answer; unknown (Infinity) until one has. */
  private typicalRunMs = Infinity;
  private flushScheduled = false;
  /** Checks, while invocations wait in workers' queues, for ones stuck behind a slow invocation. */
  private reclaimCheck: unknown;

  constructor(
    readonly spec: FunctionSpec,
    env: Readonly<Record<string, string>>,
    private readonly options: PoolOptions,
  ) {
    this.dispatch = { ...DISPATCH, ...options.dispatch };
    this.clock = options.clock ?? systemClock;
    this.maxConcurrency = options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
    this.environmentSettings = {
      function: {
        codeDir: spec.codeDir,
        handler: spec.handler,
        functionName: spec.functionName,
        invokedFunctionArn: `arn:aws:lambda:${options.region}:${options.accountId}:function:${spec.functionName}`,
        memorySize: spec.memorySize,
        enableSourceMaps: /--enable-source-maps/.test(env.NODE_OPTIONS ?? ''),
        activeTracing: spec.activeTracing ?? false,
        runtime: spec.runtime,
        sdkCache: options.sdkCache ?? null,
        sdkHooksFile: SDK_HOOKS_FILE,
        localAws: options.localAws ?? null,
        forwardOutput: options.onOutput !== undefined,
      },
      variables: env,
      timeoutMs: spec.timeoutSeconds * 1000,
      initTimeoutMs: options.initTimeoutMs ?? INIT_LIMIT_MS + spec.timeoutSeconds * 1000,
      queueLimit: this.dispatch.queueLimit,
      clock: this.clock,
    };
    this.events = {
      settled: (ranMs) => {
        this.typicalRunMs = nextTypicalRunMs(this.typicalRunMs, ranMs);
      },
      available: () => this.pump(),
      ended: (environment, unstarted) => {
        this.environments.delete(environment);
        this.queue.unshift(...unstarted);
        this.pump();
      },
      output: (line) => this.options.onOutput?.(spec.logicalId, line),
    };
  }

  /**
   * Invokes the function with `event`, which travels as JSON, as Lambda's events do (`eventJson`,
   * when the caller has it already); never throws for function errors (it throws for an event
   * JSON cannot carry, such as a circular one).
   */
  invoke(event: unknown, eventJson: string | undefined = event === undefined ? undefined : JSON.stringify(event)): Promise<InvokeResult> {
    const requestId = randomUUID();
    const start = this.clock.monotonicNow();
    return new Promise<InvokeResult>((resolve) => {
      const invocation = new Invocation(this.nextId, requestId, eventJson, this.clock, start, resolve);
      // Ids travel as 32-bit integers (outcome-ring.ts); they only need to differ among invocations in flight.
      this.nextId = this.nextId >= 0x7fffffff ? 1 : this.nextId + 1;
      if (this.stopped) return invocation.fail(STOPPED_ERROR);
      if (this.spec.unsupported)
        return invocation.fail({ errorType: 'Runtime.Unsupported', errorMessage: this.spec.unsupported, trace: [] });
      this.queue.push(invocation);
      this.pump();
    });
  }

  /** Terminates every environment; later invocations fail. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.reclaimCheck);
    this.reclaimCheck = undefined;
    for (const invocation of this.queue.splice(0)) invocation.fail(STOPPED_ERROR);
    const stopping = [...this.environments].map((environment) => environment.stop(STOPPED_ERROR));
    this.environments.clear();
    await Promise.all(stopping);
  }

  /** Sends waiting invocations where the dispatch policy says (dispatch.ts), until it says to wait. */
  private pump(): void {
    while (this.queue.length > 0 && !this.stopped) {
      const choice = chooseEnvironment(
        this.environments,
        this.clock.monotonicNow(),
        this.typicalRunMs,
        this.environments.size < this.maxConcurrency,
        this.dispatch,
      );
      if (choice === undefined) return;
      this.send(choice === NEW_ENVIRONMENT ? this.startEnvironment() : choice, this.queue.shift()!);
    }
  }

  private send(environment: ExecutionEnvironment, invocation: Invocation): void {
    environment.take(invocation, isShort(this.typicalRunMs, this.dispatch));
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
    if (environment.invocationCount > 1) this.reclaimCheck ??= this.clock.setTimeout(this.reclaimStuck, this.dispatch.reclaimAfterMs);
  }

  /** Posts each worker the invocations sent to it this turn of the event loop, in one message (one wake-up). */
  private readonly flush = (): void => {
    this.flushScheduled = false;
    for (const environment of this.environments) environment.flush();
  };

  /**
   * Takes back the invocations waiting behind one that has run too long; checks again after
   * `reclaimAfterMs` while any wait.
   */
  private readonly reclaimStuck = (): void => {
    this.reclaimCheck = undefined;
    const now = this.clock.monotonicNow();
    let waiting = false;
    const back: Invocation[] = [];
    // Results written while a worker went on to the next invocation are read here too, even if
    // that one runs synchronous code (and sends no message) for a while; before anything is taken
    // back, so that what they start is judged from its real start.
    for (const environment of this.environments) environment.readOutcomes();
    for (const environment of this.environments) {
      if (environment.invocationCount < 2) continue;
      waiting = true;
      if (now - environment.startedAt >= this.dispatch.reclaimAfterMs) back.push(...environment.takeBackWaiting());
    }
    this.queue.unshift(...back);
    this.pump();
    if (waiting && !this.stopped) this.reclaimCheck ??= this.clock.setTimeout(this.reclaimStuck, this.dispatch.reclaimAfterMs);
  };

  private startEnvironment(): ExecutionEnvironment {
    const environment = new ExecutionEnvironment(this.environmentSettings, this.events);
    this.environments.add(environment);
    return environment;
  }
}
