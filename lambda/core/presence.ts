import { DeleteCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  errorFrame,
  LIMITS,
  type ErrorEvent,
  type MembersEvent,
  type MembersRequest,
  type PresenceEvent,
  type RoomMember,
} from '../../protocol';
import { isConditionalCheckFailure, type ConnectionStore, type RemovedConnection } from './connection-store';
import { displayNameFromContext } from './display-name';
import { tableRetry, withRetry, type RetryOptions, type TableAccessOptions } from './retry';
import type { WebSocketRequestContext } from './events';
import type { Notifier } from './notifier';
import { RoomFanout, type FanoutResult, type FanoutRouting } from './room-fanout';
import { CLAIMS_CONTEXT_KEY, parseClaimsContext, type JoinIdentity, type RoomPolicy } from './room-rules';
import { expiresAtFor, isExpired, keys, TABLE } from '../../contract/table-design';

/**
 * Presence: per room, per user, how many of the user's connections are in the room (one `PRES#`
 * row each, see contract/table-design.ts), and the `presence` events sent when the first joins or the last
 * leaves. See docs/realtime-design.md for the costs.
 */

/** Users per `members` page. */
export const MEMBERS_PAGE_SIZE = 100;

/** A `members` cursor that this server did not make for this room. */
export class CursorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CursorError';
  }
}

/** One page of a room's users. */
export interface MembersPage {
  members: RoomMember[];
  /** The cursor of the next page, when there may be one. */
  next?: string;
}

interface CursorBody {
  /** The room it was made for. */
  r: string;
  /** The last user id of the page it follows. */
  u: string;
}

/** The opaque `next`: base64url of the room and the page's last user id. */
export function encodeCursor(room: string, lastUserId: string): string {
  return Buffer.from(JSON.stringify({ r: room, u: lastUserId } satisfies CursorBody)).toString('base64url');
}

/**
 * Reads a cursor back, or throws {@link CursorError}. Only a cursor this server would have made for
 * this room passes: canonical base64url, the exact JSON shape, the same room; the key is then rebuilt
 * from the room, so no cursor can reach another partition.
 */
export function decodeCursor(room: string, cursor: string): string {
  const invalid = () =>
    new CursorError(`"cursor" is not the "next" of a members reply for room "${room}"; omit it to start from the first page.`);
  if (cursor.length > LIMITS.maxCursorLength || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalid();
  }
  const { r, u } = (body ?? {}) as Partial<CursorBody>;
  if (typeof r !== 'string' || typeof u !== 'string' || u.length === 0 || r !== room) throw invalid();
  if (encodeCursor(r, u) !== cursor) throw invalid();
  return u;
}

export type PresenceStoreOptions = TableAccessOptions;

