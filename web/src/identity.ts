/**
 * Who the page is signed in as, read from the token's claims. For display and for telling our
 * own messages apart only: the page does not verify the token (the server's authorizer does).
 */

export interface Identity {
  /** The id the server names us by in `from` and in member lists: the token's `sub`. */
  readonly userId: string;
  /** The name to show: `name`, `preferred_username`, `cognito:username` or `username`, else `sub` (the server's default display-name claims, bar the email). */
  readonly name: string;
  /** When the token stops being accepted, ms since the epoch; undefined when it has no `exp`. */
  readonly expiresAt?: number;
}

/** Reads the identity from a JWT's payload. Throws saying what is wrong when it is not a JWT with a `sub`. */
export function identityFromToken(token: string): Identity {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('The token is not a JWT (expected three dot-separated parts).');
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(base64UrlDecode(parts[1])) as Record<string, unknown>;
  } catch {
    throw new Error('The token payload is not base64url-encoded JSON.');
  }
  const sub = claims.sub;
  if (typeof sub !== 'string' || sub === '') throw new Error('The token has no "sub" claim.');
  const name = [claims.name, claims.preferred_username, claims['cognito:username'], claims.username].find(
    (value): value is string => typeof value === 'string' && value !== '',
  );
  const exp = claims.exp;
  return { userId: sub, name: name ?? sub, expiresAt: typeof exp === 'number' ? exp * 1000 : undefined };
}

function base64UrlDecode(text: string): string {
  const base64 = text
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(text.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}
