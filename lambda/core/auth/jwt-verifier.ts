import { createHash } from 'node:crypto';
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { displayNameFromClaims } from '../display-name';
import { claimsContext } from '../room-rules';
import { type AuthConfig } from './config';
import { IAT_CLOCK_SKEW_SECONDS, type TokenProfile } from '../../../contract/auth';

/** Who a verified token speaks for: it becomes the connection's `userId` and `username`. */
export interface TokenIdentity {
  readonly userId: string;
  readonly username: string;
  /** The name people see, from the first of the display-name claims that holds a valid one; absent when none does. */
  readonly displayName?: string;
  /** When the token stops being accepted, epoch seconds: its expiry, or sooner under a maximum token age. */
  readonly expiresAt: number;
  /** The claims the room rules name, as the context's JSON string (room-rules.ts claimsContext); absent when none are named. */
  readonly claims?: string;
  /** Some claim values did not fit the context's bound and were left out. */
  readonly claimsTruncated?: boolean;
}

export type Verification = { readonly ok: true; readonly identity: TokenIdentity } | { readonly ok: false; readonly reason: string };

/** Verifies a bearer token. A bad token is `{ ok: false }`; a failure to verify at all (JWKS unreachable) throws. */
export interface TokenVerifier {
  verify(token: string): Promise<Verification>;
}

export interface JwtVerifierOptions extends Pick<AuthConfig, 'profile' | 'issuer' | 'audiences' | 'algorithms' | 'maxTokenAgeSeconds'> {
  /**
   * The issuer's keys: `createIssuerKeys(...)` (it caches them in module scope, and throws
   * `KeyFetchError` when they cannot be had), or a local set in tests.
   */
  readonly keys: JWTVerifyGetKey;
  /** @default the system clock */
  readonly now?: () => Date;
  /** Token claims to pass on (the room rules'). @default none */
  readonly ruleClaims?: readonly string[];
  /** The claims a display name is taken from, first valid one wins. @default none: no display names */
  readonly displayNameClaims?: readonly string[];
}

/**
 * The jose errors that are a verdict on the token itself (malformed, wrong signature, wrong claims,
 * an algorithm or key id the issuer does not use). Anything else jose or the key source throws
 * (KeyFetchError, a timeout, a network error) says only that the token could not be checked:
 * the verifier throws it, and the authorizer fails (500) rather than deny.
 */
const TOKEN_VERDICTS: ReadonlySet<string> = new Set([
  errors.JWTClaimValidationFailed.code,
  errors.JWTExpired.code,
  errors.JWTInvalid.code,
  errors.JWSInvalid.code,
  errors.JWSSignatureVerificationFailed.code,
  errors.JOSEAlgNotAllowed.code,
  errors.JOSENotSupported.code,
  errors.JWKSNoMatchingKey.code,
  errors.JWKSMultipleMatchingKeys.code,
]);

/**
 * A JWT verifier (jose): signature against the issuer's JWKS, allowed
 * algorithms only, issuer, expiry, a non-empty string `sub`, an `iat` not in
 * the future (and not older than `maxTokenAgeSeconds` when set), and the
 * audience as the token profile names it.
 */
export function createJwtVerifier(options: JwtVerifierOptions): TokenVerifier {
  const algorithms = [...options.algorithms];
  const now = options.now ?? (() => new Date());
  return {
    async verify(token) {
      let payload: JWTPayload;
      const currentDate = now();
      const nowSeconds = Math.floor(currentDate.getTime() / 1000);
      try {
        ({ payload } = await jwtVerify(token, options.keys, {
          issuer: options.issuer,
          algorithms,
          requiredClaims: ['sub', 'exp'],
          currentDate,
          // Cognito access tokens have no `aud`; the profile check below covers both kinds.
          ...(options.profile === 'oidc' ? { audience: [...options.audiences] } : {}),
        }));
      } catch (err: unknown) {
        if (err instanceof errors.JOSEError && TOKEN_VERDICTS.has(err.code)) {
          const claim = err instanceof errors.JWTClaimValidationFailed ? ` (${err.claim})` : '';
          return { ok: false, reason: `${err.code}${claim}` };
        }
        throw err;
      }
      const problem =
        checkSubject(payload) ??
        checkIssuedAt(payload, nowSeconds, options.maxTokenAgeSeconds) ??
        checkAudience(options.profile, payload, options.audiences);
      if (problem) return { ok: false, reason: problem };
      const sub = payload.sub!;
      const { maxTokenAgeSeconds } = options;
      // The result cache keeps a success no longer than this.
      const expiresAt = maxTokenAgeSeconds === undefined ? payload.exp! : Math.min(payload.exp!, payload.iat! + maxTokenAgeSeconds);
      const ruleClaims = options.ruleClaims ?? [];
      const claims = ruleClaims.length > 0 ? claimsContext(payload, ruleClaims) : undefined;
      const displayName = displayNameFromClaims(payload, options.displayNameClaims ?? []);
      return {
        ok: true,
        identity: {
          userId: sub,
          username: usernameOf(payload) ?? sub,
          ...(displayName === undefined ? {} : { displayName }),
          expiresAt,
          ...(claims ? { claims: claims.json, ...(claims.truncated ? { claimsTruncated: true } : {}) } : {}),
        },
      };
    },
  };
}

