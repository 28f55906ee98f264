import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadWebSocketApp } from '../../../../local/assembly/assembly';
import { editHandTemplate, writeHandAssembly } from '../../fixtures/hand-assembly';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-iam-reader-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test("a role's Arn has the account and no region, as IAM is global", () => {
  const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'role')), (template) => {
    template.Resources.FunctionRole = { Type: 'AWS::IAM::Role', Properties: {} };
    template.Outputs = { RoleArn: { Value: { 'Fn::GetAtt': ['FunctionRole', 'Arn'] } }, RoleRef: { Value: { Ref: 'FunctionRole' } } };
  });

  expect(loadWebSocketApp(dir).outputs).toEqual({ RoleArn: 'arn:aws:iam::123456789012:role/FunctionRole', RoleRef: 'FunctionRole' });
});
