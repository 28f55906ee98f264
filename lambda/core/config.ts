import type { RateLimit } from './token-bucket';

/** Environment variables the handlers read. The stack sets them; this is their one definition. */
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
} as const;

/** Defaults for the limits above: the stack's props default to these, and so do the handlers. */
export const ROOM_DEFAULTS = {
  maxRoomsPerConnection: 20,
  maxRoomMembers: 1000,
  fanoutConcurrency: 32,
} as const;

/**
 * Per-connection rate limits (token buckets): the stack's props default to these, and so do the
 * handlers. Room messages, which fan out to up to `maxRoomMembers` posts each, are limited exactly
 * (in the connection's row); all frames more loosely (in each Lambda environment's memory).
 */
export const RATE_LIMIT_DEFAULTS = {
  roomMessages: { perSecond: 10, burst: 20 },
  frames: { perSecond: 50, burst: 100 },
} as const;

/** The variables that carry each rate limit. */
export const RATE_LIMIT_ENV = {
  roomMessages: { perSecond: ENV.roomMessagesPerSecond, burst: ENV.roomMessageBurst },
  frames: { perSecond: ENV.framesPerSecond, burst: ENV.frameBurst },
} as const;

type Env = Record<string, string | undefined>;

/** Reads a required variable, or throws naming it, so a misconfigured function fails at cold start. */
export function requireEnv(name: string, env: Env = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new Error(`Environment variable ${name} is not set; the Switchboard stack sets it on every function that needs it.`);
  }
  return value;
}

/** Reads an optional positive integer, or throws naming the variable and the bad value. */
export function positiveIntEnv(name: string, fallback: number, env: Env = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`Environment variable ${name} must be a positive integer; got "${raw}".`);
  }
  return value;
}

/** Reads an optional positive number (fractions allowed), or throws naming the variable and the bad value. */
export function positiveNumberEnv(name: string, fallback: number, env: Env = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`Environment variable ${name} must be a positive number; got "${raw}".`);
  }
  return value;
}

/** Reads a rate limit from its two variables: tokens per second (a positive number) and burst (a positive integer). */
export function rateLimitEnv(names: { perSecond: string; burst: string }, fallback: RateLimit, env: Env = process.env): RateLimit {
  return {
    perSecond: positiveNumberEnv(names.perSecond, fallback.perSecond, env),
    burst: positiveIntEnv(names.burst, fallback.burst, env),
  };
}

/** The management endpoint must carry its scheme, or SDK v3 silently connects to 127.0.0.1:443. */
export function callbackUrlEnv(env: Env = process.env): string {
  const url = requireEnv(ENV.callbackUrl, env);
  if (!/^https?:\/\//.test(url)) {
    throw new Error(
      `Environment variable ${ENV.callbackUrl} must be an http(s) URL such as https://abc123.execute-api.us-east-1.amazonaws.com/dev; got "${url}".`,
    );
  }
  return url.replace(/\/+$/, '');
}
