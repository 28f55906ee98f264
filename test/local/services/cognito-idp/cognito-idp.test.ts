/**
 * The local Cognito as @aws-sdk/client-cognito-identity-provider and aws-jwt-verify see it: sign-ins
 * (the local password, users the app created, the NEW_PASSWORD_REQUIRED challenge), the
 * administrators' operations under IAM, Cognito's exceptions, and each pool's keys under its issuer.
 */
import { request } from 'node:http';
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CognitoIdentityProviderServiceException,
  InitiateAuthCommand,
  InvalidParameterException,
  InvalidPasswordException,
  NotAuthorizedException,
  ResourceNotFoundException,
  RespondToAuthChallengeCommand,
  UsernameExistsException,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import type { UserPoolClientSpec, UserPoolSpec } from '../../../../local/assembly/app-spec';
import { LocalIssuer, localSubject } from '../../../../local/issuer/issuer';
import { COGNITO_IDP } from '../../../../local/services/cognito-idp/cognito-idp';
import { LOCAL_PASSWORD } from '../../../../protocol';
import { LOCAL_CREDENTIALS } from '../../../../protocol/local-endpoints';
import { startService, testApp, testIam, type RunningTestService } from '../service-harness';

const REGION = 'eu-west-1';
const ACCOUNT = '111122223333';
const POOL_ID = 'eu-west-1_AbC123xYz';
const POOL_ARN = `arn:aws:cognito-idp:${REGION}:${ACCOUNT}:userpool/${POOL_ID}`;

