import { HISTORY_DEFAULTS, type RateLimit } from '../../contract/defaults';
import { ENV } from '../../contract/environment';
import { historySettingsProblem, type HistorySettings } from '../../contract/history';

/**
 * Reading the variables the stack sets (contract/environment.ts) at cold start: each reader throws
 * naming the variable and the bad value, so a misconfigured function fails there, not mid-request.
 */

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

/** Reads an optional integer of 0 or more, or throws naming the variable and the bad value. */
export function nonNegativeIntEnv(name: string, fallback: number, env: Env = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`Environment variable ${name} must be an integer of 0 or more; got "${raw}".`);
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
