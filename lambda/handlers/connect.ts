import { openConnection } from '../core/actions';
import { logger, withRequestLogging } from '../core/logger';
import { createStore } from './clients';

const store = createStore();

/** $connect: runs during the WebSocket handshake; a 200 lets the client in. */
export const handler = withRequestLogging(async (event) => {
  await openConnection(event, store);
  logger.info('Connection opened');
  return { statusCode: 200 };
});
