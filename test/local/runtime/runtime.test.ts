/** An app's functions together: each its own pool, with its environment variables in Lambda's order. */
import { LambdaRuntime } from '../../../local/runtime/runtime';
import { FunctionFolders, SDK_FOLDER } from './function-fixtures';

let folders: FunctionFolders;

beforeAll(() => {
  folders = new FunctionFolders();
});
afterAll(() => folders.remove());

const ENV_ECHO = `export const handler = async () => ({ who: process.env.WHO, region: process.env.AWS_REGION, base: process.env.BASE });`;

describe('the Lambda runtime', () => {
  test('invokes each function in its own environment: base variables, then its own, then the reserved ones', async () => {
    const specs = [
      folders.spec('first', 'index.handler', { 'index.mjs': ENV_ECHO }),
      folders.spec('second', 'index.handler', { 'index.mjs': ENV_ECHO }),
    ];
    const runtime = new LambdaRuntime(specs, (spec) => ({ WHO: spec.logicalId, AWS_REGION: 'eu-west-1', BASE: 'overridden' }), {
      baseEnvironment: { NODE_PATH: SDK_FOLDER, BASE: 'base', AWS_REGION: 'us-east-1' },
      reservedEnvironment: { AWS_REGION: 'us-east-1' },
      region: 'us-east-1',
      accountId: '123456789012',
    });
    try {
      expect(await runtime.invoke('first', {})).toMatchObject({
        ok: true,
        result: { who: 'first', region: 'us-east-1', base: 'overridden' },
      });
      expect(await runtime.invoke('second', {})).toMatchObject({ ok: true, result: { who: 'second' } });
      expect(() => runtime.invoke('third', {})).toThrow('no function third in this app');
    } finally {
      await runtime.stop();
    }
    expect(await runtime.invoke('first', {})).toMatchObject({ ok: false, error: { errorType: 'Runtime.Stopped' } });
  });
});
