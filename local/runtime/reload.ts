/**
 * Live reload of an app's functions: which assembly changes can be applied without restarting
 * the gateway, and a runtime that swaps to new environments while in-flight invocations finish
 * on the old ones.
 */
import type { WebSocketAppSpec } from '../assembly/assembly';
import type { InvokeResult, LambdaRuntime } from './runtime';

/** What a generation of the app's functions must do. */
export type FunctionRuntime = Pick<LambdaRuntime, 'invoke' | 'stop'>;

/**
 * Why `next` cannot replace `current` live (the gateway, the store and the services were set up for
 * `current`), or undefined when only the functions (code, handler, environment, settings) changed.
 */
export function restartReason(current: WebSocketAppSpec, next: WebSocketAppSpec): string | undefined {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const facts: Array<[string, (app: WebSocketAppSpec) => unknown]> = [
    ['the stack', (app) => app.stackName],
    ['the API', (app) => [app.apiLogicalId, app.apiId, app.apiName, app.region, app.accountId, app.urlSuffix]],
    ['the stage', (app) => [app.stage, app.stageVariables]],
    ['the route selection expression', (app) => app.routeSelectionExpression],
    ['the routes', (app) => [...app.routes.values()].sort((a, b) => (a.routeKey < b.routeKey ? -1 : 1))],
    ['the set of functions', (app) => [...app.functions.keys()].sort()],
    ['the tables', (app) => app.tables],
    ['the user pools', (app) => app.userPools],
    ['the event buses and rules', (app) => [app.eventBuses, app.eventRules]],
    ['the queues', (app) => app.queues],
    ['the event source mappings', (app) => app.eventSourceMappings],
  ];
  const changed = facts.filter(([, fact]) => !same(fact(current), fact(next))).map(([name]) => name);
  return changed.length > 0 ? `${changed.join(', ')} changed` : undefined;
}

/** One runtime of the app's functions, and its invocations that have not ended. */
interface Generation {
  readonly runtime: FunctionRuntime;
  inflight: number;
  /** Set while it drains: called when its last invocation ends. */
  drained?: () => void;
}

/**
 * The app's current LambdaRuntime, replaceable: new invocations go to the newest runtime, while
 * the one it replaced is draining, as an execution environment does (lifecycle.ts): it takes no
 * new invocation, the ones it runs finish there, and then it is stopped.
 */
export class ReloadableRuntime {
  private current: Generation;
  private readonly draining = new Set<Generation>();

  constructor(runtime: FunctionRuntime) {
    this.current = { runtime, inflight: 0 };
  }

  /** Invokes the function on the current runtime. */
  invoke(functionLogicalId: string, event: unknown, eventJson?: string): Promise<InvokeResult> {
    const generation = this.current;
    const result = generation.runtime.invoke(functionLogicalId, event, eventJson);
    generation.inflight++;
    result.then(
      () => release(generation),
      () => release(generation),
    );
    return result;
  }

  /** Makes `next` current; resolves once the previous runtime has drained (its invocations have finished) and has stopped. */
  async replace(next: FunctionRuntime): Promise<void> {
    const old = this.current;
    this.current = { runtime: next, inflight: 0 };
    this.draining.add(old);
    if (old.inflight > 0) await new Promise<void>((resolve) => (old.drained = resolve));
    this.draining.delete(old);
    await old.runtime.stop();
  }

  /** Stops the current runtime and any still draining (their invocations fail as on shutdown). */
  async stop(): Promise<void> {
    const all = [this.current, ...this.draining];
    for (const generation of this.draining) generation.drained?.();
    await Promise.all(all.map((g) => g.runtime.stop()));
  }
}

/** One of the generation's invocations has finished. */
function release(generation: Generation): void {
  if (--generation.inflight === 0) generation.drained?.();
}
