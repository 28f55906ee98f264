import { errorFrame, type ServerFrame, type SignalAck, type SignalEvent, type SignalRequest } from '../../protocol';
import type { ConnectionStore } from './connection-store';
import type { RoomFanout } from './room-fanout';

/**
 * Signals: ephemeral events (typing, cursors) for a room's other members. Kept apart from the room
 * message path on purpose: no `seq`, no history, no dedup, and always fanned out inline by this
 * invocation (the room's members, bounded concurrency), however a room's messages come to be
 * delivered. A signal that misses someone is simply gone, as the next one supersedes it.
 */

export interface SignalDeps {
  store: Pick<ConnectionStore, 'getConnection'>;
  fanout: Pick<RoomFanout, 'broadcast'>;
  /** Posts in flight at once during the fan-out. */
  fanoutConcurrency: number;
  remainingMs?: () => number;
}

/**
 * `signal`: for a member of the room only (else NOT_IN_ROOM; the room rules decided who could
 * join), the event goes to every other member's connection, and the sender gets `delivered`.
 * `fromName` is the sender's display name, from its authorizer context.
 */
export async function sendSignal(frame: SignalRequest, connectionId: string, deps: SignalDeps, fromName?: string): Promise<ServerFrame> {
  const sender = await deps.store.getConnection(connectionId);
  if (!sender?.rooms.includes(frame.room)) {
    return errorFrame('NOT_IN_ROOM', `This connection is not in room "${frame.room}"; join it before signalling to it.`, frame.id);
  }
  const event: SignalEvent = {
    event: 'signal',
    room: frame.room,
    type: frame.type,
    from: sender.userId ?? connectionId,
    ...(fromName === undefined ? {} : { fromName }),
    ...(frame.data === undefined ? {} : { data: frame.data }),
  };
  const result = await deps.fanout.broadcast(event, connectionId, { concurrency: deps.fanoutConcurrency, remainingMs: deps.remainingMs });
  const ack: SignalAck = {
    event: 'signal',
    room: frame.room,
    type: frame.type,
    delivered: result.delivered,
    ...(result.failed > 0 ? { failed: result.failed } : {}),
    ...(result.queued === undefined ? {} : { queued: true as const }),
    ...(frame.id === undefined ? {} : { id: frame.id }),
  };
  return ack;
}