const client = (clientId: string, authFlows: string[], extra: Partial<UserPoolClientSpec> = {}): UserPoolClientSpec => ({
  logicalId: `Client${clientId}`,
  clientId,
  authFlows,
  hasSecret: false,
  idTokenSeconds: 3600,
  accessTokenSeconds: 1800,
  ...extra,
});
const WEB = client('webclient0000000000000000a', ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']);
const SRP_ONLY = client('srponlyclient0000000000000', ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']);
const SECRET = client('secretclient00000000000000', ['ALLOW_USER_PASSWORD_AUTH'], { hasSecret: true });

const POOL: UserPoolSpec = {
  logicalId: 'Users',
  poolId: POOL_ID,
  arn: POOL_ARN,
  clients: [WEB, SRP_ONLY, SECRET],
  passwordPolicy: { minimumLength: 10, requireUppercase: true, requireLowercase: true, requireNumbers: true, requireSymbols: false },
  caseSensitive: false,
};
const app = testApp({ stackName: 'Chat', region: REGION, accountId: ACCOUNT, userPools: [POOL] });

/** The function whose calls this test's IAM denies (cognito-idp:AdminDeleteUser only). */
const LIMITED = { logicalId: 'LimitedFn', functionName: 'Chat-LimitedFn', roleArn: `arn:aws:iam::${ACCOUNT}:role/Chat-LimitedRole` };
const iam = testIam(app, [LIMITED], (principal, action, resource) =>
  action === 'cognito-idp:AdminDeleteUser' && principal.kind === 'function'
    ? {
        allowed: false,
        denial: 'implicit',
        message: `User: ${principal.sessionArn} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
      }
    : { allowed: true },
);

let running: RunningTestService;
let key: LocalIssuer;
let cognito: CognitoIdentityProviderClient;

beforeAll(async () => {
  key = await LocalIssuer.open();
  running = await startService(COGNITO_IDP, app, { iam, localIssuer: key });
  cognito = new CognitoIdentityProviderClient({ region: REGION, endpoint: running.endpoint, credentials: LOCAL_CREDENTIALS });
});
afterAll(async () => {
  cognito.destroy();
  await running.stop();
});

const signIn = (user: string, password: string, clientId = WEB.clientId) =>
  cognito.send(
    new InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: clientId, AuthParameters: { USERNAME: user, PASSWORD: password } }),
  );

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;

/** aws-jwt-verify, as an authorizer configures it, with the pool's keys as the local Cognito serves them. */
async function verifierFor(tokenUse: 'id' | 'access') {
  const verifier = CognitoJwtVerifier.create({ userPoolId: POOL_ID, clientId: WEB.clientId, tokenUse });
  const jwks = (await (await fetch(`${running.endpoint}/${POOL_ID}/.well-known/jwks.json`)).json()) as Parameters<
    typeof verifier.cacheJwks
  >[0];
  verifier.cacheJwks(jwks);
  return verifier;
}

describe('signing in with USER_PASSWORD_AUTH', () => {
  test('any user name signs in with the local password; aws-jwt-verify accepts both tokens for the pool id and client', async () => {
    const { AuthenticationResult } = await signIn('ann', LOCAL_PASSWORD);

    expect(AuthenticationResult).toMatchObject({ ExpiresIn: 1800, TokenType: 'Bearer' });
    const id = await (await verifierFor('id')).verify(AuthenticationResult!.IdToken!);
    expect(id).toMatchObject({
      iss: `https://cognito-idp.${REGION}.amazonaws.com/${POOL_ID}`,
      aud: WEB.clientId,
      token_use: 'id',
      sub: localSubject('ann'),
      'cognito:username': 'ann',
    });
    expect(id.exp - id.iat).toBe(3600);
    const access = await (await verifierFor('access')).verify(AuthenticationResult!.AccessToken!);
    expect(access).toMatchObject({ client_id: WEB.clientId, token_use: 'access', username: 'ann', scope: 'aws.cognito.signin.user.admin' });
    expect(access.exp - access.iat).toBe(1800);
    expect(claimsOf(AuthenticationResult!.AccessToken!)).not.toHaveProperty('aud');
  });

  test('a wrong password is NotAuthorizedException (400), and the same for a user that does not exist', async () => {
    const failure = signIn('ann', 'not-the-password');
    await expect(failure).rejects.toBeInstanceOf(NotAuthorizedException);
    await expect(failure).rejects.toMatchObject({ message: 'Incorrect username or password.', $metadata: { httpStatusCode: 400 } });
  });

  test("a client without ALLOW_USER_PASSWORD_AUTH refuses the flow, as Cognito does, and the client's secret is asked for", async () => {
    const srp = signIn('ann', LOCAL_PASSWORD, SRP_ONLY.clientId);
    await expect(srp).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(srp).rejects.toThrow(/^USER_PASSWORD_AUTH flow not enabled for this client/);
    await expect(signIn('ann', LOCAL_PASSWORD, SECRET.clientId)).rejects.toThrow('configured with secret but SECRET_HASH was not received');
  });

  test('an unknown app client is ResourceNotFoundException; another flow and a bad user name InvalidParameterException', async () => {
    await expect(signIn('ann', LOCAL_PASSWORD, 'someoneelsesclient')).rejects.toBeInstanceOf(ResourceNotFoundException);
    const srp = cognito.send(
      new InitiateAuthCommand({ AuthFlow: 'USER_SRP_AUTH', ClientId: WEB.clientId, AuthParameters: { USERNAME: 'ann' } }),
    );
    await expect(srp).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(srp).rejects.toThrow('USER_PASSWORD_AUTH only; got "USER_SRP_AUTH"');
    await expect(signIn('ann bob', LOCAL_PASSWORD)).rejects.toThrow('must be 1-64 characters');
  });
});

