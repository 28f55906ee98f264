import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type QueryCommandOutput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { BATCH_WRITE_LIMIT, batchWrite } from './batch-write';
import { forEachWithConcurrency } from './concurrency';
import { expiresAtFor, isExpired, keys, layoutsUpTo, shardOf, shardsAttribute, TABLE } from '../../contract/table-design';
import { RoomLayouts } from './room-layout';
import { COUNT_FRESH_MS, DEFAULT_FANOUT_SETTINGS, ONE_SHARD, shardsFor, type FanoutSettings, type RoomLayout } from './room-sizing';
import { isConditionalCheckFailure, updateIf } from './dynamo-errors';
import { tableRetry, withRetry, type RetryOptions, type TableAccessOptions } from './retry';
import type { BucketState } from '../../protocol/token-bucket';

/** A stored connection. */
export interface ConnectionRecord {
  connectionId: string;
  connectedAt: number;
  sourceIp: string;
  /** The authorizer's user id, when the connection was authenticated. */
  userId?: string;
  rooms: string[];
  /** The layout (shard count) of each room whose member row was written under more than one shard; 1 for the rest. */
  shards: Record<string, number>;
  expiresAt: number;
  /** The room-message rate limit's bucket, once the connection has sent a room message. */
  roomBucket?: BucketState;
}

export type JoinOutcome = 'joined' | 'already-member' | 'too-many-rooms' | 'room-full' | 'unknown-connection';

/** Limits a join is checked against. */
export interface JoinLimits {
  /** Rooms one connection may be in; enforced atomically. */
  maxRoomsPerConnection: number;
  /**
   * Members one room may have. Checked against a count of the room's rows (Query COUNT of its
   * shards), so simultaneous joins into an almost-full room can overshoot it by at most their
   * number; a room of more than one shard is counted at most once a second (COUNT_FRESH_MS), so
   * the joins of that second may overshoot it too. A counter item would be exact, but drifts when
   * a $disconnect never arrives, and at 2,000 joins a second one item is too hot to write.
   */
  maxRoomMembers?: number;
}
export type LeaveOutcome = 'left' | 'not-member';

/** What removing a connection found. */
export interface RemovedConnection {
  /** The rooms its row listed; empty when another caller removed it first. */
  rooms: string[];
  /** Its authenticated user, when it had one and this caller removed its row. */
  userId?: string;
  /** Whether this caller deleted its row (and so owns the departures from `rooms`). */
  claimed: boolean;
}

/** Where a member row was found: its room, and the layout it was written under. */
export interface MemberRowAt {
  readonly room: string;
  readonly shards: number;
}

/** One page of a room's member rows, split by their TTL. */
export interface RoomMemberPage {
  /** Members whose rows have not expired. */
  live: string[];
  /** Members whose rows are past `expiresAt`: their connections are gone, whatever TTL has not deleted yet. */
  expired: string[];
  /** The layout the page's rows were written under. */
  shards: number;
}

/** Partitions counted at once when a room of many shards is counted. */
const COUNT_CONCURRENCY = 16;

/** BatchWriteItem requests in flight at once when pruning expired members. */
const PRUNE_CONCURRENCY = 4;

export interface ConnectionStoreOptions extends TableAccessOptions {
  /** How rooms grow into shards. */
  fanout?: FanoutSettings;
}

/**
 * Connections and room memberships in the single table (see contract/table-design.ts).
 * Every read is a GetItem or a Query on one partition: nothing here Scans.
 */
