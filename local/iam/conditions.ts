/**
 * IAM's `Condition` element: every operator in a block, and every key under an operator, must
 * match (AND); a key's values are alternatives (OR), and negated operators (`StringNotEquals`,
 * `ArnNotLike`, ...) match when none does. A key the request does not carry fails a positive
 * operator and passes a negated one, and passes any `...IfExists` operator; `Null` tests presence.
 * `ForAnyValue:` and `ForAllValues:` compare multivalued keys. Source: IAM User Guide, "IAM JSON
 * policy elements: Condition operators" and "Single-valued vs. multivalued context keys".
 *
 * An operator or key the emulator cannot evaluate (`IpAddress`, a service key such as
 * `dynamodb:LeadingKeys`) is reported and counts as matching: see {@link conditionMatches}.
 */
import type { ConditionBlock } from './policy';
import { substituteVariables, type ContextValue, type RequestContext } from './request-context';
import { arnMatches, wildcardMatches } from './wildcards';

/** One condition's outcome, and what in it was not evaluated (e.g. `IpAddress aws:SourceIp`). */
export interface ConditionOutcome {
  readonly matches: boolean;
  readonly unevaluated: readonly string[];
}

type Compare = (actual: string, expected: string) => boolean;

const number = (text: string): number => Number(text);
/** Dates as IAM takes them: ISO 8601, or epoch seconds. */
const date = (text: string): number => (/^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text));

/** The base operators (without IfExists or set prefixes): how a value compares, and whether the operator is negated. */
const OPERATORS: Readonly<Record<string, { readonly compare: Compare; readonly negated: boolean }>> = {
  StringEquals: { compare: (a, e) => a === e, negated: false },
  StringNotEquals: { compare: (a, e) => a === e, negated: true },
  StringEqualsIgnoreCase: { compare: (a, e) => a.toLowerCase() === e.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { compare: (a, e) => a.toLowerCase() === e.toLowerCase(), negated: true },
  StringLike: { compare: (a, e) => wildcardMatches(e, a), negated: false },
  StringNotLike: { compare: (a, e) => wildcardMatches(e, a), negated: true },
  NumericEquals: { compare: (a, e) => number(a) === number(e), negated: false },
  NumericNotEquals: { compare: (a, e) => number(a) === number(e), negated: true },
  NumericLessThan: { compare: (a, e) => number(a) < number(e), negated: false },
  NumericLessThanEquals: { compare: (a, e) => number(a) <= number(e), negated: false },
  NumericGreaterThan: { compare: (a, e) => number(a) > number(e), negated: false },
  NumericGreaterThanEquals: { compare: (a, e) => number(a) >= number(e), negated: false },
  DateEquals: { compare: (a, e) => date(a) === date(e), negated: false },
  DateNotEquals: { compare: (a, e) => date(a) === date(e), negated: true },
  DateLessThan: { compare: (a, e) => date(a) < date(e), negated: false },
  DateLessThanEquals: { compare: (a, e) => date(a) <= date(e), negated: false },
  DateGreaterThan: { compare: (a, e) => date(a) > date(e), negated: false },
  DateGreaterThanEquals: { compare: (a, e) => date(a) >= date(e), negated: false },
  Bool: { compare: (a, e) => a.toLowerCase() === e.toLowerCase(), negated: false },
  ArnEquals: { compare: (a, e) => arnMatches(e, a), negated: false },
  ArnLike: { compare: (a, e) => arnMatches(e, a), negated: false },
  ArnNotEquals: { compare: (a, e) => arnMatches(e, a), negated: true },
  ArnNotLike: { compare: (a, e) => arnMatches(e, a), negated: true },
};

/** An operator as written: its set prefix, its base operator and whether it ends in IfExists. */
function parseOperator(written: string): { set?: 'ForAnyValue' | 'ForAllValues'; base: string; ifExists: boolean } {
  const [prefix, rest] = written.includes(':') ? (written.split(':', 2) as [string, string]) : [undefined, written];
  const set = prefix === 'ForAnyValue' || prefix === 'ForAllValues' ? prefix : undefined;
  const name = set || prefix === undefined ? rest : written;
  const ifExists = name.endsWith('IfExists');
  return { set, base: ifExists ? name.slice(0, -'IfExists'.length) : name, ifExists };
}

/** Whether one key's condition matches, given the key's value in the request. */
function keyMatches(operator: ReturnType<typeof parseOperator>, value: ContextValue, expected: readonly string[]): boolean {
  if (operator.base === 'Null') {
    const absent = value === undefined || (Array.isArray(value) && value.length === 0);
    return expected.some((e) => (e.toLowerCase() === 'true') === absent);
  }
  const { compare, negated } = OPERATORS[operator.base];
  const one = (actual: string) => {
    const any = expected.some((e) => compare(actual, e));
    return negated ? !any : any;
  };
  const values = value === undefined ? [] : typeof value === 'string' ? [value] : value;
  if (operator.set === 'ForAllValues') return values.every(one);
  if (operator.set === 'ForAnyValue') return values.some(one);
  if (values.length === 0) return operator.ifExists || negated;
  // A multivalued key under a single-valued operator: any of its values may match.
  return values.some(one);
}

/**
 * Whether a statement's `Condition` matches the request. A part the emulator cannot evaluate (an
 * operator it does not implement, a key whose value it does not know) is left out and named in
 * `unevaluated`: the statement is then treated as applying when everything else matches. A
 * condition usually narrows a grant the app has, so this keeps working apps working; what it
 * skipped is logged, so a Deny it widened or an Allow it loosened is visible.
 */
export function conditionMatches(block: ConditionBlock | undefined, context: RequestContext, variables: boolean): ConditionOutcome {
  if (!block) return { matches: true, unevaluated: [] };
  const unevaluated: string[] = [];
  let matches = true;
  for (const [written, keys] of Object.entries(block)) {
    const operator = parseOperator(written);
    const known = operator.base === 'Null' || Object.hasOwn(OPERATORS, operator.base);
    for (const [key, rawExpected] of Object.entries(keys)) {
      if (!known || !context.has(key.toLowerCase())) {
        unevaluated.push(`${written} ${key}`);
        continue;
      }
      const expected = variables
        ? rawExpected.map((e) => substituteVariables(e, context, (variable) => unevaluated.push(`${written} ${key}: ${variable}`)))
        : rawExpected;
      if (!keyMatches(operator, context.get(key.toLowerCase()), expected)) matches = false;
    }
  }
  return { matches, unevaluated };
}
