import { createLocalJWKSet, errors, type JWK, type JWTVerifyGetKey } from 'jose';
import { systemClock, type Clock } from '../../../protocol/clock';

/**
 * Why the issuer's signing keys could not be had. Each is an outage or a misconfiguration of the
 * issuer, never a verdict on a token: the authorizer fails (API Gateway answers 500) and counts it.
 */
export type KeyFetchFailure = 'unreachable' | 'http-status' | 'not-json' | 'no-usable-key' | 'timeout';

/** The issuer's signing keys could not be fetched or used. Its message names the URL and what went wrong, never a token. */
export class KeyFetchError extends Error {
  constructor(
    readonly reason: KeyFetchFailure,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`Could not get the issuer's signing keys (${reason}): ${detail}`, options);
    this.name = 'KeyFetchError';
  }
}

/** jose's createRemoteJWKSet defaults, kept so that swapping it for this changes no timing. */
export const ISSUER_KEYS_DEFAULTS = { timeoutMs: 5_000, maxAgeMs: 10 * 60_000, cooldownMs: 30_000 } as const;

export interface IssuerKeysOptions {
  /** The issuer's JWKS URL. */
  readonly url: URL;
  /** The algorithms tokens may be signed with: a key set with no key for any of them is unusable. */
  readonly algorithms: readonly string[];
  /** The whole fetch, answer included, must finish within this. @default 5000 */
  readonly timeoutMs?: number;
  /** Keys older than this are fetched again before use. @default 10 minutes */
  readonly maxAgeMs?: number;
  /** A token with an unknown key id refetches the keys (rotation), at most once per this interval. @default 30 seconds */
  readonly cooldownMs?: number;
  /** @default the system clock */
  readonly clock?: Clock;
  /** @default the global fetch */
  readonly fetch?: typeof fetch;
}

/** The key type each JWS algorithm needs (RFC 7518; EdDSA per RFC 8037). */
function keyTypeOf(alg: string): string | undefined {
  if (/^(RS|PS)\d+$/.test(alg)) return 'RSA';
  if (/^ES\d+$/.test(alg)) return 'EC';
  if (alg === 'EdDSA') return 'OKP';
  return undefined;
}

/** A public signing key that can verify at least one allowed algorithm. */
function isUsable(key: unknown, algorithms: readonly string[]): key is JWK {
  if (typeof key !== 'object' || key === null || Array.isArray(key)) return false;
  const jwk = key as JWK;
  if ('d' in jwk) return false; // a private key has no business in a published key set
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  if (Array.isArray(jwk.key_ops) && !jwk.key_ops.includes('verify')) return false;
  if (jwk.alg !== undefined) return algorithms.includes(jwk.alg);
  return algorithms.some((alg) => keyTypeOf(alg) === jwk.kty);
}

const describe = (err: unknown): string => {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code; // ECONNREFUSED, ENOTFOUND, ...
  return err instanceof Error ? err.message : String(err);
};

/**
 * The issuer's signing keys for `jwtVerify`: fetched on first use and after `maxAgeMs`, and again
 * for an unknown key id at most once per `cooldownMs` (as jose's createRemoteJWKSet does). Unlike
 * createRemoteJWKSet, every failure to obtain usable keys throws {@link KeyFetchError}: an answer
 * other than 200, one that is not JSON, an empty set or one without a usable key, an unreachable
 * host and a timeout. Only then does an unknown key id ({@link errors.JWKSNoMatchingKey}) say
 * something about the token: the keys were fetched fine and it is signed with none of them.
 */
export function createIssuerKeys(options: IssuerKeysOptions): JWTVerifyGetKey {
  const url = new URL(options.url.href);
  const clock = options.clock ?? systemClock;
  const fetchKeys = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? ISSUER_KEYS_DEFAULTS.timeoutMs;
  const maxAgeMs = options.maxAgeMs ?? ISSUER_KEYS_DEFAULTS.maxAgeMs;
  const cooldownMs = options.cooldownMs ?? ISSUER_KEYS_DEFAULTS.cooldownMs;
  let current: { keys: JWTVerifyGetKey; fetchedAt: number } | undefined;
  let pending: Promise<void> | undefined;

  async function download(): Promise<unknown> {
    const controller = new AbortController();
    const timer = clock.setTimeout(() => controller.abort(), timeoutMs);
    try {
      // No redirects, as jose: a key set that moved is the issuer's configuration to fix.
      const response = await fetchKeys(url, { signal: controller.signal, redirect: 'manual', headers: { accept: 'application/json' } });
      const contentType = response.headers.get('content-type') ?? 'no content type';
      const body = await response.text();
      if (response.status !== 200)
        throw new KeyFetchError('http-status', `${url.href} answered ${response.status} (${contentType}), not 200`);
      try {
        return JSON.parse(body) as unknown;
      } catch (err: unknown) {
        throw new KeyFetchError('not-json', `${url.href} answered 200 with ${contentType} that is not JSON`, { cause: err });
      }
    } catch (err: unknown) {
      if (err instanceof KeyFetchError) throw err;
      if (controller.signal.aborted)
        throw new KeyFetchError('timeout', `${url.href} did not answer within ${timeoutMs} ms`, { cause: err });
      throw new KeyFetchError('unreachable', `${url.href}: ${describe(err)}`, { cause: err });
    } finally {
      clock.clearTimeout(timer);
    }
  }

  async function refresh(): Promise<void> {
    const json = await download();
    const listed = (json as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(listed)) throw new KeyFetchError('no-usable-key', `${url.href} answered JSON without a "keys" array`);
    const usable = listed.filter((key) => isUsable(key, options.algorithms));
    if (usable.length === 0) {
      throw new KeyFetchError(
        'no-usable-key',
        `${url.href} lists ${listed.length} key(s), none a public signing key for ${options.algorithms.join(', ')}`,
      );
    }
    current = { keys: createLocalJWKSet({ keys: usable }), fetchedAt: clock.now() };
  }

  // Concurrent verifications wait for one fetch.
  const refreshOnce = (): Promise<void> =>
    (pending ??= refresh().finally(() => {
      pending = undefined;
    }));

  async function lookup(...args: Parameters<JWTVerifyGetKey>): Promise<Awaited<ReturnType<JWTVerifyGetKey>>> {
    try {
      return await current!.keys(...args);
    } catch (err: unknown) {
      // An unknown kid, or several candidates for a token without one: the token's business.
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) throw err;
      // The matching key itself would not import (bad modulus, unsupported curve): the issuer's.
      throw new KeyFetchError('no-usable-key', `the key for this token in ${url.href} cannot be used: ${describe(err)}`, { cause: err });
    }
  }

  return async (...args) => {
    if (!current || clock.now() - current.fetchedAt >= maxAgeMs) await refreshOnce();
    try {
      return await lookup(...args);
    } catch (err: unknown) {
      if (!(err instanceof errors.JWKSNoMatchingKey) || clock.now() - current!.fetchedAt < cooldownMs) throw err;
      await refreshOnce(); // the issuer may have rotated its keys since the last fetch
      return lookup(...args);
    }
  };
}
