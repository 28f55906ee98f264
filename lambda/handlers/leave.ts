import { leaveRoom } from '../core/actions';
import { ENV, positiveIntEnv, ROOM_DEFAULTS } from '../core/config';
import { announceDeparture, identityOf, presenceFanout, presenceUserId } from '../core/presence';
import { roomPolicyFromEnv } from '../core/room-rules';
import { logger } from '../core/telemetry';
import { createNotifier, createPresenceStore, createStore } from './clients';
import { actionRoute } from './route-kinds';

const store = createStore();
const { presence } = presenceFanout(store, createNotifier(), {
  presence: createPresenceStore(),
  policy: roomPolicyFromEnv(),
  fanoutConcurrency: positiveIntEnv(ENV.fanoutConcurrency, ROOM_DEFAULTS.fanoutConcurrency),
  logger,
});

/** `leave`: remove the sender from a room it is in; its user's last connection there is a presence `left`. */
export const handler = actionRoute('leave', (frame, connectionId, context, request) => {
  const userId = presenceUserId(identityOf(request).userId, connectionId);
  return leaveRoom(frame, connectionId, store, (room) =>
    announceDeparture(room, userId, connectionId, { ...presence, remainingMs: () => context.getRemainingTimeInMillis() }),
  );
});
