/**
 * The `$connect` authorizer's settings, shared by the stack (which checks them at synth and sets the
 * variables) and the authorizer (which reads and checks them again at cold start).
 */

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
  /** The token claims the room rules name, a JSON list: passed on in the context; unset passes none. */
  ruleClaims: 'RULE_CLAIMS',
  /** The claims a display name is taken from, a JSON list, first valid one wins; `[]` turns names off. */
  displayNameClaims: 'DISPLAY_NAME_CLAIMS',
} as const;

/**
 * Where a user's display name comes from by default, first present and valid one wins: OIDC's
 * `name` and `preferred_username`, Cognito's user name, then the email (which every member of a
 * shared room then sees: leave it out of `displayNameClaims` to keep emails private).
 */
export const DEFAULT_DISPLAY_NAME_CLAIMS: readonly string[] = ['name', 'preferred_username', 'cognito:username', 'email'];

/** Most claims `displayNameClaims` may list. */
export const MAX_DISPLAY_NAME_CLAIMS = 10;

/** Checks a `displayNameClaims` list; throws naming `what` and the bad entry. Shared by the stack (at synth) and the authorizer (at cold start). */
export function checkDisplayNameClaims(claims: unknown, what: string): asserts claims is readonly string[] {
  if (!Array.isArray(claims) || claims.length > MAX_DISPLAY_NAME_CLAIMS) {
    throw new Error(
      `${what} must be a list of at most ${MAX_DISPLAY_NAME_CLAIMS} token claim names such as ${DEFAULT_DISPLAY_NAME_CLAIMS.join(',')}; got ${JSON.stringify(claims)}.`,
    );
  }
  for (const claim of claims) {
    if (typeof claim !== 'string' || !/^[^\s,]{1,128}$/.test(claim)) {
      throw new Error(`${what}: ${JSON.stringify(claim)} is not a token claim name (1-128 characters, no spaces or commas).`);
    }
  }
}

/**
 * How a token names its audience. `oidc`: the `aud` claim. `cognito`: ID tokens
 * (`token_use: id`) carry the app client id in `aud`, access tokens
 * (`token_use: access`) carry it in `client_id` and have no `aud`.
 */
export type TokenProfile = 'cognito' | 'oidc';

/** Asymmetric JWS algorithms only: a public JWKS cannot verify an HMAC, and `none` is never allowed. */
export const SUPPORTED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

export const DEFAULT_ALGORITHMS: readonly string[] = ['RS256'];

/** How long a verified token's result is kept in the authorizer's memory by default: not at all. */
export const DEFAULT_RESULT_CACHE_TTL_SECONDS = 0;

/** How far in the future a token's `iat` may be: clocks of issuers and Lambda differ a little, never by minutes. */
export const IAT_CLOCK_SKEW_SECONDS = 60;

/** A setting in whole seconds, and the range it may take. */
interface SecondsRange {
  readonly min: number;
  readonly max: number;
  /** Said after the range in errors, e.g. "(one day)". */
  readonly note?: string;
}

/** A maximum token age: from the `iat` clock skew to a day. */
export const MAX_TOKEN_AGE_RANGE_SECONDS: SecondsRange = { min: IAT_CLOCK_SKEW_SECONDS, max: 86_400, note: ' (one day)' };

/** How long a verified token's result may be kept in the authorizer's memory (0: off). */
export const RESULT_CACHE_TTL_RANGE_SECONDS: SecondsRange = { min: 0, max: 3600 };

/** Checks a setting in seconds against its range; throws naming `what` and the bad value. */
function checkSeconds(range: SecondsRange, seconds: number, what: string, raw: string | number): void {
  if (!Number.isInteger(seconds) || seconds < range.min || seconds > range.max) {
    throw new Error(
      `${what} must be a whole number of seconds from ${range.min} to ${range.max}${range.note ?? ''}; got ${JSON.stringify(raw)}.`,
    );
  }
}

/** Shared by the stack (at synth) and the authorizer (at cold start). */
export function checkMaxTokenAgeSeconds(seconds: number, what: string, raw: string | number = seconds): void {
  checkSeconds(MAX_TOKEN_AGE_RANGE_SECONDS, seconds, what, raw);
}

/** Shared by the stack (at synth) and the authorizer (at cold start). */
export function checkResultCacheTtlSeconds(seconds: number, what: string, raw: string | number = seconds): void {
  checkSeconds(RESULT_CACHE_TTL_RANGE_SECONDS, seconds, what, raw);
}

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
