import { describeLatency, drawLatency, parseLatency } from '../../../local/account/latency';

describe('parseLatency', () => {
  test('takes whole milliseconds or a range', () => {
    expect(parseLatency('20')).toEqual({ minMs: 20, maxMs: 20 });
    expect(parseLatency('10-30')).toEqual({ minMs: 10, maxMs: 30 });
    expect(parseLatency('0')).toEqual({ minMs: 0, maxMs: 0 });
  });

  test.each(['', 'fast', '-5', '30-10', '1.5', '10-', '60001'])('refuses %p, saying what is expected', (spec) => {
    expect(() => parseLatency(spec)).toThrow(`"${spec}" is not a latency: expected whole milliseconds MS or a range MIN-MAX`);
  });
});

describe('drawLatency', () => {
  test('a fixed latency is always that; a range is uniform in it, from the random source', () => {
    expect(drawLatency({ minMs: 20, maxMs: 20 }, () => 0.9)).toBe(20);
    expect(drawLatency({ minMs: 10, maxMs: 30 }, () => 0)).toBe(10);
    expect(drawLatency({ minMs: 10, maxMs: 30 }, () => 0.5)).toBe(20);
    expect(drawLatency({ minMs: 10, maxMs: 30 }, () => 0.999)).toBeCloseTo(29.98);
  });
});

test('describeLatency', () => {
  expect(describeLatency({ minMs: 20, maxMs: 20 })).toBe('20 ms');
  expect(describeLatency({ minMs: 10, maxMs: 30 })).toBe('10-30 ms');
});
