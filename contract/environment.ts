/**
 * The environment variables SwitchboardApi sets on its functions and the handlers read at cold
 * start: this is their one definition. The authorizer's own are in auth.ts.
 */

/** Environment variables the handlers read. */
export const ENV = {
  tableName: 'TABLE_NAME',
  callbackUrl: 'CALLBACK_URL',
  maxRoomsPerConnection: 'MAX_ROOMS_PER_CONNECTION',
  maxRoomMembers: 'MAX_ROOM_MEMBERS',
  fanoutConcurrency: 'FANOUT_CONCURRENCY',
  roomMessagesPerSecond: 'ROOM_MESSAGES_PER_SECOND',
  roomMessageBurst: 'ROOM_MESSAGE_BURST',
  framesPerSecond: 'FRAMES_PER_SECOND',
  frameBurst: 'FRAME_BURST',
  /** Messages kept per room for history and resume; 0 keeps none. */
  historyLimit: 'HISTORY_LIMIT',
  /** How long a room message is kept, in seconds. */
  historyRetentionSeconds: 'HISTORY_RETENTION_SECONDS',
  /** The room rules (room-rules.ts), as JSON; unset: none. */
  roomRules: 'ROOM_RULES',
  /** `true` or `false`: whether presence events go out where no room rule says otherwise. */
  presence: 'PRESENCE',
  /** Members above which a room gets `occupancy` instead of `presence` events. */
  presenceLimit: 'PRESENCE_LIMIT',
  /** The fan-out queue's URL (an SQS FIFO queue), where rooms beyond the inline limit are fanned out. */
  fanoutQueueUrl: 'FANOUT_QUEUE_URL',
  inlineFanoutLimit: 'INLINE_FANOUT_LIMIT',
  fanoutShardSize: 'FANOUT_SHARD_SIZE',
  fanoutPostsPerSecond: 'FANOUT_POSTS_PER_SECOND',
  roomMessagesPerSecondPerRoom: 'ROOM_MESSAGES_PER_SECOND_PER_ROOM',
} as const;

/** The variables that carry each rate limit. */
export const RATE_LIMIT_ENV = {
  roomMessages: { perSecond: ENV.roomMessagesPerSecond, burst: ENV.roomMessageBurst },
  frames: { perSecond: ENV.framesPerSecond, burst: ENV.frameBurst },
} as const;
