import { requireEnv } from '../config';

/** Environment variables the $connect authorizer reads. The stack sets them; this is their one definition. */
export const AUTH_ENV = {
  /** `cognito` or `oidc`: how the audience is checked (see {@link TokenProfile}). */
  profile: 'TOKEN_PROFILE',
  /** The exact `iss` claim tokens must carry. */
  issuer: 'ISSUER',
  /** Where the issuer publishes its signing keys (JWKS). */
  jwksUrl: 'JWKS_URL',
  /** Accepted audiences (Cognito: app client ids), comma-separated. */
  audience: 'AUDIENCE',
  /** Accepted signing algorithms, comma-separated. */
  allowedAlgorithms: 'ALLOWED_ALGORITHMS',
  /** How long a verified token's result is kept in the function's memory; 0 turns it off. */
  resultCacheTtlSeconds: 'RESULT_CACHE_TTL_SECONDS',
  /** Tokens issued (`iat`) longer ago than this many seconds are denied; unset turns the check off. */
  maxTokenAgeSeconds: 'MAX_TOKEN_AGE_SECONDS',
} as const;

/**
 * How a token names its audience. `oidc`: the `aud` claim. `cognito`: ID tokens
 * (`token_use: id`) carry the app client id in `aud`, access tokens
 * (`token_use: access`) carry it in `client_id` and have no `aud`.
 */
export type TokenProfile = 'cognito' | 'oidc';

/** Asymmetric JWS algorithms only: a public JWKS cannot verify an HMAC, and `none` is never allowed. */
export const SUPPORTED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

export const DEFAULT_ALGORITHMS: readonly string[] = ['RS256'];

export interface AuthConfig {
  readonly profile: TokenProfile;
  readonly issuer: string;
  readonly jwksUrl: URL;
  readonly audiences: readonly string[];
  readonly algorithms: readonly string[];
  readonly resultCacheTtlSeconds: number;
  /** Deny tokens issued longer ago than this; undefined: no limit beyond `exp`. */
  readonly maxTokenAgeSeconds?: number;
}

/** The range a maximum token age may take: a minute (the `iat` clock skew) to a day. */
export const MAX_TOKEN_AGE_RANGE_SECONDS = { min: 60, max: 86_400 } as const;

/** Checks a maximum token age; throws naming `what` and the bad value. Shared by the stack (at synth) and the authorizer (at cold start). */
export function checkMaxTokenAgeSeconds(seconds: number, what: string, raw: string | number = seconds): void {
  const { min, max } = MAX_TOKEN_AGE_RANGE_SECONDS;
  if (!Number.isInteger(seconds) || seconds < min || seconds > max) {
    throw new Error(`${what} must be a whole number of seconds from ${min} to ${max} (one day); got ${JSON.stringify(raw)}.`);
  }
}

type Env = Record<string, string | undefined>;

const list = (raw: string | undefined): string[] =>
  (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

/** Checks an algorithm list; throws naming the bad entry. Shared by the stack (at synth) and the authorizer (at cold start). */
export function checkAlgorithms(algorithms: readonly string[]): void {
  if (algorithms.length === 0) throw new Error(`The allowed algorithm list is empty; use for example ${DEFAULT_ALGORITHMS.join(',')}.`);
  for (const alg of algorithms) {
    if (!(SUPPORTED_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new Error(
        `Algorithm "${alg}" is not allowed; use one or more of ${SUPPORTED_ALGORITHMS.join(', ')} (never "none" or an HMAC algorithm).`,
      );
    }
  }
}

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
  const rawTtl = env[AUTH_ENV.resultCacheTtlSeconds]?.trim() || '0';
  const resultCacheTtlSeconds = Number(rawTtl);
  if (!Number.isInteger(resultCacheTtlSeconds) || resultCacheTtlSeconds < 0 || resultCacheTtlSeconds > 3600) {
    throw new Error(
      `Environment variable ${AUTH_ENV.resultCacheTtlSeconds} must be a whole number of seconds from 0 to 3600; got "${rawTtl}".`,
    );
  }
  const rawMaxAge = env[AUTH_ENV.maxTokenAgeSeconds]?.trim();
  const maxTokenAgeSeconds = rawMaxAge ? Number(rawMaxAge) : undefined;
  if (maxTokenAgeSeconds !== undefined)
    checkMaxTokenAgeSeconds(maxTokenAgeSeconds, `Environment variable ${AUTH_ENV.maxTokenAgeSeconds}`, rawMaxAge);
  return { profile, issuer, jwksUrl, audiences, algorithms: chosen, resultCacheTtlSeconds, maxTokenAgeSeconds };
}
