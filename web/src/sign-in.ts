/**
 * Signs in with a user name and password through Cognito's JSON API (InitiateAuth,
 * USER_PASSWORD_AUTH, a public app client with no secret): a few lines of fetch instead of an SDK
 * in the page. The emulator's local issuer answers the same call, so the page signs in the same
 * way locally and against a deployed stage; only the endpoint differs.
 */

import { COGNITO_INITIATE_AUTH } from '../../protocol/auth';

/** Where to sign in: the InitiateAuth endpoint and the user pool's app client. */
export interface SignInTarget {
  /** `https://cognito-idp.<region>.amazonaws.com/`, or the emulator's stand-in. */
  readonly endpoint: string;
  readonly clientId: string;
}

/** A token from a successful sign-in. */
export interface SignedIn {
  /** The ID token: the authorizer accepts it, and it names the user (`cognito:username`). */
  readonly idToken: string;
  /** Seconds the token is valid for, as Cognito said. */
  readonly expiresInSeconds: number;
}

/** An AWS region name (e.g. eu-west-1, us-gov-west-1): checked, since the password goes to the host built from it. */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** Cognito's public endpoint in `region`. */
export function cognitoEndpoint(region: string): string {
  if (!REGION.test(region)) throw new Error(`region "${region}" is not an AWS region name; expected e.g. us-east-1.`);
  return `https://cognito-idp.${region}.amazonaws.com/`;
}

/** A sign-in that failed, with a message for the person signing in. */
export class SignInError extends Error {
  constructor(
    message: string,
    /** Cognito's exception name (NotAuthorizedException, UserNotFoundException, ...), when it gave one. */
    readonly type?: string,
  ) {
    super(message);
    this.name = 'SignInError';
  }
}

/** InitiateAuth with USER_PASSWORD_AUTH. Rejects with a {@link SignInError} that never includes the password. */
export async function initiateAuth(
  target: SignInTarget,
  credentials: { username: string; password: string },
  fetchFn: typeof fetch = fetch,
): Promise<SignedIn> {
  let response: Response;
  try {
    response = await fetchFn(target.endpoint, {
      method: 'POST',
      headers: { 'content-type': COGNITO_INITIATE_AUTH.contentType, 'x-amz-target': COGNITO_INITIATE_AUTH.target },
      body: JSON.stringify({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: target.clientId,
        AuthParameters: { USERNAME: credentials.username, PASSWORD: credentials.password },
      }),
      cache: 'no-store',
    });
  } catch (err: unknown) {
    throw new SignInError(`Could not reach the sign-in endpoint ${target.endpoint}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const body = (await response.json().catch(() => undefined)) as InitiateAuthAnswer | undefined;
  if (!response.ok) {
    // AWS JSON errors name their type in __type (sometimes prefixed with a namespace and '#').
    const type = typeof body?.__type === 'string' ? body.__type.slice(body.__type.lastIndexOf('#') + 1) : undefined;
    const detail = typeof body?.message === 'string' ? body.message : `HTTP ${response.status}`;
    throw new SignInError(type ? `${type}: ${detail}` : `Sign-in failed: ${detail}`, type);
  }
  if (typeof body?.ChallengeName === 'string') {
    throw new SignInError(
      `Cognito asks for the ${body.ChallengeName} challenge, which this page does not answer: ` +
        'set a permanent password (admin-set-user-password --permanent) or turn MFA off for this user.',
      body.ChallengeName,
    );
  }
  const result = body?.AuthenticationResult;
  if (typeof result?.IdToken !== 'string') {
    throw new SignInError(`${target.endpoint} answered without AuthenticationResult.IdToken; expected a Cognito InitiateAuth answer.`);
  }
  return { idToken: result.IdToken, expiresInSeconds: typeof result.ExpiresIn === 'number' ? result.ExpiresIn : 3600 };
}

/** The parts of an InitiateAuth answer (or an AWS JSON error) the page reads. */
interface InitiateAuthAnswer {
  AuthenticationResult?: { IdToken?: unknown; ExpiresIn?: unknown };
  ChallengeName?: unknown;
  __type?: unknown;
  message?: unknown;
}
