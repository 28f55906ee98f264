import { ping } from '../core/actions';
import { actionRoute, type FrameRouteDeps, type RouteHandler } from './route-kinds';

/** `ping`: answers pong; needs no table and no `@connections` access. */
export function makeHandler(deps: FrameRouteDeps): RouteHandler {
  return actionRoute(deps, 'ping', (frame) => ping(frame));
}
