import {
  chooseEnvironment,
  DISPATCH,
  type DispatchCandidate,
  type DispatchSettings,
  isShort,
  NEW_ENVIRONMENT,
  nextTypicalRunMs,
} from '../../../local/runtime/dispatch';

const SETTINGS: DispatchSettings = { shortRunMs: 1, queueLimit: 16, reclaimAfterMs: 5 };
const NOW = 1000;
const SHORT = 0.01;
const LONG = 50;

interface Candidate extends DispatchCandidate {
  readonly name: string;
}

const idle = (name: string): Candidate => ({ name, state: 'idle', invocationCount: 0, hasFreeSlot: true, startedAt: 0 });
/** Busy with `invocationCount` invocations, its running one started `ranMs` ago. */
const busy = (name: string, invocationCount = 1, ranMs = 0, hasFreeSlot = true): Candidate => ({
  name,
  state: 'busy',
  invocationCount,
  hasFreeSlot,
  startedAt: NOW - ranMs,
});
const inState = (name: string, state: 'starting' | 'draining' | 'dead'): Candidate => ({
  name,
  state,
  invocationCount: 1,
  hasFreeSlot: true,
  startedAt: 0,
});

/** The name of the environment chosen, NEW_ENVIRONMENT, or undefined: the invocation waits. */
function choose(environments: Candidate[], typicalRunMs: number, canStartOne = true): string | undefined {
  const choice = chooseEnvironment(environments, NOW, typicalRunMs, canStartOne, SETTINGS);
  return typeof choice === 'object' ? choice.name : choice;
}

describe('dispatch: where the next invocation goes', () => {
  test('a short function’s invocation queues behind a running one, not in an idle environment', () => {
    expect(choose([idle('a'), busy('b')], SHORT)).toBe('b');
  });

  test('behind the running one with the fewest queued', () => {
    expect(choose([busy('a', 3), busy('b', 2), busy('c', 4)], SHORT)).toBe('b');
  });

  test('a function that is not short goes to an idle environment, then a new one, then behind a running one', () => {
    expect(choose([busy('a'), idle('b'), idle('c')], LONG)).toBe('b');
    expect(choose([busy('a')], LONG)).toBe(NEW_ENVIRONMENT);
    expect(choose([busy('a', 2), busy('b', 1)], LONG, false)).toBe('b');
  });

  test('a function not yet run counts as short only when every function does', () => {
    expect(isShort(Infinity, SETTINGS)).toBe(false);
    expect(choose([busy('a'), idle('b')], Infinity)).toBe('b');
    expect(isShort(Infinity, { ...SETTINGS, shortRunMs: Infinity })).toBe(true);
  });

  test('nothing queues behind an invocation that has run reclaimAfterMs, nor in a worker with no free claim slot', () => {
    expect(choose([busy('a', 1, SETTINGS.reclaimAfterMs - 0.5)], SHORT)).toBe('a');
    expect(choose([busy('a', 1, SETTINGS.reclaimAfterMs)], SHORT)).toBe(NEW_ENVIRONMENT);
    expect(choose([busy('a', 1, SETTINGS.reclaimAfterMs)], SHORT, false)).toBeUndefined();
    expect(choose([busy('a', SETTINGS.queueLimit + 1, 0, false)], SHORT, false)).toBeUndefined();
  });

  test('an environment that is starting, draining or dead takes nothing', () => {
    const unavailable = [inState('a', 'starting'), inState('b', 'draining'), inState('c', 'dead')];
    expect(choose(unavailable, SHORT)).toBe(NEW_ENVIRONMENT);
    expect(choose(unavailable, SHORT, false)).toBeUndefined();
    expect(choose(unavailable, LONG, false)).toBeUndefined();
  });

  test('with no environment, a new one; at the limit, the invocation waits', () => {
    expect(choose([], SHORT)).toBe(NEW_ENVIRONMENT);
    expect(choose([], SHORT, false)).toBeUndefined();
  });

  test('the default: short is under 1 ms, 16 queued at most, taken back after 5 ms', () => {
    expect(DISPATCH).toEqual({ shortRunMs: 1, queueLimit: 16, reclaimAfterMs: 5 });
  });
});

describe('a function’s typical run time', () => {
  test('is its first run, then a moving average weighing the latest run a tenth', () => {
    expect(nextTypicalRunMs(Infinity, 4)).toBe(4);
    expect(nextTypicalRunMs(4, 14)).toBeCloseTo(5);
    expect(nextTypicalRunMs(5, 0)).toBeCloseTo(4.5);
  });
});
