/**
 * How IAM matches the patterns of a policy: `*` (any run of characters, `:` and `/` included) and
 * `?` (one character) in actions, resources and `StringLike`; ARNs component by component for
 * `ArnLike`. Pure functions.
 */

/** Compiled patterns; a template holds a bounded set of them. */
const compiled = new Map<string, RegExp>();

function patternRegex(pattern: string, ignoreCase: boolean): RegExp {
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let regex = compiled.get(key);
  if (!regex) {
    const body = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[\\s\\S]*')
      .replace(/\?/g, '[\\s\\S]');
    regex = new RegExp(`^${body}$`, ignoreCase ? 'i' : '');
    compiled.set(key, regex);
  }
  return regex;
}

/** Whether `value` matches `pattern` with IAM's `*` and `?`; actions match ignoring case, resources do not. */
export function wildcardMatches(pattern: string, value: string, ignoreCase = false): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('*') && !pattern.includes('?'))
    return ignoreCase ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  return patternRegex(pattern, ignoreCase).test(value);
}

/** An ARN's six components (`arn`, partition, service, region, account, resource); the resource keeps its colons. */
function arnComponents(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/**
 * `ArnLike` and `ArnEquals` (IAM treats both alike): each of the six colon-separated components
 * matches on its own, so a `*` never spans a colon outside the resource part. A value that is not
 * an ARN matches only `*`.
 */
export function arnMatches(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  const want = arnComponents(pattern);
  const got = arnComponents(value);
  if (!want || !got) return false;
  return want.every((part, i) => wildcardMatches(part, got[i]));
}
