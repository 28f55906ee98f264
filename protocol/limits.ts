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

/** The characters of a name, as the body of a regex character class: the hyphen escaped, so it is valid in every regex mode (an HTML input's `pattern` uses the `v` flag). */
const NAME_CHARACTERS = 'A-Za-z0-9_.\\-';
const NAME_MAX_LENGTH = 64;

/**
 * The rule for room names, also kept by the names of actions of your own (client/custom.ts), so a
 * name is safe in route keys, construct ids, URLs, logs and metric names alike.
 */
export const ROOM_NAME = {
  pattern: new RegExp(`^[${NAME_CHARACTERS}]{1,${NAME_MAX_LENGTH}}$`),
  /** The same rule for an HTML input's `pattern` attribute, which the browser anchors itself. */
  inputPattern: `[${NAME_CHARACTERS}]{1,${NAME_MAX_LENGTH}}`,
  /** How error messages and the page state the rule. */
  description: `1-${NAME_MAX_LENGTH} characters of A-Z a-z 0-9 _ . -`,
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
  /** Room names: {@link ROOM_NAME}. */
  roomNamePattern: ROOM_NAME.pattern,
  /** Most messages one `history` reply carries. */
  maxHistoryPage: 100,
  /** Longest `cursor` of a `members` request (an opaque token the server made). */
  maxCursorLength: 512,
  /** API Gateway's message payload limit: no reply may exceed it. */
  maxMessageBytes: API_GATEWAY_LIMITS.messageBytes,
  /**
   * Largest `data` of a signal, as its JSON encoding in UTF-8 bytes. Signals are small, frequent
   * events (typing, a cursor, a reaction) limited only by the frame rate; anything bigger belongs
   * in a message, which is kept and replayed.
   */
  maxSignalDataBytes: 4096,
  /**
   * How long the server remembers a room message's `id` (per user and room) to acknowledge a resend
   * with the first one's `seq` instead of sending it again: 5 minutes, many reconnect backoffs. The
   * typed client resends an unacknowledged message after a reconnect only within this time.
   */
  messageDedupSeconds: 5 * 60,
} as const;
