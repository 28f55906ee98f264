/**
 * What a request looks like to IAM's conditions: its condition keys (`aws:SourceArn`,
 * `aws:PrincipalAccount`, ...) and their values, and the policy variables (`${aws:username}`) that
 * stand for them. The emulator knows some keys' values, knows that some keys are absent (a
 * function's call has no `aws:SourceArn`), and does not know the rest (service keys such as
 * `dynamodb:LeadingKeys`): conditions on those are reported, not guessed.
 */

/** A key's value: one string, several (multivalued keys), or undefined when the request has no such key. */
export type ContextValue = string | readonly string[] | undefined;

/** The condition keys of one request, by lower-case name; a key not in it is one the emulator does not know. */
export type RequestContext = ReadonlyMap<string, ContextValue>;

/** Global keys a request made to or by the emulator never carries (no VPC endpoint, no federation, no calling service). */
const ABSENT_GLOBAL_KEYS = [
  'aws:SourceArn',
  'aws:SourceAccount',
  'aws:SourceOwner',
  'aws:SourceOrgID',
  'aws:SourceOrgPaths',
  'aws:CalledVia',
  'aws:CalledViaFirst',
  'aws:CalledViaLast',
  'aws:SourceIdentity',
  'aws:SourceVpc',
  'aws:SourceVpce',
  'aws:VpcSourceIp',
  'aws:FederatedProvider',
  'aws:MultiFactorAuthPresent',
  'aws:MultiFactorAuthAge',
  'aws:PrincipalServiceName',
  'aws:PrincipalServiceNamesList',
];

/** A request context from `keys` (names in any case); the global keys no local request carries are known absent. */
export function requestContext(keys: Readonly<Record<string, ContextValue>>): RequestContext {
  const context = new Map<string, ContextValue>(ABSENT_GLOBAL_KEYS.map((key) => [key.toLowerCase(), undefined]));
  for (const [key, value] of Object.entries(keys)) context.set(key.toLowerCase(), value);
  return context;
}

/**
 * Replaces the policy variables in `text` (`${aws:username}`, `${aws:PrincipalTag/team, 'none'}`,
 * and the escapes `${*}`, `${?}`, `${$}`) with the request's values. A variable the emulator does
 * not know becomes `*`, so a statement it narrows still applies, and is passed to `unknown`.
 */
export function substituteVariables(text: string, context: RequestContext, unknown: (variable: string) => void): string {
  if (!text.includes('${')) return text;
  return text.replace(/\$\{([^}]*)\}/g, (match, inner: string) => {
    if (inner === '*' || inner === '?' || inner === '$') return inner;
    const [name, fallback] = inner.split(',').map((part) => part.trim());
    const key = name.toLowerCase();
    const value = context.get(key);
    if (typeof value === 'string') return value;
    const quoted = fallback === undefined ? undefined : /^'(.*)'$/.exec(fallback)?.[1];
    if (quoted !== undefined && context.has(key)) return quoted;
    if (context.has(key)) return quoted ?? match;
    unknown(`policy variable ${match}`);
    return '*';
  });
}
