/**
 * One execution environment with a real worker, apart from any pool: its states as it starts,
 * serves, ends and dies, with its pool's side played by the test (and time by a ManualClock).
 */
import type { FunctionSpec } from '../../../local/assembly/assembly';
import { ExecutionEnvironment, type EnvironmentEvents } from '../../../local/runtime/environment';
import { Invocation, type InvokeResult, STOPPED_ERROR } from '../../../local/runtime/invocation';
import type { EnvironmentState } from '../../../local/runtime/lifecycle';
import { SDK_HOOKS_FILE } from '../../../local/runtime/worker-thread';
import { ManualClock } from '../../support/manual-clock';
import { FunctionFolders, hasSettled } from './function-fixtures';

let folders: FunctionFolders;
const environments: ExecutionEnvironment[] = [];

beforeAll(() => {
  folders = new FunctionFolders();
});
afterAll(async () => {
  await Promise.all(environments.filter((e) => e.state !== 'draining' && e.state !== 'dead').map((e) => e.stop(STOPPED_ERROR)));
  folders.remove();
});

/** Echoes `n` after `ms`; exits with code 3 for `exit`, hangs for `hang`. */
const ECHO = `export const handler = async (event) => {
  await new Promise((resolve) => setTimeout(resolve, event.ms ?? 0));
  if (event.exit) process.exit(3);
  if (event.hang) await new Promise(() => {});
  return { n: event.n };
};`;

/** What the environment told its pool. */
class PoolSide implements EnvironmentEvents {
  readonly ran: number[] = [];
  readonly lines: string[] = [];
  unstarted?: Invocation[];
  private onAvailable: Array<() => void> = [];

  settled(ranMs: number): void {
    this.ran.push(ranMs);
  }

  available(): void {
    for (const resolve of this.onAvailable.splice(0)) resolve();
  }

  ended(_environment: ExecutionEnvironment, unstarted: Invocation[]): void {
    this.unstarted = unstarted;
  }

  output(line: string): void {
    this.lines.push(line);
  }

  /** Resolves when the environment next says it can take invocations. */
  nextAvailable(): Promise<void> {
    return new Promise((resolve) => this.onAvailable.push(resolve));
  }
}

