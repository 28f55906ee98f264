import { leaveRoom } from '../core/actions';
import { announceDeparture, identityOf, presenceUserId } from '../core/presence';
import { createNotifier, createPresenceFanout, createStore } from './clients';
import { actionRoute } from './route-kinds';

const store = createStore();
const { presence } = createPresenceFanout(store, createNotifier());

/** `leave`: remove the sender from a room it is in; its user's last connection there is a presence `left`. */
export const handler = actionRoute('leave', (frame, connectionId, context, request) => {
  const userId = presenceUserId(identityOf(request).userId, connectionId);
  return leaveRoom(frame, connectionId, store, (room) =>
    announceDeparture(room, userId, connectionId, { ...presence, remainingMs: () => context.getRemainingTimeInMillis() }),
  );
});
