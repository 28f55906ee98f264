export { connect, SwitchboardClient } from './client';
export type { ClientEvents, ClientState, ConnectOptions, PayloadOf, ReconnectReason, ReplyOf } from './client';
export { RoomHandle } from './room';
export type { GapEvent, HistoryQuery, MembersPage, RequestOptions, RoomEvents } from './room';
export { SwitchboardError } from './errors';
export type { ClientErrorCode } from './errors';
export { backoffDelay } from './backoff';
export type { BackoffOptions } from './backoff';
export type { Clock } from '../protocol/clock';
export type { SocketFactory, SocketLike } from './transport';
export { isRoomMessage } from './frames';
export type {
  ErrorEvent,
  HistoryEvent,
  JoinedEvent,
  LeftEvent,
  MembersEvent,
  MessageAck,
  PongEvent,
  PresenceEvent,
  RoomMember,
  RoomMessage,
} from '../protocol';
