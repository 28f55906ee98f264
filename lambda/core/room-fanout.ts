import type { Logger } from '@aws-lambda-powertools/logger';
import { forEachWithConcurrency } from './concurrency';
import type { ConnectionStore } from './connection-store';
import type { Notifier } from './notifier';
import type { RoomMessage } from '../../protocol';

export interface FanoutResult {
  /** Members that received the message. */
  delivered: number;
  /** Members that could not be reached after retries. */
  failed: number;
  /** Stale members (410) removed from the table. */
  pruned: number;
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
 * the stale recipient (never the sender).
 */
export class RoomFanout {
  constructor(
    private readonly store: ConnectionStore,
    private readonly notifier: Notifier,
    private readonly logger: Pick<Logger, 'warn' | 'error'>,
    /** Told the outcome of every broadcast, e.g. to emit metrics. */
    private readonly onBroadcast: (result: FanoutResult) => void = () => undefined,
  ) {}

  async broadcast(message: RoomMessage, senderConnectionId: string, options: RoomFanoutOptions): Promise<FanoutResult> {
    const result: FanoutResult = { delivered: 0, failed: 0, pruned: 0, skipped: 0 };
    const payload = JSON.stringify(message); // serialized once for every member
    for await (const page of this.store.roomMembers(message.room)) {
      const recipients = page.filter((id) => id !== senderConnectionId);
      await forEachWithConcurrency(recipients, options.concurrency, async (recipient) => {
        // Past the budget, stop posting and report the rest as failed, so the sender
        // still gets an honest ack instead of a timeout.
        if (options.remainingMs && options.remainingMs() < FANOUT_RESERVE_MS) {
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
          await this.store.removeConnection(recipient, message.room);
          result.pruned++;
        } catch (err: unknown) {
          this.logger.error('Could not prune stale member; its TTL will remove it', { room: message.room, recipient, error: err as Error });
        }
      });
    }
    if (result.pruned > 0) this.logger.warn('Pruned stale room members', { room: message.room, pruned: result.pruned });
    if (result.skipped > 0) this.logger.error('Fan-out stopped at the time budget', { room: message.room, skipped: result.skipped });
    this.onBroadcast(result);
    return result;
  }
}
