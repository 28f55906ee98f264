/**
 * Switchboard wire protocol v1: what clients send and what they get back. Handlers, the typed
 * client, the page, the emulator's tests and the benches all import these definitions; this
 * module has no runtime side effects.
 */

/** The actions a client may send; each is also a route key on the API. */
export const ACTIONS = ['message', 'join', 'leave', 'ping', 'members', 'history', 'signal'] as const;
export type Action = (typeof ACTIONS)[number];

/** The codes of `error` frames. */
export const ERROR_CODES = [
  'BAD_REQUEST',
  'UNKNOWN_ACTION',
  'NOT_IN_ROOM',
  'TOO_MANY_ROOMS',
  'ROOM_FULL',
  /** The room's rules do not let this connection's user join it (e.g. another user's `user.<sub>` room). */
  'FORBIDDEN',
  /** The connection is over a per-connection rate limit; the frame was dropped, the connection stays open. */
  'RATE_LIMITED',
  'INTERNAL_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The sender of a message published from a backend (`publish()`) that gives no name of its own. */
export const SERVER_SENDER = 'server';

/** The room each authenticated user may join, and only that user: its messages reach all of the user's connections. */
export const USER_ROOM_PREFIX = 'user.';
export function userRoom(userId: string): string {
  return `${USER_ROOM_PREFIX}${userId}`;
}

// ---- client -> server ----------------------------------------------------

export interface MessageRequest {
  action: 'message';
  data: string;
  room?: string;
  /**
   * Correlates the reply. On a room message it is also the message's idempotency key: another
   * `message` to the same room with the same `id` from the same user within
   * LIMITS.messageDedupSeconds is acknowledged with the first one's `seq` and not sent again.
   */
  id?: string;
}
export interface JoinRequest {
  action: 'join';
  room: string;
  /**
   * Resume: the last `seq` this client has of the room. After `joined`, the server sends every
   * retained message with a greater `seq`, oldest first, each as a {@link RoomMessage}.
   */
  since?: number;
  id?: string;
}
export interface LeaveRequest {
  action: 'leave';
  room: string;
  id?: string;
}
export interface PingRequest {
  action: 'ping';
  id?: string;
}
/** Who is in a room: one page of its users. Only members of the room may ask. */
export interface MembersRequest {
  action: 'members';
  room: string;
  /** The `next` of the previous page. */
  cursor?: string;
  id?: string;
}
/** Retained messages of a room, oldest first. Only members of the room may ask. */
export interface HistoryRequest {
  action: 'history';
  room: string;
  /** Only messages with a smaller `seq`. @default the newest */
  before?: number;
  /** At most this many (1-100). @default 50 */
  limit?: number;
  id?: string;
}
/**
 * An ephemeral event (typing, a cursor) for the room's other members: not stored, no `seq`, never
 * replayed. Only members of the room may send one.
 */
export interface SignalRequest {
  action: 'signal';
  room: string;
  /** What kind of event: a name by ROOM_NAME's rule, e.g. `typing`. */
  type: string;
  /** Any JSON value, at most LIMITS.maxSignalDataBytes as JSON (UTF-8). */
  data?: unknown;
  id?: string;
}
export type ClientFrame = MessageRequest | JoinRequest | LeaveRequest | PingRequest | MembersRequest | HistoryRequest | SignalRequest;

// ---- server -> client ----------------------------------------------------

/** The sender's acknowledgement of a `message`. */
export interface MessageAck {
  event: 'message';
  data: string;
  id?: string;
  /** Room messages only: the room it went to. */
  room?: string;
  /**
   * Room messages only: the `seq` it was given. The server sends no member its own messages, so
   * this is how the sender's client knows that number is taken and waits for no message there.
   */
  seq?: number;
  /** Room messages only: how many other members it reached. */
  delivered?: number;
  /** Room messages only: members it could not reach after retries (absent when 0). */
  failed?: number;
  /**
   * Room messages only: the room is beyond the inline fan-out, so the message went to the fan-out
   * queue, whose workers deliver it (`delivered` and `failed` are then absent; the workers count
   * them in metrics). The `seq` is taken and the message is in history.
   */
  queued?: true;
  /**
   * Room messages only: this `id` was already sent to the room by this user (a resend), so nothing
   * was sent again; `seq` is the first one's, and `delivered` is absent.
   */
  duplicate?: true;
}
/** A room message as other members of the room receive it (and as history and resume replay it). */
export interface RoomMessage {
  event: 'message';
  room: string;
  /**
   * The sender: its user id when authenticated, else its connection id; {@link SERVER_SENDER}
   * (or the publisher's name) for a message published from a backend.
   */
  from: string;
  /** The sender's display name from its token (see names.ts), when it has one; never on published messages. */
  fromName?: string;
  /** Published from a backend (`publish()`), not sent by a user: `from` is the publisher's name. */
  publisher?: true;
  data: string;
  /** Server time the message was accepted, ms since the epoch. */
  ts: number;
  /** The room's sequence number: from 1, one more for each message to the room, assigned atomically. */
  seq: number;
}
export interface JoinedEvent {
  event: 'joined';
  room: string;
  /** The room's latest `seq` when the join took effect (0 for none); messages after the join have greater ones. */
  seq?: number;
  /** With `since`: how many retained messages follow this frame as the replay. */
  replay?: number;
  id?: string;
}
export interface LeftEvent {
  event: 'left';
  room: string;
  id?: string;
}
export interface PongEvent {
  event: 'pong';
  id?: string;
}
export interface ErrorEvent {
  event: 'error';
  error: { code: ErrorCode; message: string };
  id?: string;
}
/** A user present in a room, and how many of its connections are in it. */
export interface RoomMember {
  userId: string;
  /** The user's display name, from the token of its latest connection to join, when it had one. */
  name?: string;
  connections: number;
  /** The user's presence version in this room when the page was read: see {@link PresenceEvent.version}. */
  version: number;
}
export interface MembersEvent {
  event: 'members';
  room: string;
  members: RoomMember[];
  /** Present when there are more: send it back as `cursor` for the next page. */
  next?: string;
  id?: string;
}
/** Sent to a room's members when a user's first connection joins it, or its last one leaves (or disconnects). */
export interface PresenceEvent {
  event: 'presence';
  room: string;
  userId: string;
  /** The user's display name, when its token had one. */
  name?: string;
  change: 'joined' | 'left';
  /** The user's connections in the room after the change: 0 after `left`. */
  connections: number;
  /**
   * Grows with every change of this user's presence in this room (not only those sent as events).
   * Events can arrive out of order: one with a version at or below what an observer knows of the
   * user, from an event or a `members` entry, is older news and is ignored.
   */
  version: number;
}
/**
 * Sent instead of `presence` events in a room of more than `presenceLimit` members (a big room,
 * where one event per join would be a post to every member for every join): the room's member
 * count, at most once a second. It may lag the room by a second of joins and leaves; `members`
 * pages still work.
 */
export interface OccupancyEvent {
  event: 'occupancy';
  room: string;
  /** The room's members (connections) at its last count, at most a second old when sent. */
  members: number;
}
export interface HistoryEvent {
  event: 'history';
  room: string;
  /** Oldest first. */
  messages: RoomMessage[];
  id?: string;
}
/** The sender's acknowledgement of a `signal`: how many other members it reached. */
export interface SignalAck {
  event: 'signal';
  room: string;
  type: string;
  /** Members it reached; 0 when `queued`. */
  delivered: number;
  /** Members it could not reach (absent when 0). */
  failed?: number;
  /** The room is beyond the inline fan-out: the signal went to the fan-out queue, whose workers deliver it. */
  queued?: true;
  id?: string;
}
/** A signal as the room's other members receive it. It has no `seq`: it is not kept and never replayed. */
export interface SignalEvent {
  event: 'signal';
  room: string;
  type: string;
  /** The sender: its user id when authenticated, else its connection id. */
  from: string;
  /** The sender's display name from its token, when it has one. */
  fromName?: string;
  data?: unknown;
}
export type ServerFrame =
  | MessageAck
  | RoomMessage
  | JoinedEvent
  | LeftEvent
  | PongEvent
  | ErrorEvent
  | MembersEvent
  | PresenceEvent
  | OccupancyEvent
  | HistoryEvent
  | SignalAck
  | SignalEvent;
export type ServerEvent = ServerFrame['event'];

/**
 * Every `event` of {@link ServerFrame}, each once: a Record's keys, so an event the union gains or
 * loses without this list following fails to compile.
 */
const SERVER_EVENT_SET: Readonly<Record<ServerEvent, true>> = {
  message: true,
  joined: true,
  left: true,
  pong: true,
  error: true,
  members: true,
  presence: true,
  occupancy: true,
  history: true,
  signal: true,
};

/** The `event` of every frame the server sends. */
export const SERVER_EVENTS = Object.keys(SERVER_EVENT_SET) as readonly ServerEvent[];

/** The reply frame each action gets when it succeeds; an action without one fails to compile. */
export type ReplyOf = { [A in Action]: Replies[A] };
interface Replies {
  message: MessageAck;
  join: JoinedEvent;
  leave: LeftEvent;
  ping: PongEvent;
  members: MembersEvent;
  history: HistoryEvent;
  signal: SignalAck;
}
