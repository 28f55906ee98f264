import { fullJitterDelay } from '../../protocol/backoff';

/** Options for {@link withRetry}. Clock and randomness are injectable for tests. */
export interface RetryOptions {
  /** Total attempts, including the first. */
  maxAttempts: number;
  /** Backoff base: attempt n waits a random time in [0, base * 2^n) ("full jitter"). */
  baseDelayMs: number;
  /** Cap on any single wait. */
  maxDelayMs: number;
  /** Which errors are worth another attempt. */
  isRetryable: (err: unknown) => boolean;
  /** Milliseconds left in the caller's budget; no wait is started that would overrun it. */
  remainingMs?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `operation` until it succeeds, fails with a non-retryable error, runs
 * out of attempts, or would overrun the time budget; then rethrows the last error.
 */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (err: unknown) {
      if (attempt >= options.maxAttempts || !options.isRetryable(err)) throw err;
      const delay = fullJitterDelay(attempt, options.baseDelayMs, options.maxDelayMs, random);
      // Keep a reserve so the caller can still answer within its timeout.
      if (options.remainingMs && options.remainingMs() - delay < 1000) throw err;
      await wait(delay);
    }
  }
}

interface AwsErrorShape {
  name?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

const THROTTLING = new Set([
  'LimitExceededException',
  'ThrottlingException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
]);
const TRANSIENT = new Set(['InternalServerError', 'InternalServerErrorException', 'ServiceUnavailable', 'TimeoutError', 'ECONNRESET']);

/** Throttling, 429, 5xx and network resets are transient; anything else is not. */
export function isTransientAwsError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as AwsErrorShape & { code?: string };
  if (e.name && (THROTTLING.has(e.name) || TRANSIENT.has(e.name))) return true;
  if (e.code && TRANSIENT.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  return status === 429 || (status !== undefined && status >= 500);
}

/**
 * The retry policy of the table stores (connections, presence, history): 5 attempts, full jitter
 * from 25 ms capped at 1 s, transient AWS errors only; `overrides` replace any part of it.
 */
export function tableRetry(overrides: Partial<RetryOptions> = {}): RetryOptions {
  return { maxAttempts: 5, baseDelayMs: 25, maxDelayMs: 1000, isRetryable: isTransientAwsError, ...overrides };
}

/** What every table store takes: its retry policy, and the clock its TTLs are set and compared with. */
export interface TableAccessOptions {
  /** Retry policy for throttling and 5xx; the default suits a Lambda with seconds to spare. */
  retry?: Partial<RetryOptions>;
  /** The time, in ms since the epoch. @default Date.now */
  now?: () => number;
}
