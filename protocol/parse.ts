/**
 * Parsing and formatting of protocol frames: pure functions, shared by the handlers (which
 * validate every frame) and the client (which checks a frame before sending it).
 */
import type { Action, ClientFrame, ErrorCode, ErrorEvent, MessageAck, ServerFrame } from './frames';
import { ACTIONS } from './frames';
import { LIMITS, ROOM_NAME } from './limits';
import { describeValue as describe, stripUndefined } from './values';

// ---- parsing -------------------------------------------------------------

export type ParseResult = { ok: true; frame: ClientFrame } | { ok: false; error: ErrorEvent };

/**
 * Size of a string as it travels inside a JSON frame, in UTF-8 bytes (without quotes). Counted,
 * not encoded: every message frame is measured, and encoding allocated its bytes each time.
 * JSON.stringify escapes lone surrogates, so every surrogate left in its output is half of a pair.
 */
export function encodedSize(value: string): number {
  // Less the two quotes, one byte each.
  return utf8Length(JSON.stringify(value)) - 2;
}

/** UTF-8 bytes of JSON text, counted: JSON.stringify escapes lone surrogates, so every surrogate left in its output is half of a pair. */
function utf8Length(json: string): number {
  let bytes = json.length;
  for (let i = 0; i < json.length; i++) {
    const code = json.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff) {
      // A pair: two UTF-16 units, four UTF-8 bytes.
      bytes += 2;
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/**
 * Parses and validates one client frame. Never throws: any input, however
 * malformed, gives either a typed frame or the error frame to send back.
 * `id` is echoed in the error whenever the frame carried a valid one.
 */
export function parseClientFrame(body: string | null | undefined): ParseResult {
  if (body === null || body === undefined || body.length === 0) {
    return fail('BAD_REQUEST', 'The frame is empty; expected a JSON object such as {"action":"message","data":"Hello"}.');
  }
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return fail('BAD_REQUEST', 'The frame is not valid JSON; expected a JSON object such as {"action":"message","data":"Hello"}.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('BAD_REQUEST', `The frame is ${describe(value)}; expected a JSON object with an "action".`);
  }
  const obj = value as Record<string, unknown>;

  let id: string | undefined;
  if (obj.id !== undefined) {
    if (typeof obj.id !== 'string' || obj.id.length > LIMITS.maxIdLength) {
      return fail('BAD_REQUEST', `"id" must be a string of at most ${LIMITS.maxIdLength} characters; got ${describe(obj.id)}.`);
    }
    id = obj.id;
  }

  const action = obj.action;
  if (action === undefined) {
    return fail('BAD_REQUEST', `The frame has no "action"; expected one of ${ACTIONS.join(', ')}.`, id);
  }
  if (typeof action !== 'string') {
    return fail('BAD_REQUEST', `"action" must be a string; got ${describe(action)}.`, id);
  }
  if (!(ACTIONS as readonly string[]).includes(action)) {
    return fail('UNKNOWN_ACTION', `Unknown action "${truncate(action)}"; expected one of ${ACTIONS.join(', ')}.`, id);
  }

  switch (action as Action) {
    case 'ping':
      return { ok: true, frame: withId({ action: 'ping' as const }, id) };
    case 'leave': {
      const roomError = roomProblem(obj.room, true);
      if (roomError) return fail('BAD_REQUEST', roomError, id);
      return { ok: true, frame: withId({ action: 'leave' as const, room: obj.room as string }, id) };
    }
    case 'join': {
      const problem = roomProblem(obj.room, true) ?? checkSeq('since', obj.since, 0);
      if (problem) return fail('BAD_REQUEST', problem, id);
      const since = obj.since === undefined ? {} : { since: obj.since as number };
      return { ok: true, frame: withId({ action: 'join' as const, room: obj.room as string, ...since }, id) };
    }
    case 'members': {
      const problem =
        roomProblem(obj.room, true) ??
        (obj.cursor === undefined ||
        (typeof obj.cursor === 'string' && obj.cursor.length > 0 && obj.cursor.length <= LIMITS.maxCursorLength)
          ? undefined
          : `"cursor" must be the "next" of a previous members reply; got ${describe(obj.cursor)}.`);
      if (problem) return fail('BAD_REQUEST', problem, id);
      const cursor = obj.cursor === undefined ? {} : { cursor: obj.cursor as string };
      return { ok: true, frame: withId({ action: 'members' as const, room: obj.room as string, ...cursor }, id) };
    }
    case 'history': {
      const problem =
        roomProblem(obj.room, true) ??
        checkSeq('before', obj.before, 1) ??
        (obj.limit === undefined ||
        (Number.isInteger(obj.limit) && (obj.limit as number) >= 1 && (obj.limit as number) <= LIMITS.maxHistoryPage)
          ? undefined
          : `"limit" must be an integer from 1 to ${LIMITS.maxHistoryPage}; got ${describe(obj.limit)}.`);
      if (problem) return fail('BAD_REQUEST', problem, id);
      return {
        ok: true,
        frame: withId(
          {
            action: 'history' as const,
            room: obj.room as string,
            ...(obj.before === undefined ? {} : { before: obj.before as number }),
            ...(obj.limit === undefined ? {} : { limit: obj.limit as number }),
          },
          id,
        ),
      };
    }
    case 'signal': {
      const problem = roomProblem(obj.room, true) ?? signalTypeProblem(obj.type) ?? signalDataProblem(obj.data);
      if (problem) return fail('BAD_REQUEST', problem, id);
      const data = obj.data === undefined ? {} : { data: obj.data };
      return { ok: true, frame: withId({ action: 'signal' as const, room: obj.room as string, type: obj.type as string, ...data }, id) };
    }
    case 'message': {
      if (typeof obj.data !== 'string') {
        return fail('BAD_REQUEST', `"data" must be a string; got ${describe(obj.data)}.`, id);
      }
      const size = encodedSize(obj.data);
      if (size > LIMITS.maxDataBytes) {
        return fail(
          'BAD_REQUEST',
          `"data" is ${size} bytes; the limit is ${LIMITS.maxDataBytes} bytes (JSON-encoded), so the frame fits API Gateway's 32 KB frame limit.`,
          id,
        );
      }
      if (obj.room === undefined) return { ok: true, frame: withId({ action: 'message' as const, data: obj.data }, id) };
      const roomError = roomProblem(obj.room, false);
      if (roomError) return fail('BAD_REQUEST', roomError, id);
      return { ok: true, frame: withId({ action: 'message' as const, data: obj.data, room: obj.room as string }, id) };
    }
  }
}

/** What is wrong with a frame's `room`, or undefined: absent (when not `required`) or a name by {@link ROOM_NAME}. */
export function roomProblem(room: unknown, required: boolean): string | undefined {
  if (room === undefined) return required ? `"room" is required; expected ${ROOM_NAME.description}.` : undefined;
  if (typeof room !== 'string' || !ROOM_NAME.pattern.test(room)) return `"room" must be ${ROOM_NAME.description}; got ${describe(room)}.`;
  return undefined;
}

/** A signal's `type`: a name by {@link ROOM_NAME}'s rule. */
function signalTypeProblem(type: unknown): string | undefined {
  if (typeof type === 'string' && ROOM_NAME.pattern.test(type)) return undefined;
  return `"type" must be ${ROOM_NAME.description} (e.g. "typing"); got ${describe(type)}.`;
}

/** A signal's `data`: absent, or any JSON value of at most LIMITS.maxSignalDataBytes as JSON. */
function signalDataProblem(data: unknown): string | undefined {
  if (data === undefined) return undefined;
  const size = utf8Length(JSON.stringify(data));
  if (size <= LIMITS.maxSignalDataBytes) return undefined;
  return `"data" of a signal is ${size} bytes as JSON; the limit is ${LIMITS.maxSignalDataBytes} (send larger content as a message).`;
}

/** A room sequence number field: absent, or an integer from `min` up. */
function checkSeq(name: string, value: unknown, min: number): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    return `"${name}" must be an integer of at least ${min} (a room message's "seq"); got ${describe(value)}.`;
  }
  return undefined;
}

function truncate(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 32 ? `${printable.slice(0, 32)}...` : printable;
}

function fail(code: ErrorCode, message: string, id?: string): ParseResult {
  return { ok: false, error: errorFrame(code, message, id) };
}

// ---- formatting ------------------------------------------------------------

export function errorFrame(code: ErrorCode, message: string, id?: string): ErrorEvent {
  return id === undefined ? { event: 'error', error: { code, message } } : { event: 'error', error: { code, message }, id };
}

/** The echo acknowledgement: "Received: <data>", the seed gateway's answer. */
export function messageAck(data: string, extra: Omit<MessageAck, 'event' | 'data'> = {}): MessageAck {
  return { event: 'message', data: `Received: ${data}`, ...stripUndefined(extra) };
}

export function serialize(frame: ServerFrame): string {
  return JSON.stringify(frame);
}

/** The frame with the client's `id`, when it sent one. A function, not a closure: it runs for every frame. */
function withId<T extends object>(frame: T, id: string | undefined): T & { id?: string } {
  return id === undefined ? frame : { ...frame, id };
}
