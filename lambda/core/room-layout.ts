import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../contract/table-design';
import { updateIf } from './dynamo-errors';
import { tableRetry, withRetry, type RetryOptions, type TableAccessOptions } from './retry';
import type { BucketState } from '../../protocol/token-bucket';
import { ONE_SHARD, type RoomLayout } from './room-sizing';

/** A big room's occupancy events: at most one this often. */
export const OCCUPANCY_INTERVAL_MS = 1000;

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
    const bucket =
      typeof item?.roomTokens === 'number' && typeof item.roomTokensAt === 'number'
        ? { bucket: { tokens: item.roomTokens, at: item.roomTokensAt } }
        : {};
    const shards: unknown = item?.shards;
    if (typeof shards !== 'number' || !Number.isInteger(Math.log2(shards))) return { ...ONE_SHARD, ...bucket };
    return {
      shards,
      ...bucket,
      ...(typeof item?.members === 'number' ? { members: item.members } : {}),
      ...(typeof item?.countedAt === 'number' ? { countedAt: item.countedAt } : {}),
    };
  }

  /**
   * Saves the room's message-rate bucket if it is still `previous` (compare-and-set); false when
   * another message saved first, and the caller reads again.
   */
  async saveBucket(room: string, previous: BucketState | undefined, next: BucketState): Promise<boolean> {
    const unchanged =
      previous === undefined ? 'attribute_not_exists(roomTokensAt)' : 'roomTokens = :previousTokens AND roomTokensAt = :previousAt';
    return updateIf(
      this.db,
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.roomLayout(room),
        UpdateExpression: 'SET roomTokens = :tokens, roomTokensAt = :at',
        ConditionExpression: unchanged,
        ExpressionAttributeValues: {
          ':tokens': next.tokens,
          ':at': next.at,
          ...(previous === undefined ? {} : { ':previousTokens': previous.tokens, ':previousAt': previous.at }),
        },
      }),
      this.retry,
    );
  }

  /**
   * Takes the room's occupancy event for the second after its last one: true for the one caller of
   * that second (a conditional write of `occupancyAt`), false for the rest.
   */
  async claimOccupancy(room: string, now: number): Promise<boolean> {
    return updateIf(
      this.db,
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.roomLayout(room),
        UpdateExpression: 'SET occupancyAt = :now',
        ConditionExpression: 'attribute_not_exists(occupancyAt) OR occupancyAt <= :before',
        ExpressionAttributeValues: { ':now': now, ':before': now - OCCUPANCY_INTERVAL_MS },
      }),
      this.retry,
    );
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
    return updateIf(
      this.db,
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
      this.retry,
    );
  }
}
