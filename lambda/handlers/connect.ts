import { METRIC } from '../../contract/metrics';
import { openConnection } from '../core/actions';
import type { ConnectionStore } from '../core/connection-store';
import { count, type Telemetry } from '../core/telemetry';
import { routeHandler, type RouteHandler } from './route-kinds';

export interface ConnectDeps {
  readonly store: ConnectionStore;
  readonly telemetry: Telemetry;
}

/** $connect: runs during the WebSocket handshake; a 200 lets the client in. */
export function makeHandler({ store, telemetry }: ConnectDeps): RouteHandler {
  return routeHandler(telemetry, async (event) => {
    await openConnection(event, store);
    count(telemetry.metrics, METRIC.connectionsOpened);
    telemetry.logger.info('Connection opened');
    return { statusCode: 200 };
  });
}
