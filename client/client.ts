import type {
  Action,
  ClientFrame,
  HistoryEvent,
  JoinedEvent,
  LeftEvent,
  MembersEvent,
  MessageAck,
  PongEvent,
  PresenceEvent,
  OccupancyEvent,
  ReplyOf,
  RoomMessage,
  ServerFrame,
  SignalEvent,
} from '../protocol';
import { API_GATEWAY_LIMITS, LIMITS, parseClientFrame } from '../protocol';
import { stripUndefined } from '../protocol/values';
import { type BackoffOptions, backoffDelay } from './backoff';
import { type Clock, systemClock } from '../protocol/clock';
import { type CustomEvent, type CustomRequest, buildCustomFrame, isProtocolAction } from './custom';
import { TypedEmitter } from './emitter';
import { SwitchboardError } from './errors';
import { isRoomMessage, isSignalEvent, parseServerFrame } from './frames';
import { Outbox } from './outbox';
import { PendingRequests } from './requests';
import {
  type GapEvent,
  type HistoryQuery,
  type MembersPage,
  type RequestOptions,
  type RoomLink,
  RoomHandle,
  type SendOptions,
} from './room';
import { type SocketFactory, type SocketLike, platformWebSocket, urlWithToken } from './transport';

/** The fields of a client frame for `action`, without `action` and `id`. */
export type PayloadOf<A extends Action> = Omit<Extract<ClientFrame, { action: A }>, 'action' | 'id'>;

/** `payload` may be left out for actions that have no fields (ping). */
type PayloadArgs<A extends Action> = Record<string, never> extends PayloadOf<A> ? [payload?: PayloadOf<A>] : [payload: PayloadOf<A>];

/** A frame the client sends: protocol v1's, or one of an action of your own (`custom()`). */
export type OutgoingFrame = ClientFrame | CustomRequest;

/** Why the client is reconnecting. */
export type ReconnectReason = 'dropped' | 'max-age' | 'keepalive-timeout' | 'token-failed';

export interface ClientEvents {
  /** The connection state changed, e.g. to `reconnecting` while the server is unreachable. */
  state: { state: ClientState; previous: ClientState };
  /** A connection opened; `reconnect` is false only for the first. */
  open: { reconnect: boolean };
  /** A connection closed; `willReconnect` tells whether another follows. */
  close: { code: number; reason: string; willReconnect: boolean };
  /** A reconnect is scheduled `delayMs` from now. `attempt` counts from 1 since the last open. */
  reconnecting: { attempt: number; delayMs: number; reason: ReconnectReason };
  /**
   * An acknowledgement of our own message (no `from`) or a room message. Room messages with a
   * `seq` come as their room's `message` events do: each once, in `seq` order.
   */
  message: MessageAck | RoomMessage;
  joined: JoinedEvent;
  left: LeftEvent;
  pong: PongEvent;
  /** A user's first connection joined one of our rooms, or its last one left; an event older than what the room knows of that user is dropped. */
  presence: PresenceEvent;
  /** A big room's member count, sent instead of presence events, at most once a second. */
  occupancy: OccupancyEvent;
  /** An ephemeral event another member sent to one of our rooms (typing, a cursor): never stored, no `seq`. */
  signal: SignalEvent;
  members: MembersEvent;
  history: HistoryEvent;
  /** Messages of a room that history no longer had when the client asked for them. */
  gap: GapEvent;
  /**
   * A frame whose `event` is not protocol v1's: the replies and events of actions of your own
   * (a reply to `custom()` comes here too, besides resolving its promise).
   */
  custom: CustomEvent;
  /** An error frame from the server, an internal server error, or an unreadable frame. */
  error: SwitchboardError;
  /** A queued frame was discarded: the queue overflowed, or the client was closed. */
  dropped: { frame: OutgoingFrame; reason: 'queue-full' | 'closed' };
}

