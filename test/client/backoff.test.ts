import { backoffDelay } from '../../client/backoff';

describe('backoffDelay', () => {
  test('the ceiling doubles per attempt from initialDelayMs', () => {
    const almostOne = () => 0.999999;
    const delays = [0, 1, 2, 3].map((attempt) => backoffDelay(attempt, { initialDelayMs: 100, maxDelayMs: 10_000 }, almostOne));
    expect(delays).toEqual([99, 199, 399, 799]);
  });

  test('the ceiling never exceeds maxDelayMs, even for huge attempt counts', () => {
    expect(backoffDelay(10, { initialDelayMs: 100, maxDelayMs: 5_000 }, () => 0.5)).toBe(2_500);
    expect(backoffDelay(5_000, { initialDelayMs: 100, maxDelayMs: 5_000 }, () => 0.999999)).toBe(4_999);
  });

  test('full jitter: the delay is random() times the ceiling, down to 0', () => {
    expect(backoffDelay(3, { initialDelayMs: 100, maxDelayMs: 10_000 }, () => 0)).toBe(0);
    expect(backoffDelay(3, { initialDelayMs: 100, maxDelayMs: 10_000 }, () => 0.25)).toBe(200);
  });

  test('defaults: 500 ms first ceiling, 30 s cap', () => {
    expect(backoffDelay(0, {}, () => 0.999999)).toBe(499);
    expect(backoffDelay(20, {}, () => 0.999999)).toBe(29_999);
  });
});
