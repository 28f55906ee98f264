/**
 * Lambda's concurrency, as AWS counts and limits it. A concurrent execution is an invocation
 * accepted and not yet finished (here, one waiting for a local execution environment counts too).
 * A function with reserved concurrency (the template's ReservedConcurrentExecutions) runs at most
 * that many at once, 0 meaning none, and those are kept from the other functions, which share the
 * account's unreserved concurrency: the account's limit less every reservation (Lambda developer
 * guide, "Understanding Lambda function scaling" and "Configuring reserved concurrency"). Over its
 * limit a synchronous invocation is throttled: Lambda answers 429 TooManyRequestsException, with
 * the Reason ReservedFunctionConcurrentInvocationLimitExceeded or ConcurrentInvocationLimitExceeded.
 * An asynchronous one waits for a free execution, as Lambda's event queue keeps retrying a
 * throttled event. Every caller of a function goes through here: the gateway's routes and
 * authorizers, the Lambda Invoke API, and the other services' deliveries.
 */
import type { InvokeResult } from './invocation';

/** Why Lambda throttled an invocation, as its TooManyRequestsException's `Reason` says. */
export type ThrottleReason = 'ReservedFunctionConcurrentInvocationLimitExceeded' | 'ConcurrentInvocationLimitExceeded';

/** A throttled synchronous invocation: it never ran. */
export interface Throttled {
  readonly throttled: ThrottleReason;
  /** Lambda's "Rate Exceeded.", and which limit was reached. */
  readonly message: string;
}

/** What an invocation of a function now gives: its result, or its throttling. */
export type InvokeOutcome = InvokeResult | Throttled;

/** What the limits need of a function. */
export interface ConcurrentFunction {
  readonly logicalId: string;
  readonly functionName: string;
  /** ReservedConcurrentExecutions; undefined when the function draws on the unreserved pool. */
  readonly reservedConcurrency?: number;
}

/** The error type an integration reports for a throttled invocation (API Gateway answers it as any failed integration). */
export const THROTTLED_ERROR_TYPE = 'TooManyRequestsException';

/** A throttled invocation as a failed result, for callers that answer every failure alike (API Gateway: 500). */
export function throttledResult(throttle: Throttled): InvokeResult {
  return { ok: false, requestId: '', durationMs: 0, error: { errorType: THROTTLED_ERROR_TYPE, errorMessage: throttle.message, trace: [] } };
}

/** Where an execution was taken from, so it goes back there even if a reload changed the function's reservation since. */
type Pool = { readonly reservedBy: string } | 'unreserved';

/** One asynchronous invocation waiting for a free execution; `admit` is told the execution it got, or undefined when dropped. */
interface Waiter {
  readonly functionLogicalId: string;
  readonly admit: (pool: Pool | undefined) => void;
}

/** What asynchronous invocations still waiting end with when the emulator stops. */
const STOPPED_WAITING = 'the emulator stopped before a concurrent execution was free for this asynchronous invocation';

