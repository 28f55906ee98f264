import {
  AUTH_ENV,
  checkAlgorithms,
  checkMaxTokenAgeSeconds,
  checkDisplayNameClaims,
  checkResultCacheTtlSeconds,
  DEFAULT_ALGORITHMS,
  DEFAULT_DISPLAY_NAME_CLAIMS,
  DEFAULT_RESULT_CACHE_TTL_SECONDS,
  type TokenProfile,
} from '../../../contract/auth';
import { requireEnv } from '../config';

export interface AuthConfig {
  readonly profile: TokenProfile;
  readonly issuer: string;
  readonly jwksUrl: URL;
  readonly audiences: readonly string[];
  readonly algorithms: readonly string[];
  readonly resultCacheTtlSeconds: number;
  /** Deny tokens issued longer ago than this; undefined: no limit beyond `exp`. */
  readonly maxTokenAgeSeconds?: number;
  /** The token claims to pass on in the context, for the room rules. */
  readonly ruleClaims: readonly string[];
  /** The claims a display name is taken from, first valid one wins; empty: no display names. */
  readonly displayNameClaims: readonly string[];
}

type Env = Record<string, string | undefined>;

const list = (raw: string | undefined): string[] =>
  (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

/** Reads and checks the authorizer's configuration once, at cold start; a bad value fails loudly there. */
export function readAuthConfig(env: Env = process.env): AuthConfig {
  const profile = requireEnv(AUTH_ENV.profile, env);
  if (profile !== 'cognito' && profile !== 'oidc') {
    throw new Error(`Environment variable ${AUTH_ENV.profile} must be "cognito" or "oidc"; got "${profile}".`);
  }
  const issuer = requireEnv(AUTH_ENV.issuer, env);
  const rawJwksUrl = requireEnv(AUTH_ENV.jwksUrl, env);
  let jwksUrl: URL;
  try {
    jwksUrl = new URL(rawJwksUrl);
  } catch {
    throw new Error(
      `Environment variable ${AUTH_ENV.jwksUrl} must be a URL such as https://issuer.example.com/.well-known/jwks.json; got "${rawJwksUrl}".`,
    );
  }
  const audiences = list(requireEnv(AUTH_ENV.audience, env));
  const algorithms = list(env[AUTH_ENV.allowedAlgorithms]);
  const chosen = algorithms.length > 0 ? algorithms : [...DEFAULT_ALGORITHMS];
  checkAlgorithms(chosen);
  const rawTtl = env[AUTH_ENV.resultCacheTtlSeconds]?.trim() || String(DEFAULT_RESULT_CACHE_TTL_SECONDS);
  const resultCacheTtlSeconds = Number(rawTtl);
  checkResultCacheTtlSeconds(resultCacheTtlSeconds, `Environment variable ${AUTH_ENV.resultCacheTtlSeconds}`, rawTtl);
  const rawMaxAge = env[AUTH_ENV.maxTokenAgeSeconds]?.trim();
  const maxTokenAgeSeconds = rawMaxAge ? Number(rawMaxAge) : undefined;
  if (maxTokenAgeSeconds !== undefined)
    checkMaxTokenAgeSeconds(maxTokenAgeSeconds, `Environment variable ${AUTH_ENV.maxTokenAgeSeconds}`, rawMaxAge);
  const rawClaims = env[AUTH_ENV.ruleClaims]?.trim();
  let ruleClaims: unknown = [];
  try {
    if (rawClaims) ruleClaims = JSON.parse(rawClaims);
  } catch {
    ruleClaims = undefined;
  }
  if (!Array.isArray(ruleClaims) || !ruleClaims.every((c) => typeof c === 'string' && c.length > 0)) {
    throw new Error(
      `Environment variable ${AUTH_ENV.ruleClaims} must be a JSON list of claim names such as ["cognito:groups"]; got "${rawClaims}".`,
    );
  }
  const displayNameClaims = readDisplayNameClaims(env);
  return {
    profile,
    issuer,
    jwksUrl,
    audiences,
    algorithms: chosen,
    resultCacheTtlSeconds,
    maxTokenAgeSeconds,
    ruleClaims: ruleClaims as string[],
    displayNameClaims,
  };
}

/** DISPLAY_NAME_CLAIMS: a JSON list; unset, the default list. */
function readDisplayNameClaims(env: Env): readonly string[] {
  const raw = env[AUTH_ENV.displayNameClaims]?.trim();
  if (!raw) return DEFAULT_DISPLAY_NAME_CLAIMS;
  let claims: unknown;
  try {
    claims = JSON.parse(raw);
  } catch {
    throw new Error(
      `Environment variable ${AUTH_ENV.displayNameClaims} must be a JSON list of claim names such as ["name","email"]; got "${raw}".`,
    );
  }
  checkDisplayNameClaims(claims, `Environment variable ${AUTH_ENV.displayNameClaims}`);
  return claims;
}
