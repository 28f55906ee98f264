/** One invocation of a function, from the call to its result. */
import type { MonotonicClock } from '../../protocol/clock';
import type { InvocationReply, SerializedError } from './worker-protocol';

/** What an invocation ends with: what the gateway, the authorizer and the Invoke API receive. */
export type InvokeResult =
  | { readonly ok: true; readonly requestId: string; readonly durationMs: number; readonly result: unknown }
  | { readonly ok: false; readonly requestId: string; readonly durationMs: number; readonly error: SerializedError };

/** What invocations end with when the runtime stops before they do. */
export const STOPPED_ERROR: SerializedError = { errorType: 'Runtime.Stopped', errorMessage: 'the emulator is shutting down', trace: [] };

/**
 * An invocation in flight. A class, not closures: one is made per invocation, on the emulator's
 * busiest thread. Its duration is measured on the pool's clock.
 */
export class Invocation {
  /** Its slot in the claims of the environment it was last sent to, and that send's ticket (see WorkerInit.claims). */
  slot = -1;
  ticket = 0;

  constructor(
    /** Unique among the function's invocations in flight; crosses to the worker as a 32-bit integer. */
    readonly id: number,
    readonly requestId: string,
    readonly eventJson: string | undefined,
    private readonly clock: MonotonicClock,
    private readonly start: number,
    private readonly resolve: (result: InvokeResult) => void,
  ) {}

  finish(result: unknown): void {
    this.resolve({ ok: true, requestId: this.requestId, durationMs: this.clock.monotonicNow() - this.start, result });
  }

  fail(error: SerializedError): void {
    this.resolve({ ok: false, requestId: this.requestId, durationMs: this.clock.monotonicNow() - this.start, error });
  }

  /** Ends it with its outcome from the worker. */
  complete(reply: InvocationReply): void {
    if (reply.type === 'result') this.finish(JSON.parse(reply.resultJson));
    else this.fail(reply.error);
  }
}
