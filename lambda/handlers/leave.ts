import { leaveRoom } from '../core/actions';
import { countDeparture, identityOf, presenceUserId, tellPresence } from '../core/presence';
import { roomFanout, type RoomDeps } from './room-deps';
import { actionRoute, type FrameRouteDeps, type RouteHandler } from './route-kinds';

/** `leave`: remove the sender from a room it is in; its user's last connection there is a presence `left`. */
export function makeHandler(deps: RoomDeps & FrameRouteDeps): RouteHandler {
  const { store } = deps;
  const { presence } = roomFanout(deps);
  return actionRoute(deps, 'leave', async (frame, connectionId, context, request) => {
    const userId = presenceUserId(identityOf(request).userId, connectionId);
    const deps = { ...presence, remainingMs: () => context.getRemainingTimeInMillis() };
    // Counted before the membership is deleted, so a leave that dies midway leaves no ghost: its
    // connection row still lists the room, and its $disconnect counts it out (idempotently) again.
    const left = await countDeparture(frame.room, userId, connectionId, deps);
    const reply = await leaveRoom(frame, connectionId, store);
    if (left) await tellPresence(left, connectionId, deps);
    return reply;
  });
}
