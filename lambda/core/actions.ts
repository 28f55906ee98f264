import type { ConnectionStore, JoinLimits, JoinOutcome } from './connection-store';
import type { JoinAccess } from './presence';
import type { RouteEvent } from './events';
import {
  errorFrame,
  LIMITS,
  messageAck,
  parsePublishRequest,
  serialize,
  SERVER_SENDER,
  type PublishResponse,
  type HistoryEvent,
  type HistoryRequest,
  type JoinedEvent,
  type JoinRequest,
  type LeaveRequest,
  type MessageRequest,
  type ErrorEvent,
  type PingRequest,
  type ServerFrame,
} from '../../protocol';
import type { Notifier, PostOutcome } from './notifier';
import { FANOUT_RESERVE_MS, type FanoutResult } from './room-fanout';
import type { RoomHistory } from './room-history';
import { sendToRoom, sendToRoomOnce, type RoomMessageDeps, type SendOnceDeps } from './room-messages';
import type { RoomMessageLimiter } from './room-message-limiter';
import type { RoomRateLimiter } from './room-rate-limiter';
import type { RateLimit } from '../../contract/defaults';

/**
 * The core of each route, free of Lambda and AWS wiring: every collaborator
 * comes in as an argument, so tests pass fakes or mocked clients directly.
 */

/** $connect: record the connection (and its authenticated user, if any). */
export async function openConnection(event: RouteEvent, store: ConnectionStore): Promise<void> {
  const { connectionId, connectedAt, identity, authorizer } = event.requestContext;
  const userId = authorizer?.userId ?? authorizer?.principalId;
  await store.putConnection({
    connectionId,
    connectedAt,
    sourceIp: identity?.sourceIp ?? 'unknown',
    ...(userId === undefined ? {} : { userId: String(userId) }),
  });
}

/** What a `join` did: the answer, and whether the connection was a member already (then it changed nothing). */
export interface JoinReply {
  readonly reply: ServerFrame;
  readonly alreadyMember: boolean;
}

/** `join`: within the limits, and when `access` is given, the room rules (FORBIDDEN) and presence. */
export async function joinRoom(
  frame: JoinRequest,
  connectionId: string,
  store: ConnectionStore,
  limits: JoinLimits,
  access?: JoinAccess,
): Promise<JoinReply> {
  const refusal = access?.refusal(frame.room);
  if (refusal !== undefined) return { reply: errorFrame('FORBIDDEN', refusal, frame.id), alreadyMember: false };
  const outcome = await store.joinRoom(connectionId, frame.room, limits);
  if (outcome === 'joined') await access?.joined(frame.room);
  return { reply: joinAnswer(frame, outcome, limits), alreadyMember: outcome === 'already-member' };
}

function joinAnswer(frame: JoinRequest, outcome: JoinOutcome, limits: JoinLimits): ServerFrame {
  switch (outcome) {
    case 'joined':
    case 'already-member':
      return withId({ event: 'joined', room: frame.room }, frame.id);
    case 'too-many-rooms':
      return errorFrame(
        'TOO_MANY_ROOMS',
        `This connection is already in ${limits.maxRoomsPerConnection} rooms, the limit; leave one before joining "${frame.room}".`,
        frame.id,
      );
    case 'room-full':
      return errorFrame(
        'ROOM_FULL',
        `Room "${frame.room}" already has ${limits.maxRoomMembers} members, the limit; try another room.`,
        frame.id,
      );
    case 'unknown-connection':
      return errorFrame('INTERNAL_ERROR', 'This connection is not registered; reconnect and try again.', frame.id);
  }
}

/** `leave`; `left` is told of the room the connection really left (e.g. to count presence). */
export async function leaveRoom(
  frame: LeaveRequest,
  connectionId: string,
  store: ConnectionStore,
  left?: (room: string) => Promise<void>,
): Promise<ServerFrame> {
  const outcome = await store.leaveRoom(connectionId, frame.room);
  if (outcome === 'not-member') {
    return errorFrame('NOT_IN_ROOM', `This connection is not in room "${frame.room}"; join it first.`, frame.id);
  }
  await left?.(frame.room);
  return withId({ event: 'left', room: frame.room }, frame.id);
}

export interface MessageDeps extends SendOnceDeps {
  store: ConnectionStore;
  /** The per-connection limit on room messages. */
  roomLimiter: RoomMessageLimiter;
  /** The per-room limit on room messages, in rooms beyond the inline fan-out. */
  roomRate?: RoomRateLimiter;
  remainingMs?: () => number;
}

/**
 * `message`: the echo ack, and for a room message first its `seq`, history and fan-out to the other
 * members (sendToRoom); with an `id`, at most once per user, room and id (sendToRoomOnce).
 * `fromName` is the sender's display name, from its authorizer context.
 */
