/**
 * Exponential backoff with full jitter, the one formula behind the client's reconnects and the
 * handlers' retries of AWS calls: full jitter spreads the retries of many callers that failed
 * together (a redeploy, a throttled table) instead of having them retry in lockstep.
 */

/** A uniformly random wait in [0, min(capMs, baseMs * 2^exponent)), in whole milliseconds. */
export function fullJitterDelay(exponent: number, baseMs: number, capMs: number, random: () => number): number {
  // 2^exponent overflows to Infinity for large exponents; Math.min keeps the cap.
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** exponent));
}
