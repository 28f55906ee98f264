import type { ConnectionStore, JoinLimits } from './connection-store';
import type { RouteEvent } from './events';
import {
  errorFrame,
  messageAck,
  type JoinRequest,
  type LeaveRequest,
  type MessageRequest,
  type ErrorEvent,
  type PingRequest,
  type ServerFrame,
} from '../../protocol';
import type { RoomFanout } from './room-fanout';
import type { RoomMessageLimiter } from './room-message-limiter';
import type { RateLimit } from './token-bucket';

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

/** $disconnect: delete the connection and every membership it had. */
export async function closeConnection(event: RouteEvent, store: ConnectionStore): Promise<{ rooms: string[] }> {
  return store.removeConnection(event.requestContext.connectionId);
}

export async function joinRoom(frame: JoinRequest, connectionId: string, store: ConnectionStore, limits: JoinLimits): Promise<ServerFrame> {
  const outcome = await store.joinRoom(connectionId, frame.room, limits);
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

export async function leaveRoom(frame: LeaveRequest, connectionId: string, store: ConnectionStore): Promise<ServerFrame> {
  const outcome = await store.leaveRoom(connectionId, frame.room);
  if (outcome === 'not-member') {
    return errorFrame('NOT_IN_ROOM', `This connection is not in room "${frame.room}"; join it first.`, frame.id);
  }
  return withId({ event: 'left', room: frame.room }, frame.id);
}

export interface MessageDeps {
  store: ConnectionStore;
  fanout: RoomFanout;
  /** The per-connection limit on room messages. */
  roomLimiter: RoomMessageLimiter;
  fanoutConcurrency: number;
  now: () => number;
  remainingMs?: () => number;
}

/** `message`: the echo ack, and for a room message the fan-out to the other members first. */
export async function sendMessage(frame: MessageRequest, connectionId: string, deps: MessageDeps): Promise<ServerFrame> {
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
  const result = await deps.fanout.broadcast(
    { event: 'message', room: frame.room, from: sender.userId ?? connectionId, data: frame.data, ts: deps.now() },
    connectionId,
    { concurrency: deps.fanoutConcurrency, remainingMs: deps.remainingMs },
  );
  return messageAck(frame.data, { id: frame.id, delivered: result.delivered, failed: result.failed > 0 ? result.failed : undefined });
}

export function ping(frame: PingRequest): ServerFrame {
  return withId({ event: 'pong' as const }, frame.id);
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
