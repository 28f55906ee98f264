/** How clients present identity on `$connect`, and the token issuers' URL shapes. */

/**
 * The query parameter that carries the token on `$connect`: browsers cannot set headers on a
 * WebSocket. The authorizer's identity source names the same parameter.
 */
export const TOKEN_QUERY_PARAMETER = 'token';

/** Where an OpenID issuer (Cognito included) publishes its signing keys, under its issuer URL. */
export const JWKS_PATH_UNDER_ISSUER = '/.well-known/jwks.json';

/** Where an OpenID issuer publishes its discovery document, under its issuer URL. */
export const OPENID_CONFIGURATION_PATH_UNDER_ISSUER = '/.well-known/openid-configuration';

/**
 * The error message a `$connect` authorizer throws for "no credentials": API Gateway answers 401
 * when, and only when, the authorizer fails with exactly this message (anything else is 500).
 */
export const AUTHORIZER_UNAUTHORIZED_MESSAGE = 'Unauthorized';

/**
 * Cognito's `InitiateAuth` over the AWS JSON 1.1 protocol, as the page sends it and the emulator's
 * local issuer answers it: Cognito routes on the operation header, not on the path.
 */
export const COGNITO_INITIATE_AUTH = {
  /** The `X-Amz-Target` header. */
  target: 'AWSCognitoIdentityProviderService.InitiateAuth',
  /** The content type of requests and answers. */
  contentType: 'application/x-amz-json-1.1',
} as const;

/** A Cognito user pool's issuer URL, exactly as its tokens carry it in `iss`. */
export function cognitoIssuerUrl(region: string, urlSuffix: string, userPoolId: string): string {
  return `https://cognito-idp.${region}.${urlSuffix}/${userPoolId}`;
}

/** A guest name: `guest-` and 6 random hex digits. */
export function guestName(random: () => number = Math.random): string {
  const digits = Math.floor(random() * 0x1000000)
    .toString(16)
    .padStart(6, '0');
  return `guest-${digits}`;
}
