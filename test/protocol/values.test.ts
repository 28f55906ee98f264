import { describeValue, excerpt, EXCERPT_CHARACTERS, stripUndefined } from '../../protocol/values';

describe('describeValue', () => {
  test.each([
    [undefined, 'nothing'],
    [null, 'null'],
    [[1, 2], 'an array'],
    ['x'.repeat(5000), 'a string of 5000 characters'],
    [{ secret: 'hunter2' }, 'an object'],
    [42, 'a number'],
    [true, 'a boolean'],
  ])('describes %p as %p, never echoing it', (value, description) => {
    expect(describeValue(value)).toBe(description);
  });
});

describe('stripUndefined', () => {
  test('drops undefined fields and keeps every other, falsy ones included', () => {
    expect(stripUndefined({ a: undefined, b: 0, c: '', d: null, e: false, f: 'x' })).toEqual({ b: 0, c: '', d: null, e: false, f: 'x' });
    expect(Object.keys(stripUndefined({ a: undefined }))).toEqual([]);
  });
});

describe('excerpt', () => {
  test('echoes a short text whole, and cuts a long one to its start, marked with its length', () => {
    expect(excerpt('alice')).toBe('alice');
    expect(excerpt('a'.repeat(EXCERPT_CHARACTERS))).toBe('a'.repeat(EXCERPT_CHARACTERS));
    expect(excerpt(`${'b'.repeat(EXCERPT_CHARACTERS)}tail`)).toBe(
      `${'b'.repeat(EXCERPT_CHARACTERS)}… (cut: ${EXCERPT_CHARACTERS + 4} characters)`,
    );
    expect(excerpt('x'.repeat(16 * 1024)).length).toBeLessThan(EXCERPT_CHARACTERS + 30);
  });
});
