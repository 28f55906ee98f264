import { errorFrame, parseClientFrame } from '../../protocol';
import { responseRoute, type FrameRouteDeps, type RouteHandler } from './route-kinds';

/**
 * `$default`: frames no route matched (not JSON, no or unknown action). A
 * two-way route, so the error frame goes back as the route response.
 */
export function makeHandler(deps: FrameRouteDeps): RouteHandler {
  return responseRoute(deps, (body) => {
    const parsed = parseClientFrame(body);
    if (!parsed.ok) return parsed.error;
    // A known action only lands here if the API lacks its route: a deployment mismatch.
    return errorFrame('UNKNOWN_ACTION', `Action "${parsed.frame.action}" is not routed on this API.`, parsed.frame.id);
  });
}
