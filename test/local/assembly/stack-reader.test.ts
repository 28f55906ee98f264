import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadWebSocketApp } from '../../../local/assembly/assembly';
import { editHandTemplate, writeHandAssembly } from '../fixtures/hand-assembly';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-stack-reader-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('reading a stack', () => {
  test("Ref to a parameter gives its default: '' without one, a list as JSON", () => {
    const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'parameters')), (template) => {
      template.Parameters = { Greeting: { Default: 'hello' }, Unset: {}, Sizes: { Default: [1, 2] } };
      template.Outputs = {
        Greeting: { Value: { Ref: 'Greeting' } },
        Unset: { Value: { Ref: 'Unset' } },
        Sizes: { Value: { Ref: 'Sizes' } },
      };
    });

    expect(loadWebSocketApp(dir).outputs).toEqual({ Greeting: 'hello', Unset: '', Sizes: '[1,2]' });
  });

  test('outputs resolve to local names; one that cannot resolve is left out', () => {
    const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'outputs')), (template) => {
      template.Outputs = {
        Region: { Value: { 'Fn::Sub': '${AWS::Region}/${AWS::AccountId}' } },
        Function: { Value: { Ref: 'EchoFn' } },
        Missing: { Value: { Ref: 'NotInTheTemplate' } },
        Imported: { Value: { 'Fn::ImportValue': 'elsewhere' } },
      };
    });

    const app = loadWebSocketApp(dir);
    expect(app.outputs).toEqual({ Region: `${app.region}/123456789012`, Function: 'Hand-EchoFn' });
  });

  test("the stack's environment from the manifest sets the region, account and partition of ARNs", () => {
    const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'environment')), (template) => {
      template.Outputs = { Arn: { Value: { 'Fn::GetAtt': ['EchoFn', 'Arn'] } } };
    });
    const manifestPath = path.join(dir, 'manifest.json');
    writeFileSync(
      manifestPath,
      readFileSync(manifestPath, 'utf8').replace('aws://unknown-account/unknown-region', 'aws://111122223333/cn-north-1'),
    );

    const app = loadWebSocketApp(dir);

    expect(app).toMatchObject({ region: 'cn-north-1', accountId: '111122223333', urlSuffix: 'amazonaws.com.cn' });
    expect(app.outputs.Arn).toBe('arn:aws-cn:lambda:cn-north-1:111122223333:function:Hand-EchoFn');
  });
});