export interface ConnectOptions {
  /**
   * Sent as the `token` query parameter for the $connect authorizer. A function is called
   * before every connection, so reconnects (and the 2-hour recycle) use a fresh token. @default none
   */
  token?: string | (() => string | Promise<string>);
  /** WebSocket subprotocols to request. @default none */
  protocols?: string | string[];
  /** Reconnect after the connection drops. @default true */
  reconnect?: boolean;
  /** Reconnect delays. @default { initialDelayMs: 500, maxDelayMs: 30000 } */
  backoff?: BackoffOptions;
  /** Ping after this long without sending anything; 0 turns it off. Below API Gateway's 10-minute idle timeout. @default 300000 (5 minutes) */
  keepaliveIntervalMs?: number;
  /** A keepalive ping unanswered for this long means the connection is dead. @default 10000 */
  keepaliveTimeoutMs?: number;
  /** Reconnect proactively after this long, before API Gateway's 2-hour limit; 0 turns it off. @default 6900000 (1 h 55 min) */
  maxConnectionAgeMs?: number;
  /** Frames kept while disconnected; beyond this the oldest is dropped with a `dropped` event. @default 100 */
  maxQueuedFrames?: number;
  /** Default timeout of `request()`. @default 10000 */
  requestTimeoutMs?: number;
  /**
   * How long a room message that skips ahead waits (after the room's last progress) for the ones
   * before it, e.g. from a rejoin's replay, before the client asks `history` for them. @default 500
   */
  gapWaitMs?: number;
  /** Source of randomness for backoff jitter and request ids. @default Math.random */
  random?: () => number;
  /** Timers and time. @default the platform's */
  clock?: Clock;
  /** The WebSocket implementation. @default globalThis.WebSocket, else `ws` */
  WebSocket?: SocketFactory;
}

export type ClientState = 'connecting' | 'open' | 'reconnecting' | 'closed';

const CLIENT_DEFAULTS = {
  reconnect: true,
  keepaliveIntervalMs: 5 * 60_000,
  keepaliveTimeoutMs: 10_000,
  maxConnectionAgeMs: (API_GATEWAY_LIMITS.maxConnectionSeconds - 5 * 60) * 1000,
  maxQueuedFrames: 100,
  requestTimeoutMs: 10_000,
  gapWaitMs: 500,
};

/**
 * How long after a room message first went out the client may still send it again, after a drop:
 * within the server's memory of its id (LIMITS.messageDedupSeconds), less a margin for the time
 * the frame took to reach the server, so a resend is always recognised as one.
 */
const RESEND_WITHIN_MS = (LIMITS.messageDedupSeconds - 10) * 1000;

/** Opens a Switchboard connection. Frames sent before it opens are queued. */
export function connect(url: string, options: ConnectOptions = {}): SwitchboardClient {
  return new SwitchboardClient(url, options);
}

/**
 * A Switchboard connection that survives API Gateway's limits: it reconnects with
 * backoff, pings before the idle timeout, recycles itself before the 2-hour limit,
 * rejoins its rooms, queues (boundedly) what is sent while it is down, and sends again the room
 * messages a drop left unacknowledged, with the same id, so each reaches its room once.
 */
export class SwitchboardClient extends TypedEmitter<ClientEvents> {
  private readonly options: typeof CLIENT_DEFAULTS & ConnectOptions;
  private readonly url: string;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly pending: PendingRequests;
  private readonly outbox: Outbox<OutgoingFrame>;
  private readonly joinedRooms = new Set<string>();
  private readonly roomHandles = new Map<string, RoomHandle>();
  /** The room of each join request awaiting its reply, so an error frame can end that room's wait for `joined`. */
  private readonly joinIds = new Map<string, string>();
  private readonly roomLink: RoomLink;
  private socket: SocketLike | undefined;
  /** True once the socket is open and rejoined: frames go straight out instead of to the queue. */
  private ready = false;
  private currentState: ClientState = 'connecting';
  private attempt = 0;
  private everOpened = false;
  private reconnectTimer: unknown;
  private keepaliveTimer: unknown;
  private ageTimer: unknown;
  private closedWaiters: Array<() => void> = [];
  private openWaiters: Array<{ resolve(): void; reject(error: SwitchboardError): void }> = [];
  /** Set while an aged connection waits for its last replies before it is recycled. */
  private retiring: (() => void) | undefined;

  constructor(url: string, options: ConnectOptions = {}) {
    super();
    this.options = { ...CLIENT_DEFAULTS, ...stripUndefined(options) };
    this.url = url;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    // Deferred, so the reply that settled a request is emitted before the connection is recycled.
    this.pending = new PendingRequests(this.clock, this.random, () => queueMicrotask(() => this.finishRetiring()));
    this.outbox = new Outbox(this.options.maxQueuedFrames, (frame) => this.discard(frame, 'queue-full'));
    this.roomLink = this.makeRoomLink();
    this.openSocket();
  }

