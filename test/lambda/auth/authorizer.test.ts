import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type KeyLike } from 'jose';
import { authorizeConnect, UnauthorizedError, type ConnectAuthorizerEvent } from '../../../lambda/core/auth/authorize';
import { createIssuerKeys, KeyFetchError } from '../../../lambda/core/auth/issuer-keys';
import { IAT_CLOCK_SKEW_SECONDS } from '../../../contract/auth';
import { createJwtVerifier, type JwtVerifierOptions, type TokenVerifier } from '../../../lambda/core/auth/jwt-verifier';
import { METRIC } from '../../../contract/metrics';
import { MAX_CLAIMS_CONTEXT_CHARS } from '../../../lambda/core/room-rules';

// GIVEN an issuer whose JWKS is served over HTTP on 127.0.0.1, as Cognito serves its own.
const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool';
const CLIENT_ID = 'test-client-id';
const METHOD_ARN = 'arn:aws:execute-api:us-east-1:123456789012:abc123/dev/$connect';
const NOW = new Date('2026-11-25T12:00:00Z');
const nowSeconds = Math.floor(NOW.getTime() / 1000);

let server: Server;
let jwksUrl: URL;
let signingKey: KeyLike;
let otherKey: KeyLike;
let jwksRequests = 0;
let verifier: TokenVerifier;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  const other = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  otherKey = other.privateKey;
  const jwks: { keys: JWK[] } = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' }] };
  server = createServer((_req, res) => {
    jwksRequests++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`);
  verifier = cognitoVerifier();
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A Cognito-shaped ID token; `claims` override or remove (undefined) any claim. */
function idToken(claims: JWTPayload = {}, options: { key?: KeyLike; kid?: string; alg?: string } = {}): Promise<string> {
  const payload: JWTPayload = {
    sub: 'user-123',
    aud: CLIENT_ID,
    iss: ISSUER,
    token_use: 'id',
    'cognito:username': 'alice',
    iat: nowSeconds - 60,
    exp: nowSeconds + 3600,
    ...claims,
  };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? 'key-1', typ: 'JWT' })
    .sign(options.key ?? signingKey);
}

/** A verifier for the test pool's tokens, over a fresh key cache; `options` override any setting. */
function cognitoVerifier(options: Partial<JwtVerifierOptions> = {}): TokenVerifier {
  return createJwtVerifier({
    profile: 'cognito',
    issuer: ISSUER,
    audiences: [CLIENT_ID],
    algorithms: ['RS256'],
    keys: createIssuerKeys({ url: jwksUrl, algorithms: ['RS256'] }),
    now: () => NOW,
    ...options,
  });
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const event = (token?: string): ConnectAuthorizerEvent => ({
  type: 'REQUEST',
  methodArn: METHOD_ARN,
  queryStringParameters: token === undefined ? undefined : { token },
  multiValueQueryStringParameters: token === undefined ? undefined : { token: [token] },
  requestContext: { connectionId: 'BFaT_fALIAMCKug=', requestId: 'r1' },
});
const log = { info: jest.fn<void, [string, Record<string, unknown>]>(), error: jest.fn<void, [string, Record<string, unknown>]>() };
const count = jest.fn();

async function decide(token?: string, using: TokenVerifier = verifier) {
  return authorizeConnect(event(token), using, log, count);
}

function expectDeny(result: Awaited<ReturnType<typeof decide>>): void {
  expect(result.policyDocument.Statement).toEqual([{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: METHOD_ARN }]);
  expect(result.context).toBeUndefined();
}

describe('$connect authorizer', () => {
  beforeEach(() => {
    log.info.mockClear();
    log.error.mockClear();
    count.mockClear();
  });

  it('allows a valid ID token, with the user in principalId and context', async () => {
    const result = await decide(await idToken());
    expect(result).toEqual({
      principalId: 'user-123',
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: METHOD_ARN }] },
      context: { userId: 'user-123', username: 'alice' },
    });
  });

  it('passes on the claims the room rules name, and only those, as one JSON string in the context', async () => {
    const withClaims = cognitoVerifier({ ruleClaims: ['cognito:groups', 'org'] });
    const token = await idToken({ 'cognito:groups': ['red', 'blue'], org: 'acme', email: 'alice@example.com' });
    const result = await decide(token, withClaims);
    expect(result.context).toEqual({
      userId: 'user-123',
      username: 'alice',
      claims: JSON.stringify({ 'cognito:groups': ['red', 'blue'], org: ['acme'] }),
    });
    expect(result.context?.claims).not.toContain('alice@example.com');
  });

  it('passes on a display name from the first of the configured claims that holds a valid one, and never logs it', async () => {
    const named = cognitoVerifier({ displayNameClaims: ['name', 'preferred_username', 'cognito:username', 'email'] });
    const context = async (claims: JWTPayload) => (await decide(await idToken(claims), named)).context;
    expect(await context({ name: '  Alice Liddell ', email: 'alice@example.com' })).toMatchObject({ displayName: 'Alice Liddell' });
    // A name with a bidi override or a control character, or too long, is passed over for the next claim.
    expect(await context({ name: '\u202Eecila', preferred_username: 'ally' })).toMatchObject({ displayName: 'ally' });
    expect(await context({ name: 'a\u0000b' })).toMatchObject({ displayName: 'alice' });
    expect(await context({ name: 'n'.repeat(65) })).toMatchObject({ displayName: 'alice' });
    expect(await context({ name: 42, 'cognito:username': undefined, email: 'alice@example.com' })).toMatchObject({
      displayName: 'alice@example.com',
    });
    expect(await context({ 'cognito:username': undefined })).not.toHaveProperty('displayName');
    // Composed characters come out in one form (NFC), so one name is one string.
    expect(await context({ name: 'Zoe\u0301' })).toMatchObject({ displayName: 'Zo\u00e9' });
    expect(JSON.stringify(log.info.mock.calls)).not.toContain('Liddell');
  });

  it('passes on no display name without display-name claims', async () => {
    expect((await decide(await idToken({ name: 'Alice' }))).context).not.toHaveProperty('displayName');
  });

  it('bounds the claims it passes on, and logs that it left some out', async () => {
    const groups = Array.from({ length: 400 }, (_, i) => `group-${i}`);
    const result = await decide(await idToken({ 'cognito:groups': groups }), cognitoVerifier({ ruleClaims: ['cognito:groups'] }));
    expect(result.context!.claims!.length).toBeLessThanOrEqual(MAX_CLAIMS_CONTEXT_CHARS);
    expect(log.info).toHaveBeenCalledWith('Connection authorized', { userId: 'user-123', claimsTruncated: true });
  });

  it('allows a Cognito access token, whose client id is in client_id and which has no aud', async () => {
    const token = await idToken({
      aud: undefined,
      token_use: 'access',
      client_id: CLIENT_ID,
      'cognito:username': undefined,
      username: 'alice',
    });
    expect(await decide(token)).toMatchObject({ principalId: 'user-123', context: { userId: 'user-123', username: 'alice' } });
  });

  it('names the user by sub when the token has no username claim', async () => {
    expect((await decide(await idToken({ 'cognito:username': undefined }))).context).toEqual({ userId: 'user-123', username: 'user-123' });
  });

  it('rejects a missing token with Unauthorized (401), as API Gateway does', async () => {
    // API Gateway answers 401 for exactly this message; the handler tells it from failures by its type.
    await expect(decide(undefined)).rejects.toThrow(new UnauthorizedError());
    await expect(decide(undefined)).rejects.toThrow(/^Unauthorized$/);
    await expect(decide('')).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it.each<[string, () => Promise<string>, RegExp]>([
    ['an expired token', () => idToken({ exp: nowSeconds - 1, iat: nowSeconds - 3600 }), /ERR_JWT_EXPIRED/],
    ['a token signed by another key under the same kid', () => idToken({}, { key: otherKey }), /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/],
    ['a token for another app client (aud)', () => idToken({ aud: 'someone-else' }), /\(aud\)/],
    [
      'an access token for another app client (client_id)',
      () => idToken({ aud: undefined, token_use: 'access', client_id: 'someone-else' }),
      /\(client_id\)/,
    ],
    ['a Cognito token without token_use', () => idToken({ token_use: undefined }), /\(token_use\)/],
    ['a token from another issuer', () => idToken({ iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other' }), /\(iss\)/],
    ['a token without sub', () => idToken({ sub: undefined }), /\(sub\)/],
    ['a token without exp', () => idToken({ exp: undefined }), /\(exp\)/],
    [
      'an unsigned token (alg: none)',
      async () =>
        `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'user-123', aud: CLIENT_ID, iss: ISSUER, token_use: 'id', exp: nowSeconds + 60 })}.`,
      /ERR_JOSE_ALG_NOT_ALLOWED/,
    ],
    [
      'an HMAC token (alg not allowed)',
      () =>
        new SignJWT({ sub: 'x', aud: CLIENT_ID, iss: ISSUER, token_use: 'id', exp: nowSeconds + 60 })
          .setProtectedHeader({ alg: 'HS256', kid: 'key-1' })
          .sign(new TextEncoder().encode('secret-secret-secret-secret-secret')),
      /ERR_JOSE_ALG_NOT_ALLOWED/,
    ],
    ['a token whose kid is not in the JWKS', () => idToken({}, { kid: 'unknown-kid' }), /ERR_JWKS_NO_MATCHING_KEY/],
    ['a malformed token', async () => 'not-a-jwt', /ERR_JWS_INVALID|ERR_JWT_INVALID/],
    [
      'a token with a tampered payload',
      async () => {
        const [header, , signature] = (await idToken()).split('.');
        return `${header}.${b64({ sub: 'mallory', aud: CLIENT_ID, iss: ISSUER, token_use: 'id', exp: nowSeconds + 3600 })}.${signature}`;
      },
      /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/,
    ],
  ])('denies %s (403), logging why but never the token', async (_name, makeToken, reason) => {
    const token = await makeToken();
    expectDeny(await decide(token));
    expect(log.info).toHaveBeenCalledWith('Connection denied: invalid token', { reason: expect.stringMatching(reason) });
    expect(JSON.stringify(log.info.mock.calls)).not.toContain(token.split('.')[1] || token);
  });

  it('checks aud with jose for an OIDC issuer', async () => {
    const oidc = cognitoVerifier({ profile: 'oidc', audiences: ['api://switchboard'] });
    const allowed = await decide(
      await idToken({ aud: 'api://switchboard', token_use: undefined, preferred_username: 'ally', 'cognito:username': undefined }),
      oidc,
    );
    expect(allowed.context).toEqual({ userId: 'user-123', username: 'ally' });
    expectDeny(await decide(await idToken({ aud: CLIENT_ID }), oidc));
  });

  it('fails (500), rather than denying, when the JWKS cannot be fetched, and counts it', async () => {
    const unreachable = cognitoVerifier({
      keys: createIssuerKeys({ url: new URL('http://127.0.0.1:1/.well-known/jwks.json'), algorithms: ['RS256'] }),
    });
    await expect(decide(await idToken(), unreachable)).rejects.toThrow(KeyFetchError);
    expect(count.mock.calls).toEqual([[METRIC.authorizerKeyFetchFailures]]);
    expect(log.error).toHaveBeenCalledWith(expect.any(String), expect.objectContaining({ reason: 'unreachable' }));
  });

  it('fetches the JWKS once and reuses it across verifications', async () => {
    const before = jwksRequests;
    const fresh = cognitoVerifier();
    for (let i = 0; i < 3; i++) expect((await fresh.verify(await idToken())).ok).toBe(true);
    expect(jwksRequests - before).toBe(1);
  });
});

describe('stricter tokens', () => {
  beforeEach(() => log.info.mockClear());

  const reasonOf = async (token: string, using: TokenVerifier = verifier) => {
    expectDeny(await decide(token, using));
    return log.info.mock.calls.at(-1)?.[1];
  };

  it.each<[string, JWTPayload]>([
    ['a numeric sub', { sub: 123 as unknown as string }],
    ['an empty sub', { sub: '' }],
  ])('denies %s', async (_name, claims) => {
    expect(await reasonOf(await idToken(claims))).toEqual({ reason: 'ERR_JWT_CLAIM_VALIDATION_FAILED (sub)' });
  });

  it(`denies an iat more than ${IAT_CLOCK_SKEW_SECONDS} s in the future, and allows one within that skew`, async () => {
    expect(await reasonOf(await idToken({ iat: nowSeconds + IAT_CLOCK_SKEW_SECONDS + 1 }))).toEqual({
      reason: 'ERR_JWT_CLAIM_VALIDATION_FAILED (iat in the future)',
    });
    expect((await decide(await idToken({ iat: nowSeconds + IAT_CLOCK_SKEW_SECONDS }))).context).toBeDefined();
  });

  it('measures the skew on the injected clock, not the system clock', async () => {
    const later = cognitoVerifier({ now: () => new Date(NOW.getTime() + 3600_000) });
    const issuedInAnHour = await idToken({ iat: nowSeconds + 3600, exp: nowSeconds + 7200 });
    expect((await decide(issuedInAnHour, later)).context).toBeDefined();
    expect(await reasonOf(issuedInAnHour)).toEqual({ reason: 'ERR_JWT_CLAIM_VALIDATION_FAILED (iat in the future)' });
  });

  it('with maxTokenAgeSeconds, denies a token issued longer ago, or without iat', async () => {
    const strict = cognitoVerifier({ maxTokenAgeSeconds: 300 });
    expect((await decide(await idToken({ iat: nowSeconds - 300 }), strict)).context).toBeDefined();
    expect(await reasonOf(await idToken({ iat: nowSeconds - 301 }), strict)).toEqual({
      reason: 'ERR_JWT_EXPIRED (iat older than the maximum token age)',
    });
    expect(await reasonOf(await idToken({ iat: undefined }), strict)).toEqual({ reason: 'ERR_JWT_CLAIM_VALIDATION_FAILED (iat missing)' });
  });

  it('with maxTokenAgeSeconds, stops accepting a token (and caching its result) when it reaches that age', async () => {
    const strict = cognitoVerifier({ maxTokenAgeSeconds: 300 });
    expect(await strict.verify(await idToken({ iat: nowSeconds - 60 }))).toMatchObject({
      ok: true,
      identity: { expiresAt: nowSeconds + 240 },
    });
    expect(await verifier.verify(await idToken({ iat: nowSeconds - 60 }))).toMatchObject({
      ok: true,
      identity: { expiresAt: nowSeconds + 3600 },
    });
  });

  it('without maxTokenAgeSeconds, allows an old token that has not expired, and one without iat', async () => {
    expect((await decide(await idToken({ iat: nowSeconds - 86_400 * 30 }))).context).toBeDefined();
    expect((await decide(await idToken({ iat: undefined }))).context).toBeDefined();
  });

  it('denies several token parameters (403), even when one of them is valid, without verifying any', async () => {
    const valid = await idToken();
    const verify = jest.fn((token: string) => verifier.verify(token));
    const spy: TokenVerifier = { verify };
    const twice: ConnectAuthorizerEvent = { ...event(valid), multiValueQueryStringParameters: { token: ['not-a-jwt', valid] } };
    expectDeny(await authorizeConnect(twice, spy, log, count));
    expect(log.info).toHaveBeenCalledWith('Connection denied: several token parameters', { count: 2 });
    expect(verify).not.toHaveBeenCalled();
    const same: ConnectAuthorizerEvent = { ...event(valid), multiValueQueryStringParameters: { token: [valid, valid] } };
    expectDeny(await authorizeConnect(same, spy, log, count));
  });
});
