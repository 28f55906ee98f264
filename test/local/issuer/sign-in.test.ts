/**
 * The local issuer's Cognito-compatible sign-in: `InitiateAuth` (USER_PASSWORD_AUTH) as the AWS
 * SDK's own Cognito client sends it, answered with tokens the app's authorizer accepts.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  InvalidParameterException,
  NotAuthorizedException,
  ResourceNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import { createLocalJWKSet } from 'jose';
import { createJwtVerifier } from '../../../lambda/core/auth/jwt-verifier';
import { handleIssuerRequest, LocalIssuer, localSubject, type IssuerState } from '../../../local/issuer/issuer';
import { LOCAL_PASSWORD, LOCAL_PATHS } from '../../../protocol';
import { LOCAL_CREDENTIALS } from '../../../protocol/local-endpoints';

const CLIENT_ID = 'localappclient1';

let server: Server;
let port: number;
let issuer: LocalIssuer;
let state: IssuerState;
let cognito: CognitoIdentityProviderClient;

/** One raw HTTP request, with headers a browser would send (which the SDK never does). */
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

const signIn = (user: string, password: string, clientId = CLIENT_ID) =>
  cognito.send(
    new InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: clientId, AuthParameters: { USERNAME: user, PASSWORD: password } }),
  );

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
  // GIVEN the issuer's endpoints served on a loopback port, as the gateway serves them.
  issuer = await LocalIssuer.open();
  server = createServer((req, res) => {
    void handleIssuerRequest(req, res, new URL(req.url ?? '/', 'http://local'), issuer, state, [CLIENT_ID]).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  state = { issuer: `http://127.0.0.1:${port}${LOCAL_PATHS.issuer}`, audience: CLIENT_ID };
  cognito = new CognitoIdentityProviderClient({
    credentials: LOCAL_CREDENTIALS,
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}${LOCAL_PATHS.cognito}`,
  });
});

afterAll(async () => {
  cognito.destroy();
  await new Promise((resolve) => server.close(resolve));
});

describe('InitiateAuth with USER_PASSWORD_AUTH', () => {
  test('the local password signs a user in with an ID token and an access token that the authorizer accepts', async () => {
    // WHEN the SDK signs in
    const { AuthenticationResult } = await signIn('ann', LOCAL_PASSWORD);

    // THEN both tokens pass the app's own verifier, configured as the stack configures it for Cognito
    expect(AuthenticationResult).toMatchObject({ ExpiresIn: 3600, TokenType: 'Bearer' });
    const verifier = createJwtVerifier({
      profile: 'cognito',
      issuer: state.issuer,
      audiences: [CLIENT_ID],
      algorithms: ['RS256'],
      keys: createLocalJWKSet(issuer.jwks()),
    });
    for (const token of [AuthenticationResult!.IdToken!, AuthenticationResult!.AccessToken!]) {
      await expect(verifier.verify(token)).resolves.toEqual({
        ok: true,
        identity: { userId: localSubject('ann'), username: 'ann', expiresAt: expect.any(Number) },
      });
    }
    const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(claims(AuthenticationResult!.IdToken!)).toMatchObject({ token_use: 'id', aud: CLIENT_ID, 'cognito:username': 'ann' });
    expect(claims(AuthenticationResult!.AccessToken!)).toMatchObject({ token_use: 'access', client_id: CLIENT_ID, username: 'ann' });
    expect(claims(AuthenticationResult!.AccessToken!)).not.toHaveProperty('aud');
  });

  test('a wrong password is NotAuthorizedException (400), as Cognito answers', async () => {
    const failure = signIn('ann', 'not-the-password');
    await expect(failure).rejects.toBeInstanceOf(NotAuthorizedException);
    await expect(failure).rejects.toMatchObject({ message: 'Incorrect username or password.', $metadata: { httpStatusCode: 400 } });
  });

  test('an unknown app client is ResourceNotFoundException, and another flow InvalidParameterException', async () => {
    await expect(signIn('ann', LOCAL_PASSWORD, 'someoneelsesclient')).rejects.toBeInstanceOf(ResourceNotFoundException);
    const srp = cognito.send(
      new InitiateAuthCommand({ AuthFlow: 'USER_SRP_AUTH', ClientId: CLIENT_ID, AuthParameters: { USERNAME: 'ann' } }),
    );
    await expect(srp).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(srp).rejects.toThrow('USER_PASSWORD_AUTH only; got "USER_SRP_AUTH"');
    await expect(signIn('ann bob', LOCAL_PASSWORD)).rejects.toThrow('must be 1-64 characters');
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
