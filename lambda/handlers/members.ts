import type { ConnectionStore } from '../core/connection-store';
import { listMembers, type PresenceStore } from '../core/presence';
import { actionRoute, type FrameRouteDeps, type RouteHandler } from './route-kinds';

export interface MembersDeps extends FrameRouteDeps {
  readonly store: ConnectionStore;
  readonly presenceStore: PresenceStore;
}

/** `members`: one page of the room's users and their connection counts, for members of the room only. */
export function makeHandler(deps: MembersDeps): RouteHandler {
  const { store, presenceStore } = deps;
  return actionRoute(deps, 'members', (frame, connectionId) => listMembers(frame, connectionId, store, presenceStore));
}
