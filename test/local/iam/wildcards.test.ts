import fc from 'fast-check';
import { arnMatches, wildcardMatches } from '../../../local/iam/wildcards';

/** Text without IAM's wildcards, with the characters ARNs and actions hold. */
const plain = fc.stringMatching(/^[a-zA-Z0-9:/._$@-]{0,12}$/);

describe('wildcardMatches', () => {
  test('a pattern without wildcards matches only itself', () => {
    fc.assert(fc.property(plain, plain, (a, b) => wildcardMatches(a, b) === (a === b)));
  });

  test('* matches any run of characters, across : and /', () => {
    fc.assert(fc.property(plain, plain, plain, (head, middle, tail) => wildcardMatches(`${head}*${tail}`, `${head}${middle}${tail}`)));
    expect(wildcardMatches('arn:aws:dynamodb:*:*:table/*', 'arn:aws:dynamodb:us-east-1:123456789012:table/t/index/i')).toBe(true);
  });

  test('? matches exactly one character', () => {
    fc.assert(
      fc.property(plain, fc.integer({ min: 0, max: 12 }), (value, n) => wildcardMatches('?'.repeat(n), value) === (value.length === n)),
    );
  });

  test('resources match case-sensitively, actions ignoring case', () => {
    expect(wildcardMatches('arn:aws:dynamodb:us-east-1:1:table/Rooms', 'arn:aws:dynamodb:us-east-1:1:table/rooms')).toBe(false);
    expect(wildcardMatches('DynamoDB:putitem', 'dynamodb:PutItem', true)).toBe(true);
    expect(wildcardMatches('dynamodb:Get*', 'DYNAMODB:GETITEM', true)).toBe(true);
  });

  test('regular expression characters in a pattern are literal', () => {
    expect(wildcardMatches('table/a.b', 'table/aXb')).toBe(false);
    expect(wildcardMatches('table/(x)+', 'table/(x)+')).toBe(true);
  });
});

describe('arnMatches (ArnLike)', () => {
  test('a * stays within its component', () => {
    expect(arnMatches('arn:aws:execute-api:*:123456789012:api/*', 'arn:aws:execute-api:us-east-1:123456789012:api/dev/$connect')).toBe(
      true,
    );
    expect(arnMatches('arn:aws:execute-api:*:123456789012:api/*', 'arn:aws:execute-api:us-east-1:999:api/dev')).toBe(false);
    // As a plain wildcard this would match: the region's * would run into the account.
    expect(arnMatches('arn:aws:sqs:*:queue', 'arn:aws:sqs:us-east-1:123456789012:queue')).toBe(false);
    expect(wildcardMatches('arn:aws:sqs:*:queue', 'arn:aws:sqs:us-east-1:123456789012:queue')).toBe(true);
  });

  test('the resource part keeps its colons', () => {
    expect(arnMatches('arn:aws:lambda:us-east-1:1:function:fn:*', 'arn:aws:lambda:us-east-1:1:function:fn:live')).toBe(true);
  });

  test('a value that is not an ARN matches only *', () => {
    expect(arnMatches('arn:aws:s3:::bucket', 'bucket')).toBe(false);
    expect(arnMatches('*', 'bucket')).toBe(true);
  });
});
