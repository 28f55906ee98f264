import { ping } from '../core/actions';
import { actionRoute } from './route-kinds';

/** `ping`: answers pong; needs no table and no `@connections` access. */
export const handler = actionRoute('ping', (frame) => ping(frame));
