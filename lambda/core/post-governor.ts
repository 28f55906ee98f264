import { takeToken, type BucketState, type RateLimit } from '../../protocol/token-bucket';

/**
 * Paces a fan-out worker's posts so that all workers together stay near `fanoutPostsPerSecond`, a
 * share of the account's `@connections` quota. Each execution environment takes an equal share,
 * the rate divided by the event source mapping's maximum concurrency (the most environments that
 * run at once), as a token bucket in its memory: no shared state, no extra call per post. The
 * price is that fewer busy workers than the maximum post below the rate; a room's shards spread
 * over every worker once it has as many shards as there are workers. A 429 from API Gateway is
 * still possible (other APIs share the quota) and is retried with backoff by the Notifier.
 */
export class PostGovernor {
  private bucket: BucketState | undefined;
  private readonly limit: RateLimit;

  constructor(
    postsPerSecond: number,
    workers: number,
    private readonly now: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {
    const perSecond = postsPerSecond / workers;
    // A tenth of a second's posts at most in one burst, and never fewer than one.
    this.limit = { perSecond, burst: Math.max(1, Math.floor(perSecond / 10)) };
  }

  /** This environment's share: posts per second, and the burst. */
  get share(): RateLimit {
    return this.limit;
  }

  /** Resolves when one more post may go out. Concurrent callers each wait for a token of their own. */
  async take(): Promise<void> {
    for (;;) {
      const result = takeToken(this.bucket, this.limit, this.now());
      if (result.allowed) {
        this.bucket = result.state;
        return;
      }
      await this.sleep(result.retryAfterMs);
    }
  }
}
