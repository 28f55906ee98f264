import { conditionMatches } from '../../../local/iam/conditions';
import type { ConditionBlock } from '../../../local/iam/policy';
import { requestContext, substituteVariables } from '../../../local/iam/request-context';

const SOURCE = 'arn:aws:execute-api:us-east-1:123456789012:api123/dev/$connect';
const context = requestContext({
  'aws:SourceArn': SOURCE,
  'aws:SourceAccount': '123456789012',
  'aws:PrincipalTag/team': undefined,
  'aws:SecureTransport': 'true',
  'aws:EpochTime': '1800000000',
  'aws:TagKeys': ['team', 'env'],
});

const matches = (block: ConditionBlock) => conditionMatches(block, context, true);

describe('conditionMatches', () => {
  test('no condition matches', () => {
    expect(conditionMatches(undefined, context, true)).toEqual({ matches: true, unevaluated: [] });
  });

  test("a key's values are alternatives; keys and operators must all match", () => {
    expect(matches({ StringEquals: { 'aws:SourceAccount': ['111111111111', '123456789012'] } }).matches).toBe(true);
    expect(matches({ StringEquals: { 'aws:SourceAccount': '123456789012'.split(' '), 'aws:SecureTransport': ['false'] } }).matches).toBe(
      false,
    );
    expect(
      matches({
        StringEquals: { 'aws:SourceAccount': ['123456789012'] },
        ArnLike: { 'aws:SourceArn': ['arn:aws:execute-api:*:*:api123/*'] },
      }).matches,
    ).toBe(true);
    expect(
      matches({ StringEquals: { 'aws:SourceAccount': ['123456789012'] }, ArnLike: { 'aws:SourceArn': ['arn:aws:events:*'] } }).matches,
    ).toBe(false);
  });

  test('key names ignore case; StringEquals values do not', () => {
    expect(matches({ StringEquals: { 'AWS:SOURCEACCOUNT': ['123456789012'] } }).matches).toBe(true);
    expect(matches({ StringEquals: { 'aws:SecureTransport': ['TRUE'] } }).matches).toBe(false);
    expect(matches({ StringEqualsIgnoreCase: { 'aws:SecureTransport': ['TRUE'] } }).matches).toBe(true);
    expect(matches({ Bool: { 'aws:SecureTransport': ['TRUE'] } }).matches).toBe(true);
  });

  test('negated operators match when no value does', () => {
    expect(matches({ StringNotEquals: { 'aws:SourceAccount': ['111111111111', '222222222222'] } }).matches).toBe(true);
    expect(matches({ StringNotEquals: { 'aws:SourceAccount': ['111111111111', '123456789012'] } }).matches).toBe(false);
    expect(matches({ ArnNotLike: { 'aws:SourceArn': ['arn:aws:execute-api:*:*:api123/*'] } }).matches).toBe(false);
    expect(matches({ StringNotLike: { 'aws:SourceArn': ['*$disconnect'] } }).matches).toBe(true);
  });

  test('an absent key fails positive operators, passes negated ones, passes IfExists, and is what Null tests', () => {
    expect(matches({ StringEquals: { 'aws:PrincipalTag/team': ['chat'] } }).matches).toBe(false);
    expect(matches({ StringNotEquals: { 'aws:PrincipalTag/team': ['chat'] } }).matches).toBe(true);
    expect(matches({ StringEqualsIfExists: { 'aws:PrincipalTag/team': ['chat'] } }).matches).toBe(true);
    expect(matches({ StringEqualsIfExists: { 'aws:SourceAccount': ['111111111111'] } }).matches).toBe(false);
    expect(matches({ Null: { 'aws:PrincipalTag/team': ['true'] } }).matches).toBe(true);
    expect(matches({ Null: { 'aws:SourceArn': ['true'] } }).matches).toBe(false);
  });

  test('numbers and dates compare as numbers and dates', () => {
    expect(matches({ NumericGreaterThan: { 'aws:EpochTime': ['1700000000'] } }).matches).toBe(true);
    expect(matches({ NumericLessThan: { 'aws:EpochTime': ['1700000000'] } }).matches).toBe(false);
    expect(matches({ DateLessThan: { 'aws:EpochTime': ['2030-01-01T00:00:00Z'] } }).matches).toBe(true);
    expect(matches({ DateGreaterThan: { 'aws:EpochTime': ['2030-01-01T00:00:00Z'] } }).matches).toBe(false);
  });

  test('ForAnyValue and ForAllValues compare multivalued keys', () => {
    expect(matches({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['env'] } }).matches).toBe(true);
    expect(matches({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env'] } }).matches).toBe(false);
    expect(matches({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'team', 'owner'] } }).matches).toBe(true);
    // An absent key: no value matches any, and every value (there are none) matches all.
    expect(matches({ 'ForAnyValue:StringEquals': { 'aws:PrincipalTag/team': ['x'] } }).matches).toBe(false);
    expect(matches({ 'ForAllValues:StringEquals': { 'aws:PrincipalTag/team': ['x'] } }).matches).toBe(true);
  });

  test('an operator or key it cannot evaluate is named and left out, so the rest decides', () => {
    const outcome = matches({
      IpAddress: { 'aws:SourceIp': ['10.0.0.0/8'] },
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['${aws:userid}'] },
      StringEquals: { 'aws:SourceAccount': ['123456789012'] },
    });
    expect(outcome).toEqual({ matches: true, unevaluated: ['IpAddress aws:SourceIp', 'ForAllValues:StringEquals dynamodb:LeadingKeys'] });
    expect(matches({ IpAddress: { 'aws:SourceIp': ['10.0.0.0/8'] }, StringEquals: { 'aws:SourceAccount': ['1'] } }).matches).toBe(false);
  });

  test("policy variables in values are the request's values; only in 2012-10-17 documents", () => {
    expect(matches({ StringEquals: { 'aws:SourceAccount': ['${aws:SourceAccount}'] } }).matches).toBe(true);
    expect(conditionMatches({ StringEquals: { 'aws:SourceAccount': ['${aws:SourceAccount}'] } }, context, false).matches).toBe(false);
  });
});

describe('substituteVariables', () => {
  test('known keys, defaults for absent ones, escapes; an unknown key becomes * and is reported', () => {
    const unknown: string[] = [];
    const report = (v: string) => unknown.push(v);
    expect(substituteVariables('table/${aws:SourceAccount}-x', context, report)).toBe('table/123456789012-x');
    expect(substituteVariables("${aws:PrincipalTag/team, 'none'}", context, report)).toBe('none');
    expect(substituteVariables('a${*}b${$}', context, report)).toBe('a*b$');
    expect(substituteVariables('table/${dynamodb:LeadingKeys}', context, report)).toBe('table/*');
    expect(unknown).toEqual(['policy variable ${dynamodb:LeadingKeys}']);
  });
});
