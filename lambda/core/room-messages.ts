import type { RoomMessage } from '../../protocol';
import { dataHash, type DedupRecord } from './dedup-record';
import type { MessageDedup } from './message-dedup';
import type { FanoutResult, RoomFanout } from './room-fanout';
import type { RoomHistory } from './room-history';

/** What a room message is made of before it has a `seq` and a time. */
export interface RoomMessageDraft {
  room: string;
  /** The sender members see: a user or connection id, or a publisher's name. */
  from: string;
  /** The sending user's display name, when its token had one. */
  fromName?: string;
  /** Published from a backend: `from` is the publisher's name, never a user's. */
  publisher?: true;
  data: string;
}

export interface RoomMessageDeps {
  history: Pick<RoomHistory, 'nextSeq' | 'append'>;
  fanout: Pick<RoomFanout, 'broadcast'>;
  /** Posts in flight at once during the fan-out. */
  fanoutConcurrency: number;
  /** The time a message is accepted (its `ts`), in ms since the epoch. */
  now: () => number;
}

export interface RoomMessageOptions {
  /** The sending member's connection, which gets an ack instead; none for a publish from a backend. */
  exclude?: string;
  /** Milliseconds left before the function times out, for the fan-out's budget. */
  remainingMs?: () => number;
}

/**
 * The one path of every room message, from a member (`message`) or from a backend (`publish`):
 * take the room's next `seq`, keep the message in the room's history, then fan it out.
 *
 * The history write comes before the fan-out's member Query on purpose: a client that joins and
 * then reads history (resume) is either in that Query, and gets the message live, or joined after
 * it, and then finds the message in history. Either way it misses nothing. If the history write
 * fails the message is not sent at all (the caller's error), so every message a member received
 * can be replayed; its `seq` is then skipped, a gap no history fills.
 */
export async function sendToRoom(
  draft: RoomMessageDraft,
  deps: RoomMessageDeps,
  options: RoomMessageOptions = {},
): Promise<{ message: RoomMessage; fanout: FanoutResult }> {
  const seq = await deps.history.nextSeq(draft.room);
  // Stamped after the counter, so ts follows seq (and history TTLs, which derive from ts, do too).
  const message = roomMessage(draft, seq, deps.now());
  await deps.history.append(message);
  return { message, fanout: await fanOut(message, deps, options) };
}

/** What a room message with an `id` was, sent once: the message and its fan-out, a resend of it, or another message reusing its id. */
export type SendOnceOutcome =
  | { kind: 'sent'; message: RoomMessage; fanout: FanoutResult }
  /** The same message was sent with this id before: nothing was sent again; `seq` is the first one's. */
  | { kind: 'duplicate'; seq: number }
  /** A different message was sent with this id before: nothing was sent. */
  | { kind: 'id-reused' };

export interface SendOnceDeps extends RoomMessageDeps {
  dedup: Pick<MessageDedup, 'find' | 'claim'>;
}

/**
 * sendToRoom for a message with an `id`: sent at most once per sender, room and id within
 * LIMITS.messageDedupSeconds, and never lost by a crash between steps. The claim (the dedup row,
 * holding the `seq`) is written after the `seq` is taken and before the history write, and is the
 * point where the message counts as sent: a resend that finds it answers with its `seq` and sends
 * nothing, but first writes the history item again (the same bytes: the row keeps `ts`, and the
 * data is the resend's, checked by its hash), so a first send that stopped between its claim and
 * its history write is still replayable. docs/realtime-design.md ("Exactly-once sends") has the
 * full reasoning.
 */
export async function sendToRoomOnce(
  draft: RoomMessageDraft,
  id: string,
  deps: SendOnceDeps,
  options: RoomMessageOptions & { sender: string },
): Promise<SendOnceOutcome> {
  const key = { room: draft.room, sender: options.sender, id };
  const hash = dataHash(draft.data);
  // Read first, so a resend (the usual duplicate) burns no `seq`: members would see a gap for it.
  const earlier = await deps.dedup.find(key);
  if (earlier) return resend(draft, earlier, hash, deps);
  const seq = await deps.history.nextSeq(draft.room);
  const message = roomMessage(draft, seq, deps.now());
  const record: DedupRecord = { seq, ts: message.ts, dataHash: hash };
  if (!(await deps.dedup.claim(key, record))) {
    const winner = await deps.dedup.find(key);
    if (!winner) throw new Error(`The dedup row of id "${id}" in room "${draft.room}" was taken, then gone; send again.`);
    // Our own claim, whose first attempt landed though it seemed to fail (the retry found it).
    if (winner.seq !== seq) {
      // A concurrent send of the same id won: this `seq` is burnt, a gap clients skip.
      return resend(draft, winner, hash, deps);
    }
  }
  await deps.history.append(message);
  return { kind: 'sent', message, fanout: await fanOut(message, deps, options) };
}

/** A resend of a claimed id: the first send's `seq`, once its history item is surely written; or a refusal when the data differs. */
async function resend(draft: RoomMessageDraft, earlier: DedupRecord, hash: string, deps: RoomMessageDeps): Promise<SendOnceOutcome> {
  if (earlier.dataHash !== hash) return { kind: 'id-reused' };
  await deps.history.append(roomMessage(draft, earlier.seq, earlier.ts));
  return { kind: 'duplicate', seq: earlier.seq };
}

/** The frame members receive, its fields in one order, so a message rebuilt from the same parts has the same bytes. */
function roomMessage(draft: RoomMessageDraft, seq: number, ts: number): RoomMessage {
  return {
    event: 'message',
    room: draft.room,
    from: draft.from,
    ...(draft.fromName === undefined ? {} : { fromName: draft.fromName }),
    ...(draft.publisher ? { publisher: true as const } : {}),
    data: draft.data,
    ts,
    seq,
  };
}

function fanOut(message: RoomMessage, deps: RoomMessageDeps, options: RoomMessageOptions): Promise<FanoutResult> {
  return deps.fanout.broadcast(message, options.exclude, { concurrency: deps.fanoutConcurrency, remainingMs: options.remainingMs });
}
