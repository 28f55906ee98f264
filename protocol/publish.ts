/**
 * Publishing from backends: the payload a backend sends the Publish function (through the Lambda
 * Invoke API) and what it answers. Shared by the function, which validates every payload, and the
 * `publish()` library, which can check one before sending it. No side effects.
 */
import type { ErrorCode } from './frames';
import { LIMITS } from './limits';
import { displayNameProblem } from './names';
import { encodedSize, roomProblem } from './parse';
import { describeValue as describe } from './values';

/** Where callers find the Publish function. */
export const PUBLISH_FUNCTION = {
  /** The stack output that names the publish function (its physical name). */
  output: 'PublishFunctionName',
  /**
   * Its construct id inside a SwitchboardApi (`<id>Handler`, as for every function there): its logical id contains it.
   * A contract with deployed stacks: changing it replaces the function.
   */
  constructId: 'PublishHandler',
  /** The environment variable `publish()` reads the function's name or ARN from when none is given. */
  environment: 'SWITCHBOARD_PUBLISH_FUNCTION',
} as const;

/** The Publish function's payload. */
export interface PublishRequest {
  /** The room whose members receive it: a name by ROOM_NAME. */
  room: string;
  /** As a member's `data`: a string of at most LIMITS.maxDataBytes (JSON-encoded, UTF-8). */
  data: string;
  /**
   * The `from` members see, a name by the DISPLAY_NAME rule (names.ts); the frame also carries `publisher: true`,
   * so no publisher passes for a user. @default SERVER_SENDER ("server")
   */
  from?: string;
}

/** The Publish function's answer when the message went out. */
export interface PublishResult {
  room: string;
  /** The message's `seq` in the room. */
  seq: number;
  /** Members it reached; 0 when `queued`. */
  delivered: number;
  /** Members it could not reach after retries; 0 when `queued`. */
  failed: number;
  /**
   * The room is beyond the inline fan-out: the message went to the fan-out queue, whose workers
   * deliver it and count the deliveries in metrics.
   */
  queued?: true;
}

/** The Publish function's answer to a payload it refused; nothing was sent. */
export interface PublishRefusal {
  error: { code: ErrorCode; message: string };
}

export type PublishResponse = PublishResult | PublishRefusal;

export type PublishParseResult = { ok: true; request: PublishRequest } | { ok: false; error: PublishRefusal };

/** Validates a Publish payload with the protocol's rules. Never throws: any input gives a request or the error to answer. */
export function parsePublishRequest(input: unknown): PublishParseResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return refuse('The payload must be a JSON object such as {"room":"lobby","data":"Hello"}.');
  }
  const { room, data, from } = input as Record<string, unknown>;
  const badRoom = roomProblem(room, true);
  if (badRoom !== undefined) return refuse(badRoom);
  if (typeof data !== 'string') return refuse(`"data" must be a string; got ${describe(data)}.`);
  const size = encodedSize(data);
  if (size > LIMITS.maxDataBytes) {
    return refuse(
      `"data" is ${size} bytes; the limit is ${LIMITS.maxDataBytes} bytes (JSON-encoded), so the frame members receive fits API Gateway's 32 KB frame limit.`,
    );
  }
  const badName = from === undefined ? undefined : displayNameProblem(from);
  if (badName !== undefined) return refuse(`"from" must be a publisher name, or absent for "server": ${badName}`);
  return { ok: true, request: { room: room as string, data, ...(from === undefined ? {} : { from: from as string }) } };
}

export function isPublishRefusal(response: PublishResponse): response is PublishRefusal {
  return 'error' in response;
}

function refuse(message: string): PublishParseResult {
  return { ok: false, error: { error: { code: 'BAD_REQUEST', message } } };
}