/** The concurrent executions of an app's functions, against their reservations and the account's limit. */
export class LambdaConcurrency {
  /** Executions in flight of each function with reserved concurrency. */
  private readonly reservedRunning = new Map<string, number>();
  /** Executions in flight of the functions without: they share the unreserved pool. */
  private unreservedRunning = 0;
  private functions = new Map<string, ConcurrentFunction>();
  private reservedTotal = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    functions: Iterable<ConcurrentFunction>,
    /** The account's concurrency (`--lambda-concurrency`); undefined: no account limit. */
    readonly accountLimit?: number,
  ) {
    this.configure(functions);
  }

  /** Takes the functions' reservations (at start, and again when a reload changes them); executions in flight stay counted. */
  configure(functions: Iterable<ConcurrentFunction>): void {
    this.functions = new Map([...functions].map((f) => [f.logicalId, f]));
    this.reservedTotal = [...this.functions.values()].reduce((sum, f) => sum + (f.reservedConcurrency ?? 0), 0);
    this.admitWaiting();
  }

  /** The unreserved pool: the account's limit less every reservation (never below 0); Infinity without an account limit. */
  get unreserved(): number {
    return this.accountLimit === undefined ? Infinity : Math.max(0, this.accountLimit - this.reservedTotal);
  }

  /**
   * Why the reservations do not fit the account's limit, or undefined when they do: Lambda keeps at
   * least 100 unreserved and refuses a reservation past that, so on AWS this app would not deploy.
   */
  reservationProblem(): string | undefined {
    if (this.accountLimit === undefined || this.reservedTotal <= Math.max(0, this.accountLimit - 100)) return undefined;
    return `the app's functions reserve ${this.reservedTotal} concurrent executions of the account's ${this.accountLimit}, leaving ${this.unreserved} unreserved; Lambda keeps at least 100 unreserved and would refuse these reservations`;
  }

  /** A synchronous invocation: runs `run` now, counted until it settles, or is throttled without running. */
  async invoke(functionLogicalId: string, run: () => Promise<InvokeResult>): Promise<InvokeOutcome> {
    const throttle = this.throttleOf(functionLogicalId);
    if (throttle) return throttle;
    return this.run(this.take(functionLogicalId), run);
  }

  /**
   * An asynchronous invocation: waits (first come, first served) for a free execution, then runs.
   * A function that can never run (a reservation of 0, or no unreserved concurrency left) fails at
   * once: Lambda would retry the event for up to 6 hours and then discard it.
   */
  async invokeWhenFree(functionLogicalId: string, run: () => Promise<InvokeResult>): Promise<InvokeResult> {
    if (this.limitOf(functionLogicalId) === 0) {
      return throttledResult({
        throttled: this.reasonOf(functionLogicalId),
        message: `${this.throttleOf(functionLogicalId)?.message ?? 'Rate Exceeded.'} The event is dropped: it could never run, and Lambda discards a throttled event after retrying it for up to 6 hours.`,
      });
    }
    const pool = this.throttleOf(functionLogicalId)
      ? await new Promise<Pool | undefined>((admit) => this.waiting.push({ functionLogicalId, admit }))
      : this.take(functionLogicalId);
    if (pool === undefined) {
      return { ok: false, requestId: '', durationMs: 0, error: { errorType: 'Runtime.Stopped', errorMessage: STOPPED_WAITING, trace: [] } };
    }
    return this.run(pool, run);
  }

  /** Ends the asynchronous invocations still waiting (they never run): the emulator is stopping. */
  stop(): void {
    for (const waiter of this.waiting.splice(0)) waiter.admit(undefined);
  }

  /** Executions in flight of a function (its own when it has a reservation, else the unreserved pool's). */
  running(functionLogicalId: string): number {
    return this.reservationOf(functionLogicalId) === undefined
      ? this.unreservedRunning
      : (this.reservedRunning.get(functionLogicalId) ?? 0);
  }

  /** Asynchronous invocations waiting for a free execution. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /** Runs an invocation that holds an execution, and gives it back however it ends. */
  private async run(pool: Pool, run: () => Promise<InvokeResult>): Promise<InvokeResult> {
    try {
      return await run();
    } finally {
      this.release(pool);
    }
  }

  private reservationOf(functionLogicalId: string): number | undefined {
    return this.functions.get(functionLogicalId)?.reservedConcurrency;
  }

  private limitOf(functionLogicalId: string): number {
    return this.reservationOf(functionLogicalId) ?? this.unreserved;
  }

  private reasonOf(functionLogicalId: string): ThrottleReason {
    return this.reservationOf(functionLogicalId) === undefined
      ? 'ConcurrentInvocationLimitExceeded'
      : 'ReservedFunctionConcurrentInvocationLimitExceeded';
  }

  /** Why an invocation of the function cannot start now, or undefined when it can. */
  private throttleOf(functionLogicalId: string): Throttled | undefined {
    const limit = this.limitOf(functionLogicalId);
    const running = this.running(functionLogicalId);
    if (running < limit) return undefined;
    const reserved = this.reservationOf(functionLogicalId);
    const name = this.functions.get(functionLogicalId)?.functionName ?? functionLogicalId;
    const message =
      reserved === undefined
        ? `Rate Exceeded. The account's unreserved concurrency (${limit}: --lambda-concurrency ${this.accountLimit} less ${this.reservedTotal} reserved) is in use by ${running} executions.`
        : `Rate Exceeded. Function ${name} has reserved concurrency ${reserved} (ReservedConcurrentExecutions) and ${running} executions are in flight.`;
    return { throttled: this.reasonOf(functionLogicalId), message };
  }

  private take(functionLogicalId: string): Pool {
    if (this.reservationOf(functionLogicalId) === undefined) {
      this.unreservedRunning++;
      return 'unreserved';
    }
    this.reservedRunning.set(functionLogicalId, (this.reservedRunning.get(functionLogicalId) ?? 0) + 1);
    return { reservedBy: functionLogicalId };
  }

  private release(pool: Pool): void {
    if (pool === 'unreserved') this.unreservedRunning--;
    else this.reservedRunning.set(pool.reservedBy, this.reservedRunning.get(pool.reservedBy)! - 1);
    this.admitWaiting();
  }

  /** Starts the waiting asynchronous invocations that now fit, in arrival order; one that does not fit holds no other function back. */
  private admitWaiting(): void {
    for (let i = 0; i < this.waiting.length;) {
      const waiter = this.waiting[i];
      if (this.throttleOf(waiter.functionLogicalId)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      waiter.admit(this.take(waiter.functionLogicalId));
    }
  }
}
