import { closeConnection } from '../core/actions';
import { METRIC } from '../../contract/metrics';
import { announceRemoval } from '../core/presence';
import { count, logger, withTelemetry } from '../core/telemetry';
import { createNotifier, createPresenceFanout, createStore } from './clients';

const store = createStore();
const { presence } = createPresenceFanout(store, createNotifier());

/**
 * $disconnect: best effort on API Gateway's side; TTL covers the rows if it never arrives. The
 * user's last connection in a room is a presence `left` there.
 */
export const handler = withTelemetry(async (event, context) => {
  const { connectionId } = event.requestContext;
  const removed = await closeConnection(event, store);
  await announceRemoval(connectionId, removed, { ...presence, remainingMs: () => context.getRemainingTimeInMillis() });
  count(METRIC.connectionsClosed);
  logger.info('Connection closed', {
    rooms: removed.rooms.length,
    disconnectStatusCode: event.requestContext.disconnectStatusCode,
  });
  return { statusCode: 200 };
});
