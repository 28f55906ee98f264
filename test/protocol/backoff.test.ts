import { fullJitterDelay } from '../../protocol/backoff';

describe('fullJitterDelay', () => {
  test('is random() times min(cap, base * 2^exponent), in whole milliseconds', () => {
    expect([0, 1, 2, 3].map((exponent) => fullJitterDelay(exponent, 100, 10_000, () => 0.999999))).toEqual([99, 199, 399, 799]);
    expect(fullJitterDelay(3, 100, 10_000, () => 0.25)).toBe(200);
    expect(fullJitterDelay(3, 100, 10_000, () => 0)).toBe(0);
  });

  test('never passes the cap, even where 2^exponent overflows to Infinity', () => {
    expect(fullJitterDelay(6, 100, 5_000, () => 0.5)).toBe(2_500);
    expect(fullJitterDelay(5_000, 100, 5_000, () => 0.999999)).toBe(4_999);
  });
});
