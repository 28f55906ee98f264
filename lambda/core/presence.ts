import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
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
import { isConditionalCheckFailure, type ConnectionStore, type MemberRowAt, type RemovedConnection } from './connection-store';
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

/** A user's presence in a room right after one of its connections arrived or departed. */
export interface PresenceState {
  /** The user's connections in the room after the change. */
  connections: number;
  /** The row's version after the change (see PresenceEvent.version). */
  version: number;
  /** The display name the row keeps, when it keeps one. */
  name?: string;
}

/**
 * The `PRES#` rows: per room and user, the set of the user's connections in the room, so that
 * arriving and departing are per connection and idempotent (any caller may count a departure, and
 * counting it twice changes nothing), and a version that grows with every change. A row is not
 * deleted when its last connection departs: it stays, empty, until its TTL, so its version never
 * goes back. A new row's version starts from the clock (epoch milliseconds), so even a row that
 * expired and was written again continues above every version the old one had.
 */
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
   * Adds the connection to the user's set in the room; `first` when it made the set non-empty. One
   * UpdateItem, which also moves the row's TTL to the joining member's when that is later, and
   * keeps the joining connection's display name (or none). A row past its TTL is stale (all its
   * connections ended), so its set starts again from this connection (rare: up to two more UpdateItems).
   */
  async arrive(
    room: string,
    userId: string,
    connectionId: string,
    expiresAt: number,
    name?: string,
  ): Promise<PresenceState & { first: boolean }> {
    const names = { '#ttl': TABLE.ttlAttribute, '#name': 'name', '#version': 'version' };
    const base = {
      ':ids': new Set([connectionId]),
      ':one': 1,
      ':start': this.now(),
      ':userId': userId,
      ...(name === undefined ? {} : { ':name': name }),
    };
    // The name as the latest token says: set, or removed when that token had none.
    const setName = name === undefined ? '' : ', #name = :name';
    const removeName = name === undefined ? ' REMOVE #name' : '';
    const setCommon = `#version = if_not_exists(#version, :start) + :one, userId = :userId${setName}`;
    const first = (row: Record<string, unknown>) => ({ ...stateOf(row), first: idsOf(row).size === 1 && idsOf(row).has(connectionId) });
    // The usual case: a new row, or a live one whose TTL is not later than this member's.
    const fresh = await this.update(room, userId, {
      UpdateExpression: `ADD connectionIds :ids SET ${setCommon}, #ttl = :ttl${removeName}`,
      ConditionExpression: 'attribute_not_exists(pk) OR (#ttl >= :now AND #ttl <= :ttl)',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ...base, ':now': this.nowSeconds(), ':ttl': expiresAt },
    });
    if (fresh !== undefined) return first(fresh);
    // A live row that another member keeps alive longer: count, keep its TTL.
    const live = await this.update(room, userId, {
      UpdateExpression: `ADD connectionIds :ids SET ${setCommon}${removeName}`,
      ConditionExpression: '#ttl >= :now',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ...base, ':now': this.nowSeconds() },
    });
    if (live !== undefined) return first(live);
    // Past its TTL: its set is of connections that ended long ago; start again, version still growing.
    const restarted = await this.update(room, userId, {
      UpdateExpression: `SET connectionIds = :ids, ${setCommon}, #ttl = :ttl${removeName}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ...base, ':ttl': expiresAt },
    });
    return { ...stateOf(restarted ?? {}), first: true };
  }

  /**
   * Takes the connection out of the user's set in the room: `last` when the set is then empty.
   * Undefined when the set did not hold it (never counted, or counted out already by another
   * caller): so of racing callers exactly one sees each departure.
   */
  async depart(room: string, userId: string, connectionId: string): Promise<(PresenceState & { last: boolean }) | undefined> {
    const after = await this.update(room, userId, {
      UpdateExpression: 'DELETE connectionIds :ids SET #version = if_not_exists(#version, :start) + :one',
      ConditionExpression: 'contains(connectionIds, :id)',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':ids': new Set([connectionId]), ':id': connectionId, ':one': 1, ':start': this.now() },
    });
    if (after === undefined) return undefined;
    const state = stateOf(after);
    return { ...state, last: state.connections === 0 };
  }

  /** One page of the room's users, {@link MEMBERS_PAGE_SIZE} rows per Query; rows past their TTL, or with no connections, are left out. */
  async page(room: string, cursor?: string): Promise<MembersPage> {
    const after = cursor === undefined ? undefined : decodeCursor(room, cursor);
    const result = await this.send(() =>
      this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.presencePartition(room) },
          ProjectionExpression: 'userId, connectionIds, #name, #ttl, #version',
          ExpressionAttributeNames: { '#ttl': TABLE.ttlAttribute, '#name': 'name', '#version': 'version' },
          Limit: MEMBERS_PAGE_SIZE,
          ...(after === undefined ? {} : { ExclusiveStartKey: keys.presence(room, after) }),
        }),
      ),
    );
    const nowSeconds = this.nowSeconds();
    const members = (result.Items ?? [])
      .filter((item) => !isExpired(item[TABLE.ttlAttribute], nowSeconds) && idsOf(item).size > 0)
      .map((item) => {
        const { connections, version, name } = stateOf(item);
        return { userId: String(item.userId), ...(name === undefined ? {} : { name }), connections, version };
      });
    const last: unknown = result.LastEvaluatedKey?.sk;
    const prefix = keys.presence(room, '').sk;
    return {
      members,
      ...(typeof last === 'string' && last.startsWith(prefix) ? { next: encodeCursor(room, last.slice(prefix.length)) } : {}),
    };
  }

  /** One UpdateItem on the user's row, returning the row after it; undefined when its condition did not hold. */
  private async update(
    room: string,
    userId: string,
    update: Omit<UpdateCommandInput, 'TableName' | 'Key' | 'ReturnValues'>,
  ): Promise<Record<string, unknown> | undefined> {
    const command = new UpdateCommand({ TableName: this.tableName, Key: keys.presence(room, userId), ReturnValues: 'ALL_NEW', ...update });
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

/** A presence row's connection ids (DynamoDB removes a set that becomes empty, so absent means none). */
function idsOf(row: Record<string, unknown>): ReadonlySet<string> {
  return row.connectionIds instanceof Set ? (row.connectionIds as Set<string>) : new Set();
}

/** The state a presence row holds. */
function stateOf(row: Record<string, unknown>): PresenceState {
  return {
    connections: idsOf(row).size,
    version: Number(row.version ?? 0),
    ...(typeof row.name === 'string' ? { name: row.name } : {}),
  };
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
  const arrived = await deps.presence.arrive(room, user.id, connectionId, expiresAt, user.name);
  if (arrived.first) await tellPresence(presenceEvent(room, user.id, 'joined', arrived), connectionId, deps);
}

/**
 * Counts a connection out of `room` (leave, $disconnect, or pruned as gone), and returns the
 * `left` event to tell when it was its user's last connection there. Idempotent: undefined when
 * the departure was counted already, by this caller or another.
 */
export async function countDeparture(
  room: string,
  userId: string,
  connectionId: string,
  deps: PresenceDeps,
): Promise<PresenceEvent | undefined> {
  const departed = await deps.presence.depart(room, userId, connectionId);
  return departed?.last ? presenceEvent(room, userId, 'left', departed) : undefined;
}

/** The user id presence counts a connection under: its authenticated user's, or for a guest the connection's own. */
export function presenceUserId(userId: string | undefined, connectionId: string): string {
  return userId ?? connectionId;
}

function presenceEvent(room: string, userId: string, change: PresenceEvent['change'], state: PresenceState): PresenceEvent {
  return {
    event: 'presence',
    room,
    userId,
    ...(state.name === undefined ? {} : { name: state.name }),
    change,
    connections: state.connections,
    version: state.version,
  };
}

/** Tells a room's members but `connectionId` of a presence change, if presence is on in that room; a failure is logged, not thrown. */
export async function tellPresence(event: PresenceEvent, connectionId: string, deps: PresenceDeps): Promise<void> {
  if (!deps.fanout || !deps.policy.presenceIn(event.room)) return;
  try {
    await deps.fanout.presenceChanged(event, connectionId, { concurrency: deps.fanoutConcurrency, remainingMs: deps.remainingMs });
  } catch (err: unknown) {
    // The membership change stands; a missed presence event is repaired by the next `members`.
    deps.logger.error('Presence fan-out failed', { room: event.room, userId: event.userId, change: event.change, error: err as Error });
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
 * Removes a connection ($disconnect, or pruned after a post to it answered 410 in `alsoRoom`) and
 * counts its departures from its rooms, whichever caller gets there first and even if one dies
 * midway: the departures are counted before the rows that list its rooms are deleted, and
 * counting is idempotent, so a caller that dies leaves the rows for the next one (a later 410 or
 * $disconnect) to count again, harmlessly. The `left` events go out last, after the rows are
 * gone: running out of time there loses only events, which the next `members` repairs.
 */
export async function removeConnection(
  connectionId: string,
  store: Pick<ConnectionStore, 'getConnection' | 'removeConnection'>,
  deps: PresenceDeps,
  alsoRoom?: MemberRowAt,
): Promise<RemovedConnection> {
  const connection = await store.getConnection(connectionId);
  const lefts: PresenceEvent[] = [];
  const depart = async (rooms: readonly string[], userId: string | undefined) => {
    for (const room of rooms) {
      const left = await countDeparture(room, presenceUserId(userId, connectionId), connectionId, deps);
      if (left) lefts.push(left);
    }
  };
  // No row: its departures were counted by whoever deleted it (or it expired, with its presence rows).
  if (connection) await depart(connection.rooms, connection.userId);
  const removed = await store.removeConnection(connectionId, alsoRoom);
  // A join that landed between the read and the delete: its room is in what the delete returned.
  await depart(
    removed.rooms.filter((room) => !connection?.rooms.includes(room)),
    removed.userId,
  );
  for (const left of lefts) await tellPresence(left, connectionId, deps);
  return removed;
}

/**
 * A fan-out whose prunes remove the connection with its presence departures, and the presence
 * deps that send through it: built together, as each needs the other.
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
  const fanout = new RoomFanout(store, notifier, deps.logger, onBroadcast, (id, at) => removeConnection(id, store, presence, at), routing);
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
