/**
 * Every default of Switchboard's settings, in one place: the stack's props and `-c` keys default to
 * these, the handlers fall back on them when a variable is unset, and docs/configuration.md quotes
 * them (test/docs/configuration-defaults.test.ts holds it to them).
 */
import type { RateLimit } from '../protocol/token-bucket';

export type { RateLimit };

/** The app's stack and stage. */
export const STACK_DEFAULTS = {
  stackName: 'Switchboard',
  /** The last path segment of the wss:// URL. */
  stageName: 'dev',
  /** The stage's default route throttling. */
  throttle: { rateLimit: 500, burstLimit: 1000 },
  /** Each handler's timeout, within API Gateway's 29 s integration limit. */
  functionTimeoutSeconds: 10,
} as const;

/** Rooms: the stack's props default to these, and so do the handlers. */
export const ROOM_DEFAULTS = {
  maxRoomsPerConnection: 20,
  maxRoomMembers: 1000,
  fanoutConcurrency: 32,
  /** Whether joins and leaves send `presence` events where no room rule says otherwise. */
  presence: true,
  /**
   * Above this many members a room gets an `occupancy` count, at most once a second, instead of a
   * `presence` event per join and leave (each a post to every member), as Pusher and Ably cap it.
   */
  presenceLimit: 100,
} as const;

/**
 * Rooms beyond one invocation (docs/design.md, "Rooms beyond one invocation"): the stack's props
 * default to these, and so do the handlers.
 */
export const FANOUT_DEFAULTS = {
  /**
   * Rooms of up to this many members fan out inline, from the sender's own invocation; larger
   * rooms through the fan-out queue and its workers. 0 sends every room through the queue.
   */
  inlineFanoutLimit: 1000,
  /** Members per shard of a queued room: one queue message, and one worker's Query, each. */
  fanoutShardSize: 1000,
  /**
   * The fan-out workers' posts per second, all together: half the account's default
   * `@connections` quota (10,000 requests/s), leaving the rest to the routes and other APIs.
   */
  fanoutPostsPerSecond: 5000,
  /** Fan-out workers at once (the event source mapping's maximum concurrency). */
  fanoutWorkers: 10,
  /** Room messages per second one queued room accepts, from all its members and publishers together. */
  roomMessagesPerSecondPerRoom: 20,
} as const;

/** The largest `maxRoomMembers`: a room that big fans out through the queue in about 100 s at the default quota. */
export const MAX_ROOM_MEMBERS = 1_000_000;

/** Room history: the stack's props default to these, and so do the handlers. */
export const HISTORY_DEFAULTS = {
  /** Messages kept per room. */
  limit: 100,
  /** How long each is kept: 24 hours. */
  retentionSeconds: 24 * 60 * 60,
} as const;

/**
 * Per-connection rate limits (token buckets): the stack's props default to these, and so do the
 * handlers. Room messages, which fan out to up to `maxRoomMembers` posts each, are limited exactly
 * (in the connection's row); all frames more loosely (in each Lambda environment's memory).
 */
export const RATE_LIMIT_DEFAULTS = {
  roomMessages: { perSecond: 10, burst: 20 },
  frames: { perSecond: 50, burst: 100 },
} as const satisfies Record<string, RateLimit>;
