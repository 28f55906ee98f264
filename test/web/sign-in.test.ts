import { cognitoEndpoint, initiateAuth, SignInError } from '../../web/src/sign-in';

const TARGET = { endpoint: 'https://cognito-idp.eu-west-1.amazonaws.com/', clientId: 'client-1' };

/** A fetch that answers once with `status` and `body`, and records the request. */
function answering(status: number, body: unknown) {
  return jest.fn<Promise<Response>, Parameters<typeof fetch>>(async () => new Response(JSON.stringify(body), { status }));
}

describe('initiateAuth', () => {
  test("sends Cognito's InitiateAuth (USER_PASSWORD_AUTH, the app client, no secret) and returns the ID token", async () => {
    const fetchFn = answering(200, {
      AuthenticationResult: { IdToken: 'id.token.here', AccessToken: 'access', ExpiresIn: 3600, TokenType: 'Bearer' },
      ChallengeParameters: {},
    });
    await expect(initiateAuth(TARGET, { username: 'alice', password: 'Correct-Horse-9' }, fetchFn)).resolves.toEqual({
      idToken: 'id.token.here',
      expiresInSeconds: 3600,
    });
    const [url, init] = fetchFn.mock.calls[0];
    expect(url).toBe(TARGET.endpoint);
    expect(init?.method).toBe('POST');
    expect(init?.headers).toEqual({
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
    });
    expect(JSON.parse(init?.body as string)).toEqual({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: 'client-1',
      AuthParameters: { USERNAME: 'alice', PASSWORD: 'Correct-Horse-9' },
    });
  });

  test("a refusal is Cognito's error type and message, never the password", async () => {
    const fetchFn = answering(400, { __type: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    const failure = initiateAuth(TARGET, { username: 'alice', password: 'secret-pw-123' }, fetchFn);
    await expect(failure).rejects.toThrow(new SignInError('NotAuthorizedException: Incorrect username or password.'));
    await expect(failure).rejects.toMatchObject({ type: 'NotAuthorizedException' });
    await expect(failure).rejects.not.toThrow('secret-pw-123');
  });

  test('a namespaced error type is shortened; a body that is not JSON still says the status', async () => {
    await expect(
      initiateAuth(
        TARGET,
        { username: 'a', password: 'p' },
        answering(400, { __type: 'com.amazonaws#UserNotFoundException', message: 'User does not exist.' }),
      ),
    ).rejects.toMatchObject({ type: 'UserNotFoundException', message: 'UserNotFoundException: User does not exist.' });
    const html = jest.fn(async () => new Response('<html>bad gateway</html>', { status: 502 }));
    await expect(initiateAuth(TARGET, { username: 'a', password: 'p' }, html)).rejects.toThrow('Sign-in failed: HTTP 502');
  });

  test('a challenge (new password, MFA) is explained, not mistaken for a token', async () => {
    const fetchFn = answering(200, { ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: 's', ChallengeParameters: {} });
    await expect(initiateAuth(TARGET, { username: 'a', password: 'p' }, fetchFn)).rejects.toThrow(
      'Cognito asks for the NEW_PASSWORD_REQUIRED challenge, which this page does not answer',
    );
  });

  test('an unreachable endpoint, and an answer that is not an InitiateAuth answer, say which endpoint', async () => {
    const offline = jest.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(initiateAuth(TARGET, { username: 'a', password: 'p' }, offline)).rejects.toThrow(
      `Could not reach the sign-in endpoint ${TARGET.endpoint}: Failed to fetch`,
    );
    await expect(initiateAuth(TARGET, { username: 'a', password: 'p' }, answering(200, { ok: true }))).rejects.toThrow(
      `${TARGET.endpoint} answered without AuthenticationResult.IdToken`,
    );
  });
});

describe('cognitoEndpoint', () => {
  test("is Cognito's public endpoint for a region name, and refuses anything else", () => {
    expect(cognitoEndpoint('us-east-1')).toBe('https://cognito-idp.us-east-1.amazonaws.com/');
    expect(cognitoEndpoint('us-gov-west-1')).toBe('https://cognito-idp.us-gov-west-1.amazonaws.com/');
    expect(() => cognitoEndpoint('attacker.example/x')).toThrow('region "attacker.example/x" is not an AWS region name');
    expect(() => cognitoEndpoint('')).toThrow('is not an AWS region name');
  });
});