describe('users the app creates', () => {
  test("AdminCreateUser with a temporary password, the NEW_PASSWORD_REQUIRED challenge, then tokens with the user's sub and attributes", async () => {
    // GIVEN a user created by an administrator with a temporary password
    const { User } = await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: POOL_ID,
        Username: 'Carol',
        TemporaryPassword: 'Temporary-Pass-1',
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: 'carol@example.com' },
          { Name: 'email_verified', Value: 'true' },
        ],
      }),
    );
    expect(User).toMatchObject({ Username: 'Carol', Enabled: true, UserStatus: 'FORCE_CHANGE_PASSWORD' });
    expect(User!.UserCreateDate).toBeInstanceOf(Date);
    const sub = User!.Attributes!.find((a) => a.Name === 'sub')!.Value!;
    expect(sub).toMatch(/^[0-9a-f-]{36}$/);

    // WHEN she signs in with it: the local password is not hers, and her own starts the challenge
    await expect(signIn('carol', LOCAL_PASSWORD)).rejects.toBeInstanceOf(NotAuthorizedException);
    const challenge = await signIn('carol', 'Temporary-Pass-1');
    expect(challenge).toMatchObject({ ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: expect.any(String) });
    const weak = cognito.send(
      new RespondToAuthChallengeCommand({
        ClientId: WEB.clientId,
        ChallengeName: 'NEW_PASSWORD_REQUIRED',
        Session: challenge.Session,
        ChallengeResponses: { USERNAME: 'carol', NEW_PASSWORD: 'short' },
      }),
    );
    await expect(weak).rejects.toBeInstanceOf(InvalidPasswordException);
    const answered = await cognito.send(
      new RespondToAuthChallengeCommand({
        ClientId: WEB.clientId,
        ChallengeName: 'NEW_PASSWORD_REQUIRED',
        Session: challenge.Session,
        ChallengeResponses: { USERNAME: 'carol', NEW_PASSWORD: 'Her-Own-Pass-2' },
      }),
    );

    // THEN her tokens name her sub and attributes, and she is CONFIRMED with her new password
    const id = await (await verifierFor('id')).verify(answered.AuthenticationResult!.IdToken!);
    expect(id).toMatchObject({ sub, 'cognito:username': 'Carol', email: 'carol@example.com', email_verified: true });
    expect(await cognito.send(new AdminGetUserCommand({ UserPoolId: POOL_ID, Username: 'carol' }))).toMatchObject({
      Username: 'Carol',
      UserStatus: 'CONFIRMED',
      UserAttributes: expect.arrayContaining([{ Name: 'email', Value: 'carol@example.com' }]),
    });
    expect((await signIn('Carol', 'Her-Own-Pass-2')).AuthenticationResult?.IdToken).toBeDefined();
  });

  test("AdminSetUserPassword (permanent) confirms a user; the pool's password policy is Cognito's check", async () => {
    await cognito.send(new AdminCreateUserCommand({ UserPoolId: POOL_ID, Username: 'dave', MessageAction: 'SUPPRESS' }));
    const weak = cognito.send(
      new AdminSetUserPasswordCommand({ UserPoolId: POOL_ID, Username: 'dave', Password: 'alllowercase1', Permanent: true }),
    );
    await expect(weak).rejects.toBeInstanceOf(InvalidPasswordException);
    await expect(weak).rejects.toThrow('Password did not conform with policy: Password must have uppercase characters');
    await cognito.send(
      new AdminSetUserPasswordCommand({ UserPoolId: POOL_ID, Username: 'dave', Password: 'Correct-Horse-9', Permanent: true }),
    );

    const { AuthenticationResult } = await signIn('dave', 'Correct-Horse-9');
    expect(claimsOf(AuthenticationResult!.IdToken!)).toMatchObject({ 'cognito:username': 'dave' });
    await expect(signIn('dave', 'Correct-Horse-8')).rejects.toBeInstanceOf(NotAuthorizedException);
  });

  test("Cognito's exceptions: a user created twice, an unknown user, an unknown pool", async () => {
    await cognito.send(new AdminCreateUserCommand({ UserPoolId: POOL_ID, Username: 'erin', MessageAction: 'SUPPRESS' }));
    await expect(cognito.send(new AdminCreateUserCommand({ UserPoolId: POOL_ID, Username: 'ERIN' }))).rejects.toBeInstanceOf(
      UsernameExistsException,
    );
    await cognito.send(new AdminDeleteUserCommand({ UserPoolId: POOL_ID, Username: 'erin' }));
    const gone = cognito.send(new AdminGetUserCommand({ UserPoolId: POOL_ID, Username: 'erin' }));
    await expect(gone).rejects.toBeInstanceOf(UserNotFoundException);
    await expect(gone).rejects.toThrow('User does not exist.');
    const elsewhere = cognito.send(new AdminGetUserCommand({ UserPoolId: 'eu-west-1_Nowhere00', Username: 'erin' }));
    await expect(elsewhere).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(elsewhere).rejects.toThrow('User pool eu-west-1_Nowhere00 does not exist.');
  });
});

