import type { RoomMessage } from '../../protocol';
import type { FanoutResult, RoomFanout } from './room-fanout';
import type { RoomHistory } from './room-history';

/** What a room message is made of before it has a `seq` and a time. */
export interface RoomMessageDraft {
  room: string;
  /** The sender members see: a user or connection id, or a publisher's name. */
  from: string;
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
  const message: RoomMessage = { event: 'message', room: draft.room, from: draft.from, data: draft.data, ts: deps.now(), seq };
  await deps.history.append(message);
  const fanout = await deps.fanout.broadcast(message, options.exclude, {
    concurrency: deps.fanoutConcurrency,
    remainingMs: options.remainingMs,
  });
  return { message, fanout };
}
