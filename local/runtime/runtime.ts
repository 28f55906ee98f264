/**
 * Runs an app's Lambda functions like the Lambda service: each function has its own pool of warm
 * execution environments (pool.ts), with its own environment variables.
 *
 * How it is built, one concern a file: pool.ts keeps a function's environments and the invocations
 * waiting for one; dispatch.ts decides where each goes; environment.ts is one environment (its
 * worker thread, the channels to it, its timeout timer) and lifecycle.ts its states; worker.ts runs
 * in the thread; worker-protocol.ts and outcome-ring.ts are what crosses between them.
 */
import type { FunctionSpec } from '../assembly/assembly';
import { FunctionPool, type PoolOptions } from './pool';
import type { InvokeResult } from './invocation';

export type { InvokeResult } from './invocation';

export interface RuntimeOptions extends PoolOptions {
  /** Environment variables every function gets before its own (region, credentials, endpoints). */
  readonly baseEnvironment: Readonly<Record<string, string>>;
  /**
   * Variables set after the function's own, which its configuration cannot change (as Lambda
   * reserves AWS_REGION or the credentials): the local fake credentials and where to find them.
   * @default none
   */
  readonly reservedEnvironment?: Readonly<Record<string, string>>;
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
