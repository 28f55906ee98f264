import { takeToken, type BucketState, type TakeResult } from '../../protocol/token-bucket';
import { type RateLimit } from '../../contract/defaults';

/** Buckets one environment keeps; past it, the least recently used is forgotten. */
export const FRAME_LIMITER_MAX_CONNECTIONS = 10_000;

/**
 * The per-connection limit on all frames, kept in this Lambda execution environment's memory:
 * free (no table call per frame), but per environment. A connection whose frames land on N
 * environments (of one route's function, or of several routes') gets up to N times the limit;
 * the exact, table-backed limit is the one on room messages, which cost a fan-out each.
 */
export class FrameLimiter {
  // A Map iterates in insertion order: re-inserting on every take keeps the least recently used first.
  private readonly buckets = new Map<string, BucketState>();

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number,
    private readonly maxConnections = FRAME_LIMITER_MAX_CONNECTIONS,
  ) {}

  /** Takes a token from the connection's bucket. */
  take(connectionId: string): TakeResult {
    const result = takeToken(this.buckets.get(connectionId), this.limit, this.now());
    this.buckets.delete(connectionId);
    this.buckets.set(connectionId, result.state);
    // Forgetting a bucket refills it: the bound on memory loosens the limit only for connections this idle.
    if (this.buckets.size > this.maxConnections) this.buckets.delete(this.buckets.keys().next().value!);
    return result;
  }

  /** Connections with a bucket here. */
  get size(): number {
    return this.buckets.size;
  }
}