describe("who may call the administrators' operations", () => {
  test("a function's role is authorized by IAM: a denial is AccessDeniedException with AWS's text", async () => {
    const credentials = iam.principals.credentialsOf(LIMITED.logicalId)!;
    const asFunction = new CognitoIdentityProviderClient({ region: REGION, endpoint: running.endpoint, credentials });
    try {
      await asFunction.send(new AdminCreateUserCommand({ UserPoolId: POOL_ID, Username: 'frank', MessageAction: 'SUPPRESS' }));
      const denied = asFunction.send(new AdminDeleteUserCommand({ UserPoolId: POOL_ID, Username: 'frank' }));
      await expect(denied).rejects.toMatchObject({
        name: 'AccessDeniedException',
        message: `User: arn:aws:sts::${ACCOUNT}:assumed-role/Chat-LimitedRole/Chat-LimitedFn is not authorized to perform: cognito-idp:AdminDeleteUser on resource: ${POOL_ARN} because no identity-based policy allows the cognito-idp:AdminDeleteUser action`,
        $metadata: { httpStatusCode: 400 },
      });
      await expect(denied).rejects.toBeInstanceOf(CognitoIdentityProviderServiceException);
      expect(running.log).toContain('COGNITO    AdminDeleteUser 400 (AccessDeniedException)');
    } finally {
      asFunction.destroy();
    }
  });

  test("an unsigned request for an administrator's operation is refused; signing in needs no credentials", async () => {
    const post = (target: string, body: unknown) =>
      new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
        const req = request(
          `${running.endpoint}/`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${target}` },
          },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify(body));
      });
    expect(await post('AdminGetUser', { UserPoolId: POOL_ID, Username: 'ann' })).toMatchObject({
      status: 403,
      body: { __type: 'MissingAuthenticationTokenException' },
    });
    const unsignedSignIn = await post('InitiateAuth', {
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: WEB.clientId,
      AuthParameters: { USERNAME: 'ann', PASSWORD: LOCAL_PASSWORD },
    });
    expect(unsignedSignIn).toMatchObject({ status: 200, body: { AuthenticationResult: { TokenType: 'Bearer' } } });
    expect(await post('SignUp', {})).toMatchObject({ status: 400, body: { __type: 'UnknownOperationException' } });
  });

  test('web pages and other Host names are refused on its port', async () => {
    // node:http, since fetch does not let a caller set Host.
    const status = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${running.endpoint}/${POOL_ID}/.well-known/jwks.json`, { headers }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await status({})).toBe(200);
    expect(await status({ origin: 'https://evil.example' })).toBe(403);
    expect(await status({ host: 'evil.example' })).toBe(403);
  });
});

describe("the pool's keys and discovery document, under its issuer", () => {
  test('the OpenID configuration names the issuer and its JWKS; the JWKS holds the public key only', async () => {
    const issuer = `https://cognito-idp.${REGION}.amazonaws.com/${POOL_ID}`;
    const config = (await (await fetch(`${running.endpoint}/${POOL_ID}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(config).toMatchObject({ issuer, jwks_uri: `${issuer}/.well-known/jwks.json`, id_token_signing_alg_values_supported: ['RS256'] });
    const jwks = (await (await fetch(`${running.endpoint}/${POOL_ID}/.well-known/jwks.json`)).json()) as {
      keys: Array<Record<string, unknown>>;
    };
    expect(jwks.keys).toEqual([expect.objectContaining({ kty: 'RSA', alg: 'RS256', use: 'sig' })]);
    expect(jwks.keys[0]).not.toHaveProperty('d');
    expect((await fetch(`${running.endpoint}/eu-west-1_Nowhere00/.well-known/jwks.json`)).status).toBe(404);
  });
});
