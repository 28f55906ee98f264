/** Messages between the runtime and its Lambda worker threads. */
import type { LocalAwsServices } from '../aws/endpoints';
import type { SdkCacheSettings } from './runtime-sdk';

/** What a worker needs to become one function's execution environment. */
export interface WorkerInit {
  readonly codeDir: string;
  readonly handler: string;
  readonly functionName: string;
  readonly invokedFunctionArn: string;
  readonly memorySize: number;
  readonly logStreamName: string;
  readonly enableSourceMaps: boolean;
  /** Whether its invocations' trace headers (`_X_AMZN_TRACE_ID`) say Sampled=1: the function's tracing is Active. */
  readonly activeTracing: boolean;
  /** The function's runtime (`nodejs24.x`): which SDK it provides, for the error when a package is missing. */
  readonly runtime: string;
  /** Where the emulator installs SDK packages, for the error when one is missing; null when it installs none. */
  readonly sdkCache: SdkCacheSettings | null;
  /** The ES module resolve hooks that make runtime-provided packages (NODE_PATH) importable. */
  readonly sdkHooksFile: string;
  /** The local services AWS requests go to; every other AWS endpoint is refused. null: refuse them all. */
  readonly localAws: LocalAwsServices | null;
  /** Whether anyone reads the function's output; when not, the worker drops it instead of sending it. */
  readonly forwardOutput: boolean;
  /**
   * The claims on the invocations sent to this worker (an Int32Array's memory): slot `slot` holds
   * an invocation's `ticket` while it waits. The worker starts one only if it swaps that ticket
   * for 0; the runtime takes one back by the same swap; whichever swaps first has it.
   */
  readonly claims: SharedArrayBuffer;
  /** Where the worker writes results for the runtime to read (outcome-ring.ts). */
  readonly outcomes: SharedArrayBuffer;
}

export interface InvokeRequest {
  readonly id: number;
  /** Its slot in WorkerInit.claims, and the ticket that slot holds while this send of it waits. */
  readonly slot: number;
  readonly ticket: number;
  readonly requestId: string;
  /**
   * The function's timeout; the invocation's deadline (getRemainingTimeInMillis) counts from when
   * the worker starts it, which may be after it arrived (it waits in the worker's queue).
   */
  readonly timeoutMs: number;
  /**
   * The event as JSON, as Lambda passes it (what JSON cannot carry, such as undefined fields, is
   * gone); undefined for no event. A string also crosses to the worker faster than an object's clone.
   */
  readonly eventJson: string | undefined;
  /**
   * Whether the worker may hold the result of the invocation before this one while this one
   * starts, so that results finished in one turn of its event loop go to the runtime in one
   * message: set when the function's invocations are short (see DISPATCH in dispatch.ts).
   */
  readonly batchable: boolean;
}

/** What the runtime sends a worker: invocations, to run one at a time in this order after any it has. */
export type WorkerCommand = readonly InvokeRequest[];

/** An error as the Lambda runtime reports it. */
export interface SerializedError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: readonly string[];
}

/** An invocation's outcome, with the output it wrote that was not sent yet (one message, not two). */
export type InvocationReply =
  /** An invocation's result as JSON, as the Lambda runtime sends it (`null` for undefined). */
  | { readonly type: 'result'; readonly id: number; readonly resultJson: string; readonly output?: string }
  | { readonly type: 'error'; readonly id: number; readonly error: SerializedError; readonly output?: string };

export type WorkerReply =
  | { readonly type: 'ready' }
  /** What the function wrote to stdout and stderr since the last output message. */
  | { readonly type: 'output'; readonly text: string }
  | { readonly type: 'init-error'; readonly error: SerializedError }
  /** Outcomes of invocations, in the order they ran. */
  | readonly InvocationReply[];
