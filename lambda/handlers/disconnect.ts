import { METRIC } from '../../contract/metrics';
import { closeConnection } from '../core/actions';
import { announceRemoval } from '../core/presence';
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
    const removed = await closeConnection(event, store);
    await announceRemoval(connectionId, removed, { ...presence, remainingMs: () => context.getRemainingTimeInMillis() });
    count(telemetry.metrics, METRIC.connectionsClosed);
    telemetry.logger.info('Connection closed', {
      rooms: removed.rooms.length,
      disconnectStatusCode: event.requestContext.disconnectStatusCode,
    });
    return { statusCode: 200 };
  });
}
