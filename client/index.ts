export { connect, SwitchboardClient } from './client';
export type { ClientEvents, ClientState, ConnectOptions, OutgoingFrame, PayloadOf, ReconnectReason } from './client';
export { CUSTOM_ACTION_PATTERN, MAX_CUSTOM_FRAME_BYTES } from './custom';
export type { CustomEvent, CustomRequest } from './custom';
export { RoomHandle } from './room';
export { PresenceRoster } from './presence-roster';
export type { GapEvent, HistoryQuery, MembersPage, RequestOptions, RoomEvents, SendOptions } from './room';
export { SwitchboardError } from './errors';
export type { ClientErrorCode } from './errors';
export { backoffDelay } from './backoff';
export type { BackoffOptions } from './backoff';
export type { Clock } from '../protocol/clock';
export type { SocketFactory, SocketLike } from './transport';
export { isRoomMessage, isSignalEvent } from './frames';
export type {
  ErrorEvent,
  HistoryEvent,
  JoinedEvent,
  LeftEvent,
  MembersEvent,
  MessageAck,
  PongEvent,
  PresenceEvent,
  ReplyOf,
  RoomMember,
  RoomMessage,
  SignalAck,
  SignalEvent,
} from '../protocol';
