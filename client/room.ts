import {
  LIMITS,
  type JoinedEvent,
  type LeftEvent,
  type MessageAck,
  type PresenceEvent,
  type RoomMember,
  type RoomMessage,
  type SignalAck,
  type SignalEvent,
} from '../protocol';
import type { Clock } from '../protocol/clock';
import { TypedEmitter } from './emitter';
import { PresenceRoster } from './presence-roster';
import { SwitchboardError } from './errors';
import { type FetchFailure, RoomSequencer } from './sequencer';

/** Messages of a room that the client could not get: history no longer kept them when it asked. */
export interface GapEvent {
  room: string;
  /** The first missing `seq`. */
  from: number;
  /** The last missing `seq` (inclusive). */
  to: number;
}

export interface RoomEvents {
  /** A message of the room: each `seq` once, in increasing order, across reconnects. */
  message: RoomMessage;
  /** A user's first connection joined the room, or its last one left: newer news of that user than any before (older events are dropped). */
  presence: PresenceEvent;
  /** Another member's ephemeral event (typing, a cursor): not stored, so not replayed after a reconnect. */
  signal: SignalEvent;
  joined: JoinedEvent;
  left: LeftEvent;
  gap: GapEvent;
}

/** One page of a room's members. */
export interface MembersPage {
  members: RoomMember[];
  /** Present when there are more: pass it as `cursor` for the next page. */
  next?: string;
}

export interface RequestOptions {
  timeoutMs?: number;
}

export interface SendOptions extends RequestOptions {
  /**
   * The message's id, its idempotency key: the server sends a message once per user, room and id
   * (within LIMITS.messageDedupSeconds). @default a fresh one, kept for resends after a drop
   */
  id?: string;
}

/** What a room needs from its client: requests over the client's connection, and the client's clock. */
export interface RoomLink {
  clock: Clock;
  gapWaitMs: number;
  join(room: string, since: number | undefined, options?: RequestOptions): Promise<JoinedEvent>;
  leave(room: string, options?: RequestOptions): Promise<LeftEvent>;
  send(room: string, data: string, options?: SendOptions): Promise<MessageAck>;
  signal(room: string, type: string, data: unknown, options?: RequestOptions): Promise<SignalAck>;
  members(room: string, cursor: string | undefined, options?: RequestOptions): Promise<MembersPage>;
  history(room: string, query: HistoryQuery, options?: RequestOptions): Promise<RoomMessage[]>;
  /** Also emits what the room delivers as the client's own events. */
  delivered(message: RoomMessage): void;
  gap(event: GapEvent): void;
}

export interface HistoryQuery {
  /** Only messages with a smaller `seq`. @default the newest */
  before?: number;
  /** At most this many, 1-100. @default the server's (50) */
  limit?: number;
}

/** Fetch failures after which a rejoin follows, and with it a replay. */
const AWAIT_REJOIN = new Set<string>(['DISCONNECTED', 'CLOSED', 'DROPPED']);
/** Fetch failures that may pass. */
const RETRY = new Set<string>(['TIMEOUT', 'RATE_LIMITED', 'INTERNAL_ERROR']);

/**
 * A room, as `client.room(name)` returns it (one per name). Its `message` event gives the
 * application every message of the room exactly once and in `seq` order, across reconnects:
 * the client rejoins with `since` = `lastSeq`, drops duplicates, reorders, and fills gaps from
 * history.
 */
export class RoomHandle extends TypedEmitter<RoomEvents> {
  private readonly sequencer: RoomSequencer;
  private readonly roster = new PresenceRoster();

  /** Made by `SwitchboardClient.room()`; not meant to be constructed directly. */
  constructor(
    readonly name: string,
    private readonly link: RoomLink,
  ) {
    super();
    this.sequencer = new RoomSequencer({
      clock: link.clock,
      gapWaitMs: link.gapWaitMs,
      deliver: (message) => {
        this.emit('message', message);
        link.delivered(message);
      },
      gap: (from, to) => {
        const event = { room: name, from, to };
        this.emit('gap', event);
        link.gap(event);
      },
      fetch: (from, to) => this.fetchRange(from, to),
      classifyFailure,
    });
  }

  /** The `seq` of the last message delivered (or the baseline of the join); undefined before the first join. */
  get lastSeq(): number | undefined {
    return this.sequencer.lastSeq;
  }

  /** Joins the room; after an earlier join it resumes from `lastSeq`. Subscribe to `message` first. */
  join(options?: RequestOptions): Promise<JoinedEvent> {
    return this.link.join(this.name, this.sequencer.lastSeq, options);
  }

  /** Leaves the room; its `lastSeq` is forgotten, so a later join starts afresh. */
  leave(options?: RequestOptions): Promise<LeftEvent> {
    return this.link.leave(this.name, options);
  }