function environmentFor(spec: FunctionSpec, clock: ManualClock, pool: PoolSide): ExecutionEnvironment {
  const environment = new ExecutionEnvironment(
    {
      function: {
        codeDir: spec.codeDir,
        handler: spec.handler,
        functionName: spec.functionName,
        invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${spec.functionName}`,
        memorySize: spec.memorySize,
        enableSourceMaps: false,
        activeTracing: false,
        runtime: spec.runtime,
        sdkCache: null,
        sdkHooksFile: SDK_HOOKS_FILE,
        localAws: null,
        forwardOutput: true,
      },
      variables: {},
      timeoutMs: spec.timeoutSeconds * 1000,
      initTimeoutMs: 20_000,
      queueLimit: 4,
      clock,
    },
    pool,
  );
  environments.push(environment);
  return environment;
}

let nextId = 1;

/** An invocation of `event`, and its result to come. */
function invocationOf(event: unknown, clock: ManualClock): [Invocation, Promise<InvokeResult>] {
  let invocation!: Invocation;
  const result = new Promise<InvokeResult>((resolve) => {
    invocation = new Invocation(nextId++, `request-${nextId}`, JSON.stringify(event), clock, clock.monotonicNow(), resolve);
  });
  return [invocation, result];
}

describe('an execution environment', () => {
  test('starts, serves one invocation at a time, is idle in between, drains when stopped, then is dead', async () => {
    const clock = new ManualClock();
    const pool = new PoolSide();
    const environment = environmentFor(folders.spec('life', 'index.handler', { 'index.mjs': ECHO }), clock, pool);
    const seen: EnvironmentState[] = [environment.state];
    await pool.nextAvailable();
    seen.push(environment.state);

    const [first, firstResult] = invocationOf({ n: 1 }, clock);
    environment.take(first, false);
    seen.push(environment.state);
    environment.flush();
    expect(await firstResult).toMatchObject({ ok: true, result: { n: 1 } });
    seen.push(environment.state);

    // Two at once: the second waits in the worker, behind the first.
    const [second, secondResult] = invocationOf({ n: 2, ms: 20 }, clock);
    const [third, thirdResult] = invocationOf({ n: 3 }, clock);
    environment.take(second, false);
    environment.take(third, false);
    expect(environment.invocationCount).toBe(2);
    seen.push(environment.state);
    environment.flush();
    expect(await Promise.all([secondResult, thirdResult])).toMatchObject([{ result: { n: 2 } }, { result: { n: 3 } }]);
    seen.push(environment.state);
    expect(pool.ran).toHaveLength(3);

    const stopped = environment.stop(STOPPED_ERROR);
    seen.push(environment.state);
    await stopped;
    seen.push(environment.state);
    expect(seen).toEqual(['starting', 'idle', 'busy', 'idle', 'busy', 'idle', 'draining', 'dead']);
  });

  test('an invocation sent while it starts waits for it, and makes it busy once ready', async () => {
    const clock = new ManualClock();
    const pool = new PoolSide();
    const environment = environmentFor(folders.spec('sent-while-starting', 'index.handler', { 'index.mjs': ECHO }), clock, pool);
    const [invocation, result] = invocationOf({ n: 1, hang: true }, clock);
    environment.take(invocation, false);
    environment.flush();
    expect(environment.state).toBe('starting');
    await pool.nextAvailable();
    expect(environment.state).toBe('busy');
    await environment.stop(STOPPED_ERROR);
    expect(await result).toMatchObject({ ok: false, error: STOPPED_ERROR });
  });

  test('one whose init fails ends and dies; the invocation waiting for it fails with the init’s error', async () => {
    const clock = new ManualClock();
    const pool = new PoolSide();
    const environment = environmentFor(
      folders.spec('init-fails', 'index.handler', { 'index.mjs': "throw new Error('no config');" }),
      clock,
      pool,
    );
    const [invocation, result] = invocationOf({}, clock);
    environment.take(invocation, false);
    environment.flush();
    expect(await result).toMatchObject({ ok: false, error: { errorType: 'Error', errorMessage: 'no config' } });
    expect(pool.unstarted).toEqual([]);
    // Its worker may have exited already (with nothing left to do); it went to dead through draining,
    // as the only transition to dead is from draining.
    await environment.exited;
    expect(environment.state).toBe('dead');
  });

  test('one whose worker exits fails the running invocation and hands back those that never started', async () => {
    const clock = new ManualClock();
    const pool = new PoolSide();
    const environment = environmentFor(folders.spec('exits', 'index.handler', { 'index.mjs': ECHO }), clock, pool);
    await pool.nextAvailable();
    const [crashing, crashed] = invocationOf({ exit: true, ms: 20 }, clock);
    const [waiting, waitingResult] = invocationOf({ n: 2 }, clock);
    environment.take(crashing, false);
    environment.take(waiting, false);
    environment.flush();
    expect(await crashed).toMatchObject({
      ok: false,
      error: { errorType: 'Runtime.ExitError', errorMessage: expect.stringContaining('code 3') },
    });
    expect(pool.unstarted).toEqual([waiting]);
    expect(await hasSettled(waitingResult)).toBe(false);
    await environment.exited;
    expect(environment.state).toBe('dead');
  });

  test('its invocation times out a timeout after it started, on its clock; then it drains', async () => {
    const clock = new ManualClock();
    const pool = new PoolSide();
    const environment = environmentFor(
      folders.spec('times-out', 'index.handler', { 'index.mjs': ECHO }, { timeoutSeconds: 3 }),
      clock,
      pool,
    );
    await pool.nextAvailable();
    clock.advance(100);
    const [invocation, result] = invocationOf({ hang: true }, clock);
    environment.take(invocation, false);
    environment.flush();
    clock.advance(2999);
    expect(await hasSettled(result)).toBe(false);
    clock.advance(1);
    expect(await result).toMatchObject({
      ok: false,
      durationMs: 3000,
      error: { errorType: 'Sandbox.Timedout', errorMessage: `${invocation.requestId} Task timed out after 3.00 seconds` },
    });
    expect(environment.state).toBe('draining');
    await environment.exited;
    expect(environment.state).toBe('dead');
  });

  test('once ended it takes no invocation and cannot be stopped again', async () => {
    const clock = new ManualClock();
    const pool = new PoolSide();
    const environment = environmentFor(folders.spec('ended', 'index.handler', { 'index.mjs': ECHO }), clock, pool);
    await environment.stop(STOPPED_ERROR);
    expect(() => environment.take(invocationOf({}, clock)[0], false)).toThrow('an execution environment that is dead takes no invocation');
    await expect(environment.stop(STOPPED_ERROR)).rejects.toThrow('an execution environment cannot go from dead to draining');
  });
});
