import type { ConnectionRecord, ConnectionStore } from './connection-store';
import { takeToken, type RateLimit } from './token-bucket';

/** Reads and compare-and-set writes before a room message that keeps losing the race is refused. */
export const ROOM_TOKEN_ATTEMPTS = 3;

export type RoomTokenOutcome = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * The per-connection limit on room messages, kept in the connection's row, so it holds exactly
 * however many Lambda environments a connection's frames land on. The sender's row is read
 * anyway (membership), so an allowed room message costs one conditional UpdateItem more and a
 * refused one costs nothing more. Concurrent room messages of one connection race on the
 * compare-and-set; the loser reads again, and after {@link ROOM_TOKEN_ATTEMPTS} it is refused.
 */
export class RoomMessageLimiter {
  constructor(
    private readonly store: Pick<ConnectionStore, 'getConnection' | 'saveRoomBucket'>,
    readonly limit: RateLimit,
    private readonly now: () => number,
  ) {}

  /** Takes a token for `sender` (its row as just read) from its room-message bucket. */
  async take(sender: ConnectionRecord): Promise<RoomTokenOutcome> {
    let current: ConnectionRecord | undefined = sender;
    for (let attempt = 1; current && attempt <= ROOM_TOKEN_ATTEMPTS; attempt++) {
      const result = takeToken(current.roomBucket, this.limit, this.now());
      if (!result.allowed) return { allowed: false, retryAfterMs: result.retryAfterMs };
      if (await this.store.saveRoomBucket(sender.connectionId, current.roomBucket, result.state)) return { allowed: true };
      current = await this.store.getConnection(sender.connectionId);
    }
    // Still racing after every attempt, or the row is gone: refuse, and suggest one token's time.
    return { allowed: false, retryAfterMs: Math.ceil(1000 / this.limit.perSecond) };
  }
}
