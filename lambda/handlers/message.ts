import { sendMessage } from '../core/actions';
import { ROOM_DEFAULTS, ENV, positiveIntEnv, RATE_LIMIT_DEFAULTS, RATE_LIMIT_ENV, rateLimitEnv } from '../core/config';
import { count, logger } from '../core/telemetry';
import { METRIC } from '../core/metric-names';
import { presenceFanout } from '../core/presence';
import { roomPolicyFromEnv } from '../core/room-rules';
import { RoomMessageLimiter } from '../core/room-message-limiter';
import { createHistory, createNotifier, createPresenceStore, createStore } from './clients';
import { actionRoute } from './route-kinds';

const store = createStore();
const notifier = createNotifier();
const history = createHistory();
const fanoutConcurrency = positiveIntEnv(ENV.fanoutConcurrency, ROOM_DEFAULTS.fanoutConcurrency);
// A member pruned as gone (410) is a presence departure from each of its rooms.
const presenceDeps = { presence: createPresenceStore(), policy: roomPolicyFromEnv(), fanoutConcurrency, logger };
const { fanout } = presenceFanout(store, notifier, presenceDeps, (result) => {
  count(METRIC.fanoutDeliveries, result.delivered);
  count(METRIC.fanoutFailures, result.failed);
  count(METRIC.stalePruned, result.pruned);
});
const roomLimiter = new RoomMessageLimiter(store, rateLimitEnv(RATE_LIMIT_ENV.roomMessages, RATE_LIMIT_DEFAULTS.roomMessages), Date.now);

/**
 * `message`: echo "Received: <data>" (the route response), and give room messages their `seq`,
 * keep them in the room's history, and deliver them to the other members through `@connections`.
 */
export const handler = actionRoute('message', (frame, connectionId, context) => {
  count(METRIC.messages);
  return sendMessage(frame, connectionId, {
    store,
    history,
    fanout,
    roomLimiter,
    fanoutConcurrency,
    now: Date.now,
    remainingMs: () => context.getRemainingTimeInMillis(),
  });
});
