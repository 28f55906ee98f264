import { FANOUT_DEFAULTS, RATE_LIMIT_DEFAULTS, ROOM_DEFAULTS, type RateLimit } from '../../contract/defaults';
import { ENV, RATE_LIMIT_ENV } from '../../contract/environment';
import { positiveIntEnv, positiveNumberEnv, rateLimitEnv } from '../core/config';
import type { ConnectionStore, JoinLimits } from '../core/connection-store';
import { RoomRateLimiter, roomRateLimit } from '../core/room-rate-limiter';
import { FrameLimiter } from '../core/frame-limiter';
import { createTelemetry, type Telemetry } from '../core/telemetry';

/*
 * What a function builds from its environment at cold start besides its AWS services
 * (services.ts): telemetry, limits and settings, each from the variables the stack set
 * (contract/environment.ts), failing there, naming the variable, when one is wrong. The entries
 * beside this file call these at module scope, so each is built once per execution environment.
 */

type Env = Record<string, string | undefined>;

export function telemetry(): Telemetry {
  return createTelemetry();
}

/** The per-connection frame limit, in this execution environment's memory. */
export function frameLimiter(env: Env = process.env): FrameLimiter {
  return new FrameLimiter(rateLimitEnv(RATE_LIMIT_ENV.frames, RATE_LIMIT_DEFAULTS.frames, env), Date.now);
}

/** Each connection's limit on room messages. */
export function roomMessageRateLimit(env: Env = process.env): RateLimit {
  return rateLimitEnv(RATE_LIMIT_ENV.roomMessages, RATE_LIMIT_DEFAULTS.roomMessages, env);
}

/** The per-room limit on room messages in rooms beyond the inline fan-out. */
export function roomRate(store: ConnectionStore, env: Env = process.env): RoomRateLimiter {
  const perSecond = positiveNumberEnv(ENV.roomMessagesPerSecondPerRoom, FANOUT_DEFAULTS.roomMessagesPerSecondPerRoom, env);
  return new RoomRateLimiter(store.layouts, store.fanoutSettings, roomRateLimit(perSecond), Date.now);
}

/** Rooms per connection and members per room. */
export function joinLimits(env: Env = process.env): JoinLimits {
  return {
    maxRoomsPerConnection: positiveIntEnv(ENV.maxRoomsPerConnection, ROOM_DEFAULTS.maxRoomsPerConnection, env),
    maxRoomMembers: positiveIntEnv(ENV.maxRoomMembers, ROOM_DEFAULTS.maxRoomMembers, env),
  };
}
