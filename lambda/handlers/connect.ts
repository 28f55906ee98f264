import { openConnection } from '../core/actions';
import { count, logger, withTelemetry } from '../core/telemetry';
import { METRIC } from '../../contract/metrics';
import { createStore } from './clients';

const store = createStore();

/** $connect: runs during the WebSocket handshake; a 200 lets the client in. */
export const handler = withTelemetry(async (event) => {
  await openConnection(event, store);
  count(METRIC.connectionsOpened);
  logger.info('Connection opened');
  return { statusCode: 200 };
});
