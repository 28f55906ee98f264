/**
 * EventBridge event patterns ("Creating event patterns" and "Content filtering" in the EventBridge
 * user guide), as pure functions: which patterns are valid, and whether an event matches one.
 *
 * A pattern mirrors the event: each field holds either a nested pattern or an array of matchers,
 * any of which may match the event's value there (every field must match). A matcher is a value
 * (exact: strings to strings, numbers to numbers, booleans, null) or one of: `prefix`, `suffix`,
 * `equals-ignore-case`, `wildcard`, `anything-but` (values, or a prefix, suffix, equals-ignore-case
 * or wildcard), `numeric` (comparisons), `exists`, `cidr`. `$or` at any level matches when one of
 * its patterns does. An event value that is an array matches when one of its elements does.
 */
import { BlockList, isIP } from 'node:net';

/** The comparison operators of `numeric`. */
const NUMERIC_OPERATORS: Readonly<Record<string, (value: number, bound: number) => boolean>> = {
  '<': (v, b) => v < b,
  '<=': (v, b) => v <= b,
  '=': (v, b) => v === b,
  '>=': (v, b) => v >= b,
  '>': (v, b) => v > b,
};

/** Why `pattern` is not a valid event pattern (as EventBridge refuses it), or undefined when it is. */
export function patternProblem(pattern: unknown): string | undefined {
  if (!isObject(pattern)) return `an event pattern is a JSON object; got ${JSON.stringify(pattern)}`;
  return objectProblem(pattern, '');
}

function objectProblem(pattern: Record<string, unknown>, path: string): string | undefined {
  for (const [key, rule] of Object.entries(pattern)) {
    const at = path ? `${path}.${key}` : key;
    if (key === '$or') {
      if (!Array.isArray(rule) || rule.length < 2 || !rule.every(isObject)) return `${at} must be a list of at least two patterns`;
      for (const alternative of rule) {
        const problem = objectProblem(alternative, at);
        if (problem) return problem;
      }
    } else if (Array.isArray(rule)) {
      for (const matcher of rule) {
        const problem = matcherProblem(matcher);
        if (problem) return `${at}: ${problem}`;
      }
    } else if (isObject(rule)) {
      const problem = objectProblem(rule, at);
      if (problem) return problem;
    } else {
      return `${at} must be a list of values to match or a nested pattern; got ${JSON.stringify(rule)}`;
    }
  }
  return undefined;
}

function matcherProblem(matcher: unknown): string | undefined {
  if (matcher === null || typeof matcher === 'string' || typeof matcher === 'boolean') return undefined;
  if (typeof matcher === 'number') return Number.isFinite(matcher) ? undefined : `${matcher} is not a number to match`;
  if (!isObject(matcher)) return `${JSON.stringify(matcher)} is not a value or a matcher`;
  const keys = Object.keys(matcher);
  if (keys.length !== 1) return `a matcher has exactly one operator; got ${JSON.stringify(matcher)}`;
  const [operator] = keys;
  const operand = matcher[operator];
  switch (operator) {
    case 'prefix':
    case 'suffix':
      return typeof operand === 'string' || (isObject(operand) && typeof operand['equals-ignore-case'] === 'string')
        ? undefined
        : `${operator} takes a string or {"equals-ignore-case": string}`;
    case 'equals-ignore-case':
    case 'wildcard':
      return typeof operand === 'string' ? undefined : `${operator} takes a string`;
    case 'exists':
      return typeof operand === 'boolean' ? undefined : 'exists takes true or false';
    case 'cidr':
      return typeof operand === 'string' && parseCidr(operand)
        ? undefined
        : `cidr takes an IPv4 or IPv6 range such as 10.0.0.0/24; got ${JSON.stringify(operand)}`;
    case 'numeric':
      return numericProblem(operand);
    case 'anything-but':
      return anythingButProblem(operand);
    default:
      return `unknown matcher "${operator}"`;
  }
}

function numericProblem(operand: unknown): string | undefined {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0 || operand.length > 4) {
    return 'numeric takes one or two comparisons, e.g. [">", 0, "<=", 5]';
  }
  for (let i = 0; i < operand.length; i += 2) {
    if (!(String(operand[i]) in NUMERIC_OPERATORS) || typeof operand[i + 1] !== 'number') {
      return `numeric comparisons are an operator (${Object.keys(NUMERIC_OPERATORS).join(' ')}) and a number; got ${JSON.stringify(operand)}`;
    }
  }
  return undefined;
}

function anythingButProblem(operand: unknown): string | undefined {
  const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || v === null || typeof v === 'boolean';
  if (scalar(operand)) return undefined;
  if (Array.isArray(operand))
    return operand.every(scalar) ? undefined : 'anything-but takes values, or one of prefix, suffix, equals-ignore-case, wildcard';
  if (isObject(operand) && Object.keys(operand).length === 1) {
    const [[operator, value]] = Object.entries(operand);
    const strings = typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'));
    if (['prefix', 'suffix'].includes(operator) && typeof value === 'string') return undefined;
    if (['equals-ignore-case', 'wildcard'].includes(operator) && strings) return undefined;
  }
  return `anything-but takes values, or {"prefix"|"suffix": string} or {"equals-ignore-case"|"wildcard": string or strings}; got ${JSON.stringify(operand)}`;
}

