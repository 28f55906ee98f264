import type { Logger } from '@aws-lambda-powertools/logger';
import { forEachWithConcurrency } from './concurrency';
import type { ConnectionStore } from './connection-store';
import type { Notifier } from './notifier';
import type { PresenceEvent, RoomMessage, SignalEvent } from '../../protocol';

/** A frame fanned out to a room's members: a room message, a presence change, or a signal. */
export type RoomFrame = RoomMessage | PresenceEvent | SignalEvent;

export interface FanoutResult {
  /** Members that received the message. */
  delivered: number;
  /** Members that could not be reached after retries. */
  failed: number;
  /** Stale members removed from the table: posts that answered 410, and rows past their TTL. */
  pruned: number;
  /** Of `pruned`, members whose rows were past their TTL: removed without a post. */
  expired: number;
  /** Of `failed`, members not even tried because the function's time was running out. */
  skipped: number;
}

/** Time kept back from fan-out so the handler can still answer the sender. */
export const FANOUT_RESERVE_MS = 1500;

export interface RoomFanoutOptions {
  /** Posts in flight at once. */
  concurrency: number;
  /** Milliseconds left before the function times out, for retry budgets. */
  remainingMs?: () => number;
}

/**
 * Delivers one room message to every member but the sender: members come from
 * a paginated Query, posts go out with bounded concurrency, and a 410 prunes
 * the stale recipient (never the sender). Rows past their TTL get no post: they
 * are deleted in batches, as TTL itself may take days to.
 */
export class RoomFanout {
  constructor(
    private readonly store: ConnectionStore,
    private readonly notifier: Notifier,
    private readonly logger: Pick<Logger, 'warn' | 'error'>,
    /** Told the outcome of every broadcast, e.g. to emit metrics. */
    private readonly onBroadcast: (result: FanoutResult) => void = () => undefined,
    /** Removes a member whose post answered 410 in `room`, e.g. with its presence departures (lambda/core/presence.ts). */
    private readonly prune: (connectionId: string, room: string) => Promise<unknown> = (id, room) => store.removeConnection(id, room),
  ) {}

  /** Posts `message` to every member of its room but `senderConnectionId` (none excluded when undefined: a publish from a backend). */
  async broadcast(message: RoomFrame, senderConnectionId: string | undefined, options: RoomFanoutOptions): Promise<FanoutResult> {
    const result: FanoutResult = { delivered: 0, failed: 0, pruned: 0, expired: 0, skipped: 0 };
    const payload = JSON.stringify(message); // serialized once for every member
    const outOfTime = () => options.remainingMs !== undefined && options.remainingMs() < FANOUT_RESERVE_MS;
    for await (const page of this.store.roomMembers(message.room)) {
      const recipients = page.live.filter((id) => id !== senderConnectionId);
      await forEachWithConcurrency(recipients, options.concurrency, async (recipient) => {
        // Past the budget, stop posting and report the rest as failed, so the sender
        // still gets an honest ack instead of a timeout.
        if (outOfTime()) {
          result.failed++;
          result.skipped++;
          return;
        }
        try {
          const outcome = await this.notifier.post(recipient, payload, options.remainingMs);
          if (outcome === 'sent') {
            result.delivered++;
            return;
          }
        } catch (err: unknown) {
          result.failed++;
          this.logger.error('Room delivery failed', { room: message.room, recipient, error: err as Error });
          return;
        }
        // The recipient is gone (410): remove its rows so later broadcasts skip it.
        try {
          await this.prune(recipient, message.room);
          result.pruned++;
        } catch (err: unknown) {
          this.logger.error('Could not prune stale member; its TTL will remove it', { room: message.room, recipient, error: err as Error });
        }
      });
      await this.pruneExpired(
        message.room,
        page.expired.filter((id) => id !== senderConnectionId),
        result,
        outOfTime,
      );
    }
    if (result.pruned > 0)
      this.logger.warn('Pruned stale room members', { room: message.room, pruned: result.pruned, expired: result.expired });
    if (result.skipped > 0) this.logger.error('Fan-out stopped at the time budget', { room: message.room, skipped: result.skipped });
    this.onBroadcast(result);
    return result;
  }

  /** Deletes a page's expired member rows, unless the time left is the sender's ack's: unpruned, they still get no posts. */
  private async pruneExpired(room: string, expired: string[], result: FanoutResult, outOfTime: () => boolean): Promise<void> {
    if (expired.length === 0 || outOfTime()) return;
    try {
      await this.store.removeExpiredMembers(room, expired);
      result.pruned += expired.length;
      result.expired += expired.length;
    } catch (err: unknown) {
      this.logger.error('Could not prune expired members; TTL will remove them', { room, count: expired.length, error: err as Error });
    }
  }
}
