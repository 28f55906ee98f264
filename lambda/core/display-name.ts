import { isDisplayName } from '../../protocol';

/**
 * Display names: the authorizer takes one from the token's claims (the `displayNameClaims` setting)
 * and passes it on in its context; the handlers read it back for `fromName`, presence and members.
 */

/** The authorizer context key that carries the connection's display name (absent when the token has none). */
export const DISPLAY_NAME_CONTEXT_KEY = 'displayName';

/**
 * The display name of a token: the first of `claims` whose value, trimmed and in Unicode NFC, is a
 * name by the protocol's rule (protocol/names.ts). A value with control or bidirectional-control
 * characters, or too long, is passed over for the next claim; none gives undefined.
 */
export function displayNameFromClaims(payload: Readonly<Record<string, unknown>>, claims: readonly string[]): string | undefined {
  for (const claim of claims) {
    const value = payload[claim];
    if (typeof value !== 'string') continue;
    const name = value.trim().normalize('NFC');
    if (isDisplayName(name)) return name;
  }
  return undefined;
}

/**
 * The display name an event's authorizer context carries. Checked again: a context value is a
 * string of anyone's authorizer (an app may bring its own), and a bad name is dropped, not shown.
 */
export function displayNameFromContext(authorizer: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const name = authorizer?.[DISPLAY_NAME_CONTEXT_KEY];
  return isDisplayName(name) ? name : undefined;
}
