import { takeToken, type RateLimit } from '../../protocol/token-bucket';
import type { RoomLayouts } from './room-layout';
import { fansOutInline, type FanoutSettings } from './room-sizing';

/** Reads and compare-and-set writes before a message that keeps losing the race is refused. */
const ATTEMPTS = 3;

export type RoomRateOutcome = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * The per-room limit on room messages (`roomMessagesPerSecondPerRoom`), from all its members and
 * publishers together, in a room beyond the inline fan-out: there every message is a post to each
 * of thousands of members, so one busy room could run up the bill however well each connection
 * keeps its own limit. The bucket is on the room's `FANOUT#` row, taken with a compare-and-set: at
 * the tens of messages a second it allows, one item is not hot. Rooms that fan out inline are
 * limited per connection only, as before, and cost one eventually consistent read here.
 */
export class RoomRateLimiter {
  constructor(
    private readonly layouts: Pick<RoomLayouts, 'get' | 'saveBucket'>,
    private readonly settings: FanoutSettings,
    readonly limit: RateLimit,
    private readonly now: () => number,
  ) {}

  async take(room: string): Promise<RoomRateOutcome> {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const layout = await this.layouts.get(room, attempt > 1);
      if (fansOutInline(layout, this.settings)) return { allowed: true };
      const result = takeToken(layout.bucket, this.limit, this.now());
      if (!result.allowed) return { allowed: false, retryAfterMs: result.retryAfterMs };
      if (await this.layouts.saveBucket(room, layout.bucket, result.state)) return { allowed: true };
    }
    return { allowed: false, retryAfterMs: Math.ceil(1000 / this.limit.perSecond) };
  }
}

/** The per-room limit of `perSecond` messages a second, with bursts of two seconds' worth. */
export function roomRateLimit(perSecond: number): RateLimit {
  return { perSecond, burst: Math.max(1, Math.ceil(2 * perSecond)) };
}