  get state(): ClientState {
    return this.currentState;
  }

  /** The rooms the server confirmed we are in; they are rejoined after a reconnect. */
  get rooms(): ReadonlySet<string> {
    return this.joinedRooms;
  }

  /** Frames waiting for a connection. */
  get queued(): number {
    return this.outbox.size;
  }

  /**
   * Sends a frame without waiting for its reply. Throws a SwitchboardError if the frame is invalid.
   * A room message still gets an id, so that a drop before its acknowledgement sends it again
   * rather than losing it (its outcome is not reported: use `request()` or `room(R).send()`).
   */
  send<A extends Action>(action: A, ...[payload]: PayloadArgs<A>): void {
    if (this.currentState === 'closed') throw new SwitchboardError('CLOSED', 'The client is closed; connect again to send.');
    const frame = buildFrame(action, payload ?? {});
    if (isRoomMessageFrame(frame)) {
      // Errors from the server still come as `error` events; a timeout has nobody to tell.
      this.request('message', frame).catch(() => undefined);
      return;
    }
    this.dispatch(frame);
  }

  /**
   * Sends a frame with an `id` (fresh, or `id` when given) and resolves with the reply that echoes
   * it; rejects on an error frame or timeout. A room message's id is also its idempotency key: if
   * the connection drops before the acknowledgement, the client sends it again with the same id
   * after reconnecting (within the server's dedup window), and the server sends it on only once.
   */
  request<A extends Action>(
    action: A,
    payload?: PayloadOf<A>,
    { timeoutMs = this.options.requestTimeoutMs, id: given }: { timeoutMs?: number; id?: string } = {},
  ): Promise<ReplyOf[A]> {
    if (this.currentState === 'closed') {
      return Promise.reject(new SwitchboardError('CLOSED', 'The client is closed; connect again to send.'));
    }
    let frame: ClientFrame;
    let created: { id: string; reply: Promise<ReplyOf[A]> };
    try {
      frame = buildFrame(action, given === undefined ? (payload ?? {}) : { ...payload, id: given });
      created = this.pending.create<ReplyOf[A]>(timeoutMs, { id: given });
    } catch (err: unknown) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const sent = { ...frame, id: created.id };
    if (isRoomMessageFrame(sent)) this.pending.resendable(created.id, sent);
    this.dispatch(sent);
    return created.reply;
  }

  /**
   * Sends a frame of an action of your own (a route you added, e.g. `typing`) with a fresh `id`,
   * and resolves with the frame that echoes that id, whatever its `event`; rejects on an error
   * frame or timeout, as `request()` does. Throws nothing: a bad action name (not 1-64 characters
   * of A-Z a-z 0-9 _ . -, or one of Switchboard's own), a payload with `action` or `id`, or a frame
   * over API Gateway's 32 KB frame limit rejects with a BAD_REQUEST SwitchboardError before sending.
   */
  custom<Reply extends object = CustomEvent>(
    action: string,
    payload: object = {},
    { timeoutMs = this.options.requestTimeoutMs }: { timeoutMs?: number } = {},
  ): Promise<Reply> {
    if (this.currentState === 'closed') {
      return Promise.reject(new SwitchboardError('CLOSED', 'The client is closed; connect again to send.'));
    }
    let frame: CustomRequest;
    try {
      frame = buildCustomFrame(action, payload);
    } catch (err: unknown) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const { id, reply } = this.pending.create<Reply>(timeoutMs, { custom: true });
    this.dispatch({ ...frame, id });
    return reply;
  }

  /**
   * The handle of room `name`, the same one for every call: its events, `join()`, `leave()`,
   * `send()`, `members()`, `history()`, and the `lastSeq` it resumes from. Throws a
   * SwitchboardError if the name is not a valid room name.
   */
  room(name: string): RoomHandle {
    if (!this.roomHandles.has(name)) buildFrame('leave', { room: name });
    return this.roomFor(name);
  }

  /** Joins a room; the same as `room(name).join()`, so it resumes from the room's `lastSeq`. */
  join(room: string, options?: RequestOptions): Promise<JoinedEvent> {
    return this.room(room).join(options);
  }

  leave(room: string, options?: RequestOptions): Promise<LeftEvent> {
    return this.request('leave', { room }, options);
  }

