/**
 * An identity provider outage, end to end: the app's real bundled authorizer, configured for an
 * OpenID Connect issuer whose JWKS endpoint answers 503, runs in the emulator behind real ws
 * clients. `$connect` must fail with 500 (an error, which alarms), never 403 (a denial, which
 * does not), and the authorizer must log why and count it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { startEmulator, type Emulator } from '../../local/emulator';
import type { InvocationRecord } from '../../local/gateway/gateway';
import { METRIC } from '../../contract/metrics';
import { appAssembly } from '../support/app-assembly';
import { writeOidcVariant } from './fixtures/oidc-variant';
import { handshakeStatus } from './helpers';

const ISSUER = 'https://login.example.com/';
const AUDIENCE = 'api://switchboard';

describe('identity provider outage in the emulator', () => {
  let jwksServer: Server;
  let jwksRequests = 0;
  let answer: RequestListener;
  let signingKey: KeyLike;
  let jwks: { keys: JWK[] };
  let dir: string;
  let emu: Emulator;
  const output: string[] = [];
  const invocations: InvocationRecord[] = [];

  const unavailable: RequestListener = (_req, res) => {
    res.writeHead(503, { 'content-type': 'text/html' });
    res.end('<html><body>503 Service Temporarily Unavailable</body></html>');
  };

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    signingKey = pair.privateKey;
    jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' }] };
    jwksServer = createServer((req, res) => {
      jwksRequests++;
      answer(req, res);
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;

    dir = await mkdtemp(path.join(tmpdir(), 'switchboard-oidc-'));
    const assemblyDir = writeOidcVariant(appAssembly(), dir, { issuer: ISSUER, jwksUrl, audience: AUDIENCE });
    emu = await startEmulator({
      assemblyDir,
      port: 0,
      dynamodbPort: 0,
      log: () => undefined,
      functionLog: (_id, line) => output.push(line),
    });
    emu.gateway.on('invocation', (record: InvocationRecord) => invocations.push(record));
  }, 60_000);

  afterAll(async () => {
    await emu?.stop();
    await new Promise<void>((resolve) => jwksServer.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  const tokenFor = (user: string, key: KeyLike = signingKey) =>
    new SignJWT({ preferred_username: user })
      .setProtectedHeader({ alg: 'RS256', kid: 'idp-1', typ: 'JWT' })
      .setSubject(`idp-${user}`)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
  const withToken = (token: string) => `${emu.url}?token=${encodeURIComponent(token)}`;

  it('refuses $connect with 500, not 403, while the JWKS answers 503; logs the reason and counts it', async () => {
    answer = unavailable;
    const token = await tokenFor('alice');
    const before = jwksRequests;

    expect(await handshakeStatus(withToken(token))).toBe(500);

    expect(jwksRequests - before).toBe(1);
    expect(invocations.filter((r) => r.eventType === 'AUTHORIZER').at(-1)).toMatchObject({ status: 500 });
    const logs = output.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: expect.stringContaining('signing keys could not be fetched'),
        reason: 'http-status',
      }),
    );
    expect(logs).toContainEqual(expect.objectContaining({ [METRIC.authorizerKeyFetchFailures]: 1 }));
    expect(output.join('\n')).not.toContain(token.split('.')[1]);
  });

  it('lets the same token in once the JWKS answers again, and still denies (403) a token the issuer did not sign', async () => {
    answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(jwks));
    };
    expect(await handshakeStatus(withToken(await tokenFor('alice')))).toBe(101);
    const stranger = (await generateKeyPair('RS256')).privateKey;
    expect(await handshakeStatus(withToken(await tokenFor('mallory', stranger)))).toBe(403);
  });
});
