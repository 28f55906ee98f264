import { readAuthConfig } from '../../../lambda/core/auth/config';
import { AUTH_ENV, DEFAULT_DISPLAY_NAME_CLAIMS } from '../../../contract/auth';
import { withResultCache, type TokenVerifier, type Verification } from '../../../lambda/core/auth/jwt-verifier';

const ok = (expiresAt: number): Verification => ({ ok: true, identity: { userId: 'u', username: 'alice', expiresAt } });

describe('withResultCache', () => {
  it('is off at 0: every connect is verified', async () => {
    const verify = jest.fn(async () => ok(2_000_000_000));
    const inner: TokenVerifier = { verify };
    const cached = withResultCache(inner, 0);
    await cached.verify('t');
    await cached.verify('t');
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it('keeps a success for the TTL, never past the token expiry, and never keeps a failure', async () => {
    let now = 1_000_000_000_000;
    const inner = { verify: jest.fn<Promise<Verification>, [string]>() };
    const cached = withResultCache(inner, 60, { now: () => now });

    inner.verify.mockResolvedValue(ok(now / 1000 + 30)); // expires in 30 s, before the 60 s TTL
    await cached.verify('a');
    now += 29_000;
    expect(await cached.verify('a')).toMatchObject({ ok: true });
    expect(inner.verify).toHaveBeenCalledTimes(1);
    now += 2_000;
    await cached.verify('a');
    expect(inner.verify).toHaveBeenCalledTimes(2);

    inner.verify.mockResolvedValue({ ok: false, reason: 'ERR_JWT_EXPIRED' });
    await cached.verify('b');
    await cached.verify('b');
    expect(inner.verify).toHaveBeenCalledTimes(4);
  });
});

describe('readAuthConfig', () => {
  const base = {
    [AUTH_ENV.profile]: 'cognito',
    [AUTH_ENV.issuer]: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X',
    [AUTH_ENV.jwksUrl]: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X/.well-known/jwks.json',
    [AUTH_ENV.audience]: 'client-a, client-b',
  };

  it('reads the claims to pass on for the room rules, none by default, and refuses a list that is not one', () => {
    expect(readAuthConfig(base).ruleClaims).toEqual([]);
    expect(readAuthConfig({ ...base, [AUTH_ENV.ruleClaims]: '["cognito:groups"]' }).ruleClaims).toEqual(['cognito:groups']);
    for (const bad of ['cognito:groups', '[1]', '{}', '[""]']) {
      expect(() => readAuthConfig({ ...base, [AUTH_ENV.ruleClaims]: bad })).toThrow(
        `Environment variable ${AUTH_ENV.ruleClaims} must be a JSON list`,
      );
    }
  });

  it('reads the display-name claims, the default list when unset, and refuses a list that is not one', () => {
    expect(readAuthConfig(base).displayNameClaims).toEqual(DEFAULT_DISPLAY_NAME_CLAIMS);
    expect(readAuthConfig({ ...base, [AUTH_ENV.displayNameClaims]: '["nickname"]' }).displayNameClaims).toEqual(['nickname']);
    // An empty list turns display names off.
    expect(readAuthConfig({ ...base, [AUTH_ENV.displayNameClaims]: '[]' }).displayNameClaims).toEqual([]);
    for (const bad of ['name', '[1]', '{}', '[""]', '["has space"]']) {
      expect(() => readAuthConfig({ ...base, [AUTH_ENV.displayNameClaims]: bad })).toThrow(
        `Environment variable ${AUTH_ENV.displayNameClaims}`,
      );
    }
  });

  it('reads the issuer, audiences, RS256 by default and no result cache', () => {
    expect(readAuthConfig(base)).toMatchObject({
      profile: 'cognito',
      audiences: ['client-a', 'client-b'],
      algorithms: ['RS256'],
      resultCacheTtlSeconds: 0,
    });
  });

  it('has no maximum token age unless MAX_TOKEN_AGE_SECONDS is set', () => {
    expect(readAuthConfig(base).maxTokenAgeSeconds).toBeUndefined();
    expect(readAuthConfig({ ...base, [AUTH_ENV.maxTokenAgeSeconds]: '' }).maxTokenAgeSeconds).toBeUndefined();
    expect(readAuthConfig({ ...base, [AUTH_ENV.maxTokenAgeSeconds]: '900' }).maxTokenAgeSeconds).toBe(900);
  });

  it.each([
    [{ [AUTH_ENV.allowedAlgorithms]: 'RS256,none' }, 'Algorithm "none" is not allowed'],
    [{ [AUTH_ENV.allowedAlgorithms]: 'HS256' }, 'Algorithm "HS256" is not allowed'],
    [{ [AUTH_ENV.profile]: 'saml' }, 'TOKEN_PROFILE must be "cognito" or "oidc"; got "saml"'],
    [{ [AUTH_ENV.jwksUrl]: 'jwks.json' }, 'JWKS_URL must be a URL'],
    [{ [AUTH_ENV.audience]: '' }, 'Environment variable AUDIENCE is not set'],
    [{ [AUTH_ENV.resultCacheTtlSeconds]: '-5' }, 'RESULT_CACHE_TTL_SECONDS must be a whole number of seconds from 0 to 3600; got "-5"'],
    [
      { [AUTH_ENV.maxTokenAgeSeconds]: '30' },
      'MAX_TOKEN_AGE_SECONDS must be a whole number of seconds from 60 to 86400 (one day); got "30"',
    ],
    [
      { [AUTH_ENV.maxTokenAgeSeconds]: '1h' },
      'MAX_TOKEN_AGE_SECONDS must be a whole number of seconds from 60 to 86400 (one day); got "1h"',
    ],
  ])('rejects %p at cold start', (override, message) => {
    expect(() => readAuthConfig({ ...base, ...override })).toThrow(message);
  });
});
