/**
 * Switchboard wire protocol v1: what clients send and what they get back. Handlers, the typed
 * client, the page, the emulator's tests and the benches all import these definitions; this
 * module has no runtime side effects.
 */

/** The actions a client may send; each is also a route key on the API. */
export const ACTIONS = ['message', 'join', 'leave', 'ping'] as const;
export type Action = (typeof ACTIONS)[number];

/** The codes of `error` frames. */
export const ERROR_CODES = [
  'BAD_REQUEST',
  'UNKNOWN_ACTION',
  'NOT_IN_ROOM',
  'TOO_MANY_ROOMS',
  'ROOM_FULL',
  /** The connection is over a per-connection rate limit; the frame was dropped, the connection stays open. */
  'RATE_LIMITED',
  'INTERNAL_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The `event` of every frame the server sends. */
export const SERVER_EVENTS = ['message', 'joined', 'left', 'pong', 'error'] as const;

// ---- client -> server ----------------------------------------------------

export interface MessageRequest {
  action: 'message';
  data: string;
  room?: string;
  id?: string;
}
export interface JoinRequest {
  action: 'join';
  room: string;
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
export type ClientFrame = MessageRequest | JoinRequest | LeaveRequest | PingRequest;

// ---- server -> client ----------------------------------------------------

/** The sender's acknowledgement of a `message`. */
export interface MessageAck {
  event: 'message';
  data: string;
  id?: string;
  /** Room messages only: how many other members it reached. */
  delivered?: number;
  /** Room messages only: members it could not reach after retries (absent when 0). */
  failed?: number;
}
/** A room message as other members of the room receive it. */
export interface RoomMessage {
  event: 'message';
  room: string;
  /** The sender: its user id when authenticated, else its connection id. */
  from: string;
  data: string;
  /** Server time the message was accepted, ms since the epoch. */
  ts: number;
}
export interface JoinedEvent {
  event: 'joined';
  room: string;
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
export type ServerFrame = MessageAck | RoomMessage | JoinedEvent | LeftEvent | PongEvent | ErrorEvent;
