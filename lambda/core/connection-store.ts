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
import { expiresAtFor, isExpired, keys, TABLE } from '../../contract/table-design';
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
   * Members one room may have. Checked with a Query COUNT before joining, so
   * simultaneous joins into an almost-full room can overshoot it by at most
   * their number; a counter item would be exact but drifts when a
   * $disconnect never arrives.
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

/** One page of a room's member rows, split by their TTL. */
export interface RoomMemberPage {
  /** Members whose rows have not expired. */
  live: string[];
  /** Members whose rows are past `expiresAt`: their connections are gone, whatever TTL has not deleted yet. */
  expired: string[];
}

/** BatchWriteItem requests in flight at once when pruning expired members. */
const PRUNE_CONCURRENCY = 4;

export type ConnectionStoreOptions = TableAccessOptions;

/**
 * Connections and room memberships in the single table (see contract/table-design.ts).
 * Every read is a GetItem or a Query on one partition: nothing here Scans.
 */
export class ConnectionStore {
  private readonly retry: RetryOptions;
  private readonly now: () => number;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: ConnectionStoreOptions = {},
  ) {
    this.retry = tableRetry(options.retry);
    this.now = options.now ?? Date.now;
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
   * Adds the connection to a room. The connection's `rooms` set is updated
   * first, under a condition that enforces the per-connection limit
   * atomically; then the member row the room's Query reads is written.
   */
  async joinRoom(connectionId: string, room: string, limits: JoinLimits): Promise<JoinOutcome> {
    if (limits.maxRoomMembers !== undefined && (await this.countMembers(room)) >= limits.maxRoomMembers) {
      const existing = await this.getConnection(connectionId);
      if (!existing?.rooms.includes(room)) return 'room-full';
    }
    const addRoom = new UpdateCommand({
      TableName: this.tableName,
      Key: keys.connection(connectionId),
      UpdateExpression: 'ADD rooms :room',
      ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(rooms) OR size(rooms) < :max OR contains(rooms, :name))',
      ExpressionAttributeValues: { ':room': new Set([room]), ':name': room, ':max': limits.maxRoomsPerConnection },
      ReturnValues: 'ALL_OLD',
    });
    let updated: Record<string, unknown> | undefined;
    try {
      updated = (await this.send(() => this.db.send(addRoom))).Attributes;
    } catch (err: unknown) {
      if (!isConditionalCheckFailure(err)) throw err;
      const existing = await this.getConnection(connectionId);
      if (!existing) return 'unknown-connection';
      if (existing.rooms.includes(room)) return 'already-member';
      return 'too-many-rooms';
    }
    const before = updated ? toConnection(updated) : undefined;
    if (!before) return 'unknown-connection';
    // Re-joining rewrites the member row, which repairs it if a crash lost it before.
    await this.send(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.member(room, connectionId),
            connectionId,
            ...(before.userId === undefined ? {} : { userId: before.userId }),
            [TABLE.ttlAttribute]: before.expiresAt,
          },
        }),
      ),
    );
    return before.rooms.includes(room) ? 'already-member' : 'joined';
  }

  /** Removes the connection from a room; `not-member` when it was not in it. */
  async leaveRoom(connectionId: string, room: string): Promise<LeaveOutcome> {
    const removed = await this.updateConnectionIf(connectionId, {
      UpdateExpression: 'DELETE rooms :room',
      ConditionExpression: 'contains(rooms, :name)',
      ExpressionAttributeValues: { ':room': new Set([room]), ':name': room },
    });
    if (!removed) return 'not-member';
    await this.send(() => this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.member(room, connectionId) })));
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
    const command = new UpdateCommand({ TableName: this.tableName, Key: keys.connection(connectionId), ...update });
    try {
      await this.send(() => this.db.send(command));
      return true;
    } catch (err: unknown) {
      if (isConditionalCheckFailure(err)) return false;
      throw err;
    }
  }

  /**
   * The room's member connection ids, one page per Query, following pagination to the end, each
   * page split into live and expired rows. No FilterExpression here: it would hide exactly the
   * rows the fan-out must delete, and it would not save a read unit, as DynamoDB bills a Query
   * for the items it reads before filtering.
   */
  async *roomMembers(room: string, pageSize?: number): AsyncGenerator<RoomMemberPage> {
    const projection = { ProjectionExpression: 'connectionId, #ttl', ExpressionAttributeNames: { '#ttl': TABLE.ttlAttribute } };
    // Strongly consistent: a member who joined before this message's history write must be a
    // recipient, or a resume (which reads history after joining) could miss the message.
    for await (const page of this.roomPages(room, { ...projection, Limit: pageSize, ConsistentRead: true })) {
      const nowSeconds = this.nowSeconds();
      const split: RoomMemberPage = { live: [], expired: [] };
      for (const item of page.Items ?? []) {
        (isExpired(item[TABLE.ttlAttribute], nowSeconds) ? split.expired : split.live).push(String(item.connectionId));
      }
      yield split;
    }
  }

  /**
   * How many live members a room has: a paginated Query that counts without reading items out.
   * Rows past `expiresAt` are filtered out, so members that vanished without a $disconnect
   * never fill a room; the filtered rows are still read, and billed, by the Query.
   */
  async countMembers(room: string): Promise<number> {
    let count = 0;
    const live = {
      Select: 'COUNT' as const,
      // The negation of isExpired (contract/table-design.ts): no TTL, or a TTL that has not passed.
      FilterExpression: 'attribute_not_exists(#ttl) OR #ttl >= :now',
      ExpressionAttributeNames: { '#ttl': TABLE.ttlAttribute },
      ExpressionAttributeValues: { ':now': this.nowSeconds() },
    };
    for await (const page of this.roomPages(room, live)) count += page.Count ?? 0;
    return count;
  }

  /** Queries a room's partition page by page; never a Scan. */
  private async *roomPages(
    room: string,
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
        ExpressionAttributeValues: { ...shape.ExpressionAttributeValues, ':pk': keys.roomPartition(room) },
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
  async removeExpiredMembers(room: string, connectionIds: readonly string[]): Promise<void> {
    const deletes = connectionIds.flatMap((id) => [keys.member(room, id), keys.connection(id)]);
    const batches: Array<Array<Record<string, string>>> = [];
    for (let i = 0; i < deletes.length; i += BATCH_WRITE_LIMIT) batches.push(deletes.slice(i, i + BATCH_WRITE_LIMIT));
    await forEachWithConcurrency(batches, PRUNE_CONCURRENCY, (batch) => this.batchDelete(batch));
  }

  /**
   * Deletes a connection and all its memberships: on $disconnect, and when a
   * post to it answers 410 (then `alsoRoom` is the room it was found in).
   * The connection row is deleted first, returning what it held: of several
   * callers racing to remove one connection ($disconnect and a fan-out's 410),
   * only one gets its rooms and user (`claimed`), so presence counts each
   * departure once. Idempotent: removing an unknown id deletes only `alsoRoom`'s row.
   */
  async removeConnection(connectionId: string, alsoRoom?: string): Promise<RemovedConnection> {
    const deleted = await this.send(() =>
      this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.connection(connectionId), ReturnValues: 'ALL_OLD' })),
    );
    const connection = deleted.Attributes ? toConnection(deleted.Attributes) : undefined;
    const rooms = connection?.rooms ?? [];
    // A member row can outlive its connection row (TTL removes rows one by one), so the
    // caller that found the member in a room names that room too.
    const memberOf = alsoRoom === undefined || rooms.includes(alsoRoom) ? rooms : [...rooms, alsoRoom];
    const deletes = memberOf.map((room) => keys.member(room, connectionId));
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

/** Whether a DynamoDB call failed only because its condition did not hold. */
export function isConditionalCheckFailure(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: string }).name === 'ConditionalCheckFailedException';
}

function toConnection(item: Record<string, unknown>): ConnectionRecord {
  const rooms = item.rooms instanceof Set ? [...(item.rooms as Set<string>)] : Array.isArray(item.rooms) ? (item.rooms as string[]) : [];
  return {
    connectionId: String(item.connectionId),
    connectedAt: Number(item.connectedAt),
    sourceIp: typeof item.sourceIp === 'string' ? item.sourceIp : '',
    ...(typeof item.userId === 'string' ? { userId: item.userId } : {}),
    rooms: rooms.sort(),
    expiresAt: Number(item[TABLE.ttlAttribute]),
    ...(typeof item.roomTokens === 'number' && typeof item.roomTokensAt === 'number'
      ? { roomBucket: { tokens: item.roomTokens, at: item.roomTokensAt } }
      : {}),
  };
}
