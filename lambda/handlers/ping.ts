import { ping } from '../core/actions';
import { errorFrame, parseClientFrame } from '../core/protocol';
import { responseRoute } from './route-kinds';

/** `ping`: a two-way route (route response), so it needs no table and no `@connections` access. */
export const handler = responseRoute((body) => {
  const parsed = parseClientFrame(body);
  if (!parsed.ok) return parsed.error;
  if (parsed.frame.action !== 'ping') return errorFrame('BAD_REQUEST', 'The ping route expects {"action":"ping"}.', parsed.frame.id);
  return ping(parsed.frame);
});
