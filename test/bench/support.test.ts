import { unsupportedNodeNote } from '../../bench/support';

describe('the benchmarks’ Node.js note', () => {
  it('names a Node.js older than engines allows, and which to publish figures from', () => {
    expect(unsupportedNodeNote('v20.20.2', '>=22')).toBe(
      'note: Node.js v20.20.2 is older than this package supports (engines: node >=22); publish figures measured on Node.js 22 or newer',
    );
  });

  it('says nothing on a supported Node.js, or when engines has no lower bound it can read', () => {
    expect(unsupportedNodeNote('v22.11.0', '>=22')).toBeUndefined();
    expect(unsupportedNodeNote('v24.9.0', '>=22')).toBeUndefined();
    expect(unsupportedNodeNote('v20.20.2', '')).toBeUndefined();
  });

  it("reads engines from this package's package.json by default", () => {
    expect(unsupportedNodeNote('v18.0.0')).toMatch(/engines: node >=22\)/);
  });
});
