import type { ErrorCode } from '../protocol';

/** Codes the client adds to the server's own error codes. */
export type ClientErrorCode =
  /** No reply arrived within the request's timeout. */
  | 'TIMEOUT'
  /** The connection closed after the frame was sent, so its reply can never arrive. */
  | 'DISCONNECTED'
  /** `close()` was called. */
  | 'CLOSED'
  /** The outbound queue was full and this frame, the oldest, was dropped. */
  | 'DROPPED'
  /** The server sent a frame that is not valid protocol JSON. */
  | 'INVALID_FRAME'
  /** The `token` function failed; the client retries with backoff. */
  | 'TOKEN';

/** An error from the server (an `error` frame) or from the client itself. */
export class SwitchboardError extends Error {
  constructor(
    readonly code: ErrorCode | ClientErrorCode,
    message: string,
    /** The correlation id of the request this error answers, when known. */
    readonly id?: string,
  ) {
    super(message);
    this.name = 'SwitchboardError';
  }
}
