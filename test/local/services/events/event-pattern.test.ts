/**
 * EventBridge event patterns: the examples of its user guide ("Content filtering"), the patterns it
 * refuses, and properties that hold for every event (fast-check).
 */
import fc from 'fast-check';
import { matchesPattern, patternProblem } from '../../../../local/services/events/event-pattern';

/** The EC2 example event of EventBridge's content-filtering documentation, trimmed. */
const EVENT = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: {
    'instance-id': 'i-1234567890abcdef0',
    state: 'terminated',
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.123',
    tags: ['prod', 'web'],
    location: { zone: 'us-west-1a' },
    items: [{ name: 'alpha' }, { name: 'beta' }],
    nothing: null,
  },
};

const matches = (pattern: Record<string, unknown>) => {
  expect(patternProblem(pattern)).toBeUndefined();
  return matchesPattern(pattern, EVENT);
};

describe('matching', () => {
  test.each<[string, Record<string, unknown>, boolean]>([
    ['an exact string', { source: ['aws.ec2'] }, true],
    ['one of several values', { detail: { state: ['running', 'terminated'] } }, true],
    ['a value it does not have', { detail: { state: ['running'] } }, false],
    ['a string never equals a number', { detail: { 'c-count': ['5'] } }, false],
    ['a number by value', { detail: { 'c-count': [5.0] } }, true],
    ['null', { detail: { nothing: [null] } }, true],
    ['a nested object', { detail: { location: { zone: ['us-west-1a'] } } }, true],
    ['an array value when one element matches', { detail: { tags: ['web'] } }, true],
    ['an array of objects when one object matches', { detail: { items: { name: ['beta'] } } }, true],
    ['every field, not just one', { source: ['aws.ec2'], detail: { state: ['running'] } }, false],
    ['prefix', { detail: { 'instance-id': [{ prefix: 'i-12' }] } }, true],
    ['prefix ignoring case', { detail: { state: [{ prefix: { 'equals-ignore-case': 'TERM' } }] } }, true],
    ['prefix of another string', { detail: { state: [{ prefix: 'run' }] } }, false],
    ['suffix', { 'detail-type': [{ suffix: 'Notification' }] }, true],
    ['equals-ignore-case', { detail: { state: [{ 'equals-ignore-case': 'TERMINATED' }] } }, true],
    ['wildcard', { resources: [{ wildcard: 'arn:aws:ec2:*:instance/i-*' }] }, true],
    ['anything-but a value', { detail: { state: [{ 'anything-but': 'running' }] } }, true],
    ['anything-but its own value', { detail: { state: [{ 'anything-but': ['stopped', 'terminated'] }] } }, false],
    ['anything-but a prefix', { detail: { state: [{ 'anything-but': { prefix: 'term' } }] } }, false],
    ['anything-but a suffix', { detail: { state: [{ 'anything-but': { suffix: 'ing' } }] } }, true],
    ['numeric in a range', { detail: { 'x-limit': [{ numeric: ['>', 300, '<=', 302] }] } }, true],
    ['numeric out of range', { detail: { 'c-count': [{ numeric: ['>', 5] }] } }, false],
    ['numeric equals', { detail: { 'd-count': [{ numeric: ['=', 3] }] } }, true],
    ['numeric on a string', { detail: { state: [{ numeric: ['>', 0] }] } }, false],
    ['exists', { detail: { 'c-count': [{ exists: true }] } }, true],
    ['exists on a missing field', { detail: { 'e-count': [{ exists: true }] } }, false],
    ['exists: false on a missing field', { detail: { 'e-count': [{ exists: false }] } }, true],
    ['exists: false on a present field', { detail: { 'c-count': [{ exists: false }] } }, false],
    ['a missing field with any other matcher', { detail: { 'e-count': [{ 'anything-but': 'x' }] } }, false],
    ['a missing nested object', { detail: { missing: { deeper: ['x'] } } }, false],
    ['cidr', { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }, true],
    ['cidr elsewhere', { detail: { 'source-ip': [{ cidr: '10.0.1.0/24' }] } }, false],
    ['$or, one side', { $or: [{ detail: { state: ['running'] } }, { detail: { 'c-count': [{ numeric: ['>', 4] }] } }] }, true],
    ['$or, neither side', { $or: [{ detail: { state: ['running'] } }, { source: ['aws.s3'] }] }, false],
    ['$or nested inside a field', { detail: { $or: [{ state: ['stopped'] }, { 'd-count': [3] }] } }, true],
    ['an empty pattern', {}, true],
  ])('%s', (_what, pattern, expected) => {
    expect(matches(pattern)).toBe(expected);
  });
});

