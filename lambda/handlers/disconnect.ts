import { closeConnection } from '../core/actions';
import { logger, withRequestLogging } from '../core/logger';
import { createStore } from './clients';

const store = createStore();

/** $disconnect: best effort on API Gateway's side; TTL covers the rows if it never arrives. */
export const handler = withRequestLogging(async (event) => {
  const { rooms } = await closeConnection(event, store);
  logger.info('Connection closed', {
    rooms: rooms.length,
    disconnectStatusCode: event.requestContext.disconnectStatusCode,
  });
  return { statusCode: 200 };
});
