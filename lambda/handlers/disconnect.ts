import { METRIC } from '../../contract/metrics';
import { removeConnection } from '../core/presence';
import { count } from '../core/telemetry';
import { roomFanout, type RoomDeps } from './room-deps';
import { routeHandler, type RouteHandler } from './route-kinds';

/**
 * $disconnect: best effort on API Gateway's side; TTL covers the rows if it never arrives. The
 * user's last connection in a room is a presence `left` there.
 */
export function makeHandler(deps: RoomDeps): RouteHandler {
  const { store, telemetry } = deps;
  const { presence } = roomFanout(deps);
  return routeHandler(telemetry, async (event, context) => {
    const { connectionId } = event.requestContext;
    // Its presence departures are counted even when a fan-out's 410 removed its rows first.
    const removed = await removeConnection(connectionId, store, { ...presence, remainingMs: () => context.getRemainingTimeInMillis() });
    count(telemetry.metrics, METRIC.connectionsClosed);
    telemetry.logger.info('Connection closed', {
      rooms: removed.rooms.length,
      disconnectStatusCode: event.requestContext.disconnectStatusCode,
    });
    return { statusCode: 200 };
  });
}
