/**
 * Lambda's concurrency limits (local/runtime/concurrency.ts) with invocations the test holds and
 * releases: what counts as an execution, reservations, the unreserved pool, and asynchronous
 * invocations waiting their turn.
 */
import {
  LambdaConcurrency,
  THROTTLED_ERROR_TYPE,
  throttledResult,
  type ConcurrentFunction,
  type InvokeOutcome,
} from '../../../local/runtime/concurrency';
import type { InvokeResult } from '../../../local/runtime/runtime';

const done: InvokeResult = { ok: true, requestId: 'r', durationMs: 1, result: 'done' };

/** An invocation the test ends: `run` for the limiter, `finish` to end it. */
function held(): { run: () => Promise<InvokeResult>; finish: () => void; started: () => boolean } {
  let finish: () => void = () => undefined;
  let started = false;
  const result = new Promise<InvokeResult>((resolve) => (finish = () => resolve(done)));
  return {
    run: () => {
      started = true;
      return result;
    },
    finish: () => finish(),
    started: () => started,
  };
}

const fn = (logicalId: string, reservedConcurrency?: number): ConcurrentFunction => ({
  logicalId,
  functionName: `App-${logicalId}`,
  reservedConcurrency,
});
/** Lets every promise callback that is ready run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('synchronous invocations', () => {
  test('a function with reserved concurrency runs that many at once; the next is throttled, naming the reservation', async () => {
    // GIVEN a function reserving 2, with no account limit
    const limits = new LambdaConcurrency([fn('Reserved', 2), fn('Other')]);
    const [a, b] = [held(), held()];
    const first = limits.invoke('Reserved', a.run);
    const second = limits.invoke('Reserved', b.run);

    // WHEN a third arrives while both run
    const third = await limits.invoke('Reserved', () => Promise.resolve(done));

    // THEN it is throttled without running, as Lambda's 429 says
    expect(third).toEqual({
      throttled: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      message:
        'Rate Exceeded. Function App-Reserved has reserved concurrency 2 (ReservedConcurrentExecutions) and 2 executions are in flight.',
    });
    // AND another function is not held back by it
    await expect(limits.invoke('Other', () => Promise.resolve(done))).resolves.toBe(done);

    // WHEN one ends THEN the next runs
    a.finish();
    await first;
    await expect(limits.invoke('Reserved', () => Promise.resolve(done))).resolves.toBe(done);
    b.finish();
    await second;
  });

  test('a reservation of 0 throttles every invocation', async () => {
    const limits = new LambdaConcurrency([fn('Off', 0)]);
    const outcome = await limits.invoke('Off', () => Promise.resolve(done));
    expect(outcome).toMatchObject({ throttled: 'ReservedFunctionConcurrentInvocationLimitExceeded' });
  });

  test('functions without a reservation share the account limit less every reservation', async () => {
    // GIVEN an account of 4 where one function reserves 2: 2 unreserved
    const limits = new LambdaConcurrency([fn('Reserved', 2), fn('A'), fn('B')], 4);
    expect(limits.unreserved).toBe(2);
    const [a, b] = [held(), held()];
    const running = [limits.invoke('A', a.run), limits.invoke('B', b.run)];

    // WHEN either unreserved function is invoked again THEN the pool they share is in use
    const throttled = await limits.invoke('A', () => Promise.resolve(done));
    expect(throttled).toEqual({
      throttled: 'ConcurrentInvocationLimitExceeded',
      message: "Rate Exceeded. The account's unreserved concurrency (2: --lambda-concurrency 4 less 2 reserved) is in use by 2 executions.",
    });
    expect(await limits.invoke('B', () => Promise.resolve(done))).toMatchObject({ throttled: 'ConcurrentInvocationLimitExceeded' });
    // AND the reserved function still has its own 2
    await expect(limits.invoke('Reserved', () => Promise.resolve(done))).resolves.toBe(done);

    a.finish();
    b.finish();
    await Promise.all(running);
    expect(limits.running('A')).toBe(0);
  });

  test('an invocation that fails or throws gives its execution back', async () => {
    const limits = new LambdaConcurrency([fn('One', 1)]);
    await expect(limits.invoke('One', () => Promise.reject(new Error('no such function')))).rejects.toThrow('no such function');
    expect(limits.running('One')).toBe(0);
    await expect(limits.invoke('One', () => Promise.resolve(done))).resolves.toBe(done);
  });

  test('without an account limit or a reservation nothing is throttled', async () => {
    const limits = new LambdaConcurrency([fn('Free')]);
    const many = Array.from({ length: 50 }, () => held());
    const outcomes = many.map((h) => limits.invoke('Free', h.run));
    expect(many.every((h) => h.started())).toBe(true);
    for (const h of many) h.finish();
    expect((await Promise.all(outcomes)).every((o: InvokeOutcome) => o === done)).toBe(true);
  });
});

describe('asynchronous invocations', () => {
  test('wait for a free execution instead of being throttled, first come first served', async () => {
    // GIVEN a function reserving 1, running
    const limits = new LambdaConcurrency([fn('One', 1)]);
    const running = held();
    const first = limits.invoke('One', running.run);

    // WHEN two asynchronous invocations arrive
    const [x, y] = [held(), held()];
    const later = [limits.invokeWhenFree('One', x.run), limits.invokeWhenFree('One', y.run)];
    await settle();

    // THEN they wait, and run one at a time in order as executions free up
    expect([x.started(), y.started(), limits.waitingCount]).toEqual([false, false, 2]);
    running.finish();
    await first;
    await settle();
    expect([x.started(), y.started()]).toEqual([true, false]);
    x.finish();
    await settle();
    expect(y.started()).toBe(true);
    y.finish();
    await expect(Promise.all(later)).resolves.toEqual([done, done]);
  });

  test('one waiting for a full function holds no other function back', async () => {
    const limits = new LambdaConcurrency([fn('Busy', 1), fn('Free', 1)]);
    const busy = held();
    const first = limits.invoke('Busy', busy.run);
    const waiting = held();
    const queued = limits.invokeWhenFree('Busy', waiting.run);
    await expect(limits.invokeWhenFree('Free', () => Promise.resolve(done))).resolves.toBe(done);
    expect(waiting.started()).toBe(false);
    busy.finish();
    await first;
    waiting.finish();
    await expect(queued).resolves.toBe(done);
  });

  test('a function that can never run (reserved 0) fails the event at once instead of waiting forever', async () => {
    const limits = new LambdaConcurrency([fn('Off', 0)]);
    const result = await limits.invokeWhenFree('Off', () => Promise.resolve(done));
    expect(result).toMatchObject({
      ok: false,
      error: { errorType: THROTTLED_ERROR_TYPE, errorMessage: expect.stringContaining('is dropped') },
    });
  });

  test('stop ends those still waiting, without running them', async () => {
    const limits = new LambdaConcurrency([fn('One', 1)]);
    const running = held();
    void limits.invoke('One', running.run);
    const waiting = held();
    const queued = limits.invokeWhenFree('One', waiting.run);
    await settle();
    limits.stop();
    await expect(queued).resolves.toMatchObject({ ok: false, error: { errorType: 'Runtime.Stopped' } });
    expect(waiting.started()).toBe(false);
  });
});

describe('reservations', () => {
  test('a reload that raises a reservation lets waiting invocations run', async () => {
    const limits = new LambdaConcurrency([fn('Grow', 1)]);
    const running = held();
    void limits.invoke('Grow', running.run);
    const waiting = held();
    const queued = limits.invokeWhenFree('Grow', waiting.run);
    await settle();
    limits.configure([fn('Grow', 2)]);
    await settle();
    expect(waiting.started()).toBe(true);
    waiting.finish();
    running.finish();
    await queued;
  });

  test("reservations past the account's limit less 100 are reported, as Lambda would refuse them", () => {
    expect(new LambdaConcurrency([fn('A', 900)], 1000).reservationProblem()).toBeUndefined();
    expect(new LambdaConcurrency([fn('A', 950)], 1000).reservationProblem()).toBe(
      "the app's functions reserve 950 concurrent executions of the account's 1000, leaving 50 unreserved; Lambda keeps at least 100 unreserved and would refuse these reservations",
    );
    expect(new LambdaConcurrency([fn('A', 950)]).reservationProblem()).toBeUndefined();
  });

  test('a throttled invocation is a failed result for callers that answer every failure alike', () => {
    expect(throttledResult({ throttled: 'ConcurrentInvocationLimitExceeded', message: 'Rate Exceeded.' })).toEqual({
      ok: false,
      requestId: '',
      durationMs: 0,
      error: { errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.', trace: [] },
    });
  });
});
