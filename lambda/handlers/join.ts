import { completeJoin, joinRoom } from '../core/actions';
import { positiveIntEnv } from '../core/config';
import { ROOM_DEFAULTS } from '../../contract/defaults';
import { ENV } from '../../contract/environment';
import { joinAccess } from '../core/presence';
import { createHistory, createNotifier, createPresenceFanout, createStore } from './clients';
import { actionRoute } from './route-kinds';

const store = createStore();
const history = createHistory();
const notifier = createNotifier();
const limits = {
  maxRoomsPerConnection: positiveIntEnv(ENV.maxRoomsPerConnection, ROOM_DEFAULTS.maxRoomsPerConnection),
  maxRoomMembers: positiveIntEnv(ENV.maxRoomMembers, ROOM_DEFAULTS.maxRoomMembers),
};
// Room rules decide who may join; presence counts members and tells the room of a user's first connection.
const { presence } = createPresenceFanout(store, notifier);

/**
 * `join`: add the sender to a room, within the per-connection and per-room limits; answer `joined`
 * with the room's latest `seq`, or with `since`, post `joined` and the missed messages (resume).
 */
export const handler = actionRoute('join', async (frame, connectionId, context, request) => {
  const access = joinAccess(request, { ...presence, remainingMs: () => context.getRemainingTimeInMillis() });
  const reply = await joinRoom(frame, connectionId, store, limits, access);
  if (reply.event !== 'joined') return reply;
  return completeJoin(frame, connectionId, { history, notifier, remainingMs: () => context.getRemainingTimeInMillis() });
});