  /** Resolves when the client is open and has rejoined its rooms (at once if it is); rejects if it is closed first. */
  whenOpen(): Promise<void> {
    if (this.ready) return Promise.resolve();
    if (this.currentState === 'closed') return Promise.reject(new SwitchboardError('CLOSED', 'The client is closed.'));
    return new Promise((resolve, reject) => this.openWaiters.push({ resolve, reject }));
  }

  /** Stops reconnecting, closes the connection, and rejects what is still pending. Resolves once closed. */
  close(code = 1000, reason = 'Client closed'): Promise<void> {
    if (this.currentState === 'closed') return Promise.resolve();
    this.shutDown();
    const socket = this.socket;
    if (!socket) {
      this.emit('close', { code, reason, willReconnect: false });
      return Promise.resolve();
    }
    const closed = new Promise<void>((resolve) => this.closedWaiters.push(resolve));
    socket.close(code, reason);
    return closed;
  }

  private makeRoomLink(): RoomLink {
    return {
      clock: this.clock,
      gapWaitMs: this.options.gapWaitMs,
      join: (room, since, options) => this.request('join', since === undefined ? { room } : { room, since }, options),
      leave: (room, options) => this.request('leave', { room }, options),
      send: (room, data, options?: SendOptions) => this.request('message', { room, data }, options),
      signal: (room, type, data, options) => this.request('signal', data === undefined ? { room, type } : { room, type, data }, options),
      members: async (room, cursor, options): Promise<MembersPage> => {
        const reply = await this.request('members', cursor === undefined ? { room } : { room, cursor }, options);
        return reply.next === undefined ? { members: reply.members } : { members: reply.members, next: reply.next };
      },
      history: async (room, { before, limit }: HistoryQuery, options) => {
        const reply = await this.request(
          'history',
          { room, ...(before === undefined ? {} : { before }), ...(limit === undefined ? {} : { limit }) },
          options,
        );
        return reply.messages;
      },
      delivered: (message) => this.emit('message', message),
      gap: (event) => this.emit('gap', event),
    };
  }

  /** The handle of a room named by the server (or by a frame already validated), made on first use. */
  private roomFor(name: string): RoomHandle {
    let handle = this.roomHandles.get(name);
    if (!handle) {
      handle = new RoomHandle(name, this.roomLink);
      this.roomHandles.set(name, handle);
    }
    return handle;
  }

  private setState(state: ClientState): void {
    const previous = this.currentState;
    if (state === previous) return;
    this.currentState = state;
    this.emit('state', { state, previous });
  }

  // ---- connection lifecycle ------------------------------------------------

  private openSocket(): void {
    const token = this.options.token;
    if (typeof token !== 'function') {
      this.createSocket(urlWithToken(this.url, token));
      return;
    }
    const attempt = this.attempt;
    Promise.resolve()
      .then(token)
      .then(
        (value) => {
          // close() may have been called while the token was on its way.
          if (this.currentState !== 'closed' && attempt === this.attempt) this.createSocket(urlWithToken(this.url, value));
        },
        (err: unknown) => {
          if (this.currentState === 'closed' || attempt !== this.attempt) return;
          const detail = err instanceof Error ? err.message : String(err);
          this.emit('error', new SwitchboardError('TOKEN', `Could not get a token to connect with: ${detail}`));
          this.scheduleReconnect('token-failed');
        },
      );
  }

