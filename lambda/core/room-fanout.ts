import type { Logger } from '@aws-lambda-powertools/logger';
import { forEachWithConcurrency } from './concurrency';
import type { ConnectionStore, MemberRowAt, RoomMemberPage } from './connection-store';
import type { FanoutJob, FanoutQueue } from './fanout-queue';
import type { Notifier } from './notifier';
import type { PostGovernor } from './post-governor';
import { ROOM_DEFAULTS } from '../../contract/defaults';
import { COUNT_FRESH_MS, fansOutInline, type RoomLayout } from './room-sizing';
import type { OccupancyEvent, PresenceEvent, RoomMessage, SignalEvent } from '../../protocol';

/** A frame fanned out to a room's members: a room message, a presence change or count, or a signal. */
export type RoomFrame = RoomMessage | PresenceEvent | OccupancyEvent | SignalEvent;

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
  /**
   * The room was fanned out through the queue instead, in this many shards: the counts above are
   * 0, and the workers count the deliveries (FanoutDeliveries, FanoutFailures).
   */
  queued?: number;
}

/** Where a room's frames go beyond the inline fan-out, and how fast the workers post. */
export interface FanoutRouting {
  /** The fan-out queue; without it, every room fans out inline, all its shards in turn. */
  readonly queue?: FanoutQueue;
  /** A worker's pace (the fan-out function's only). */
  readonly governor?: PostGovernor;
  /** The time, ms since the epoch: a job's `ts` when its frame has none. */
  readonly now?: () => number;
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
    /** Removes a member whose post answered 410 where its row was found, e.g. with its presence departures (lambda/core/presence.ts). */
    private readonly prune: (connectionId: string, at: MemberRowAt) => Promise<unknown> = (id, at) => store.removeConnection(id, at),
    private readonly routing: FanoutRouting = {},
  ) {}

  /**
   * Sends `message` to every member of its room but `senderConnectionId` (none excluded when
   * undefined: a publish from a backend): posted from here when the room fans out inline, else one
   * job per shard on the fan-out queue (`queued` in the result). The layout is read strongly
   * consistent, after the caller kept the message in history: a member who joined under a grown
   * layout before that must be a recipient.
   */
  async broadcast(message: RoomFrame, senderConnectionId: string | undefined, options: RoomFanoutOptions): Promise<FanoutResult> {
    return this.broadcastIn(await this.store.layouts.get(message.room, true), message, senderConnectionId, options);
  }

  private async broadcastIn(
    layout: RoomLayout,
    message: RoomFrame,
    senderConnectionId: string | undefined,
    options: RoomFanoutOptions,
  ): Promise<FanoutResult> {
    const payload = JSON.stringify(message); // serialized once for every member
    const { queue } = this.routing;
    if (queue && !fansOutInline(layout, this.store.fanoutSettings)) {
      const ts = 'ts' in message ? message.ts : (this.routing.now ?? Date.now)();
      const seq = 'seq' in message ? { seq: message.seq } : {};
      const exclude = senderConnectionId === undefined ? {} : { exclude: senderConnectionId };
      const jobs: FanoutJob[] = Array.from({ length: layout.shards }, (_, shard) => ({
        room: message.room,
        shard,
        shards: layout.shards,
        frame: payload,
        ...exclude,
        ...seq,
        ts,
      }));
      await queue.enqueue(jobs, options.remainingMs);
      return { ...noDeliveries(), queued: layout.shards };
    }
    const result = noDeliveries();
    for (let shard = 0; shard < layout.shards; shard++) {
      await this.postToShard(message.room, { shard, shards: layout.shards }, payload, senderConnectionId, options, result);
    }
    return this.finish(message.room, result);
  }

  /**
   * A presence change: to every member but `exclude` in a room of up to `presenceLimit` members
   * (counted, as the room fans out inline); in a bigger room, where an event per join and leave
   * would be a post per member each, an `occupancy` event with the room's count instead, at most
   * once a second (the first change in a second sends it). Undefined when nothing was sent.
   */
  async presenceChanged(event: PresenceEvent, exclude: string | undefined, options: RoomFanoutOptions): Promise<FanoutResult | undefined> {
    const layout = await this.store.layouts.get(event.room, true);
    const settings = this.store.fanoutSettings;
    if (fansOutInline(layout, settings)) {
      const limit = settings.presenceLimit ?? ROOM_DEFAULTS.presenceLimit;
      // A room of one shard holds at most the inline limit: at or under the presence limit, no count is needed.
      const small = limit >= settings.inlineFanoutLimit || (await this.store.countMembers(event.room, layout.shards)) <= limit;
      if (small) return this.broadcastIn(layout, event, exclude, options);
    }
    const now = (this.routing.now ?? Date.now)();
    if (!(await this.store.layouts.claimOccupancy(event.room, now))) return undefined;
    // The count joins keep on the layout row when it is fresh (a busy big room's usually is): a
    // count of every partition of a room of a million members is thousands of Queries.
    const fresh = layout.members !== undefined && layout.countedAt !== undefined && now - layout.countedAt < COUNT_FRESH_MS;
    const members = fresh ? layout.members : await this.store.countMembers(event.room, layout.shards);
    return this.broadcastIn(layout, { event: 'occupancy', room: event.room, members }, undefined, options);
  }

  /** A fan-out worker's job: posts its frame to every member of its shard but the one it excludes. */
  async deliverShard(job: FanoutJob, options: RoomFanoutOptions): Promise<FanoutResult> {
    const result = noDeliveries();
    await this.postToShard(job.room, { shard: job.shard, shards: job.shards }, job.frame, job.exclude, options, result);
    return this.finish(job.room, result);
  }

  private finish(room: string, result: FanoutResult): FanoutResult {
    if (result.pruned > 0) this.logger.warn('Pruned stale room members', { room, pruned: result.pruned, expired: result.expired });
    if (result.skipped > 0) this.logger.error('Fan-out stopped at the time budget', { room, skipped: result.skipped });
    this.onBroadcast(result);
    return result;
  }

  private async postToShard(
    room: string,
    at: { shard: number; shards: number },
    payload: string,
    exclude: string | undefined,
    options: RoomFanoutOptions,
    result: FanoutResult,
  ): Promise<void> {
    const outOfTime = () => options.remainingMs !== undefined && options.remainingMs() < FANOUT_RESERVE_MS;
    const pages: AsyncGenerator<RoomMemberPage> = this.store.shardMembers(room, at);
    for await (const page of pages) {
      const rows: MemberRowAt = { room, shards: page.shards };
      const recipients = page.live.filter((id) => id !== exclude);
      await forEachWithConcurrency(recipients, options.concurrency, async (recipient) => {
        // Past the budget, stop posting and report the rest as failed, so the sender
        // still gets an honest ack instead of a timeout.
        if (outOfTime()) {
          result.failed++;
          result.skipped++;
          return;
        }
        try {
          await this.routing.governor?.take();
          const outcome = await this.notifier.post(recipient, payload, options.remainingMs);
          if (outcome === 'sent') {
            result.delivered++;
            return;
          }
        } catch (err: unknown) {
          result.failed++;
          this.logger.error('Room delivery failed', { room, recipient, error: err as Error });
          return;
        }
        // The recipient is gone (410): remove its rows so later broadcasts skip it.
        try {
          await this.prune(recipient, rows);
          result.pruned++;
        } catch (err: unknown) {
          this.logger.error('Could not prune stale member; its TTL will remove it', { room, recipient, error: err as Error });
        }
      });
      await this.pruneExpired(
        rows,
        page.expired.filter((id) => id !== exclude),
        result,
        outOfTime,
      );
    }
  }

  /** Deletes a page's expired member rows, unless the time left is the sender's ack's: unpruned, they still get no posts. */
  private async pruneExpired(rows: MemberRowAt, expired: string[], result: FanoutResult, outOfTime: () => boolean): Promise<void> {
    if (expired.length === 0 || outOfTime()) return;
    const { room } = rows;
    try {
      await this.store.removeExpiredMembers(rows, expired);
      result.pruned += expired.length;
      result.expired += expired.length;
    } catch (err: unknown) {
      this.logger.error('Could not prune expired members; TTL will remove them', { room, count: expired.length, error: err as Error });
    }
  }
}

function noDeliveries(): FanoutResult {
  return { delivered: 0, failed: 0, pruned: 0, expired: 0, skipped: 0 };
}
