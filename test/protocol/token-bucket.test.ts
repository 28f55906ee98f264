import fc from 'fast-check';
import { maxAllowed, takeToken, type BucketState } from '../../protocol/token-bucket';

const limit = { perSecond: 10, burst: 20 };

/** Takes at each time in turn, from a fresh bucket; returns how many were allowed. */
function allowedAt(times: readonly number[]): number {
  let state: BucketState | undefined;
  let allowed = 0;
  for (const t of times) {
    const result = takeToken(state, limit, t);
    state = result.state;
    if (result.allowed) allowed++;
  }
  return allowed;
}

describe('takeToken', () => {
  it('starts full: a burst of 20 passes at once, the 21st is refused with the time to the next token', () => {
    expect(allowedAt(Array.from({ length: 20 }, () => 1000))).toBe(20);
    let state: BucketState | undefined;
    for (let i = 0; i < 20; i++) state = takeToken(state, limit, 1000).state;
    expect(takeToken(state, limit, 1000)).toEqual({ allowed: false, state: { tokens: 0, at: 1000 }, retryAfterMs: 100 });
    expect(takeToken(state, limit, 1040)).toMatchObject({ allowed: false, retryAfterMs: 60 });
  });

  it('refills at perSecond, never beyond burst', () => {
    const empty = { tokens: 0, at: 0 };
    expect(takeToken(empty, limit, 100)).toEqual({ allowed: true, state: { tokens: 0, at: 100 }, retryAfterMs: 0 });
    expect(takeToken(empty, limit, 550).state.tokens).toBeCloseTo(4.5, 9); // 5.5 refilled, 1 taken
    expect(takeToken(empty, limit, 60_000).state).toEqual({ tokens: 19, at: 60_000 });
  });

  it('refills nothing when time runs backwards, and keeps `at` where it was', () => {
    const result = takeToken({ tokens: 0.5, at: 5000 }, limit, 4000);
    expect(result).toEqual({ allowed: false, state: { tokens: 0.5, at: 5000 }, retryAfterMs: 50 });
  });

  it('never lets more through than burst + perSecond x elapsed, however the takes are spaced', () => {
    // 1 to 400 takes, 0-50 ms apart: runs longer than the burst exhaust it, so the bound is reached.
    const gaps = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 50 })), { minLength: 1, maxLength: 400, size: 'max' });
    let reachedBound = false;
    fc.assert(
      fc.property(gaps, (steps) => {
        const times = steps.reduce<number[]>((acc, gap) => [...acc, (acc.at(-1) ?? 0) + gap], []);
        const allowed = allowedAt(times);
        const bound = maxAllowed(limit, times.at(-1)! - times[0]);
        if (allowed === bound) reachedBound = true;
        return allowed <= bound;
      }),
      { numRuns: 300 },
    );
    expect(reachedBound).toBe(true);
  });
});
