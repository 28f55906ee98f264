/**
 * An identity provider's outage is an error (500, logged, counted), never a denial (403): every
 * way of failing to get the issuer's keys, against a real JWKS server on 127.0.0.1, next to
 * wrong tokens, which are still denied.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type KeyLike } from 'jose';
import { authorizeConnect, type ConnectAuthorizerEvent } from '../../../lambda/core/auth/authorize';
import { createIssuerKeys, KeyFetchError, type IssuerKeysOptions } from '../../../lambda/core/auth/issuer-keys';
import { ManualClock } from '../../support/manual-clock';
import { createJwtVerifier } from '../../../lambda/core/auth/jwt-verifier';
import { METRIC } from '../../../contract/metrics';

const ISSUER = 'https://login.example.com/';
const AUDIENCE = 'api://switchboard';
const METHOD_ARN = 'arn:aws:execute-api:us-east-1:123456789012:abc123/dev/$connect';
const NOW = new Date('2026-11-25T12:00:00Z');
const nowSeconds = Math.floor(NOW.getTime() / 1000);

type Respond = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let jwksUrl: URL;
let signingKey: KeyLike;
let otherKey: KeyLike;
let goodSet: { keys: JWK[] };
let respond: Respond;
let requests = 0;
/** Resolves the next time the server receives a request. */
let requestSeen: () => void = () => undefined;

const json =
  (status: number, body: unknown, contentType = 'application/json'): Respond =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': contentType });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  goodSet = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' }] };
  server = createServer((req, res) => {
    requests++;
    requestSeen();
    respond(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  respond = json(200, goodSet);
});

function token(claims: JWTPayload = {}, options: { key?: KeyLike; kid?: string } = {}): Promise<string> {
  return new SignJWT({ sub: 'user-123', aud: AUDIENCE, iss: ISSUER, iat: nowSeconds - 60, exp: nowSeconds + 3600, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'key-1', typ: 'JWT' })
    .sign(options.key ?? signingKey);
}

function keysAt(url: URL, options: Partial<IssuerKeysOptions> = {}) {
  return createIssuerKeys({ url, algorithms: ['RS256'], ...options });
}

/** A verifier for this issuer and audience over `keys`, at the tests' fixed time. */
function verifierOver(keys: ReturnType<typeof createIssuerKeys>) {
  return createJwtVerifier({ profile: 'oidc', issuer: ISSUER, audiences: [AUDIENCE], algorithms: ['RS256'], keys, now: () => NOW });
}

/** Runs a $connect through the authorizer core, with a fresh verifier over `keys`, recording logs and metrics. */
async function connect(keys: ReturnType<typeof createIssuerKeys>, presented: string) {
  const verifier = verifierOver(keys);
  const log = { info: jest.fn(), error: jest.fn() };
  const count = jest.fn();
  const event: ConnectAuthorizerEvent = {
    type: 'REQUEST',
    methodArn: METHOD_ARN,
    queryStringParameters: { token: presented },
    multiValueQueryStringParameters: { token: [presented] },
  };
  const outcome = authorizeConnect(event, verifier, log, count).then(
    (result) => ({ result, error: undefined }),
    (error: unknown) => ({ result: undefined, error }),
  );
  return { ...(await outcome), log, count };
}

describe('a failure to get the keys is an error (500), logged with its reason and counted', () => {
  it.each<[string, Respond, string, RegExp]>([
    ['answers 503', json(503, 'Service Unavailable', 'text/plain'), 'http-status', /answered 503 \(text\/plain\), not 200/],
    ['answers 429', json(429, { message: 'Too Many Requests' }), 'http-status', /answered 429/],
    [
      'answers 200 with an HTML page',
      json(200, '<html><body>Sign in</body></html>', 'text/html'),
      'not-json',
      /200 with text\/html that is not JSON/,
    ],
    ['answers 200 with truncated JSON', json(200, '{"keys": [{"kty": "RSA"'), 'not-json', /application\/json that is not JSON/],
    ['answers an empty key set', json(200, { keys: [] }), 'no-usable-key', /lists 0 key\(s\), none a public signing key for RS256/],
    ['answers JSON that is not a key set', json(200, { error: 'maintenance' }), 'no-usable-key', /without a "keys" array/],
    [
      'lists only encryption keys',
      (req, res) => json(200, { keys: goodSet.keys.map((k) => ({ ...k, use: 'enc' })) })(req, res),
      'no-usable-key',
      /lists 1 key\(s\), none/,
    ],
    [
      'lists only keys for other algorithms',
      (req, res) => json(200, { keys: goodSet.keys.map((k) => ({ ...k, alg: 'PS256' })) })(req, res),
      'no-usable-key',
      /none a public signing key/,
    ],
    [
      'redirects elsewhere',
      (_req, res) => res.writeHead(302, { location: 'https://elsewhere.example.com/jwks.json' }).end(),
      'http-status',
      /answered 302/,
    ],
  ])('when the JWKS endpoint %s', async (_name, behaviour, reason, detail) => {
    respond = behaviour;
    const presented = await token();
    const { error, log, count } = await connect(keysAt(jwksUrl), presented);

    expect(error).toBeInstanceOf(KeyFetchError);
    expect(error).toMatchObject({ reason, message: expect.stringMatching(detail) });
    expect(count.mock.calls).toEqual([[METRIC.authorizerKeyFetchFailures]]);
    expect(log.error).toHaveBeenCalledWith(expect.stringContaining('signing keys could not be fetched'), {
      reason,
      error: expect.stringMatching(detail),
    });
    expect(JSON.stringify([log.info.mock.calls, log.error.mock.calls])).not.toContain(presented.split('.')[1]);
  });

  it('when nothing listens on the JWKS port (connection refused)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = new URL(`http://127.0.0.1:${(closed.address() as AddressInfo).port}/.well-known/jwks.json`);
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const { error, count } = await connect(keysAt(url), await token());
    expect(error).toMatchObject({ reason: 'unreachable', message: expect.stringContaining('ECONNREFUSED') });
    expect(count).toHaveBeenCalledWith(METRIC.authorizerKeyFetchFailures);
  });

  it('when the JWKS endpoint never answers (timeout, on the injected clock)', async () => {
    respond = () => undefined; // holds the request open
    const clock = new ManualClock(NOW.getTime());
    const seen = new Promise<void>((resolve) => (requestSeen = resolve));
    const pending = connect(keysAt(jwksUrl, { clock, timeoutMs: 5_000 }), await token());
    await seen;
    clock.advance(5_000); // the 5 s have passed
    const { error, count } = await pending;
    expect(error).toMatchObject({ reason: 'timeout', message: expect.stringContaining('did not answer within 5000 ms') });
    expect(count).toHaveBeenCalledWith(METRIC.authorizerKeyFetchFailures);
  });

  it('times out on the system clock by default', async () => {
    respond = () => undefined;
    const { error } = await connect(keysAt(jwksUrl, { timeoutMs: 50 }), await token());
    expect(error).toMatchObject({ reason: 'timeout' });
  });
});

