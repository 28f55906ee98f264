import { leaveRoom } from '../core/actions';
import { createStore } from './clients';
import { actionRoute } from './route-kinds';

const store = createStore();

/** `leave`: remove the sender from a room it is in. */
export const handler = actionRoute('leave', (frame, connectionId) => leaveRoom(frame, connectionId, store));
