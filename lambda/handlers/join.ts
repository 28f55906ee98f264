import { completeJoin, joinRoom } from '../core/actions';
import type { JoinLimits } from '../core/connection-store';
import { joinAccess } from '../core/presence';
import type { RoomHistory } from '../core/room-history';
import { roomFanout, type RoomDeps } from './room-deps';
import { actionRoute, type FrameRouteDeps, type RouteHandler } from './route-kinds';

export interface JoinDeps extends RoomDeps, FrameRouteDeps {
  readonly history: RoomHistory;
  /** Rooms per connection and members per room. */
  readonly limits: JoinLimits;
}

/**
 * `join`: add the sender to a room, within the per-connection and per-room limits; answer `joined`
 * with the room's latest `seq`, or with `since`, post `joined` and the missed messages (resume).
 * Room rules decide who may join; presence counts members and tells the room of a user's first connection.
 */
export function makeHandler(deps: JoinDeps): RouteHandler {
  const { store, history, notifier, limits } = deps;
  const { presence } = roomFanout(deps);
  return actionRoute(deps, 'join', async (frame, connectionId, context, request) => {
    const remainingMs = () => context.getRemainingTimeInMillis();
    const { reply, alreadyMember } = await joinRoom(frame, connectionId, store, limits, joinAccess(request, { ...presence, remainingMs }));
    if (reply.event !== 'joined') return reply;
    const onReplayCut = (err: unknown, posted: number) =>
      deps.telemetry.logger.warn('Replay cut short; the client fills the rest from history', { posted, error: err as Error });
    return completeJoin(frame, connectionId, { history, notifier, remainingMs, alreadyMember, onReplayCut });
  });
}
