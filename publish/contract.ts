/**
 * The publish function's contract for its callers: what a backend sends it through the Lambda
 * Invoke API and what it answers (protocol/publish.ts), and where a deployed stack or a running
 * emulator names it. No side effects and no SDK: the emulator, the CLI and `publish()` import it.
 */

// The payload and the answers are protocol facts, defined once beside the frames.
export type { PublishRequest, PublishResult, PublishRefusal } from '../protocol/publish';

import { PUBLISH_FUNCTION } from '../protocol/publish';

/** The stack output that names the publish function (its physical name). */
export const PUBLISH_FUNCTION_OUTPUT = PUBLISH_FUNCTION.output;

/** The construct id of the publish function inside a SwitchboardApi: its logical id contains it. */
export const PUBLISH_FUNCTION_ID = PUBLISH_FUNCTION.constructId;

/** The environment variable `publish()` reads the function's name or ARN from when none is given. */
export const PUBLISH_FUNCTION_ENV = PUBLISH_FUNCTION.environment;
