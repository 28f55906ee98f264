import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FANOUT_DEFAULTS } from '../../contract/defaults';
import { keys } from '../../contract/table-design';
import { isConditionalCheckFailure } from './dynamo-errors';
import { tableRetry, withRetry, type RetryOptions, type TableAccessOptions } from './retry';

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
}

/** A room that has never grown: one shard. */
export const ONE_SHARD: RoomLayout = { shards: 1 };

/** How rooms are spread and fanned out. */
export interface FanoutSettings {
  /** Rooms of up to this many members fan out inline; 0: every room through the queue. */
  readonly inlineFanoutLimit: number;
  /** Members per shard of a queued room. */
  readonly fanoutShardSize: number;
}

export const DEFAULT_FANOUT_SETTINGS: FanoutSettings = {
  inlineFanoutLimit: FANOUT_DEFAULTS.inlineFanoutLimit,
  fanoutShardSize: FANOUT_DEFAULTS.fanoutShardSize,
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

/** The `FANOUT#<room>` layout rows: read, grown (never shrunk), and the room's last count kept. */
export class RoomLayouts {
  private readonly retry: RetryOptions;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: TableAccessOptions = {},
  ) {
    this.retry = tableRetry(options.retry);
  }

  /**
   * The room's layout. `consistent` for a fan-out: a member who joined under a grown layout before
   * the message was kept in history must be read by it, so it must see that growth.
   */
  async get(room: string, consistent: boolean): Promise<RoomLayout> {
    const result = await withRetry(
      () => this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.roomLayout(room), ConsistentRead: consistent })),
      this.retry,
    );
    const item = result.Item;
    // No row, or none this code wrote (a layout is a power of two): the room has never grown.
    const shards: unknown = item?.shards;
    if (typeof shards !== 'number' || !Number.isInteger(Math.log2(shards))) return ONE_SHARD;
    return {
      shards,
      ...(typeof item?.members === 'number' ? { members: item.members } : {}),
      ...(typeof item?.countedAt === 'number' ? { countedAt: item.countedAt } : {}),
    };
  }

  /**
   * Records a count of the room, and grows its layout to `shards` if that is more than it has.
   * Conditional on the layout being as read (`from`), so of joins counting at once one records;
   * false when another changed it first (the caller reads it again).
   */
  async record(room: string, from: RoomLayout, count: { members: number; countedAt: number; shards: number }): Promise<boolean> {
    const unchanged =
      from.countedAt === undefined
        ? 'attribute_not_exists(countedAt) AND (attribute_not_exists(shards) OR shards = :fromShards)'
        : 'countedAt = :fromAt AND shards = :fromShards';
    try {
      await withRetry(
        () =>
          this.db.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: keys.roomLayout(room),
              UpdateExpression: 'SET shards = :shards, members = :members, countedAt = :at',
              ConditionExpression: unchanged,
              ExpressionAttributeValues: {
                ':shards': Math.max(from.shards, count.shards),
                ':members': count.members,
                ':at': count.countedAt,
                ':fromShards': from.shards,
                ...(from.countedAt === undefined ? {} : { ':fromAt': from.countedAt }),
              },
            }),
          ),
        this.retry,
      );
      return true;
    } catch (err: unknown) {
      if (isConditionalCheckFailure(err)) return false;
      throw err;
    }
  }
}
