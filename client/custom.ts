/**
 * Actions of your own (routes you added with `extraRoutes`): the frames the client sends for them
 * and the checks it makes first. Switchboard's own actions keep their protocol v1 checks.
 */
import { ACTIONS, LIMITS, ROOM_NAME } from '../protocol';
import { SwitchboardError } from './errors';

/**
 * Names the client sends as an action of your own. API Gateway routes on the value of `action`
 * as is and documents no character set beyond keeping `$` keys for its own routes; this rule,
 * the room names' one, keeps the name safe in construct ids, URLs, logs and metric names alike.
 */
export const CUSTOM_ACTION_PATTERN = ROOM_NAME.pattern;

/** Room left in a frame for the `id` the client adds: `,"id":"` and `"` around at most maxIdLength characters. */
const ID_FIELD_BYTES = LIMITS.maxIdLength + 8;

/** The largest frame `custom()` sends, before its `id` is added, so that the frame fits API Gateway's frame limit. */
export const MAX_CUSTOM_FRAME_BYTES = LIMITS.maxFrameBytes - ID_FIELD_BYTES;

/** A frame of an action of your own, as `custom()` sends it. */
export interface CustomRequest {
  action: string;
  id?: string;
  [field: string]: unknown;
}

/** A frame whose `event` is not one of protocol v1's: your own actions' replies and events. */
export interface CustomEvent {
  event: string;
  id?: string;
  [field: string]: unknown;
}

const OWN_ACTIONS: ReadonlySet<string> = new Set(ACTIONS);
const utf8 = new TextEncoder();

/** Whether `action` is one of Switchboard's own (so its frame has protocol v1's checks). */
export function isProtocolAction(action: string): boolean {
  return OWN_ACTIONS.has(action);
}

/** Builds the frame of an action of your own; throws a SwitchboardError (BAD_REQUEST) saying what is wrong. */
export function buildCustomFrame(action: unknown, payload: unknown): CustomRequest {
  if (typeof action !== 'string' || !CUSTOM_ACTION_PATTERN.test(action)) {
    throw badRequest(
      `The action must be ${ROOM_NAME.description} (the route key of your route); got ${JSON.stringify(action) ?? String(action)}.`,
    );
  }
  if (isProtocolAction(action)) {
    throw badRequest(`"${action}" is one of Switchboard's own actions: send it with request('${action}', ...), which checks its fields.`);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw badRequest(
      `The payload of "${action}" must be an object of the frame's fields; got ${Array.isArray(payload) ? 'an array' : String(payload)}.`,
    );
  }
  for (const reserved of ['action', 'id'])
    if (reserved in payload) {
      throw badRequest(`The payload of "${action}" may not have an "${reserved}" field: the client sets "action" and "id" itself.`);
    }
  const frame: CustomRequest = { action, ...(payload as Record<string, unknown>) };
  let text: string;
  try {
    text = JSON.stringify(frame);
  } catch (err: unknown) {
    throw badRequest(`The payload of "${action}" cannot be sent as JSON: ${err instanceof Error ? err.message : String(err)}.`);
  }
  const size = utf8.encode(text).length;
  if (size > MAX_CUSTOM_FRAME_BYTES) {
    throw badRequest(
      `The "${action}" frame is ${size} bytes; the limit is ${MAX_CUSTOM_FRAME_BYTES} bytes (API Gateway's 32 KB frame, less room for the id), or the connection would be closed with 1009.`,
    );
  }
  // A copy, so a payload changed after the call (while the frame waits for a connection) is sent as it was.
  return JSON.parse(text) as CustomRequest;
}

function badRequest(message: string): SwitchboardError {
  return new SwitchboardError('BAD_REQUEST', message);
}