export async function sendMessage(frame: MessageRequest, connectionId: string, deps: MessageDeps, fromName?: string): Promise<ServerFrame> {
  if (frame.room === undefined) return messageAck(frame.data, { id: frame.id });

  // A connection this environment already knows to be out of room tokens is refused before any read.
  const refused = deps.roomLimiter.refuseFromMemory(connectionId);
  if (refused) return rateLimited('room messages', deps.roomLimiter.limit, refused.retryAfterMs, frame.id);
  const sender = await deps.store.getConnection(connectionId);
  if (!sender || !sender.rooms.includes(frame.room)) {
    return errorFrame('NOT_IN_ROOM', `This connection is not in room "${frame.room}"; join it before sending to it.`, frame.id);
  }
  const token = await deps.roomLimiter.take(sender);
  if (!token.allowed) return rateLimited('room messages', deps.roomLimiter.limit, token.retryAfterMs, frame.id);
  const refusal = await roomRateRefusal(frame.room, deps.roomRate);
  if (refusal !== undefined) return errorFrame('RATE_LIMITED', refusal, frame.id);
  const from = sender.userId ?? connectionId;
  const draft = { room: frame.room, from, ...(fromName === undefined ? {} : { fromName }), data: frame.data };
  const options = { exclude: connectionId, remainingMs: deps.remainingMs };
  if (frame.id === undefined) return roomAck(frame, frame.room, await sendToRoom(draft, deps, options));
  const outcome = await sendToRoomOnce(draft, frame.id, deps, { ...options, sender: from });
  switch (outcome.kind) {
    case 'sent':
      return roomAck(frame, frame.room, outcome);
    case 'duplicate':
      return messageAck(frame.data, { id: frame.id, room: frame.room, seq: outcome.seq, duplicate: true });
    case 'id-reused':
      return errorFrame(
        'BAD_REQUEST',
        `"id" "${frame.id}" was already used for a different message to room "${frame.room}" in the last ${LIMITS.messageDedupSeconds / 60} minutes; a room message's id is its idempotency key, so give each message its own.`,
        frame.id,
      );
  }
}

/** The sender's ack of a room message that went out: its `seq` and how many members it reached. */
function roomAck(
  frame: MessageRequest,
  room: string,
  { message, fanout: result }: { message: { seq: number }; fanout: FanoutResult },
): ServerFrame {
  if (result.queued !== undefined) return messageAck(frame.data, { id: frame.id, room, seq: message.seq, queued: true });
  return messageAck(frame.data, {
    id: frame.id,
    room,
    seq: message.seq,
    delivered: result.delivered,
    failed: result.failed > 0 ? result.failed : undefined,
  });
}

export interface JoinHistoryDeps {
  history: Pick<RoomHistory, 'latestSeq' | 'since'>;
  /** Posts `joined` and the replay to the joiner when it resumes (`since`). */
  notifier: Pick<Notifier, 'post'>;
  remainingMs?: () => number;
  /** The connection was a member already: its `join` changed nothing, and replays nothing. */
  alreadyMember?: boolean;
  /** Told why a replay was cut short by a failed post (the client fills the rest from `history`). */
  onReplayCut?: (err: unknown, posted: number) => void;
}

/**
 * The rest of a `join` that took effect (`joined`, membership already written): the room's latest
 * `seq`, and with `since` the resume. Without `since`, `joined` with `seq` is the route response.
 * With it, `joined` (`seq`, and `replay`: how many follow) and then every retained message with
 * `since < seq <= latest`, oldest first, are posted to the joiner through `@connections`, and the
 * route answers nothing (undefined), so nothing can overtake them. Messages after `latest` reach
 * the joiner live, as it is already a member; live ones may interleave with the replay, and the
 * client orders by `seq`. A `since` at or past the latest (the room's counter expired and
 * restarted) gets `joined` with no replay: `seq` is the client's new baseline.
 *
 * A replay may be short, never an error: one cut by time, by a post that fails (throttled, the
 * joiner's buffer full) or by the joiner leaving leaves the rest to the client, which fills to
 * `joined.seq` from `history`; if `joined` itself cannot be posted, it is the route response, with
 * `replay: 0`. A member that joins again replays nothing (`joined` with `replay: 0`), so a repeated
 * join costs one read however often it comes.
 */
export async function completeJoin(frame: JoinRequest, connectionId: string, deps: JoinHistoryDeps): Promise<JoinedEvent | undefined> {
  const seq = await deps.history.latestSeq(frame.room);
  if (frame.since === undefined) return withId({ event: 'joined', room: frame.room, seq }, frame.id);
  const noReplay = withId<JoinedEvent>({ event: 'joined', room: frame.room, seq, replay: 0 }, frame.id);
  if (deps.alreadyMember) return noReplay;
  const replay = frame.since < seq ? await deps.history.since(frame.room, frame.since, seq) : [];
  const frames: ServerFrame[] = [withId({ event: 'joined', room: frame.room, seq, replay: replay.length }, frame.id), ...replay];
  for (const [index, next] of frames.entries()) {
    // Out of time, the rest are left to the client, which sees the gap and asks `history` for it.
    if (index > 0 && deps.remainingMs !== undefined && deps.remainingMs() < FANOUT_RESERVE_MS) break;
    let outcome: PostOutcome;
    try {
      outcome = await deps.notifier.post(connectionId, next, deps.remainingMs);
    } catch (err: unknown) {
      deps.onReplayCut?.(err, index);
      // The membership is written: a join that took effect is never answered with an error.
      if (index === 0) return noReplay;
      break;
    }
    if (outcome === 'gone') break;
  }
  return undefined;
}

