import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadWebSocketApp } from '../../../../local/assembly/assembly';
import { editHandTemplate, writeHandAssembly } from '../../fixtures/hand-assembly';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-permission-reader-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const permission = (functionName: unknown, extra: Record<string, unknown> = {}) => ({
  Type: 'AWS::Lambda::Permission',
  Properties: { Action: 'lambda:InvokeFunction', FunctionName: functionName, Principal: 'apigateway.amazonaws.com', ...extra },
});

test("a permission names its function by GetAtt, Ref, name or ARN; its source ARN's intrinsics are resolved", () => {
  const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'permissions')), (template) => {
    template.Resources.ByArn = permission(
      { 'Fn::GetAtt': ['EchoFn', 'Arn'] },
      {
        SourceArn: {
          'Fn::Join': ['', ['arn:aws:execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':', { Ref: 'Api' }, '/*']],
        },
      },
    );
    template.Resources.ByRef = permission({ Ref: 'EchoFn' }, { SourceAccount: { Ref: 'AWS::AccountId' } });
    template.Resources.ByName = permission('Hand-EchoFn');
    template.Resources.ByQualifiedArn = permission('arn:aws:lambda:us-east-1:123456789012:function:Hand-EchoFn:live', {
      Principal: '111122223333',
    });
    template.Resources.Elsewhere = permission('arn:aws:lambda:us-east-1:123456789012:function:not-in-this-stack');
  });

  const app = loadWebSocketApp(dir);
  const byId = Object.fromEntries(app.lambdaPermissions.map((p) => [p.logicalId, p]));

  expect(byId.ByArn).toEqual({
    logicalId: 'ByArn',
    functionLogicalId: 'EchoFn',
    action: 'lambda:InvokeFunction',
    principal: 'apigateway.amazonaws.com',
    sourceArn: `arn:aws:execute-api:us-east-1:123456789012:${app.apiId}/*`,
  });
  expect(byId.ByRef).toMatchObject({ functionLogicalId: 'EchoFn', sourceAccount: '123456789012' });
  expect(byId.ByName.functionLogicalId).toBe('EchoFn');
  expect(byId.ByQualifiedArn).toMatchObject({ functionLogicalId: 'EchoFn', principal: '111122223333' });
  expect(byId.Elsewhere.functionLogicalId).toBeUndefined();
});

test('a permission whose properties do not resolve is left out with a warning', () => {
  const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'unresolved')), (template) => {
    template.Resources.Imported = permission({ Ref: 'EchoFn' }, { SourceArn: { 'Fn::ImportValue': 'ApiArn' } });
  });

  const app = loadWebSocketApp(dir);

  expect(app.lambdaPermissions.map((p) => p.logicalId)).toEqual(['DefaultRoutePermission']);
  expect(app.warnings).toEqual([
    'permission Imported: a property does not resolve locally (Fn::ImportValue is not supported by the local emulator); the permission is left out',
  ]);
});
