import type { InvokeResult } from '../../../local/runtime/invocation';
import { type FunctionRuntime, ReloadableRuntime } from '../../../local/runtime/reload';

/** A runtime whose invocations end when the test says, and that records when it is stopped. */
class HeldRuntime implements FunctionRuntime {
  stopped = false;
  private readonly held: Array<() => void> = [];

  constructor(private readonly name: string) {}

  invoke(functionLogicalId: string): Promise<InvokeResult> {
    return new Promise((resolve) =>
      this.held.push(() => resolve({ ok: true, requestId: functionLogicalId, durationMs: 0, result: this.name })),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }

  /** Ends the oldest invocation still running. */
  release(): void {
    this.held.shift()?.();
  }
}

/** Lets pending promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('a reloadable runtime', () => {
  test('a replaced runtime drains: new invocations go to the new one, its own finish on it, then it stops', async () => {
    const [v1, v2] = [new HeldRuntime('v1'), new HeldRuntime('v2')];
    const runtime = new ReloadableRuntime(v1);
    const running = [runtime.invoke('fn', {}), runtime.invoke('fn', {})];
    let replaced = false;
    void runtime.replace(v2).then(() => (replaced = true));
    const next = runtime.invoke('fn', {});
    v2.release();
    expect(await next).toMatchObject({ result: 'v2' });
    v1.release();
    await settle();
    expect([v1.stopped, replaced]).toEqual([false, false]);
    v1.release();
    expect(await Promise.all(running)).toMatchObject([{ result: 'v1' }, { result: 'v1' }]);
    await settle();
    expect([v1.stopped, replaced, v2.stopped]).toEqual([true, true, false]);
  });

  test('a runtime with nothing running stops as soon as it is replaced', async () => {
    const [v1, v2] = [new HeldRuntime('v1'), new HeldRuntime('v2')];
    const runtime = new ReloadableRuntime(v1);
    await runtime.replace(v2);
    expect(v1.stopped).toBe(true);
  });

  test('stopping stops the current runtime and those still draining', async () => {
    const [v1, v2] = [new HeldRuntime('v1'), new HeldRuntime('v2')];
    const runtime = new ReloadableRuntime(v1);
    void runtime.invoke('fn', {});
    const replaced = runtime.replace(v2);
    await runtime.stop();
    await replaced;
    expect([v1.stopped, v2.stopped]).toEqual([true, true]);
  });
});
