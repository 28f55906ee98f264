import { fullJitterDelay } from '../protocol/backoff';

/** Reconnect delays: exponential backoff with full jitter. */
export interface BackoffOptions {
  /** Upper bound of the first delay, in ms. @default 500 */
  initialDelayMs?: number;
  /** No delay is ever longer than this, in ms. @default 30000 */
  maxDelayMs?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { initialDelayMs: 500, maxDelayMs: 30_000 };

/**
 * Delay before reconnect attempt `attempt` (0-based): a uniformly random value in
 * [0, min(maxDelayMs, initialDelayMs * 2^attempt)), so the reconnects of many clients dropped at
 * once (a redeploy) spread out.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const { initialDelayMs, maxDelayMs } = { ...DEFAULT_BACKOFF, ...options };
  return fullJitterDelay(Math.max(0, attempt), initialDelayMs, maxDelayMs, random);
}
