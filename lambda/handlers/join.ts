import { joinRoom } from '../core/actions';
import { ENV, positiveIntEnv } from '../core/config';
import { createStore } from './clients';
import { actionRoute } from './route-kinds';

const store = createStore();
const limits = {
  maxRoomsPerConnection: positiveIntEnv(ENV.maxRoomsPerConnection, 20),
  maxRoomMembers: positiveIntEnv(ENV.maxRoomMembers, 1000),
};

/** `join`: add the sender to a room, within the per-connection and per-room limits. */
export const handler = actionRoute('join', (frame, connectionId) => joinRoom(frame, connectionId, store, limits));
