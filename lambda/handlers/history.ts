import { roomHistory } from '../core/actions';
import type { ConnectionStore } from '../core/connection-store';
import type { RoomHistory } from '../core/room-history';
import { actionRoute, type FrameRouteDeps, type RouteHandler } from './route-kinds';

export interface HistoryRouteDeps extends FrameRouteDeps {
  readonly store: ConnectionStore;
  readonly history: RoomHistory;
}

/** `history`: a page of the room's retained messages, oldest first, for members of the room. */
export function makeHandler(deps: HistoryRouteDeps): RouteHandler {
  const { store, history } = deps;
  return actionRoute(deps, 'history', (frame, connectionId) => roomHistory(frame, connectionId, { store, history }));
}
