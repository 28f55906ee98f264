import { sendMessage } from '../core/actions';
import { DEFAULTS, ENV, positiveIntEnv } from '../core/config';
import { count, logger, METRIC } from '../core/telemetry';
import { RoomFanout } from '../core/room-fanout';
import { createNotifier, createStore } from './clients';
import { actionRoute } from './route-kinds';

const store = createStore();
const notifier = createNotifier();
const fanout = new RoomFanout(store, notifier, logger, (result) => {
  count(METRIC.fanoutDeliveries, result.delivered);
  count(METRIC.fanoutFailures, result.failed);
  count(METRIC.stalePruned, result.pruned);
});
const fanoutConcurrency = positiveIntEnv(ENV.fanoutConcurrency, DEFAULTS.fanoutConcurrency);

/**
 * `message`: echo "Received: <data>" (the route response), and deliver room
 * messages to the room's other members through `@connections`.
 */
export const handler = actionRoute('message', (frame, connectionId, context) => {
  count(METRIC.messages);
  return sendMessage(frame, connectionId, {
    store,
    fanout,
    fanoutConcurrency,
    now: Date.now,
    remainingMs: () => context.getRemainingTimeInMillis(),
  });
});
