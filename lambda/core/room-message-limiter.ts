import type { ConnectionRecord, ConnectionStore } from './connection-store';
import { takeToken, type BucketState } from '../../protocol/token-bucket';
import { type RateLimit } from '../../contract/defaults';

/** Reads and compare-and-set writes before a room message that keeps losing the race is refused. */
export const ROOM_TOKEN_ATTEMPTS = 3;
/** Buckets one environment remembers to refuse without a read; past it, the least recently used is forgotten. */
export const ROOM_LIMITER_MAX_CONNECTIONS = 10_000;

export type RoomTokenOutcome = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * The per-connection limit on room messages, kept in the connection's row, so it holds exactly
 * however many Lambda environments a connection's frames land on. The sender's row is read
 * anyway (membership), so an allowed room message costs one conditional UpdateItem more.
 * Concurrent room messages of one connection race on the compare-and-set; the loser reads
 * again, and after {@link ROOM_TOKEN_ATTEMPTS} it is refused.
 *
 * Each environment also remembers the last bucket it read or wrote per connection. Other
 * environments can only take tokens from a bucket, never add any, so when the remembered bucket,
 * refilled to now, is empty, the stored one is too: the frame is refused with no table call at
 * all, which keeps a flood from costing a read per refused frame.
 */
export class RoomMessageLimiter {
  // Insertion-ordered: re-inserting on every use keeps the least recently used first.
  private readonly known = new Map<string, BucketState>();

  constructor(
    private readonly store: Pick<ConnectionStore, 'getConnection' | 'saveRoomBucket'>,
    readonly limit: RateLimit,
    private readonly now: () => number,
    private readonly maxConnections = ROOM_LIMITER_MAX_CONNECTIONS,
  ) {}

  /** A refusal this environment can give without reading the table, or undefined when it must read. */
  refuseFromMemory(connectionId: string): { readonly allowed: false; readonly retryAfterMs: number } | undefined {
    const remembered = this.known.get(connectionId);
    if (remembered === undefined) return undefined;
    const result = takeToken(remembered, this.limit, this.now());
    return result.allowed ? undefined : { allowed: false, retryAfterMs: result.retryAfterMs };
  }

  /** Takes a token for `sender` (its row as just read) from its room-message bucket. */
  async take(sender: ConnectionRecord): Promise<RoomTokenOutcome> {
    let current: ConnectionRecord | undefined = sender;
    for (let attempt = 1; current && attempt <= ROOM_TOKEN_ATTEMPTS; attempt++) {
      const result = takeToken(current.roomBucket, this.limit, this.now());
      if (!result.allowed) {
        this.remember(sender.connectionId, result.state);
        return { allowed: false, retryAfterMs: result.retryAfterMs };
      }
      if (await this.store.saveRoomBucket(sender.connectionId, current.roomBucket, result.state)) {
        this.remember(sender.connectionId, result.state);
        return { allowed: true };
      }
      current = await this.store.getConnection(sender.connectionId);
    }
    // Still racing after every attempt, or the row is gone: refuse, and suggest one token's time.
    return { allowed: false, retryAfterMs: Math.ceil(1000 / this.limit.perSecond) };
  }

  private remember(connectionId: string, state: BucketState): void {
    this.known.delete(connectionId);
    this.known.set(connectionId, state);
    if (this.known.size > this.maxConnections) this.known.delete(this.known.keys().next().value!);
  }
}
