import { leaveRoom } from '../core/actions';
import { announceDeparture, identityOf, presenceUserId } from '../core/presence';
import { roomFanout, type RoomDeps } from './room-deps';
import { actionRoute, type FrameRouteDeps, type RouteHandler } from './route-kinds';

/** `leave`: remove the sender from a room it is in; its user's last connection there is a presence `left`. */
export function makeHandler(deps: RoomDeps & FrameRouteDeps): RouteHandler {
  const { store } = deps;
  const { presence } = roomFanout(deps);
  return actionRoute(deps, 'leave', (frame, connectionId, context, request) => {
    const userId = presenceUserId(identityOf(request).userId, connectionId);
    return leaveRoom(frame, connectionId, store, (room) =>
      announceDeparture(room, userId, connectionId, { ...presence, remainingMs: () => context.getRemainingTimeInMillis() }),
    );
  });
}
