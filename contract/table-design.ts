import { API_GATEWAY_LIMITS, LIMITS } from '../protocol';

/**
 * The single-table design, in one place. The stack builds the table from these
 * names and the store reads and writes with them.
 *
 *   pk            sk            what
 *   CONN#<id>     META          a connection: connectedAt, sourceIp, userId?, rooms (string set), expiresAt,
 *                               roomTokens? and roomTokensAt? (its room-message rate limit's bucket),
 *                               and `shards:<room>` for each room joined under a layout of S >= 2 shards
 *   ROOM#<room>   CONN#<id>     a room member, in a room of one shard: connectionId, userId?, expiresAt
 *   ROOM#<room>#<S>#<k>
 *                 CONN#<id>     the same, in shard k of a room's S-shard layout (S a power of two >= 2,
 *                               k = shardOf(id, S)); a row stays in the layout it was written under
 *   GOVERNOR      POSTS         the fan-out workers' token bucket of posts: tokens, at
 *   FANOUT#<room> LAYOUT        a room beyond one shard: shards (S, the layout joins write under now),
 *                               members and countedAt (its last count, and when)
 *   PRES#<room>   USER#<user>   a user's presence in a room: userId, name?, connectionIds (string set: its
 *                               connections in the room; absent when none), version (grows with each change;
 *                               the row outlives its last connection until expiresAt, so it never restarts
 *                               lower), expiresAt (the latest member's)
 *   HIST#<room>   COUNTER       the room's last assigned message `seq`; expiresAt
 *   HIST#<room>   MSG#<seq>     a retained room message: seq, frame (the serialized RoomMessage), expiresAt;
 *                               <seq> is zero-padded to 15 digits, so the sort key orders by seq
 *   DEDUP#<room>  <sender>#<id> a room message's `id`, remembered so a resend is not sent again: seq and ts
 *                               (the first one's), dataHash (its data's), expiresAt (LIMITS.messageDedupSeconds on);
 *                               <sender> (user or connection id) and <id> are URI-encoded, so `#` separates them
 *
 * A room's members are one Query on its partition; a connection's rooms are
 * the `rooms` set on its META item, so membership checks and cleanup need no
 * index and never Scan.
 */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** TTL attribute, in epoch SECONDS (DynamoDB ignores milliseconds as "far future"). */
  ttlAttribute: 'expiresAt',
} as const;

/** API Gateway closes every connection after 2 hours. */
export const MAX_CONNECTION_SECONDS = API_GATEWAY_LIMITS.maxConnectionSeconds;
/** Extra time before TTL removes a row whose $disconnect never arrived. */
export const TTL_MARGIN_SECONDS = 10 * 60;

export const keys = {
  connection: (connectionId: string) => ({ pk: `CONN#${connectionId}`, sk: 'META' }),
  /** A member's row, in the layout of `shards` shards it was written under (1: the room's one partition). */
  member: (room: string, connectionId: string, shards = 1) => ({
    pk: keys.shardPartition(room, shards, shardOf(connectionId, shards)),
    sk: `CONN#${connectionId}`,
  }),
  /** Shard `shard` of a room's layout of `shards` shards; a room of one shard keeps the partition it always had. */
  shardPartition: (room: string, shards: number, shard: number) => (shards === 1 ? `ROOM#${room}` : `ROOM#${room}#${shards}#${shard}`),
  /** A room's one partition while it has one shard (and the first layout's, after). */
  roomPartition: (room: string) => keys.shardPartition(room, 1, 0),
  /** The fan-out workers' shared post bucket (`GOVERNOR` has no `#`, so no room's key is it). */
  postGovernor: () => ({ pk: 'GOVERNOR', sk: 'POSTS' }),
  roomLayout: (room: string) => ({ pk: `FANOUT#${room}`, sk: 'LAYOUT' }),
  presence: (room: string, userId: string) => ({ pk: `PRES#${room}`, sk: `USER#${userId}` }),
  presencePartition: (room: string) => `PRES#${room}`,
  historyCounter: (room: string) => ({ pk: `HIST#${room}`, sk: 'COUNTER' }),
  historyMessage: (room: string, seq: number) => ({ pk: `HIST#${room}`, sk: historySortKey(seq) }),
  historyPartition: (room: string) => `HIST#${room}`,
  /** The sender is the user id (a guest's connection id): one user's `id`s never collide with another's. */
  messageDedup: (room: string, sender: string, id: string) => ({
    pk: `DEDUP#${room}`,
    sk: `${encodeURIComponent(sender)}#${encodeURIComponent(id)}`,
  }),
};

/**
 * How long a dedup row lives, in seconds: the protocol's window, and one more, as TTL compares
 * whole seconds and the row must hold for at least the whole window.
 */
export const MESSAGE_DEDUP_TTL_SECONDS = LIMITS.messageDedupSeconds + 1;

/** Digits of a history sort key's `seq`: every seq below 10^15, all safe integers DynamoDB and JSON carry exactly. */
export const HISTORY_SEQ_DIGITS = 15;
/** The largest `seq` a history sort key can hold. */
export const MAX_HISTORY_SEQ = 10 ** HISTORY_SEQ_DIGITS - 1;

/** `MSG#` and the zero-padded seq: string order is seq order, and every one sorts after `COUNTER`. */
export function historySortKey(seq: number): string {
  return `MSG#${String(seq).padStart(HISTORY_SEQ_DIGITS, '0')}`;
}

/** TTL for a connection's rows: connectedAt + 2 h + margin, in epoch seconds. */
export function expiresAtFor(connectedAtMs: number): number {
  return Math.floor(connectedAtMs / 1000) + MAX_CONNECTION_SECONDS + TTL_MARGIN_SECONDS;
}

/**
 * DynamoDB's TTL rule: an item expires once its TTL attribute, a Number of epoch seconds, is less
 * than the current time; an item without one (or with a non-number) never expires. Expired items
 * stay readable until TTL deletes them, typically within days, so reads skip them themselves.
 */
export function isExpired(ttl: unknown, nowSeconds: number): boolean {
  return typeof ttl === 'number' && ttl < nowSeconds;
}

/** The connection row's attribute that keeps the layout (shard count) its member row in `room` was written under. */
export function shardsAttribute(room: string): string {
  return `shards:${room}`;
}

/**
 * Which of `shards` shards a connection's member row belongs to: FNV-1a (32 bits) of its id, mod
 * `shards`. Fixed forever: rows already written are found by it. `shards` is a power of two, so a
 * member of shard k of S is in shard k mod S' of every smaller layout S', and a fan-out worker of
 * shard k reads exactly one partition of each layout.
 */
export function shardOf(connectionId: string, shards: number): number {
  if (shards === 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < connectionId.length; i++) {
    hash ^= connectionId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/** The layouts a member row of a room whose layout is now `shards` may be in: 1, 2, 4, ... up to `shards`. */
export function layoutsUpTo(shards: number): number[] {
  const layouts: number[] = [];
  for (let s = 1; s <= shards; s *= 2) layouts.push(s);
  return layouts;
}