  /**
   * Sends a message to the room's other members; resolves with the acknowledgement (its `seq`, how
   * many it reached). Exactly once: should the connection drop before the acknowledgement, the
   * client sends it again after reconnecting, with the same id, and the server, which remembers
   * the id, sends it on only if it had not already (the acknowledgement then says `duplicate`).
   */
  send(data: string, options?: SendOptions): Promise<MessageAck> {
    return this.link.send(this.name, data, options);
  }

  /**
   * Sends an ephemeral event (`type`, e.g. `typing`, and any JSON `data` up to 4 KB) to the room's
   * other members, who get it as a `signal` event: not stored, no `seq`, not replayed, not sent
   * again after a drop. Resolves with how many members it reached.
   */
  signal(type: string, data?: unknown, options?: RequestOptions): Promise<SignalAck> {
    return this.link.signal(this.name, type, data, options);
  }

  /** Every member of the room, all pages; or, given `{ cursor }` (undefined for the first), one page. */
  members(): Promise<RoomMember[]>;
  members(page: { cursor?: string }, options?: RequestOptions): Promise<MembersPage>;
  async members(page?: { cursor?: string }, options?: RequestOptions): Promise<RoomMember[] | MembersPage> {
    if (page) {
      const one = await this.link.members(this.name, page.cursor, options);
      this.roster.applyEntries(one.members);
      return one;
    }
    const since = this.roster.mark();
    const all: RoomMember[] = [];
    let cursor: string | undefined;
    do {
      const result = await this.link.members(this.name, cursor, options);
      all.push(...result.members);
      // A server that hands back the same cursor would loop forever.
      if (result.next !== undefined && result.next === cursor) {
        throw new SwitchboardError(
          'INVALID_FRAME',
          `The server returned the members cursor it was given (${cursor}); expected the next page's.`,
        );
      }
      cursor = result.next;
    } while (cursor !== undefined);
    this.roster.applyList(all, since);
    return all;
  }

  /**
   * The room's users as last known: the latest `members()` with the `presence` events since,
   * each user's newest version winning. Empty until the first `members()` or event.
   */
  get knownMembers(): RoomMember[] {
    return this.roster.members;
  }

  /** Retained messages of the room, oldest first. They are not delivered as `message` events. */
  history(query: HistoryQuery = {}, options?: RequestOptions): Promise<RoomMessage[]> {
    return this.link.history(this.name, query, options);
  }

  // ---- fed by the client ------------------------------------------------------

  /** A room message arrived (live or replayed). */
  /** The acknowledgement of our own message to this room gave its `seq`: nothing is awaited there. */
  ownMessageAcknowledged(seq: number): void {
    this.sequencer.ownMessage(seq);
  }

  receive(message: RoomMessage): void {
    this.sequencer.accept(message);
  }

  /** A join for this room went out. */
  joinSent(): void {
    this.sequencer.expectJoin();
  }

  joinedReceived(frame: JoinedEvent): void {
    this.emit('joined', frame);
    this.sequencer.joined(frame.seq, frame.replay);
  }

  signalReceived(frame: SignalEvent): void {
    this.emit('signal', frame);
  }

  joinFailed(): void {
    this.sequencer.joinFailed();
  }

  leftReceived(frame: LeftEvent): void {
    this.sequencer.forget();
    this.roster.clear();
    this.emit('left', frame);
  }

  /** A presence event arrived: emitted, and true, unless it is older than what is known of its user. */
  presenceReceived(frame: PresenceEvent): boolean {
    if (!this.roster.applyEvent(frame)) return false;
    this.emit('presence', frame);
    return true;
  }

  connectionLost(): void {
    this.sequencer.connectionLost();
  }

  dispose(): void {
    this.sequencer.dispose();
  }

  /** The retained messages `from`..`to`, newest pages first, until the range or history is exhausted. */
  private async fetchRange(from: number, to: number): Promise<RoomMessage[]> {
    const messages: RoomMessage[] = [];
    let before = to + 1;
    while (before > from) {
      const limit = Math.min(LIMITS.maxHistoryPage, before - from);
      const page = await this.link.history(this.name, { before, limit });
      messages.push(...page);
      // Only an empty page means nothing older is kept: the server may shorten a page to fit 128 KB.
      if (page.length === 0) break;
      const oldest = Math.min(...page.map((message) => message.seq));
      if (oldest >= before) break;
      before = oldest;
    }
    return messages;
  }
}

function classifyFailure(err: unknown): FetchFailure {
  const code = err instanceof SwitchboardError ? err.code : undefined;
  if (code !== undefined && AWAIT_REJOIN.has(code)) return 'await-rejoin';
  if (code !== undefined && RETRY.has(code)) return 'retry';
  return 'give-up';
}