export class ConnectionStore {
  private readonly retry: RetryOptions;
  private readonly now: () => number;
  /** How rooms grow into shards, and which fan out inline. */
  readonly fanoutSettings: FanoutSettings;
  /** The rooms' layouts (`FANOUT#` rows), in the same table. */
  readonly layouts: RoomLayouts;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: ConnectionStoreOptions = {},
  ) {
    this.retry = tableRetry(options.retry);
    this.now = options.now ?? Date.now;
    this.fanoutSettings = options.fanout ?? DEFAULT_FANOUT_SETTINGS;
    this.layouts = new RoomLayouts(db, tableName, options);
  }

  /** Records a new connection, with a TTL so it expires even if $disconnect never arrives. */
  async putConnection(connection: { connectionId: string; connectedAt: number; sourceIp: string; userId?: string }): Promise<void> {
    const item = {
      ...keys.connection(connection.connectionId),
      connectionId: connection.connectionId,
      connectedAt: connection.connectedAt,
      sourceIp: connection.sourceIp,
      ...(connection.userId === undefined ? {} : { userId: connection.userId }),
      [TABLE.ttlAttribute]: expiresAtFor(connection.connectedAt),
    };
    await this.send(() => this.db.send(new PutCommand({ TableName: this.tableName, Item: item })));
  }

  async getConnection(connectionId: string): Promise<ConnectionRecord | undefined> {
    const result = await this.send(() =>
      this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.connection(connectionId), ConsistentRead: true })),
    );
    return result.Item ? toConnection(result.Item) : undefined;
  }

  /**
   * Adds the connection to a room. The room's layout is read (and grown, when the room has
   * outgrown it) first; then the connection's `rooms` set is updated, under a condition that
   * enforces the per-connection limit atomically and keeps the layout the member row is written
   * under; then the member row the room's fan-out reads is written.
   */
  async joinRoom(connectionId: string, room: string, limits: JoinLimits): Promise<JoinOutcome> {
    const layout = await this.layoutToJoin(room, limits.maxRoomMembers);
    if (layout === 'full') {
      const existing = await this.getConnection(connectionId);
      return existing?.rooms.includes(room) ? 'already-member' : 'room-full';
    }
    const shards = layout.shards;
    const attribute = { '#shards': shardsAttribute(room) };
    const addRoom = new UpdateCommand({
      TableName: this.tableName,
      Key: keys.connection(connectionId),
      UpdateExpression: shards === 1 ? 'ADD rooms :room REMOVE #shards' : 'ADD rooms :room SET #shards = :shards',
      ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(rooms) OR (size(rooms) < :max AND NOT contains(rooms, :name)))',
      ExpressionAttributeNames: attribute,
      ExpressionAttributeValues: {
        ':room': new Set([room]),
        ':name': room,
        ':max': limits.maxRoomsPerConnection,
        ...(shards === 1 ? {} : { ':shards': shards }),
      },
      ReturnValues: 'ALL_OLD',
    });
    let updated: Record<string, unknown> | undefined;
    try {
      updated = (await this.send(() => this.db.send(addRoom))).Attributes;
    } catch (err: unknown) {
      if (!isConditionalCheckFailure(err)) throw err;
      const existing = await this.getConnection(connectionId);
      if (!existing) return 'unknown-connection';
      if (!existing.rooms.includes(room)) return 'too-many-rooms';
      // Joining again rewrites the member row where it was written, which repairs it if a crash lost it.
      await this.putMemberRow(existing, room, existing.shards[room] ?? 1);
      return 'already-member';
    }
    const before = updated ? toConnection(updated) : undefined;
    if (!before) return 'unknown-connection';
    await this.putMemberRow(before, room, shards);
    return 'joined';
  }

  private async putMemberRow(connection: ConnectionRecord, room: string, shards: number): Promise<void> {
    const { connectionId, userId } = connection;
    await this.send(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.member(room, connectionId, shards),
            connectionId,
            ...(userId === undefined ? {} : { userId }),
            [TABLE.ttlAttribute]: connection.expiresAt,
          },
        }),
      ),
    );
  }

  /**
   * The layout a join writes under, grown first when the room has outgrown its own; `full` when
   * the room has `maxRoomMembers` already. A room of one shard is counted at every join (its one
   * partition, as before sharding); a room of more is counted at most once a second, all its
   * shards' partitions, and the count kept on its layout row: no one item is written by every join.
   */
  private async layoutToJoin(room: string, maxRoomMembers: number | undefined): Promise<RoomLayout | 'full'> {
    const full = (members: number) => maxRoomMembers !== undefined && members >= maxRoomMembers;
    // Eventually consistent first (half the read cost); again strongly when another join's count got in first.
    for (let consistent = false; ; consistent = true) {
      const layout = await this.layouts.get(room, consistent);
      const now = this.now();
      if (layout.shards > 1 && layout.countedAt !== undefined && now - layout.countedAt < COUNT_FRESH_MS) {
        return full(layout.members!) ? 'full' : layout;
      }
      const members = await this.countMembers(room, layout.shards);
      if (full(members)) return 'full';
      const shards = Math.max(layout.shards, shardsFor(members + 1, this.fanoutSettings));
      // A room of one shard that still fits it writes nothing; any other count is recorded, and the
      // layout grown to what it needs. Of joins counting at once, one records; the others read again.
      if (shards === 1) return layout;
      if (await this.layouts.record(room, layout, { members, countedAt: now, shards })) return { shards, members, countedAt: now };
    }
  }

  /** Removes the connection from a room; `not-member` when it was not in it. */
  async leaveRoom(connectionId: string, room: string): Promise<LeaveOutcome> {
    const command = new UpdateCommand({
      TableName: this.tableName,
      Key: keys.connection(connectionId),
      UpdateExpression: 'DELETE rooms :room REMOVE #shards',
      ConditionExpression: 'contains(rooms, :name)',
      ExpressionAttributeNames: { '#shards': shardsAttribute(room) },
      ExpressionAttributeValues: { ':room': new Set([room]), ':name': room },
      ReturnValues: 'ALL_OLD',
    });
    let before: Record<string, unknown> | undefined;
    try {
      before = (await this.send(() => this.db.send(command))).Attributes;
    } catch (err: unknown) {
      if (isConditionalCheckFailure(err)) return 'not-member';
      throw err;
    }
    const shards = before ? (toConnection(before).shards[room] ?? 1) : 1;
    await this.send(() => this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.member(room, connectionId, shards) })));
    return 'left';
  }

  /**
   * Saves the connection's room-message bucket, if it is still `previous` (compare-and-set on
   * its two attributes): one conditional UpdateItem. False when another frame of this connection
   * saved first, or the connection row is gone; the caller reads again and decides again.
   */
  async saveRoomBucket(connectionId: string, previous: BucketState | undefined, next: BucketState): Promise<boolean> {
    const unchanged =
      previous === undefined ? 'attribute_not_exists(roomTokensAt)' : 'roomTokens = :previousTokens AND roomTokensAt = :previousAt';
    return this.updateConnectionIf(connectionId, {
      UpdateExpression: 'SET roomTokens = :tokens, roomTokensAt = :at',
      ConditionExpression: `attribute_exists(pk) AND ${unchanged}`,
      ExpressionAttributeValues: {
        ':tokens': next.tokens,
        ':at': next.at,
        ...(previous === undefined ? {} : { ':previousTokens': previous.tokens, ':previousAt': previous.at }),
      },
    });
  }

  /** One conditional UpdateItem on a connection's row: false when its condition did not hold. */
  private async updateConnectionIf(
    connectionId: string,
    update: Pick<UpdateCommandInput, 'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeValues'>,
  ): Promise<boolean> {
    return updateIf(this.db, new UpdateCommand({ TableName: this.tableName, Key: keys.connection(connectionId), ...update }), this.retry);
  }

  /**
   * The room's member connection ids, one page per Query, following pagination to the end, each
   * page split into live and expired rows. No FilterExpression here: it would hide exactly the
   * rows the fan-out must delete, and it would not save a read unit, as DynamoDB bills a Query
   * for the items it reads before filtering.
   */
  async *roomMembers(room: string, pageSize?: number): AsyncGenerator<RoomMemberPage> {
    yield* this.shardMembers(room, { shard: 0, shards: 1 }, pageSize);
  }

  /**
   * The members of shard `shard` of a room's layout of `shards` shards: those with
   * `shardOf(id, shards) === shard`, in whichever layout their rows were written, as every layout is
   * a power of two up to `shards` (each member is in exactly one shard of the newest layout, so no
   * member is read by two shards' fan-outs, and none by none). Pages as roomMembers'.
   */
  async *shardMembers(room: string, at: { shard: number; shards: number }, pageSize?: number): AsyncGenerator<RoomMemberPage> {
    const projection = { ProjectionExpression: 'connectionId, #ttl', ExpressionAttributeNames: { '#ttl': TABLE.ttlAttribute } };
    for (const layout of layoutsUpTo(at.shards)) {
      const partition = keys.shardPartition(room, layout, at.shard % layout);
      // Strongly consistent: a member who joined before this message's history write must be a
      // recipient, or a resume (which reads history after joining) could miss the message.
      for await (const page of this.partitionPages(partition, { ...projection, Limit: pageSize, ConsistentRead: true })) {
        const nowSeconds = this.nowSeconds();
        const split: RoomMemberPage = { live: [], expired: [], shards: layout };
        for (const item of page.Items ?? []) {
          const id = String(item.connectionId);
          if (layout < at.shards && shardOf(id, at.shards) !== at.shard) continue;
          (isExpired(item[TABLE.ttlAttribute], nowSeconds) ? split.expired : split.live).push(id);
        }
        yield split;
      }
    }
  }

  /**
   * How many live members a room has: a paginated Query that counts without reading items out.
   * Rows past `expiresAt` are filtered out, so members that vanished without a $disconnect
   * never fill a room; the filtered rows are still read, and billed, by the Query.
   */
  async countMembers(room: string, shards = ONE_SHARD.shards): Promise<number> {
    const live = {
      Select: 'COUNT' as const,
      // The negation of isExpired (contract/table-design.ts): no TTL, or a TTL that has not passed.
      FilterExpression: 'attribute_not_exists(#ttl) OR #ttl >= :now',
      ExpressionAttributeNames: { '#ttl': TABLE.ttlAttribute },
      ExpressionAttributeValues: { ':now': this.nowSeconds() },
    };
    const partitions = layoutsUpTo(shards).flatMap((layout) =>
      Array.from({ length: layout }, (_, shard) => keys.shardPartition(room, layout, shard)),
    );
    let count = 0;
    await forEachWithConcurrency(partitions, COUNT_CONCURRENCY, async (partition) => {
      for await (const page of this.partitionPages(partition, live)) count += page.Count ?? 0;
    });
    return count;
  }

  /** Queries one partition page by page; never a Scan. */
  private async *partitionPages(
    partition: string,
    shape: Pick<
      QueryCommandInput,
      | 'ProjectionExpression'
      | 'Limit'
      | 'Select'
      | 'FilterExpression'
      | 'ExpressionAttributeNames'
      | 'ExpressionAttributeValues'
      | 'ConsistentRead'
    >,
  ): AsyncGenerator<QueryCommandOutput> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const query = new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExclusiveStartKey: startKey,
        ...shape,
        ExpressionAttributeValues: { ...shape.ExpressionAttributeValues, ':pk': partition },
      });
      const page = await this.send(() => this.db.send(query));
      yield page;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  /**
   * Deletes the rows of members whose TTL has passed: each one's member row in `room` and its
   * connection row (which expired with it). Batched, 25 deletes per BatchWriteItem, a few in
   * flight; no reads. Its memberships in other rooms are left to those rooms' fan-outs and TTL.
   */
  async removeExpiredMembers(at: MemberRowAt, connectionIds: readonly string[]): Promise<void> {
    const deletes = connectionIds.flatMap((id) => [keys.member(at.room, id, at.shards), keys.connection(id)]);
    const batches: Array<Array<Record<string, string>>> = [];
    for (let i = 0; i < deletes.length; i += BATCH_WRITE_LIMIT) batches.push(deletes.slice(i, i + BATCH_WRITE_LIMIT));
    await forEachWithConcurrency(batches, PRUNE_CONCURRENCY, (batch) => this.batchDelete(batch));
  }

  /**
   * Deletes a connection and all its memberships: on $disconnect, and when a
   * post to it answers 410 (then `alsoRoom` is where its row was found).
   * The connection row is deleted first, returning what it held: of several
   * callers racing to remove one connection ($disconnect and a fan-out's 410),
   * only one gets its rooms and user (`claimed`), so presence counts each
   * departure once. Idempotent: removing an unknown id deletes only `alsoRoom`'s row.
   */
  async removeConnection(connectionId: string, alsoRoom?: MemberRowAt): Promise<RemovedConnection> {
    const deleted = await this.send(() =>
      this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.connection(connectionId), ReturnValues: 'ALL_OLD' })),
    );
    const connection = deleted.Attributes ? toConnection(deleted.Attributes) : undefined;
    const rooms = connection?.rooms ?? [];
    // A member row can outlive its connection row (TTL removes rows one by one), so the
    // caller that found the member in a room names that room too.
    const rows: MemberRowAt[] = rooms.map((room) => ({ room, shards: connection?.shards[room] ?? 1 }));
    if (alsoRoom !== undefined && !rows.some((row) => row.room === alsoRoom.room && row.shards === alsoRoom.shards)) rows.push(alsoRoom);
    const deletes = rows.map((row) => keys.member(row.room, connectionId, row.shards));
    for (let i = 0; i < deletes.length; i += BATCH_WRITE_LIMIT) {
      await this.batchDelete(deletes.slice(i, i + BATCH_WRITE_LIMIT));
    }
    return { rooms, claimed: connection !== undefined, ...(connection?.userId === undefined ? {} : { userId: connection.userId }) };
  }

  /** One BatchWriteItem of deletes, re-sending UnprocessedItems with backoff until none remain or attempts run out. */
  private async batchDelete(batch: Array<Record<string, string>>): Promise<void> {
    await batchWrite(
      this.db,
      this.tableName,
      batch.map((Key) => ({ DeleteRequest: { Key } })),
      this.retry,
    );
  }

  private send<T>(operation: () => Promise<T>): Promise<T> {
    return withRetry(operation, this.retry);
  }

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }
}

