import { closeConnection } from '../core/actions';
import { count, logger, withTelemetry } from '../core/telemetry';
import { METRIC } from '../core/metric-names';
import { createStore } from './clients';

const store = createStore();

/** $disconnect: best effort on API Gateway's side; TTL covers the rows if it never arrives. */
export const handler = withTelemetry(async (event) => {
  const { rooms } = await closeConnection(event, store);
  count(METRIC.connectionsClosed);
  logger.info('Connection closed', {
    rooms: rooms.length,
    disconnectStatusCode: event.requestContext.disconnectStatusCode,
  });
  return { statusCode: 200 };
});
