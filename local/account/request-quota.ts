/**
 * The account's API Gateway request quota, as AWS applies it: one token bucket per account and
 * Region, shared by every API in it, from which each request takes a token. For a WebSocket API
 * the requests are the messages clients send and the `@connections` calls (PostToConnection,
 * GetConnection, DeleteConnection). "API Gateway throttles requests to your API using the token
 * bucket algorithm, where a token counts for a request ... against all APIs in your account, per
 * Region" (API Gateway developer guide, "Protect your WebSocket APIs in API Gateway": account-level
 * throttling per Region); the quotas page sets it at 10,000 requests per second with a burst of
 * 5,000 (2,500 and 1,250 in newer Regions), and callback (`@connections`) calls count against it.
 */
import type { Clock } from '../../protocol/clock';
import { takeToken, type BucketState, type RateLimit } from '../../protocol/token-bucket';

/** The bucket for a quota of `requestsPerSecond`: its burst is half of it, as AWS sets it (10,000 rps, burst 5,000). */
export function accountRequestLimit(requestsPerSecond: number): RateLimit {
  return { perSecond: requestsPerSecond, burst: Math.max(1, Math.floor(requestsPerSecond / 2)) };
}

/** The quota of one account: every request the gateway serves takes a token first. */
export class AccountRequestQuota {
  private bucket: BucketState | undefined;

  constructor(
    readonly limit: RateLimit,
    /** The bucket refills on this clock (the emulator's, so tests drive it by hand). */
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  /** Takes a token for one request; false when the quota is used up, and the request is throttled (429). */
  take(): boolean {
    const taken = takeToken(this.bucket, this.limit, this.clock.now());
    // A refused take changes nothing worth keeping: the refill is computed from the last taken token.
    if (taken.allowed) this.bucket = taken.state;
    return taken.allowed;
  }

  /** What a throttled caller is told: the quota, and what to do. */
  describe(): string {
    return `the account's API Gateway request quota (${this.limit.perSecond} requests/s, burst ${this.limit.burst}; --account-rps) is used up`;
  }
}
