// Bundles with esbuild, so it runs with the integration tests (see jest.config.js).
import { build } from 'esbuild';
import path from 'node:path';

describe('browser bundle', () => {
  test('esbuild bundles the client for browsers without any of ws', async () => {
    const result = await build({
      entryPoints: [path.join(__dirname, '../../client/index.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0].text;
    // ws resolves to its browser stub, which only throws; none of its Node code is included.
    expect(code).toContain('ws does not work in the browser');
    expect(code).not.toMatch(/permessage-deflate|require\("(net|tls|http|crypto)"\)/);
  });
});
