import { FrameLimiter } from '../../lambda/core/frame-limiter';

describe('FrameLimiter', () => {
  it('keeps one bucket per connection: one flooding connection does not limit another', () => {
    let now = 0;
    const limiter = new FrameLimiter({ perSecond: 50, burst: 100 }, () => now);
    const flood = Array.from({ length: 150 }, () => limiter.take('flooder').allowed);
    expect(flood.filter(Boolean)).toHaveLength(100);
    expect(limiter.take('quiet').allowed).toBe(true);
    now += 20; // one token's time at 50/s
    expect(limiter.take('flooder')).toEqual({ allowed: true, state: { tokens: 0, at: 20 }, retryAfterMs: 0 });
    expect(limiter.take('flooder')).toMatchObject({ allowed: false, retryAfterMs: 20 });
  });

  it('holds at most maxConnections buckets, forgetting the least recently used', () => {
    const limiter = new FrameLimiter({ perSecond: 1, burst: 1 }, () => 0, 2);
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('b').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false); // a is now the most recently used
    limiter.take('c'); // evicts b
    expect(limiter.size).toBe(2);
    expect(limiter.take('a').allowed).toBe(false); // a was kept, still empty
    expect(limiter.take('b').allowed).toBe(true); // b was forgotten: a full bucket again
  });
});
