import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadWebSocketApp } from '../../../local/assembly/assembly';
import { writeHandAssembly } from '../fixtures/hand-assembly';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-assembly-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('reading an assembly', () => {
  test('a hand-made template: stage, expression, route with route response, function', () => {
    const app = loadWebSocketApp(writeHandAssembly(path.join(tmp, 'a')));
    expect(app).toMatchObject({ stackName: 'Hand', stage: 'v1', routeSelectionExpression: '$request.body.op', region: 'us-east-1' });
    expect(app.routes.get('$default')).toMatchObject({ functionLogicalId: 'EchoFn', hasRouteResponse: true });
    expect(app.functions.get('EchoFn')).toMatchObject({
      handler: 'index.handler',
      timeoutSeconds: 3,
      memorySize: 128,
      functionName: 'Hand-EchoFn',
    });
  });

  test('without asset metadata, the asset folder is found from the S3 key hash', () => {
    const dir = writeHandAssembly(path.join(tmp, 'b'));
    const hash = 'a'.repeat(64);
    const templatePath = path.join(dir, 'Hand.template.json');
    const template = JSON.parse(readFileSync(templatePath, 'utf8')) as {
      Resources: { EchoFn: { Metadata?: unknown; Properties: { Code: { S3Key: string } } } };
    };
    delete template.Resources.EchoFn.Metadata;
    template.Resources.EchoFn.Properties.Code.S3Key = `${hash}.zip`;
    writeFileSync(templatePath, JSON.stringify(template));
    expect(() => loadWebSocketApp(dir)).toThrow(`asset.${hash}`); // named, though absent
  });

  test('a function on a runtime other than Node.js is loaded as one the emulator cannot run, not refused', () => {
    const dir = writeHandAssembly(path.join(tmp, 'python'));
    const templatePath = path.join(dir, 'Hand.template.json');
    const template = JSON.parse(readFileSync(templatePath, 'utf8')) as { Resources: { EchoFn: { Properties: { Runtime: string } } } };
    template.Resources.EchoFn.Properties.Runtime = 'python3.13';
    writeFileSync(templatePath, JSON.stringify(template));
    const app = loadWebSocketApp(dir);
    expect(app.routes.get('$default')).toMatchObject({ functionLogicalId: 'EchoFn' });
    expect(app.functions.get('EchoFn')).toMatchObject({
      runtime: 'python3.13',
      unsupported: 'runtime "python3.13" is not a Node.js runtime; the emulator runs only Node.js functions',
    });
  });

  test('clear errors: no manifest, unknown stack, no WebSocket API', () => {
    expect(() => loadWebSocketApp(path.join(tmp, 'missing'))).toThrow('is not a cloud assembly');
    expect(() => loadWebSocketApp(writeHandAssembly(path.join(tmp, 'c')), 'Nope')).toThrow('stack "Nope" has no WebSocket API');
    expect(() => loadWebSocketApp(writeHandAssembly(path.join(tmp, 'd'), false))).toThrow('no stack in');
  });
});
