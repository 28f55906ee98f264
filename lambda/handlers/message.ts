import { sendMessage } from '../core/actions';
import { rateLimitEnv } from '../core/config';
import { RATE_LIMIT_DEFAULTS } from '../../contract/defaults';
import { RATE_LIMIT_ENV } from '../../contract/environment';
import { count, countBroadcast } from '../core/telemetry';
import { METRIC } from '../../contract/metrics';
import { RoomMessageLimiter } from '../core/room-message-limiter';
import { createHistory, createNotifier, createPresenceFanout, createStore } from './clients';
import { actionRoute } from './route-kinds';

const store = createStore();
const history = createHistory();
// A member pruned as gone (410) is a presence departure from each of its rooms.
const { fanout, presence } = createPresenceFanout(store, createNotifier(), countBroadcast);
const { fanoutConcurrency } = presence;
const roomLimiter = new RoomMessageLimiter(store, rateLimitEnv(RATE_LIMIT_ENV.roomMessages, RATE_LIMIT_DEFAULTS.roomMessages), Date.now);

/**
 * `message`: echo "Received: <data>" (the route response), and give room messages their `seq`,
 * keep them in the room's history, and deliver them to the other members through `@connections`.
 */
export const handler = actionRoute('message', (frame, connectionId, context) => {
  // Echo messages are in API Gateway's MessageCount already; counting them here too would cost each one an EMF log line.
  if (frame.room !== undefined) count(METRIC.roomMessages);
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