export { isConditionalCheckFailure };

function toConnection(item: Record<string, unknown>): ConnectionRecord {
  const rooms = item.rooms instanceof Set ? [...(item.rooms as Set<string>)] : Array.isArray(item.rooms) ? (item.rooms as string[]) : [];
  return {
    connectionId: String(item.connectionId),
    connectedAt: Number(item.connectedAt),
    sourceIp: typeof item.sourceIp === 'string' ? item.sourceIp : '',
    ...(typeof item.userId === 'string' ? { userId: item.userId } : {}),
    rooms: rooms.sort(),
    shards: shardsByRoom(item),
    expiresAt: Number(item[TABLE.ttlAttribute]),
    ...(typeof item.roomTokens === 'number' && typeof item.roomTokensAt === 'number'
      ? { roomBucket: { tokens: item.roomTokens, at: item.roomTokensAt } }
      : {}),
  };
}

/** The `shards:<room>` attributes of a connection row, by room. */
function shardsByRoom(item: Record<string, unknown>): Record<string, number> {
  const prefix = shardsAttribute('');
  const shards: Record<string, number> = {};
  for (const [name, value] of Object.entries(item)) {
    if (name.startsWith(prefix) && typeof value === 'number') shards[name.slice(prefix.length)] = value;
  }
  return shards;
}