describe('patterns EventBridge refuses', () => {
  test.each<[string, unknown, string]>([
    ['not an object', ['source'], 'is a JSON object'],
    ['a field that is a plain value', { source: 'aws.ec2' }, 'must be a list of values'],
    ['an unknown matcher', { source: [{ regex: '.*' }] }, 'unknown matcher "regex"'],
    ['two operators in one matcher', { source: [{ prefix: 'a', suffix: 'b' }] }, 'exactly one operator'],
    ['numeric without a number', { n: [{ numeric: ['>', '5'] }] }, 'numeric comparisons'],
    ['numeric with an odd list', { n: [{ numeric: ['>', 5, '<'] }] }, 'one or two comparisons'],
    ['exists that is not a boolean', { n: [{ exists: 'yes' }] }, 'exists takes true or false'],
    ['$or with one pattern', { $or: [{ a: ['b'] }] }, 'at least two patterns'],
    ['a bad cidr', { ip: [{ cidr: '10.0.0.0/40' }] }, 'cidr takes'],
  ])('%s', (_what, pattern, problem) => {
    expect(patternProblem(pattern)).toContain(problem);
  });
});

describe('properties', () => {
  const scalar = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
  const field = fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== '$or');

  test('an event matches the pattern of its own values, field for field', () => {
    fc.assert(
      fc.property(fc.dictionary(field, scalar, { minKeys: 1 }), (detail) => {
        const pattern = { detail: Object.fromEntries(Object.entries(detail).map(([k, v]) => [k, [v]])) };
        expect(patternProblem(pattern)).toBeUndefined();
        expect(matchesPattern(pattern, { detail })).toBe(true);
      }),
    );
  });

  test('for a present value, anything-but of some values matches exactly when the values themselves do not', () => {
    fc.assert(
      fc.property(scalar, fc.array(scalar, { minLength: 1, maxLength: 4 }), (value, values) => {
        const event = { f: value };
        expect(matchesPattern({ f: [{ 'anything-but': values }] }, event)).toBe(!matchesPattern({ f: values }, event));
      }),
    );
  });

  test('numeric [">=", low, "<", high] matches exactly the numbers in [low, high)', () => {
    let inside = 0;
    let outside = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: -1000, max: 1000 }),
        fc.integer({ min: -1000, max: 1000 }),
        fc.integer({ min: 0, max: 50 }),
        (x, low, width) => {
          const expected = low <= x && x < low + width;
          if (expected) inside++;
          else outside++;
          expect(matchesPattern({ n: [{ numeric: ['>=', low, '<', low + width] }] }, { n: x })).toBe(expected);
        },
      ),
      { numRuns: 1000 },
    );
    // The generator reaches both sides of the bounds it tests.
    expect(inside).toBeGreaterThan(0);
    expect(outside).toBeGreaterThan(0);
  });

  test('every prefix of a string matches it as a prefix; a longer string never does', () => {
    fc.assert(
      fc.property(fc.string(), fc.nat(), fc.string({ minLength: 1 }), (s, cut, more) => {
        expect(matchesPattern({ s: [{ prefix: s.slice(0, cut % (s.length + 1)) }] }, { s })).toBe(true);
        expect(matchesPattern({ s: [{ prefix: s + more }] }, { s })).toBe(false);
      }),
    );
  });

  test('$or matches exactly when one of its patterns does', () => {
    const pattern = fc.record({ a: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 2 }) });
    fc.assert(
      fc.property(pattern, pattern, fc.integer({ min: 0, max: 3 }), (p1, p2, a) => {
        const event = { a };
        expect(matchesPattern({ $or: [p1, p2] }, event)).toBe(matchesPattern(p1, event) || matchesPattern(p2, event));
      }),
    );
  });

  test('a missing field matches only exists: false', () => {
    const matcher = fc.oneof(
      scalar,
      fc.record({ prefix: fc.string() }),
      fc.record({ 'anything-but': scalar }),
      fc.record({ numeric: fc.tuple(fc.constant('>'), fc.integer()) }),
      fc.record({ exists: fc.boolean() }),
    );
    fc.assert(
      fc.property(matcher, (m) => {
        const expected = typeof m === 'object' && m !== null && 'exists' in m && m.exists === false;
        expect(matchesPattern({ f: [m] }, { g: 1 })).toBe(expected);
      }),
    );
  });
});
