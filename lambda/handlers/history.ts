import { roomHistory } from '../core/actions';
import { createHistory, createStore } from './clients';
import { actionRoute } from './route-kinds';

const store = createStore();
const history = createHistory();

/** `history`: a page of the room's retained messages, oldest first, for members of the room. */
export const handler = actionRoute('history', (frame, connectionId) => roomHistory(frame, connectionId, { store, history }));
