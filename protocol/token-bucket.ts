/**
 * The token bucket, as a pure function of the bucket's last state and the time: no storage, no
 * clock of its own. Behind Switchboard's per-connection rate limits (kept in a Lambda
 * environment's memory or a connection's table row) and the emulator's account request quota
 * (local/account/), which AWS also describes as a token bucket. Where a bucket is kept is its
 * adapter's business.
 */

/** A rate limit: `perSecond` tokens flow into a bucket that holds at most `burst`. */
export interface RateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

/** A bucket as last saved: `tokens` left at time `at` (ms since the epoch). */
export interface BucketState {
  readonly tokens: number;
  readonly at: number;
}

export interface TakeResult {
  /** Whether a token was taken, so the frame may go on. */
  readonly allowed: boolean;
  /** The bucket after this take; an adapter saves it when `allowed` (a denial changes nothing worth saving). */
  readonly state: BucketState;
  /** When denied, how long until a token will be there. 0 when allowed. */
  readonly retryAfterMs: number;
}

/**
 * Refills the bucket for the time since it was saved, then takes one token if there is one.
 * A bucket never seen before is full. Time that runs backwards (clocks of two environments)
 * refills nothing and never moves `at` back.
 */
export function takeToken(state: BucketState | undefined, limit: RateLimit, nowMs: number): TakeResult {
  const at = state === undefined ? nowMs : Math.max(state.at, nowMs);
  const tokens = state === undefined ? limit.burst : Math.min(limit.burst, state.tokens + ((at - state.at) * limit.perSecond) / 1000);
  if (tokens >= 1) return { allowed: true, state: { tokens: tokens - 1, at }, retryAfterMs: 0 };
  return { allowed: false, state: { tokens, at }, retryAfterMs: Math.ceil(((1 - tokens) * 1000) / limit.perSecond) };
}

/** The most a bucket lets through in `elapsedMs`, starting full: what tests and the README hold the limiters to. */
export function maxAllowed(limit: RateLimit, elapsedMs: number): number {
  return Math.floor(limit.burst + (Math.max(0, elapsedMs) * limit.perSecond) / 1000);
}