/** `sub` becomes the connection's user id: a number or an empty string would name nobody, or everybody. */
function checkSubject(payload: JWTPayload): string | undefined {
  return typeof payload.sub === 'string' && payload.sub.length > 0 ? undefined : 'ERR_JWT_CLAIM_VALIDATION_FAILED (sub)';
}

/**
 * jose checks only that `iat` is a number; its own maxTokenAge option would also check the time,
 * but through clockTolerance, which would loosen `exp` as well. So the times are checked here.
 */
function checkIssuedAt(payload: JWTPayload, nowSeconds: number, maxTokenAgeSeconds: number | undefined): string | undefined {
  if (payload.iat === undefined) return maxTokenAgeSeconds === undefined ? undefined : 'ERR_JWT_CLAIM_VALIDATION_FAILED (iat missing)';
  if (payload.iat > nowSeconds + IAT_CLOCK_SKEW_SECONDS) return 'ERR_JWT_CLAIM_VALIDATION_FAILED (iat in the future)';
  if (maxTokenAgeSeconds !== undefined && nowSeconds - payload.iat > maxTokenAgeSeconds)
    return 'ERR_JWT_EXPIRED (iat older than the maximum token age)';
  return undefined;
}

function checkAudience(profile: TokenProfile, payload: JWTPayload, audiences: readonly string[]): string | undefined {
  if (profile === 'oidc') return undefined; // jose checked `aud`
  const tokenUse = payload.token_use;
  if (tokenUse === 'id') {
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    return aud.some((a) => typeof a === 'string' && audiences.includes(a)) ? undefined : 'ERR_JWT_CLAIM_VALIDATION_FAILED (aud)';
  }
  if (tokenUse === 'access') {
    return typeof payload.client_id === 'string' && audiences.includes(payload.client_id)
      ? undefined
      : 'ERR_JWT_CLAIM_VALIDATION_FAILED (client_id)';
  }
  return 'ERR_JWT_CLAIM_VALIDATION_FAILED (token_use)';
}

/** Cognito ID tokens name the user in `cognito:username`, access tokens in `username`; OIDC in `preferred_username`. */
function usernameOf(payload: JWTPayload): string | undefined {
  for (const claim of ['cognito:username', 'username', 'preferred_username']) {
    const value = payload[claim];
    if (typeof value === 'string' && value.length > 0) return value;
  }
  return undefined;
}

/**
 * Keeps successful verifications in memory for `ttlSeconds` (never past the
 * token's expiry), keyed by the token's SHA-256. API Gateway offers no result
 * cache for WebSocket authorizers, so this is the only cache there is; 0 turns it off.
 */
export function withResultCache(
  verifier: TokenVerifier,
  ttlSeconds: number,
  options: { now?: () => number; maxEntries?: number } = {},
): TokenVerifier {
  if (ttlSeconds <= 0) return verifier;
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 1000;
  const cache = new Map<string, { identity: TokenIdentity; until: number }>();
  return {
    async verify(token) {
      const key = createHash('sha256').update(token).digest('base64url');
      const hit = cache.get(key);
      if (hit && hit.until > now()) return { ok: true, identity: hit.identity };
      cache.delete(key);
      const result = await verifier.verify(token);
      if (result.ok) {
        if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
        cache.set(key, { identity: result.identity, until: Math.min(now() + ttlSeconds * 1000, result.identity.expiresAt * 1000) });
      }
      return result;
    },
  };
}
