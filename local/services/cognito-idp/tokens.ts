/**
 * The tokens a sign-in gets, shaped as Cognito issues them (its "Understanding user pool JSON web
 * tokens" documentation): an ID token for the app client (`aud`) with the user's attributes, and
 * an access token naming the client in `client_id`, both with `token_use`, signed by the pool's key
 * for the pool's issuer `https://cognito-idp.<region>.amazonaws.com/<pool id>`.
 */
import { randomUUID } from 'node:crypto';
import type { UserPoolClientSpec } from '../../assembly/app-spec';
import type { LocalIssuer } from '../../issuer/issuer';

/** Who signed in: a user the app created, or any name with the local password (`sub` = localSubject(name), a UUID). */
export interface SignedInUser {
  readonly username: string;
  /** @default localSubject(username), a UUID derived from the name */
  readonly sub?: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

/** `AuthenticationResult` as InitiateAuth and RespondToAuthChallenge answer it. */
export interface AuthenticationResult {
  readonly IdToken: string;
  readonly AccessToken: string;
  /** The access token's lifetime in seconds. */
  readonly ExpiresIn: number;
  readonly TokenType: 'Bearer';
}

/** Attributes Cognito puts in ID tokens as booleans, not the strings they are stored as. */
const BOOLEAN_ATTRIBUTES = new Set(['email_verified', 'phone_number_verified']);

/** Signs the ID and access tokens of one sign-in; `nowSeconds` is `iat` and `auth_time`. */
export async function signInTokens(
  key: LocalIssuer,
  issuer: string,
  client: UserPoolClientSpec,
  user: SignedInUser,
  nowSeconds: number,
): Promise<AuthenticationResult> {
  // One sign-in's tokens share its event and origin ids, as Cognito's do.
  const session = { event_id: randomUUID(), origin_jti: randomUUID() };
  const attributes: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(user.attributes ?? {})) {
    attributes[name] = BOOLEAN_ATTRIBUTES.has(name) ? value === 'true' : value;
  }
  const common = { user: user.username, subject: user.sub, clientId: client.clientId, issuedAt: nowSeconds };
  const state = { issuer, audience: client.clientId };
  const [IdToken, AccessToken] = await Promise.all([
    key.mint(state, { ...common, tokenUse: 'id', ttlSeconds: client.idTokenSeconds, claims: { ...attributes, ...session } }),
    key.mint(state, { ...common, tokenUse: 'access', ttlSeconds: client.accessTokenSeconds, claims: session }),
  ]);
  return { IdToken, AccessToken, ExpiresIn: client.accessTokenSeconds, TokenType: 'Bearer' };
}
