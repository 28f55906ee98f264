import { nodeRuntimeMajor, runtimeMismatchNotes } from '../../local/runtime-check';

describe('runtime checks', () => {
  test('reads the major of nodejsNN.x runtimes only', () => {
    expect(nodeRuntimeMajor('nodejs24.x')).toBe(24);
    expect(nodeRuntimeMajor('nodejs16.x')).toBe(16);
    expect(nodeRuntimeMajor('python3.13')).toBeUndefined();
    expect(nodeRuntimeMajor('nodejs')).toBeUndefined();
  });

  test('one note per runtime whose major differs from the local Node', () => {
    expect(runtimeMismatchNotes(['nodejs24.x', 'nodejs24.x', 'nodejs22.x'], '22.11.0')).toEqual([
      'note: functions on nodejs24.x run here on Node 22.11.0; behaviour that differs between Node 24 and 22 may differ locally',
    ]);
  });

  test('no note when every runtime matches, and none for other languages', () => {
    expect(runtimeMismatchNotes(['nodejs24.x', 'python3.13'], '24.9.0')).toEqual([]);
  });
});
