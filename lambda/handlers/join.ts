import { joinRoom } from '../core/actions';
import { ROOM_DEFAULTS, ENV, positiveIntEnv } from '../core/config';
import { createStore } from './clients';
import { actionRoute } from './route-kinds';

const store = createStore();
const limits = {
  maxRoomsPerConnection: positiveIntEnv(ENV.maxRoomsPerConnection, ROOM_DEFAULTS.maxRoomsPerConnection),
  maxRoomMembers: positiveIntEnv(ENV.maxRoomMembers, ROOM_DEFAULTS.maxRoomMembers),
};

/** `join`: add the sender to a room, within the per-connection and per-room limits. */
export const handler = actionRoute('join', (frame, connectionId) => joinRoom(frame, connectionId, store, limits));
