import { API_GATEWAY_LIMITS, LIMITS } from '../protocol';

/**
 * The single-table design, in one place. The stack builds the table from these
 * names and the store reads and writes with them.
 *
 *   pk            sk            what
 *   CONN#<id>     META          a connection: connectedAt, sourceIp, userId?, rooms (string set), expiresAt,
 *                               roomTokens? and roomTokensAt? (its room-message rate limit's bucket)
 *   ROOM#<room>   CONN#<id>     a room member: connectionId, userId?, expiresAt
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
  member: (room: string, connectionId: string) => ({ pk: `ROOM#${room}`, sk: `CONN#${connectionId}` }),
  roomPartition: (room: string) => `ROOM#${room}`,
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
