import { leaveRoom } from '../core/actions';
import { createNotifier, createStore } from './clients';
import { actionRoute } from './route-kinds';

const store = createStore();
const notifier = createNotifier();

/** `leave`: remove the sender from a room it is in. */
export const handler = actionRoute('leave', notifier, (frame, connectionId) => leaveRoom(frame, connectionId, store));