  private createSocket(url: string): void {
    const Socket = this.options.WebSocket ?? platformWebSocket();
    const socket = new Socket(url, this.options.protocols);
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.handleOpen(socket);
    };
    socket.onmessage = (event) => this.handleFrame(event.data);
    socket.onclose = (event) => this.handleClose(socket, event.code, event.reason, 'dropped');
    // A connection that fails before it opens is over: the standard says `close` follows, but
    // Node 22's WebSocket (undici) fires only `error`, so the client would wait for ever. Whichever
    // comes first is handled; the other finds the socket detached. (ws throws on an unhandled `error`.)
    socket.onerror = () => {
      if (!opened) this.handleClose(socket, 1006, '', 'dropped');
    };
  }

  private handleOpen(socket: SocketLike): void {
    if (socket !== this.socket) return;
    this.attempt = 0;
    this.setState('open');
    const reconnect = this.everOpened;
    this.everOpened = true;
    this.scheduleKeepalive();
    if (this.options.maxConnectionAgeMs > 0) {
      this.ageTimer = this.clock.setTimeout(() => this.retire(socket), this.options.maxConnectionAgeMs);
    }
    this.emit('open', { reconnect });
    void this.rejoin(socket);
  }

  /**
   * Rejoins the rooms of the previous connection, then sends again the room messages the drop
   * left unacknowledged (same ids: the server answers one it already has with its first `seq`),
   * then what was queued. The joins are awaited first because API Gateway runs frames
   * concurrently: a room message could otherwise overtake its join and fail with NOT_IN_ROOM.
   */
  private async rejoin(socket: SocketLike): Promise<void> {
    const rooms = [...this.joinedRooms];
    const results = await Promise.allSettled(
      rooms.map((room) => {
        const { id, reply } = this.pending.create<JoinedEvent>(this.options.requestTimeoutMs);
        // Resume: the server replays what this room missed after the last message we delivered.
        const since = this.roomHandles.get(room)?.lastSeq;
        this.transmit(since === undefined ? { action: 'join', room, id } : { action: 'join', room, id, since });
        return reply;
      }),
    );
    results.forEach((result, i) => {
      // The server refused the room this time (full, too many rooms): stop claiming it.
      // After a timeout or another drop we cannot tell, so the next rejoin tries again.
      if (result.status === 'rejected' && !(result.reason instanceof SwitchboardError && RETRYABLE.has(result.reason.code))) {
        this.joinedRooms.delete(rooms[i]);
      }
    });
    if (socket !== this.socket || this.currentState !== 'open') return;
    this.ready = true;
    for (const frame of this.pending.held()) this.transmit(frame as OutgoingFrame);
    for (const frame of this.outbox.drain()) this.transmit(frame);
    for (const waiter of this.openWaiters.splice(0)) waiter.resolve();
  }

  private handleClose(socket: SocketLike, code: number, reason: string, cause: ReconnectReason): void {
    if (socket !== this.socket) return;
    detach(socket);
    this.socket = undefined;
    this.ready = false;
    this.retiring = undefined;
    this.clearTimers();
    this.endJoinWaits();
    this.pending.connectionClosed(
      RESEND_WITHIN_MS,
      (id) => new SwitchboardError('DISCONNECTED', `The connection closed (code ${code}) before the reply to ${id} arrived.`, id),
      (id) =>
        new SwitchboardError(
          'DISCONNECTED',
          `Room message ${id} was sent before the connection closed (code ${code}), and no connection came back within ${RESEND_WITHIN_MS / 60_000} minutes to send it again: it may or may not have reached the room.`,
          id,
        ),
    );
    if (this.currentState === 'closed') {
      this.emit('close', { code, reason, willReconnect: false });
      for (const resolve of this.closedWaiters.splice(0)) resolve();
      return;
    }
    if (!this.options.reconnect) {
      this.shutDown();
      this.emit('close', { code, reason, willReconnect: false });
      return;
    }
    this.emit('close', { code, reason, willReconnect: true });
    this.scheduleReconnect(cause);
  }

  private scheduleReconnect(cause: ReconnectReason): void {
    // Recycling a healthy connection needs no backoff; a drop does.
    const delayMs = cause === 'max-age' ? 0 : backoffDelay(this.attempt, this.options.backoff, this.random);
    this.attempt += 1;
    this.setState('reconnecting');
    this.emit('reconnecting', { attempt: this.attempt, delayMs, reason: cause });
    this.reconnectTimer = this.clock.setTimeout(() => {
      if (this.currentState === 'reconnecting') this.openSocket();
    }, delayMs);
  }

  /**
   * Recycles an old connection without losing replies: new frames wait in the queue for
   * the next connection while those in flight get their replies, for at most one request
   * timeout (the 5 minutes left before API Gateway's 2-hour limit are plenty).
   */
  private retire(socket: SocketLike): void {
    if (socket !== this.socket) return;
    this.ready = false;
    this.retiring = () => this.recycle(socket, 1000, 'Connection age limit reached; reconnecting', 'max-age');
    this.clock.clearTimeout(this.keepaliveTimer);
    if (!this.pending.hasSent()) return this.retiring();
    this.ageTimer = this.clock.setTimeout(() => this.retiring?.(), this.options.requestTimeoutMs);
  }

  /** Ends a connection on our side and goes straight to reconnecting, without waiting for the close handshake. */
  private recycle(socket: SocketLike, code: number, reason: string, cause: ReconnectReason): void {
    if (socket !== this.socket) return;
    detach(socket);
    if (cause === 'keepalive-timeout' && socket.terminate) socket.terminate();
    else socket.close(code, reason);
    this.handleClose(socket, code, reason, cause);
  }

  // ---- frames ------------------------------------------------------------------

  private dispatch(frame: OutgoingFrame): void {
    if (this.ready) this.transmit(frame);
    else this.outbox.push(frame);
  }

  private transmit(frame: OutgoingFrame): void {
    if (isProtocolFrame(frame) && frame.action === 'join') {
      // The room's messages may now arrive before `joined`, which may set their baseline.
      this.roomFor(frame.room).joinSent();
      if (frame.id !== undefined) this.joinIds.set(frame.id, frame.room);
    }
    this.socket?.send(JSON.stringify(frame));
    if (frame.id !== undefined) this.pending.markSent(frame.id);
    this.scheduleKeepalive();
  }

  private discard(frame: OutgoingFrame, reason: 'queue-full' | 'closed'): void {
    if (frame.id !== undefined) {
      const message =
        reason === 'queue-full'
          ? `The outbound queue was full (${this.options.maxQueuedFrames} frames); request ${frame.id} was dropped.`
          : `The client was closed before request ${frame.id} was sent.`;
      this.pending.reject(frame.id, new SwitchboardError(reason === 'queue-full' ? 'DROPPED' : 'CLOSED', message, frame.id));
    }
    this.emit('dropped', { frame, reason });
  }

  private handleFrame(data: unknown): void {
    const incoming = parseServerFrame(data);
    if (incoming.kind === 'invalid') {
      this.emit('error', new SwitchboardError('INVALID_FRAME', incoming.reason));
      return;
    }
    if (incoming.kind === 'internal-error') {
      const suffix = incoming.requestId ? ` (requestId ${incoming.requestId})` : '';
      this.emit('error', new SwitchboardError('INTERNAL_ERROR', `${incoming.message}${suffix}`));
      return;
    }
    if (incoming.kind === 'custom') {
      this.routeCustom(incoming.frame);
      return;
    }
    this.route(incoming.frame);
  }

  private route(frame: ServerFrame): void {
    const id = 'id' in frame ? frame.id : undefined;
    switch (frame.event) {
      case 'error': {
        const error = new SwitchboardError(frame.error.code, frame.error.message, id);
        if (id !== undefined) {
          this.endJoinWait(id);
          this.pending.reject(id, error);
        }
        this.emit('error', error);
        return;
      }
      case 'joined':
        this.joinedRooms.add(frame.room);
        if (id !== undefined) this.joinIds.delete(id);
        break;
      case 'left':
        this.joinedRooms.delete(frame.room);
        break;
    }
    if (id !== undefined) this.pending.resolve(id, frame);
    switch (frame.event) {
      case 'message':
        // Room messages with a seq go through their room, which emits them here once, in order.
        if (isRoomMessage(frame) && Number.isInteger(frame.seq)) {
          this.roomFor(frame.room).receive(frame);
        } else {
          // The ack of our own room message takes its number out of the room's wait.
          if (frame.room !== undefined && Number.isInteger(frame.seq)) this.roomFor(frame.room).ownMessageAcknowledged(frame.seq as number);
          this.emit('message', frame);
        }
        break;
      case 'joined':
        this.emit('joined', frame);
        this.roomFor(frame.room).joinedReceived(frame);
        break;
      case 'left':
        this.emit('left', frame);
        this.roomFor(frame.room).leftReceived(frame);
        break;
      case 'pong':
        this.emit('pong', frame);
        break;
      case 'presence':
        // Presence events can overtake one another: the room drops one older than what it knows.
        if (this.roomFor(frame.room).presenceReceived(frame)) this.emit('presence', frame);
        break;
      case 'occupancy':
        this.emit('occupancy', frame);
        break;
      case 'members':
        this.emit('members', frame);
        break;
      case 'history':
        this.emit('history', frame);
        break;
      case 'signal':
        // Another member's event; our own signal's ack only settles its request.
        if (isSignalEvent(frame)) {
          this.emit('signal', frame);
          this.roomFor(frame.room).signalReceived(frame);
        }
        break;
    }
  }

  /**
   * A frame of an event of your own: the reply of the `custom()` request whose id it carries, if
   * any. Only a `custom()` request takes it: a built-in request promises its own reply type.
   */
  private routeCustom(frame: CustomEvent): void {
    if (typeof frame.id === 'string' && this.pending.isCustom(frame.id)) this.pending.resolve(frame.id, frame);
    this.emit('custom', frame);
  }

  /** A join was refused: its room stops holding messages for `joined`. */
  private endJoinWait(id: string): void {
    const room = this.joinIds.get(id);
    if (room === undefined) return;
    this.joinIds.delete(id);
    this.roomHandles.get(room)?.joinFailed();
  }

  /** The connection is gone, and with it every join in flight; the rejoin's replay fills the rooms' gaps. */
  private endJoinWaits(): void {
    for (const id of [...this.joinIds.keys()]) this.endJoinWait(id);
    for (const handle of this.roomHandles.values()) handle.connectionLost();
  }

  /** Recycles a retiring connection once the last reply it owed has arrived. */
  private finishRetiring(): void {
    if (this.retiring && !this.pending.hasSent()) this.retiring();
  }

  // ---- timers ------------------------------------------------------------------

  private scheduleKeepalive(): void {
    this.clock.clearTimeout(this.keepaliveTimer);
    if (this.options.keepaliveIntervalMs <= 0 || !this.socket) return;
    const socket = this.socket;
    this.keepaliveTimer = this.clock.setTimeout(() => this.ping(socket), this.options.keepaliveIntervalMs);
  }

  private ping(socket: SocketLike): void {
    if (socket !== this.socket || this.retiring) return;
    const { id, reply } = this.pending.create<PongEvent>(this.options.keepaliveTimeoutMs);
    this.transmit({ action: 'ping', id });
    reply.catch((err: unknown) => {
      if (err instanceof SwitchboardError && err.code === 'TIMEOUT') {
        this.recycle(socket, 4000, 'Keepalive ping unanswered; reconnecting', 'keepalive-timeout');
      }
      // Other outcomes (DISCONNECTED, CLOSED) already have their own handling.
    });
  }

  private clearTimers(): void {
    this.clock.clearTimeout(this.keepaliveTimer);
    this.clock.clearTimeout(this.ageTimer);
  }

  /** Final state: no more reconnects; everything still waiting is dropped or rejected. */
  private shutDown(): void {
    this.setState('closed');
    this.ready = false;
    for (const handle of this.roomHandles.values()) handle.dispose();
    this.retiring = undefined;
    this.clearTimers();
    this.clock.clearTimeout(this.reconnectTimer);
    for (const frame of this.outbox.drain()) this.discard(frame, 'closed');
    this.pending.rejectAll((id) => new SwitchboardError('CLOSED', 'The client was closed before the reply arrived.', id));
    for (const waiter of this.openWaiters.splice(0)) waiter.reject(new SwitchboardError('CLOSED', 'The client closed before it opened.'));
  }
}

/** Builds and validates a frame with the server's own parser, so a bad frame fails here, not after a round trip. */
function buildFrame(action: Action, payload: object): ClientFrame {
  const parsed = parseClientFrame(JSON.stringify({ ...payload, action }));
  if (!parsed.ok) throw new SwitchboardError(parsed.error.error.code, parsed.error.error.message);
  return parsed.frame;
}

/** Tells protocol v1's frames from those of actions of your own, which `custom()` never lets take a built-in name. */
function isProtocolFrame(frame: OutgoingFrame): frame is ClientFrame {
  return isProtocolAction(frame.action);
}

/** A room message: the frames the client sends again after a drop, as the server deduplicates them by id. */
function isRoomMessageFrame(frame: OutgoingFrame): frame is ClientFrame & { action: 'message'; room: string } {
  return frame.action === 'message' && typeof (frame as { room?: unknown }).room === 'string';
}

/** Rejoin failures that say nothing about the room itself. */
const RETRYABLE = new Set<string>(['TIMEOUT', 'DISCONNECTED', 'CLOSED']);

function detach(socket: SocketLike): void {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onclose = null;
  // Keep a no-op error handler: ws still reports errors while closing.
  socket.onerror = () => undefined;
}