/** The `PRES#` rows: conditional counter updates, and the `members` Query. */
export class PresenceStore {
  private readonly retry: RetryOptions;
  private readonly now: () => number;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: PresenceStoreOptions = {},
  ) {
    this.retry = tableRetry(options.retry);
    this.now = options.now ?? Date.now;
  }

  /**
   * Counts one more of the user's connections in the room; true when it is the first. One
   * UpdateItem, which also moves the row's TTL to the joining member's when that is later, and
   * keeps the joining connection's display name (or none). A row past its TTL is stale (all its
   * connections ended), so it starts again from 1 (rare: up to two more UpdateItems).
   */
  async arrive(room: string, userId: string, expiresAt: number, name?: string): Promise<boolean> {
    const names = { '#ttl': TABLE.ttlAttribute, '#name': 'name' };
    const base = { ':one': 1, ':userId': userId, ':now': this.nowSeconds(), ...(name === undefined ? {} : { ':name': name }) };
    // The name as the latest token says: set, or removed when that token had none.
    const setName = name === undefined ? '' : ', #name = :name';
    const removeName = name === undefined ? ' REMOVE #name' : '';
    // The usual case: a new row, or a live one whose TTL is not later than this member's.
    const fresh = await this.update(room, userId, {
      UpdateExpression: `ADD connections :one SET userId = :userId, #ttl = :ttl${setName}${removeName}`,
      ConditionExpression: 'attribute_not_exists(pk) OR (#ttl >= :now AND #ttl <= :ttl)',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ...base, ':ttl': expiresAt },
    });
    if (fresh !== undefined) return connectionsOf(fresh) === 1;
    // A live row that another member keeps alive longer: count, keep its TTL.
    const live = await this.update(room, userId, {
      UpdateExpression: `ADD connections :one SET userId = :userId${setName}${removeName}`,
      ConditionExpression: '#ttl >= :now',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: base,
    });
    if (live !== undefined) return connectionsOf(live) === 1;
    // Past its TTL: its count is of connections that ended long ago; start again.
    await this.update(room, userId, {
      UpdateExpression: `SET connections = :one, userId = :userId, #ttl = :ttl${setName}${removeName}`,
      ExpressionAttributeNames: { '#ttl': TABLE.ttlAttribute, '#name': 'name' },
      ExpressionAttributeValues: { ':one': 1, ':userId': userId, ':ttl': expiresAt, ...(name === undefined ? {} : { ':name': name }) },
    });
    return true;
  }

  /**
   * Counts one fewer. `last` when it was the user's last connection in the room, whose row is then
   * deleted (only if still at 0, so a join in between keeps it), with the display name the row
   * kept; undefined when there was no row.
   */
  async depart(room: string, userId: string): Promise<{ last: boolean; name?: string } | undefined> {
    const after = await this.update(room, userId, {
      UpdateExpression: 'ADD connections :minusOne',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':minusOne': -1 },
      ReturnValues: 'ALL_NEW',
    });
    if (after === undefined) return undefined;
    const name = typeof after.name === 'string' ? { name: after.name } : {};
    if (connectionsOf(after) > 0) return { last: false, ...name };
    try {
      await this.send(() =>
        this.db.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: keys.presence(room, userId),
            ConditionExpression: 'connections <= :zero',
            ExpressionAttributeValues: { ':zero': 0 },
          }),
        ),
      );
    } catch (err: unknown) {
      if (isConditionalCheckFailure(err)) return { last: false, ...name }; // the user joined again meanwhile
      throw err;
    }
    return { last: true, ...name };
  }

  /** One page of the room's users, {@link MEMBERS_PAGE_SIZE} rows per Query; rows past their TTL are left out. */
  async page(room: string, cursor?: string): Promise<MembersPage> {
    const after = cursor === undefined ? undefined : decodeCursor(room, cursor);
    const result = await this.send(() =>
      this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.presencePartition(room) },
          ProjectionExpression: 'userId, connections, #name, #ttl',
          ExpressionAttributeNames: { '#ttl': TABLE.ttlAttribute, '#name': 'name' },
          Limit: MEMBERS_PAGE_SIZE,
          ...(after === undefined ? {} : { ExclusiveStartKey: keys.presence(room, after) }),
        }),
      ),
    );
    const nowSeconds = this.nowSeconds();
    const members = (result.Items ?? [])
      .filter((item) => !isExpired(item[TABLE.ttlAttribute], nowSeconds) && Number(item.connections) > 0)
      .map((item) => ({
        userId: String(item.userId),
        ...(typeof item.name === 'string' ? { name: item.name } : {}),
        connections: Number(item.connections),
      }));
    const last: unknown = result.LastEvaluatedKey?.sk;
    const prefix = keys.presence(room, '').sk;
    return {
      members,
      ...(typeof last === 'string' && last.startsWith(prefix) ? { next: encodeCursor(room, last.slice(prefix.length)) } : {}),
    };
  }

  /** One UpdateItem on the user's row, returning what it returned (the new count, by default); undefined when its condition did not hold. */
  private async update(
    room: string,
    userId: string,
    update: Omit<UpdateCommandInput, 'TableName' | 'Key'>,
  ): Promise<Record<string, unknown> | undefined> {
    const command = new UpdateCommand({
      TableName: this.tableName,
      Key: keys.presence(room, userId),
      ReturnValues: 'UPDATED_NEW',
      ...update,
    });
    try {
      const result = await this.send(() => this.db.send(command));
      return result.Attributes ?? {};
    } catch (err: unknown) {
      if (isConditionalCheckFailure(err)) return undefined;
      throw err;
    }
  }

  private send<T>(operation: () => Promise<T>): Promise<T> {
    return withRetry(operation, this.retry);
  }

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }
}

/** A presence row's count, as an update returned it. */
function connectionsOf(attributes: Record<string, unknown>): number {
  return Number(attributes.connections);
}

/** What announcing presence needs. */
export interface PresenceDeps {
  readonly presence: PresenceStore;
  readonly policy: RoomPolicy;
  /** Delivers presence events to the room's members; undefined: count only, send nothing. */
  readonly fanout?: RoomFanout;
  readonly fanoutConcurrency: number;
  readonly remainingMs?: () => number;
  readonly logger: Pick<Logger, 'warn' | 'error'>;
}

/**
 * A connection joined `room` (a new membership, not a repeated join): count it, and when it is the
 * user's first connection there, tell the room's other members, if presence is on in that room.
 */
export async function announceArrival(
  room: string,
  user: { id: string; name?: string },
  connectionId: string,
  expiresAt: number,
  deps: PresenceDeps,
): Promise<void> {
  const first = await deps.presence.arrive(room, user.id, expiresAt, user.name);
  if (first) await tell(room, user, 'joined', connectionId, deps);
}

/**
 * A connection left `room` (leave, $disconnect, or pruned as gone): count it, and when it was the
 * user's last connection there, tell the room's remaining members, if presence is on in that room.
 */
export async function announceDeparture(room: string, userId: string, connectionId: string, deps: PresenceDeps): Promise<void> {
  const departed = await deps.presence.depart(room, userId);
  if (departed?.last) await tell(room, { id: userId, name: departed.name }, 'left', connectionId, deps);
}

