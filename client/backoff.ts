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
 * [0, min(maxDelayMs, initialDelayMs * 2^attempt)). Full jitter spreads the reconnects
 * of many clients dropped at once (a redeploy) instead of having them retry in lockstep.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const { initialDelayMs, maxDelayMs } = { ...DEFAULT_BACKOFF, ...options };
  // 2^attempt overflows to Infinity for large attempts; Math.min keeps the cap.
  const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}
