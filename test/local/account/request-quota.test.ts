import { AccountRequestQuota, accountRequestLimit } from '../../../local/account/request-quota';
import { maxAllowed } from '../../../protocol/token-bucket';
import { ManualClock } from '../../support/manual-clock';

describe('accountRequestLimit', () => {
  test("the burst is half the rate, as AWS sets the account's 10,000 requests/s with 5,000", () => {
    expect(accountRequestLimit(10_000)).toEqual({ perSecond: 10_000, burst: 5_000 });
    expect(accountRequestLimit(2_500)).toEqual({ perSecond: 2_500, burst: 1_250 });
    // A bucket must hold at least one request, or nothing would ever pass.
    expect(accountRequestLimit(1)).toEqual({ perSecond: 1, burst: 1 });
  });
});

describe('AccountRequestQuota', () => {
  test('lets a full burst through at once, then one request per refilled token, on its clock', () => {
    // GIVEN a quota of 10 requests/s (burst 5) on a manual clock
    const clock = new ManualClock(1_000_000);
    const quota = new AccountRequestQuota(accountRequestLimit(10), clock);

    // WHEN 8 requests arrive at the same instant THEN the burst passes and the rest are throttled
    expect(Array.from({ length: 8 }, () => quota.take())).toEqual([true, true, true, true, true, false, false, false]);

    // WHEN 100 ms pass THEN one token has flowed in, and only one
    clock.advance(100);
    expect([quota.take(), quota.take()]).toEqual([true, false]);

    // WHEN a second passes THEN the bucket is full again, never fuller than the burst
    clock.advance(10_000);
    expect(Array.from({ length: 6 }, () => quota.take()).filter(Boolean)).toHaveLength(5);
  });

  test('over any span, lets through at most the burst plus the rate times the span, and no fewer while asked', () => {
    const clock = new ManualClock(0);
    const limit = accountRequestLimit(40);
    const quota = new AccountRequestQuota(limit, clock);
    let passed = 0;
    // A request every 5 ms for 3 s: 200 requests/s asked of a 40 requests/s quota.
    for (let t = 0; t <= 3000; t += 5) {
      if (quota.take()) passed++;
      clock.advance(5);
    }
    // The last token may be a rounding short (0.2 tokens a step do not add up exactly in binary).
    expect(passed).toBeLessThanOrEqual(maxAllowed(limit, 3000));
    expect(passed).toBeGreaterThanOrEqual(maxAllowed(limit, 3000) - 1);
  });

  test('says which quota is used up and which flag sets it', () => {
    expect(new AccountRequestQuota(accountRequestLimit(100), new ManualClock()).describe()).toBe(
      "the account's API Gateway request quota (100 requests/s, burst 50; --account-rps) is used up",
    );
  });
});
