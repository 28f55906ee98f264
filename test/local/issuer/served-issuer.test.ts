/**
 * The local user pool on the gateway's origin: the page's same-origin way to the local Cognito
 * (`/.switchboard/cognito`, for pages the emulator served and programs on this machine), the token
 * endpoint, and what the page's configuration says. The Cognito operations themselves are tested
 * in test/local/services/cognito-idp/.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { UserPoolSpec } from '../../../local/assembly/app-spec';
import { LocalIssuer, localSubject } from '../../../local/issuer/issuer';
import { serveIssuer, type ServedIssuer } from '../../../local/issuer/served-issuer';
import { COGNITO_IDP } from '../../../local/services/cognito-idp/cognito-idp';
import { LOCAL_PASSWORD, LOCAL_PATHS } from '../../../protocol';
import { LOCAL_CREDENTIALS } from '../../../protocol/local-endpoints';
import { startService, testApp, type RunningTestService } from '../services/service-harness';
import { EXCERPT_CHARACTERS } from '../../../protocol/values';

const CLIENT_ID = 'localappclient100000000000';
const POOL: UserPoolSpec = {
  logicalId: 'Users',
  poolId: 'us-east-1_AbC123xYz',
  arn: 'arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC123xYz',
  clients: [
    {
      logicalId: 'Web',
      clientId: CLIENT_ID,
      authFlows: ['ALLOW_USER_PASSWORD_AUTH'],
      hasSecret: false,
      idTokenSeconds: 3600,
      accessTokenSeconds: 3600,
    },
  ],
  passwordPolicy: { minimumLength: 8, requireUppercase: false, requireLowercase: false, requireNumbers: false, requireSymbols: false },
  caseSensitive: true,
};
const app = testApp({ userPools: [POOL] });

let server: Server;
let port: number;
let key: LocalIssuer;
let cognitoService: RunningTestService;
let served: ServedIssuer;
let cognito: CognitoIdentityProviderClient;

/** One raw HTTP request to the gateway's sign-in path, with headers a browser would send (which the SDK never does). */
function call(headers: Record<string, string>, body: string, method = 'POST'): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: LOCAL_PATHS.cognito, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const amzHeaders = (extra: Record<string, string> = {}) => ({
  host: `127.0.0.1:${port}`,
  'content-type': 'application/x-amz-json-1.1',
  'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
  ...extra,
});
const goodBody = JSON.stringify({
  AuthFlow: 'USER_PASSWORD_AUTH',
  ClientId: CLIENT_ID,
  AuthParameters: { USERNAME: 'ann', PASSWORD: LOCAL_PASSWORD },
});

