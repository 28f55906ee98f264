import { forEachWithConcurrency } from '../../lambda/core/concurrency';
import { isTransientAwsError, withRetry } from '../../lambda/core/retry';

const awsError = (name: string, status?: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

describe('withRetry', () => {
  const noWait = { sleep: async () => undefined, random: () => 0.5, baseDelayMs: 10, maxDelayMs: 100 };

  it('retries transient errors until success', async () => {
    const op = jest
      .fn()
      .mockRejectedValueOnce(awsError('LimitExceededException', 429))
      .mockRejectedValueOnce(awsError('InternalServerError', 500))
      .mockResolvedValue('ok');
    await expect(withRetry(op, { ...noWait, maxAttempts: 5, isRetryable: isTransientAwsError })).resolves.toBe('ok');
    expect(op).toHaveBeenCalledTimes(3);
  });

  it('gives up after maxAttempts and rethrows the last error', async () => {
    const op = jest.fn().mockRejectedValue(awsError('ThrottlingException', 400));
    await expect(withRetry(op, { ...noWait, maxAttempts: 3, isRetryable: isTransientAwsError })).rejects.toThrow('ThrottlingException');
    expect(op).toHaveBeenCalledTimes(3);
  });

  it('does not retry errors that are not transient', async () => {
    const op = jest.fn().mockRejectedValue(awsError('ForbiddenException', 403));
    await expect(withRetry(op, { ...noWait, maxAttempts: 5, isRetryable: isTransientAwsError })).rejects.toThrow('ForbiddenException');
    expect(op).toHaveBeenCalledTimes(1);
  });

  it('waits with exponential backoff and full jitter, capped', async () => {
    const waits: number[] = [];
    const op = jest.fn().mockRejectedValue(awsError('ThrottlingException'));
    await expect(
      withRetry(op, {
        maxAttempts: 5,
        baseDelayMs: 10,
        maxDelayMs: 50,
        random: () => 0.999,
        sleep: async (ms) => void waits.push(ms),
        isRetryable: () => true,
      }),
    ).rejects.toThrow('ThrottlingException');
    expect(waits).toEqual([19, 39, 49, 49]);
  });

  it('stops early instead of overrunning the time budget', async () => {
    const op = jest.fn().mockRejectedValue(awsError('ThrottlingException'));
    await expect(withRetry(op, { ...noWait, maxAttempts: 10, isRetryable: () => true, remainingMs: () => 500 })).rejects.toThrow(
      'ThrottlingException',
    );
    expect(op).toHaveBeenCalledTimes(1);
  });
});

describe('isTransientAwsError', () => {
  it.each([
    [awsError('LimitExceededException', 429), true],
    [awsError('ProvisionedThroughputExceededException', 400), true],
    [awsError('Whatever', 503), true],
    [awsError('GoneException', 410), false],
    [awsError('ValidationException', 400), false],
    ['not an error', false],
  ])('classifies %p', (err, expected) => {
    expect(isTransientAwsError(err)).toBe(expected);
  });
});

describe('forEachWithConcurrency', () => {
  it('never has more than the limit in flight and visits every item', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachWithConcurrency(
      Array.from({ length: 50 }, (_, i) => i),
      4,
      async (i) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        seen.push(i);
        inFlight--;
      },
    );
    expect(peak).toBe(4);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('rejects a bad limit', async () => {
    await expect(forEachWithConcurrency([1], 0, async () => undefined)).rejects.toThrow('positive integer; got 0');
  });
});
