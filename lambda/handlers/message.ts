import { sendMessage } from '../core/actions';
import { ROOM_DEFAULTS, ENV, positiveIntEnv, RATE_LIMIT_DEFAULTS, RATE_LIMIT_ENV, rateLimitEnv } from '../core/config';
import { count, logger } from '../core/telemetry';
import { METRIC } from '../core/metric-names';
import { RoomFanout } from '../core/room-fanout';
import { RoomMessageLimiter } from '../core/room-message-limiter';
import { createNotifier, createStore } from './clients';
import { actionRoute } from './route-kinds';

const store = createStore();
const notifier = createNotifier();
const fanout = new RoomFanout(store, notifier, logger, (result) => {
  count(METRIC.fanoutDeliveries, result.delivered);
  count(METRIC.fanoutFailures, result.failed);
  count(METRIC.stalePruned, result.pruned);
});
const fanoutConcurrency = positiveIntEnv(ENV.fanoutConcurrency, ROOM_DEFAULTS.fanoutConcurrency);
const roomLimiter = new RoomMessageLimiter(store, rateLimitEnv(RATE_LIMIT_ENV.roomMessages, RATE_LIMIT_DEFAULTS.roomMessages), Date.now);

/**
 * `message`: echo "Received: <data>" (the route response), and deliver room
 * messages to the room's other members through `@connections`.
 */
export const handler = actionRoute('message', (frame, connectionId, context) => {
  count(METRIC.messages);
  return sendMessage(frame, connectionId, {
    store,
    fanout,
    roomLimiter,
    fanoutConcurrency,
    now: Date.now,
    remainingMs: () => context.getRemainingTimeInMillis(),
  });
});
