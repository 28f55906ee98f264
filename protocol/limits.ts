/**
 * Sizes and durations, each written once. API Gateway's quotas come from the AWS page
 * "Amazon API Gateway quotas for configuring and running a WebSocket API"; the protocol's own
 * limits are derived from them so that every valid frame fits.
 */

/** API Gateway's WebSocket quotas that clients and the emulator must agree on. */
export const API_GATEWAY_LIMITS = {
  /** Largest frame; a larger one closes the connection with 1009. */
  frameBytes: 32 * 1024,
  /** Largest message (all frames of it); no reply may exceed it either. */
  messageBytes: 128 * 1024,
  /** A connection with no client message for this long is closed with 1001. */
  idleTimeoutSeconds: 10 * 60,
  /** Every connection is closed with 1001 after this long. */
  maxConnectionSeconds: 2 * 60 * 60,
} as const;

/** Room in a frame for everything but `data`: action, room (64), id (64), keys and quotes. */
const FRAME_ENVELOPE_BYTES = 512;

/** The protocol's own limits on client frames. */
export const LIMITS = {
  /** Longest `id` a client may attach for correlation. */
  maxIdLength: 64,
  /**
   * Largest `data`, as its JSON encoding in UTF-8 bytes: 32 KB less 512 bytes for the rest of
   * the frame (action, room, id, keys), so that a frame carrying it fits API Gateway's 32 KB
   * frame limit. Larger data would get the connection closed (1009) instead of an error frame.
   */
  maxDataBytes: API_GATEWAY_LIMITS.frameBytes - FRAME_ENVELOPE_BYTES,
  /** API Gateway's frame size limit. */
  maxFrameBytes: API_GATEWAY_LIMITS.frameBytes,
  /** Room names: 1-64 characters of [A-Za-z0-9_.-]. */
  roomNamePattern: /^[A-Za-z0-9_.-]{1,64}$/,
  /** Most messages one `history` reply carries. */
  maxHistoryPage: 100,
  /** Longest `cursor` of a `members` request (an opaque token the server made). */
  maxCursorLength: 512,
  /** API Gateway's message payload limit: no reply may exceed it. */
  maxMessageBytes: API_GATEWAY_LIMITS.messageBytes,
} as const;
