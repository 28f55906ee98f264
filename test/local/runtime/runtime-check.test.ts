import { runtimeNotes } from '../../../local/runtime/runtime-check';
import { nodeRuntimeMajor } from '../../../local/runtime/runtime-sdk';

const fn = (logicalId: string, runtime: string, unsupported?: string) => ({ logicalId, runtime, unsupported });

describe('runtime checks', () => {
  test('reads the major of nodejsNN.x runtimes only', () => {
    expect(nodeRuntimeMajor('nodejs24.x')).toBe(24);
    expect(nodeRuntimeMajor('nodejs16.x')).toBe(16);
    expect(nodeRuntimeMajor('python3.13')).toBeUndefined();
    expect(nodeRuntimeMajor('nodejs')).toBeUndefined();
  });

  test('one note per runtime whose major differs from the local Node', () => {
    const notes = runtimeNotes([fn('A', 'nodejs24.x'), fn('B', 'nodejs24.x'), fn('C', 'nodejs22.x')], {
      nodeVersion: '22.11.0',
      sdkCacheDir: '/cache/sdk',
    });
    expect(notes).toEqual([
      'note: functions on nodejs24.x run here on Node 22.11.0; behaviour that differs between Node 24 and 22 may differ locally',
    ]);
  });

  test('nothing to say when every runtime matches', () => {
    expect(runtimeNotes([fn('A', 'nodejs24.x')], { nodeVersion: '24.9.0', sdkCacheDir: '/cache/sdk' })).toEqual([]);
  });

  test('a function on a runtime that provided SDK v2 gets a note that the emulator provides v2, and from where', () => {
    const [old] = runtimeNotes([fn('Old', 'nodejs16.x')], { nodeVersion: '16.20.0', sdkCacheDir: '/cache/sdk' });
    expect(old).toBe(
      'note: function Old runs on nodejs16.x, whose Lambda runtime provides AWS SDK v2 (aws-sdk) and no v3 client: the emulator provides the same, aws-sdk v2 from /cache/sdk (installed there on first use)',
    );
    expect(runtimeNotes([fn('New', 'nodejs18.x')], { nodeVersion: '18.0.0', sdkCacheDir: '/cache/sdk' })).toEqual([]);
  });

  test('a function that cannot run here is listed, with why, and no other note', () => {
    expect(runtimeNotes([fn('Py', 'python3.13', 'runtime "python3.13" is not a Node.js runtime')], { sdkCacheDir: '/cache/sdk' })).toEqual([
      'warning: function Py cannot run here (runtime "python3.13" is not a Node.js runtime); its routes answer 500',
    ]);
  });
});
