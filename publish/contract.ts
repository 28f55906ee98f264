/**
 * The publish function's contract, written once: what a backend sends it through the Lambda
 * Invoke API, what it answers, and where a deployed stack or a running emulator names it.
 * No side effects and no SDK: the emulator, the CLI and `publish()` all import it.
 */

/** The payload of one Invoke of the publish function. */
export interface PublishRequest {
  /** The room to publish to, e.g. `orders.42` or `user.<sub>` (all of that user's connections). */
  readonly room: string;
  /** The message, as members receive it in the room message frame's `data`. */
  readonly data: string;
  /** The sender members see in `from`. @default 'server' */
  readonly from?: string;
}

/** The publish function's answer to a valid request. */
export interface PublishResult {
  readonly room: string;
  /** The room's sequence number the message took. */
  readonly seq: number;
  /** Members it reached. */
  readonly delivered: number;
  /** Members it could not reach after retries. */
  readonly failed: number;
}

/** The publish function's answer to a request it refused (bad room, data too large, ...). */
export interface PublishRefusal {
  readonly error: { readonly code: string; readonly message: string };
}

/** The stack output that names the publish function (its physical name). */
export const PUBLISH_FUNCTION_OUTPUT = 'PublishFunctionName';

/** The construct id of the publish function inside a SwitchboardApi: its logical id contains it. */
export const PUBLISH_FUNCTION_ID = 'PublishHandler';

/** The environment variable `publish()` reads the function's name or ARN from when none is given. */
export const PUBLISH_FUNCTION_ENV = 'SWITCHBOARD_PUBLISH_FUNCTION';