/**
 * The Publish function's core: validate the payload with the protocol's rules, then send it to
 * every member of the room (none excluded) as `from` ("server" by default). Bad input is answered
 * `{ error }`, never thrown.
 */
export async function publishToRoom(
  payload: unknown,
  deps: RoomMessageDeps & { remainingMs?: () => number; roomRate?: RoomRateLimiter },
): Promise<PublishResponse> {
  const parsed = parsePublishRequest(payload);
  if (!parsed.ok) return parsed.error;
  const { room, data, from = SERVER_SENDER } = parsed.request;
  const refusal = await roomRateRefusal(room, deps.roomRate);
  if (refusal !== undefined) return { error: { code: 'RATE_LIMITED', message: refusal } };
  // Marked, so no publisher's name passes for a user's message.
  const { message, fanout } = await sendToRoom({ room, from, publisher: true, data }, deps, { remainingMs: deps.remainingMs });
  return {
    room,
    seq: message.seq,
    delivered: fanout.delivered,
    failed: fanout.failed,
    ...(fanout.queued === undefined ? {} : { queued: true }),
  };
}

/** Messages a `history` reply carries when the request gives no `limit`. */
export const DEFAULT_HISTORY_PAGE = 50;

export interface HistoryDeps {
  store: Pick<ConnectionStore, 'getConnection'>;
  history: Pick<RoomHistory, 'before'>;
}

/**
 * `history`: the newest `limit` (default 50, at most LIMITS.maxHistoryPage) retained messages with
 * `seq < before`, oldest first, for members of the room only (else NOT_IN_ROOM). The reply is a
 * route response, which API Gateway caps at 128 KB (LIMITS.maxMessageBytes): when the messages do
 * not all fit, the OLDEST are left out, so the reply may carry fewer than `limit`, and the client
 * asks again with `before` set to the oldest `seq` it got.
 */
export async function roomHistory(frame: HistoryRequest, connectionId: string, deps: HistoryDeps): Promise<ServerFrame> {
  const connection = await deps.store.getConnection(connectionId);
  if (!connection?.rooms.includes(frame.room)) {
    return errorFrame('NOT_IN_ROOM', `This connection is not in room "${frame.room}"; join it before asking for its history.`, frame.id);
  }
  const limit = Math.min(frame.limit ?? DEFAULT_HISTORY_PAGE, LIMITS.maxHistoryPage);
  const empty = withId<HistoryEvent>({ event: 'history', room: frame.room, messages: [] }, frame.id);
  // Room for the messages: the limit less the empty reply, and one comma between each two.
  const budget = LIMITS.maxMessageBytes - Buffer.byteLength(serialize(empty)) - (limit - 1);
  const { messages } = await deps.history.before(frame.room, frame.before, limit, budget);
  const reply: HistoryEvent = { ...empty, messages };
  // The budget is exact for frames stored as they were sent; this only guards the bound itself.
  while (messages.length > 0 && Buffer.byteLength(serialize(reply)) > LIMITS.maxMessageBytes) messages.shift();
  return reply;
}

export function ping(frame: PingRequest): ServerFrame {
  return withId({ event: 'pong' as const }, frame.id);
}

/** Why a room message to `room` is over the room's own limit, or undefined when it may go. */
async function roomRateRefusal(room: string, limiter: RoomRateLimiter | undefined): Promise<string | undefined> {
  if (!limiter) return undefined;
  const outcome = await limiter.take(room);
  if (outcome.allowed) return undefined;
  return `Room "${room}" is beyond the inline fan-out, so each of its messages is a post to every member: it takes at most ${limiter.limit.perSecond} messages per second from all its members and publishers together, in bursts of up to ${limiter.limit.burst}; this one was not processed, retry in ${outcome.retryAfterMs} ms.`;
}

/** The RATE_LIMITED error for a frame over a per-connection limit; the connection stays open. */
export function rateLimited(what: string, limit: RateLimit, retryAfterMs: number, id: string | undefined): ErrorEvent {
  return errorFrame(
    'RATE_LIMITED',
    `Too many ${what}: this connection may send ${limit.perSecond} per second, in bursts of up to ${limit.burst}; this one was not processed, retry in ${retryAfterMs} ms.`,
    id,
  );
}

function withId<T extends ServerFrame>(frame: T, id: string | undefined): T {
  return id === undefined ? frame : { ...frame, id };
}