beforeAll(async () => {
  // GIVEN the local Cognito on its port, and the issuer's paths served on a "gateway" port, as the emulator serves them
  key = await LocalIssuer.open();
  cognitoService = await startService(COGNITO_IDP, app, { localIssuer: key });
  served = await serveIssuer(key, app, cognitoService.hostPort);
  server = createServer((req, res) => {
    void served.handle(req, res, new URL(req.url ?? '/', 'http://local')).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  cognito = new CognitoIdentityProviderClient({
    credentials: LOCAL_CREDENTIALS,
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}${LOCAL_PATHS.cognito}`,
  });
});

afterAll(async () => {
  cognito.destroy();
  await new Promise((resolve) => server.close(resolve));
  await cognitoService.stop();
});

describe('the issuer it names', () => {
  test("is the pool's Cognito issuer, with its first app client as the audience; the page's configuration names the same-origin paths", () => {
    expect(served.state).toEqual({ issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123xYz', audience: CLIENT_ID });
    expect(served.jwksUrl).toBe(`${cognitoService.endpoint}/us-east-1_AbC123xYz/.well-known/jwks.json`);
    expect(served.publishedConfig).toEqual({
      tokenUrl: LOCAL_PATHS.token,
      cognito: { endpoint: LOCAL_PATHS.cognito, clientId: CLIENT_ID, region: 'us-east-1' },
    });
  });

  test('the token endpoint mints for the issuer; the JWKS the local Cognito serves verifies it', async () => {
    const { token } = (await (await fetch(`http://127.0.0.1:${port}${LOCAL_PATHS.token}?user=zoe`)).json()) as { token: string };
    const jwks = createLocalJWKSet((await (await fetch(served.jwksUrl)).json()) as Parameters<typeof createLocalJWKSet>[0]);
    const { payload } = await jwtVerify(token, jwks, { issuer: served.state.issuer, audience: CLIENT_ID });
    expect(payload).toMatchObject({ sub: localSubject('zoe'), 'cognito:username': 'zoe', token_use: 'id' });
  });
});

describe('signing in through the same origin', () => {
  test('the SDK, given the path as its endpoint, signs in with the local Cognito', async () => {
    const { AuthenticationResult } = await cognito.send(
      new InitiateAuthCommand({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: CLIENT_ID,
        AuthParameters: { USERNAME: 'ann', PASSWORD: LOCAL_PASSWORD },
      }),
    );
    expect(AuthenticationResult).toMatchObject({ TokenType: 'Bearer', IdToken: expect.any(String) as string });
  });

  test('a user name of 16,000 characters is refused with its start echoed, marked as cut, never the whole of it', async () => {
    const long = `${'n'.repeat(15_999)}!`;
    const signIn = (user: string, clientId = CLIENT_ID) =>
      cognito
        .send(
          new InitiateAuthCommand({
            AuthFlow: 'USER_PASSWORD_AUTH',
            ClientId: clientId,
            AuthParameters: { USERNAME: user, PASSWORD: LOCAL_PASSWORD },
          }),
        )
        .then(
          () => undefined,
          (err: unknown) => err as Error,
        );
    const refused = await signIn(long);
    expect(refused).toMatchObject({
      name: 'InvalidParameterException',
      message: `user "${'n'.repeat(EXCERPT_CHARACTERS)}… (cut: ${long.length} characters)" must be 1-64 characters of A-Z a-z 0-9 _ . @ + -`,
    });
    // An unknown app client that long, too.
    const client = await signIn('ann', 'c'.repeat(15_000));
    expect(client).toMatchObject({
      name: 'ResourceNotFoundException',
      message: expect.stringContaining('(cut: 15000 characters)') as string,
    });
    expect(client!.message.length).toBeLessThan(300);
  });
});

describe('who may call it', () => {
  test('a page of the same origin may sign in; errors carry __type as Cognito sends them', async () => {
    const page = await call(amzHeaders({ origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin' }), goodBody);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ AuthenticationResult: { TokenType: 'Bearer' } });
    const other = await call(amzHeaders({ 'x-amz-target': 'AWSCognitoIdentityProviderService.SignUp' }), goodBody);
    expect(other).toEqual({ status: 400, body: { __type: 'UnknownOperationException', message: expect.stringContaining('SignUp') } });
    const notJson = await call(amzHeaders(), '{"AuthFlow":');
    expect(notJson).toEqual({ status: 400, body: { __type: 'SerializationException', message: expect.stringContaining('not JSON') } });
  });

  test('a page of another origin is refused, whether the browser sends Sec-Fetch-Site or only Origin', async () => {
    const cases: Array<Record<string, string>> = [
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      // Another port of this machine is the same site, but another origin.
      { origin: 'http://127.0.0.1:1', 'sec-fetch-site': 'same-site' },
      { origin: 'https://evil.example' },
      { origin: 'null' },
    ];
    for (const headers of cases) {
      const refused = await call(amzHeaders(headers), goodBody);
      expect(refused).toEqual({ status: 403, body: { __type: 'AccessDeniedException', message: expect.stringContaining('same origin') } });
    }
  });

  test('a CORS preflight gets no CORS headers, so browsers keep other origins out', async () => {
    const preflight = await new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'OPTIONS',
          path: LOCAL_PATHS.cognito,
          headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
        },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, headers: res.headers });
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers).not.toHaveProperty('access-control-allow-origin');
  });
});

describe("the local users' sub", () => {
  it('is a UUID, as Cognito gives, derived from the user name: the same on every start, another for every user', () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(localSubject('alice')).toMatch(uuid);
    expect(localSubject('alice')).toBe(localSubject('alice'));
    expect(new Set(['alice', 'bob', 'Alice', 'alice ']).size).toBe(new Set(['alice', 'bob', 'Alice', 'alice '].map(localSubject)).size);
    // Fixed across versions too: tokens minted before an upgrade, and user rooms named after them, keep working.
    expect(localSubject('alice')).toBe('d5fa6952-44ef-5add-8453-70ef9c3f8739');
  });
});