/** Whether `event` matches `pattern`, a pattern {@link patternProblem} accepts. */
export function matchesPattern(pattern: Readonly<Record<string, unknown>>, event: unknown): boolean {
  return Object.entries(pattern).every(([key, rule]) => {
    if (key === '$or') return (rule as Array<Record<string, unknown>>).some((alternative) => matchesPattern(alternative, event));
    const value = isObject(event) ? event[key] : undefined;
    if (Array.isArray(rule)) return matchesField(rule, value);
    // A nested pattern: an array of objects matches when one of them does, as arrays of values do.
    if (Array.isArray(value)) return value.some((element) => isObject(element) && matchesPattern(rule as Record<string, unknown>, element));
    return matchesPattern(rule as Record<string, unknown>, isObject(value) ? value : undefined);
  });
}

/** A field's matchers against its value: absent (only `exists: false` matches), an array (one element must match), or one value. */
function matchesField(matchers: readonly unknown[], value: unknown): boolean {
  if (value === undefined) return matchers.some((m) => isObject(m) && m.exists === false);
  if (Array.isArray(value)) {
    return matchers.some((m) => (isObject(m) && 'exists' in m ? m.exists === true : value.some((element) => matchesValue(m, element))));
  }
  return matchers.some((m) => matchesValue(m, value));
}

/** One matcher against one present value. */
function matchesValue(matcher: unknown, value: unknown): boolean {
  if (!isObject(matcher)) return sameValue(matcher, value);
  const [[operator, operand]] = Object.entries(matcher);
  switch (operator) {
    case 'exists':
      return operand === true;
    case 'prefix':
      return typeof value === 'string' && affixMatches(operand, value, (v, a) => v.startsWith(a));
    case 'suffix':
      return typeof value === 'string' && affixMatches(operand, value, (v, a) => v.endsWith(a));
    case 'equals-ignore-case':
      return typeof value === 'string' && value.toLowerCase() === String(operand).toLowerCase();
    case 'wildcard':
      return typeof value === 'string' && wildcardRegExp(String(operand)).test(value);
    case 'numeric':
      return typeof value === 'number' && numericMatches(operand as unknown[], value);
    case 'cidr':
      return typeof value === 'string' && cidrContains(String(operand), value);
    case 'anything-but':
      return anythingButMatches(operand, value);
    default:
      return false;
  }
}

/** Exact matching: strings to strings, numbers by value, booleans, null. */
function sameValue(expected: unknown, value: unknown): boolean {
  return expected === value;
}

function affixMatches(operand: unknown, value: string, test: (value: string, affix: string) => boolean): boolean {
  if (typeof operand === 'string') return test(value, operand);
  const ignoringCase = (operand as Record<string, string>)['equals-ignore-case'];
  return test(value.toLowerCase(), ignoringCase.toLowerCase());
}

function numericMatches(comparisons: readonly unknown[], value: number): boolean {
  for (let i = 0; i < comparisons.length; i += 2) {
    if (!NUMERIC_OPERATORS[String(comparisons[i])](value, comparisons[i + 1] as number)) return false;
  }
  return true;
}

function anythingButMatches(operand: unknown, value: unknown): boolean {
  if (!isObject(operand)) {
    const excluded = Array.isArray(operand) ? operand : [operand];
    return !excluded.some((e) => sameValue(e, value));
  }
  if (typeof value !== 'string') return false;
  const [[operator, argument]] = Object.entries(operand);
  const each = Array.isArray(argument) ? (argument as string[]) : [String(argument)];
  switch (operator) {
    case 'prefix':
      return !value.startsWith(String(argument));
    case 'suffix':
      return !value.endsWith(String(argument));
    case 'equals-ignore-case':
      return !each.some((e) => e.toLowerCase() === value.toLowerCase());
    case 'wildcard':
      return !each.some((e) => wildcardRegExp(e).test(value));
    default:
      return false;
  }
}

/** `*` matches any run of characters; `\*` is a literal star. */
function wildcardRegExp(wildcard: string): RegExp {
  let source = '';
  for (let i = 0; i < wildcard.length; i++) {
    const c = wildcard[i];
    if (c === '\\' && wildcard[i + 1] === '*') {
      source += '\\*';
      i++;
    } else source += c === '*' ? '[\\s\\S]*' : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

function parseCidr(cidr: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address, bits] = cidr.split('/');
  const version = isIP(address);
  const prefix = Number(bits);
  if (version === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (version === 4 ? 32 : 128)) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

function cidrContains(cidr: string, ip: string): boolean {
  const range = parseCidr(cidr);
  const version = isIP(ip);
  if (!range || version === 0 || (version === 4 ? 'ipv4' : 'ipv6') !== range.family) return false;
  const list = new BlockList();
  list.addSubnet(range.address, range.prefix, range.family);
  return list.check(ip, range.family);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
