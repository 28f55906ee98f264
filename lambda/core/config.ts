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
  /** Messages kept per room for history and resume; 0 keeps none. */
  historyLimit: 'HISTORY_LIMIT',
  /** How long a room message is kept, in seconds. */
  historyRetentionSeconds: 'HISTORY_RETENTION_SECONDS',
  /** The room rules (lambda/core/room-rules.ts), as JSON; unset: none. */
  roomRules: 'ROOM_RULES',
  /** `true` or `false`: whether presence events go out where no room rule says otherwise. */
  presence: 'PRESENCE',
} as const;

/** Defaults for the limits above: the stack's props default to these, and so do the handlers. */
export const ROOM_DEFAULTS = {
  maxRoomsPerConnection: 20,
  maxRoomMembers: 1000,
  fanoutConcurrency: 32,
} as const;

/** Room history: the stack's props default to these, and so do the handlers. */
export const HISTORY_DEFAULTS = {
  /** Messages kept per room. */
  limit: 100,
  /** How long each is kept: 24 hours. */
  retentionSeconds: 24 * 60 * 60,
} as const;

/** The range of each history setting, checked at synth and again at cold start. */
export const HISTORY_BOUNDS = {
  maxLimit: 1000,
  /** Shorter would leave a reconnecting client (whose backoff alone can take a minute) nothing to resume from. */
  minRetentionSeconds: 60,
  /** 30 days. */
  maxRetentionSeconds: 30 * 24 * 60 * 60,
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

/** Reads an optional boolean (`true` or `false`), or throws naming the variable and the bad value. */
export function booleanEnv(name: string, fallback: boolean, env: Env = process.env): boolean {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw new Error(`Environment variable ${name} must be "true" or "false"; got "${raw}".`);
}

/** The room history settings, range-checked with the same message at synth and at cold start. */
export interface HistorySettings {
  /** Messages kept per room; 0 keeps none (messages still get a `seq`). */
  limit: number;
  /** How long a message is kept, in seconds. */
  retentionSeconds: number;
}

/** What is wrong with the history settings, naming `source` and the bad value; undefined when nothing is. */
export function historySettingsProblem(settings: HistorySettings, source: { limit: string; retention: string }): string | undefined {
  const { limit, retentionSeconds } = settings;
  if (!Number.isInteger(limit) || limit < 0 || limit > HISTORY_BOUNDS.maxLimit) {
    return `${source.limit} must be an integer from 0 (history off) to ${HISTORY_BOUNDS.maxLimit} messages per room; got ${limit}.`;
  }
  if (
    !Number.isInteger(retentionSeconds) ||
    retentionSeconds < HISTORY_BOUNDS.minRetentionSeconds ||
    retentionSeconds > HISTORY_BOUNDS.maxRetentionSeconds
  ) {
    return `${source.retention} must be a whole number of seconds from ${HISTORY_BOUNDS.minRetentionSeconds} (1 minute) to ${HISTORY_BOUNDS.maxRetentionSeconds} (30 days); got ${retentionSeconds}.`;
  }
  return undefined;
}

/** Reads the history settings from their variables (each defaulting), or throws naming the bad one. */
export function historyEnv(env: Env = process.env): HistorySettings {
  const read = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new Error(`Environment variable ${name} must be a number; got "${raw}".`);
    return value;
  };
  const settings = {
    limit: read(ENV.historyLimit, HISTORY_DEFAULTS.limit),
    retentionSeconds: read(ENV.historyRetentionSeconds, HISTORY_DEFAULTS.retentionSeconds),
  };
  const problem = historySettingsProblem(settings, {
    limit: `Environment variable ${ENV.historyLimit}`,
    retention: `Environment variable ${ENV.historyRetentionSeconds}`,
  });
  if (problem !== undefined) throw new Error(problem);
  return settings;
}
