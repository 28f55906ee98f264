import { METRIC } from '../../contract/metrics';
import { identityOf } from '../core/presence';
import { sendSignal } from '../core/signals';
import { count } from '../core/telemetry';
import { roomFanout, type RoomDeps } from './room-deps';
import { actionRoute, type FrameRouteDeps, type RouteHandler } from './route-kinds';

/**
 * `signal`: an ephemeral event for the room's other members, fanned out by this invocation, never
 * stored. Limited by the per-connection frame limit, as every frame is.
 */
export function makeHandler(deps: RoomDeps & FrameRouteDeps): RouteHandler {
  const { store, fanoutConcurrency, telemetry } = deps;
  // Gone members are pruned as by any fan-out (and count as presence departures). Deliveries and
  // failures are not counted: FanoutFailures, and its alarm, are about room messages.
  const { fanout } = roomFanout(deps, (result) => count(telemetry.metrics, METRIC.stalePruned, result.pruned));
  return actionRoute(deps, 'signal', (frame, connectionId, context, request) =>
    sendSignal(
      frame,
      connectionId,
      { store, fanout, fanoutConcurrency, remainingMs: () => context.getRemainingTimeInMillis() },
      identityOf(request).name,
    ),
  );
}
