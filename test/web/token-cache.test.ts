import { identityFromToken } from '../../web/src/identity';
import { TokenCache } from '../../web/src/token-cache';
import { ManualClock } from '../support/manual-clock';

/** An unsigned JWT with these claims: the page reads claims, it does not verify (the authorizer does). */
function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.signature`;
}

describe('identityFromToken', () => {
  test('the user id is sub; the name is the Cognito user name; exp becomes ms', () => {
    expect(identityFromToken(jwt({ sub: 'local-alice', 'cognito:username': 'alice', exp: 1_800_000_000 }))).toEqual({
      userId: 'local-alice',
      name: 'alice',
      expiresAt: 1_800_000_000_000,
    });
    // An access token names the user in `username`; a token with no name at all shows its sub.
    expect(identityFromToken(jwt({ sub: 's-1', username: 'bob' })).name).toBe('bob');
    expect(identityFromToken(jwt({ sub: 's-2' }))).toEqual({ userId: 's-2', name: 's-2', expiresAt: undefined });
  });

  test('reads UTF-8 names (base64url, not Latin-1)', () => {
    expect(identityFromToken(jwt({ sub: 'x', 'cognito:username': 'zoë' })).name).toBe('zoë');
  });

  test('says what is wrong with a token that is not a JWT with a sub', () => {
    expect(() => identityFromToken('not-a-jwt')).toThrow('The token is not a JWT');
    expect(() => identityFromToken('a.!!!.c')).toThrow('The token payload is not base64url-encoded JSON.');
    expect(() => identityFromToken(jwt({ sub: '' }))).toThrow('The token has no "sub" claim.');
  });
});

describe('TokenCache', () => {
  test('hands out the same token until a minute before it expires, then gets a new one', async () => {
    const clock = new ManualClock(1_000_000_000_000);
    const exp = clock.now() / 1000 + 3600;
    const obtain = jest
      .fn()
      .mockResolvedValueOnce(jwt({ sub: 'u1', exp }))
      .mockResolvedValueOnce(jwt({ sub: 'u1', exp: exp + 3600 }));
    const cache = new TokenCache(obtain, clock);
    const first = await cache.get();
    clock.advance(3600_000 - 60_001);
    await expect(cache.get()).resolves.toBe(first);
    expect(obtain).toHaveBeenCalledTimes(1);
    clock.advance(1);
    await expect(cache.get()).resolves.not.toBe(first);
    expect(obtain).toHaveBeenCalledTimes(2);
  });

  test('callers during a renewal share it (one sign-in, not one per caller)', async () => {
    let finish: (token: string) => void = () => undefined;
    const obtain = jest.fn(() => new Promise<string>((resolve) => (finish = resolve)));
    const cache = new TokenCache(obtain, new ManualClock());
    const both = Promise.all([cache.get(), cache.get()]);
    finish(jwt({ sub: 'u1' }));
    const [a, b] = await both;
    expect(a).toBe(b);
    expect(obtain).toHaveBeenCalledTimes(1);
  });

  test('tells of a new identity, not of a renewal for the same user', async () => {
    const clock = new ManualClock(0);
    const onIdentity = jest.fn();
    const obtain = jest
      .fn()
      .mockResolvedValueOnce(jwt({ sub: 'u1', 'cognito:username': 'alice', exp: 50 }))
      .mockResolvedValueOnce(jwt({ sub: 'u1', 'cognito:username': 'alice', exp: 10_000 }))
      .mockResolvedValueOnce(jwt({ sub: 'u2', 'cognito:username': 'bob', exp: 20_000 }));
    const cache = new TokenCache(obtain, clock, 60_000, onIdentity);
    await cache.get();
    await cache.get(); // expires within the minute: renewed
    clock.advance(10_000_000);
    await cache.get();
    expect(onIdentity.mock.calls.map(([identity]) => (identity as { name: string }).name)).toEqual(['alice', 'bob']);
    expect(cache.identity?.userId).toBe('u2');
  });

  test('a failed renewal rejects, and the next call tries again', async () => {
    const obtain = jest
      .fn()
      .mockRejectedValueOnce(new Error('offline'))
      .mockResolvedValueOnce(jwt({ sub: 'u1' }));
    const cache = new TokenCache(obtain, new ManualClock());
    await expect(cache.get()).rejects.toThrow('offline');
    await expect(cache.get()).resolves.toContain('.');
  });
});