/** The user id presence counts a connection under: its authenticated user's, or for a guest the connection's own. */
export function presenceUserId(userId: string | undefined, connectionId: string): string {
  return userId ?? connectionId;
}

async function tell(
  room: string,
  user: { id: string; name?: string },
  change: PresenceEvent['change'],
  connectionId: string,
  deps: PresenceDeps,
): Promise<void> {
  if (!deps.fanout || !deps.policy.presenceIn(room)) return;
  const userId = user.id;
  const event: PresenceEvent = { event: 'presence', room, userId, ...(user.name === undefined ? {} : { name: user.name }), change };
  try {
    await deps.fanout.broadcast(event, connectionId, { concurrency: deps.fanoutConcurrency, remainingMs: deps.remainingMs });
  } catch (err: unknown) {
    // The membership change stands; a missed presence event is repaired by the next `members`.
    deps.logger.error('Presence fan-out failed', { room, userId, change, error: err as Error });
  }
}

/** Who sent a frame, from the authorizer's context: its user (absent for a guest), its display name and the claims the rules name. */
export function identityOf(request: Pick<WebSocketRequestContext, 'authorizer'>): JoinIdentity {
  const authorizer = request.authorizer;
  const userId = authorizer?.userId ?? authorizer?.principalId;
  const name = displayNameFromContext(authorizer);
  return {
    ...(userId === undefined || userId === '' ? {} : { userId: String(userId) }),
    ...(name === undefined ? {} : { name }),
    claims: parseClaimsContext(authorizer?.[CLAIMS_CONTEXT_KEY]),
  };
}

/** What a join needs beyond the store: the room rules' verdict before, and the presence count after. */
export interface JoinAccess {
  /** Why this connection may not join `room` (FORBIDDEN), or undefined when it may. */
  refusal(room: string): string | undefined;
  /** The connection became a member of `room` (not a repeated join). */
  joined(room: string): Promise<void>;
}

/** The join access of one connection, from its event's request context. */
export function joinAccess(request: WebSocketRequestContext, deps: PresenceDeps): JoinAccess {
  const identity = identityOf(request);
  const { connectionId, connectedAt } = request;
  return {
    refusal: (room) => {
      const decision = deps.policy.decide(room, identity);
      return decision.allowed ? undefined : decision.reason;
    },
    joined: (room) =>
      announceArrival(
        room,
        { id: presenceUserId(identity.userId, connectionId), name: identity.name },
        connectionId,
        expiresAtFor(connectedAt),
        deps,
      ),
  };
}

/**
 * A connection was removed ($disconnect, or pruned after a 410): its departure from every room its
 * row listed, if this caller removed the row (see ConnectionStore.removeConnection).
 */
export async function announceRemoval(connectionId: string, removed: RemovedConnection, deps: PresenceDeps): Promise<void> {
  if (!removed.claimed) return;
  const userId = presenceUserId(removed.userId, connectionId);
  for (const room of removed.rooms) await announceDeparture(room, userId, connectionId, deps);
}

/**
 * A fan-out whose prunes count as presence departures, and the presence deps that send through it:
 * built together, as each needs the other.
 */
export function presenceFanout(
  store: ConnectionStore,
  notifier: Notifier,
  deps: Omit<PresenceDeps, 'fanout'>,
  onBroadcast?: (result: FanoutResult) => void,
  routing?: FanoutRouting,
): { fanout: RoomFanout; presence: PresenceDeps } {
  // eslint-disable-next-line prefer-const -- assigned once, after the fan-out that refers to it through this closure
  let presence: PresenceDeps;
  const fanout = new RoomFanout(
    store,
    notifier,
    deps.logger,
    onBroadcast,
    (id, removed) => announceRemoval(id, removed, presence),
    routing,
  );
  presence = { ...deps, fanout };
  return { fanout, presence };
}

/** `members`: one page of the room's users, for a member of the room (else NOT_IN_ROOM); a forged cursor is BAD_REQUEST. */
export async function listMembers(
  frame: MembersRequest,
  connectionId: string,
  store: Pick<ConnectionStore, 'getConnection'>,
  presence: Pick<PresenceStore, 'page'>,
): Promise<MembersEvent | ErrorEvent> {
  const connection = await store.getConnection(connectionId);
  if (!connection?.rooms.includes(frame.room)) {
    return errorFrame('NOT_IN_ROOM', `This connection is not in room "${frame.room}"; join it to see its members.`, frame.id);
  }
  let page: MembersPage;
  try {
    page = await presence.page(frame.room, frame.cursor);
  } catch (err: unknown) {
    if (err instanceof CursorError) return errorFrame('BAD_REQUEST', err.message, frame.id);
    throw err;
  }
  return {
    event: 'members',
    room: frame.room,
    members: page.members,
    ...(page.next === undefined ? {} : { next: page.next }),
    ...(frame.id === undefined ? {} : { id: frame.id }),
  };
}
