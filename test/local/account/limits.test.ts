import { accountLimits, AWS_DEFAULT_LIMITS, describeLimits } from '../../../local/account/limits';

describe('accountLimits', () => {
  test('none is applied unless asked for', () => {
    expect(accountLimits({})).toEqual({ accountRps: undefined, postLatency: undefined, lambdaConcurrency: undefined });
    expect(describeLimits(accountLimits({}))).toBeUndefined();
  });

  test("awsLike applies AWS's defaults: 10,000 requests/s, @connections 10-30 ms, 1,000 concurrent executions", () => {
    expect(AWS_DEFAULT_LIMITS).toEqual({ accountRps: 10_000, postLatency: { minMs: 10, maxMs: 30 }, lambdaConcurrency: 1_000 });
    expect(accountLimits({ awsLike: true })).toEqual(AWS_DEFAULT_LIMITS);
    expect(describeLimits(AWS_DEFAULT_LIMITS)).toBe(
      'API Gateway 10000 requests/s (burst 5000), @connections 10-30 ms a call, Lambda 1000 concurrent executions',
    );
  });

  test('a limit given beside awsLike wins over its default; the others keep theirs', () => {
    expect(accountLimits({ awsLike: true, accountRps: 50 })).toEqual({ ...AWS_DEFAULT_LIMITS, accountRps: 50 });
    expect(accountLimits({ accountRps: 50 })).toEqual({ accountRps: 50, postLatency: undefined, lambdaConcurrency: undefined });
    expect(describeLimits({ postLatency: { minMs: 5, maxMs: 5 } })).toBe('@connections 5 ms a call');
  });
});
