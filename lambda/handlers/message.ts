import type { RateLimit } from '../../contract/defaults';
import { METRIC } from '../../contract/metrics';
import { sendMessage } from '../core/actions';
import type { MessageDedup } from '../core/message-dedup';
import { identityOf } from '../core/presence';
import type { RoomHistory } from '../core/room-history';
import { RoomMessageLimiter } from '../core/room-message-limiter';
import type { RoomRateLimiter } from '../core/room-rate-limiter';
import { broadcastCounter, count } from '../core/telemetry';
import { roomFanout, type RoomDeps } from './room-deps';
import { actionRoute, type FrameRouteDeps, type RouteHandler } from './route-kinds';

export interface MessageDeps extends RoomDeps, FrameRouteDeps {
  readonly history: RoomHistory;
  /** The room messages' ids, so a resend is not sent again. */
  readonly dedup: MessageDedup;
  /** Each connection's limit on room messages, kept in its row. */
  readonly roomMessageRateLimit: RateLimit;
  /** The time, in ms since the epoch: a message's `ts` and the room-message limit's clock. */
  readonly now: () => number;
  /** The per-room limit on room messages, in rooms beyond the inline fan-out; none: no such limit. */
  readonly roomRate?: RoomRateLimiter;
}

/**
 * `message`: echo "Received: <data>" (the route response), and give room messages their `seq`,
 * keep them in the room's history, and deliver them to the other members through `@connections`;
 * a room message with an `id` only once.
 */
export function makeHandler(deps: MessageDeps): RouteHandler {
  const { store, history, dedup, fanoutConcurrency, now, telemetry } = deps;
  // A member pruned as gone (410) is a presence departure from each of its rooms.
  const { fanout } = roomFanout(deps, broadcastCounter(telemetry.metrics));
  // One per execution environment: it remembers connections it knows to be out of room tokens.
  const roomLimiter = new RoomMessageLimiter(store, deps.roomMessageRateLimit, now);
  return actionRoute(deps, 'message', (frame, connectionId, context, request) => {
    // Echo messages are in API Gateway's MessageCount already; counting them here too would cost each one an EMF log line.
    if (frame.room !== undefined) count(telemetry.metrics, METRIC.roomMessages);
    const deliver = {
      store,
      history,
      dedup,
      fanout,
      roomLimiter,
      roomRate: deps.roomRate,
      fanoutConcurrency,
      now,
      remainingMs: () => context.getRemainingTimeInMillis(),
    };
    return sendMessage(frame, connectionId, deliver, identityOf(request).name);
  });
}