describe('a wrong token is still denied (403) when the keys were fetched fine', () => {
  it.each<[string, () => Promise<string>, RegExp]>([
    ['signed by another key under the same kid', () => token({}, { key: otherKey }), /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/],
    ['with a kid the issuer does not list', () => token({}, { kid: 'unknown-kid' }), /ERR_JWKS_NO_MATCHING_KEY/],
    ['expired', () => token({ exp: nowSeconds - 1, iat: nowSeconds - 3600 }), /ERR_JWT_EXPIRED/],
    ['from another issuer', () => token({ iss: 'https://evil.example.com/' }), /\(iss\)/],
    ['for another audience', () => token({ aud: 'api://other' }), /\(aud\)/],
    ['malformed', async () => 'not.a.jwt', /ERR_JWS_INVALID|ERR_JWT_INVALID/],
  ])('a token %s', async (_name, make, reason) => {
    const { result, error, log, count } = await connect(keysAt(jwksUrl), await make());
    expect(error).toBeUndefined();
    expect(result?.policyDocument.Statement[0].Effect).toBe('Deny');
    expect(log.info).toHaveBeenCalledWith('Connection denied: invalid token', { reason: expect.stringMatching(reason) });
    expect(count).not.toHaveBeenCalled();
  });

  it('a valid token is allowed', async () => {
    const { result } = await connect(keysAt(jwksUrl), await token());
    expect(result).toMatchObject({ principalId: 'user-123', context: { userId: 'user-123' } });
  });
});

describe('key caching', () => {
  async function verifyWith(keys: ReturnType<typeof createIssuerKeys>, presented: string) {
    return verifierOver(keys).verify(presented);
  }

  it('fetches once for concurrent and later verifications, and again after the maximum age', async () => {
    const clock = new ManualClock(NOW.getTime());
    const keys = keysAt(jwksUrl, { clock, maxAgeMs: 600_000 });
    const presented = await token();
    const before = requests;
    const results = await Promise.all([verifyWith(keys, presented), verifyWith(keys, presented), verifyWith(keys, presented)]);
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
    clock.advance(599_999);
    await verifyWith(keys, presented);
    expect(requests - before).toBe(1);
    clock.advance(1);
    await verifyWith(keys, presented);
    expect(requests - before).toBe(2);
  });

  it('refetches for an unknown kid only after the cooldown, and then picks up a rotated key', async () => {
    const clock = new ManualClock(NOW.getTime());
    const keys = keysAt(jwksUrl, { clock, cooldownMs: 30_000 });
    const rotated = await generateKeyPair('RS256');
    const rotatedToken = await token({}, { key: rotated.privateKey, kid: 'key-2' });
    const before = requests;
    expect(await verifyWith(keys, await token())).toMatchObject({ ok: true });

    respond = json(200, { keys: [...goodSet.keys, { ...(await exportJWK(rotated.publicKey)), kid: 'key-2', alg: 'RS256', use: 'sig' }] });
    expect(await verifyWith(keys, rotatedToken)).toMatchObject({ ok: false, reason: 'ERR_JWKS_NO_MATCHING_KEY' });
    expect(requests - before).toBe(1); // within the cooldown: no refetch

    clock.advance(30_000);
    expect(await verifyWith(keys, rotatedToken)).toMatchObject({ ok: true });
    expect(requests - before).toBe(2);
  });

  it('fails, rather than denies, an unknown kid when the refetch fails: the kid may be a new key', async () => {
    const clock = new ManualClock(NOW.getTime());
    const keys = keysAt(jwksUrl, { clock, cooldownMs: 30_000 });
    expect(await verifyWith(keys, await token())).toMatchObject({ ok: true });
    respond = json(503, 'Service Unavailable', 'text/plain');
    clock.advance(30_000);
    await expect(verifyWith(keys, await token({}, { kid: 'key-2' }))).rejects.toThrow(KeyFetchError);
  });

  it('recovers on the next connect once the endpoint answers again', async () => {
    const keys = keysAt(jwksUrl);
    respond = json(503, 'Service Unavailable', 'text/plain');
    await expect(verifyWith(keys, await token())).rejects.toThrow(/answered 503/);
    respond = json(200, goodSet);
    expect(await verifyWith(keys, await token())).toMatchObject({ ok: true });
  });
});
