import { listMembers } from '../core/presence';
import { createPresenceStore, createStore } from './clients';
import { actionRoute } from './route-kinds';

const store = createStore();
const presence = createPresenceStore();

/** `members`: one page of the room's users and their connection counts, for members of the room only. */
export const handler = actionRoute('members', (frame, connectionId) => listMembers(frame, connectionId, store, presence));
