import { FANOUT_DEFAULTS, ROOM_DEFAULTS } from '../../contract/defaults';
import type { BucketState } from '../../protocol/token-bucket';

/*
 * How rooms are sized into shards and which fan out inline: pure rules, no AWS SDK, so the routes
 * that never fan out (ping, $default) can import what they share with those that do.
 */

/**
 * A room's layout: how many shards its member rows are spread over (docs/design.md, "Rooms beyond
 * one invocation"). A room starts with one shard, the `ROOM#<room>` partition it always had, and
 * doubles its shards as it grows; it never shrinks, as rows stay where they were written until
 * they leave or expire. The layout row exists only once a room has grown past one shard.
 */
export interface RoomLayout {
  /** The layout joins write under now: 1, 2, 4, ... */
  readonly shards: number;
  /** The room's members at its last count, and when (ms since the epoch); absent before the first. */
  readonly members?: number;
  readonly countedAt?: number;
  /** The room's message-rate bucket, once a queued room has had a message. */
  readonly bucket?: BucketState;
}

/** A room that has never grown: one shard. */
export const ONE_SHARD: RoomLayout = { shards: 1 };

/** How rooms are spread and fanned out. */
export interface FanoutSettings {
  /** Rooms of up to this many members fan out inline; 0: every room through the queue. */
  readonly inlineFanoutLimit: number;
  /** Members per shard of a queued room. */
  readonly fanoutShardSize: number;
  /** Members above which a room gets `occupancy` instead of `presence` events. @default ROOM_DEFAULTS.presenceLimit */
  readonly presenceLimit?: number;
}

export const DEFAULT_FANOUT_SETTINGS: FanoutSettings = {
  inlineFanoutLimit: FANOUT_DEFAULTS.inlineFanoutLimit,
  fanoutShardSize: FANOUT_DEFAULTS.fanoutShardSize,
  presenceLimit: ROOM_DEFAULTS.presenceLimit,
};

/** How long a room's count is used before the next join counts again: joins within it may overshoot `maxRoomMembers` by their number. */
export const COUNT_FRESH_MS = 1000;

/** Whether a room of this layout fans out from the sender's invocation: one shard, and the inline path on. */
export function fansOutInline(layout: RoomLayout, settings: FanoutSettings): boolean {
  return layout.shards === 1 && settings.inlineFanoutLimit > 0;
}

/**
 * The layout a room of `members` members needs: one shard while it fits the inline limit (or, with
 * every room queued, one shard's size), then the smallest power of two whose shards hold them all.
 */
export function shardsFor(members: number, settings: FanoutSettings): number {
  const firstShard =
    settings.inlineFanoutLimit > 0 ? Math.min(settings.inlineFanoutLimit, settings.fanoutShardSize) : settings.fanoutShardSize;
  if (members <= firstShard) return 1;
  let shards = 2;
  while (shards * settings.fanoutShardSize < members) shards *= 2;
  return shards;
}
