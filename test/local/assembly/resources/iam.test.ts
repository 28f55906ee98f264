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

test('a role named by RoleName, with a Path, is named so in its Arn', () => {
  const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'named-role')), (template) => {
    template.Resources.FunctionRole = { Type: 'AWS::IAM::Role', Properties: { RoleName: 'chat-fn', Path: '/service/' } };
    template.Outputs = { RoleArn: { Value: { 'Fn::GetAtt': ['FunctionRole', 'Arn'] } } };
  });

  expect(loadWebSocketApp(dir).outputs.RoleArn).toBe('arn:aws:iam::123456789012:role/service/chat-fn');
});

describe("a role's identity policies", () => {
  const TABLE_ARN = {
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':dynamodb:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':table/t']],
  };
  const statement = (action: string, resource: unknown = TABLE_ARN) => ({ Effect: 'Allow', Action: action, Resource: resource });
  const doc = (...statements: unknown[]) => ({ Version: '2012-10-17', Statement: statements });

  test('inline Policies, AWS::IAM::Policy and RolePolicy resources that name it, and managed policies, intrinsics resolved', () => {
    const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'policies')), (template) => {
      template.Resources.FunctionRole = {
        Type: 'AWS::IAM::Role',
        Properties: {
          Policies: [{ PolicyName: 'inline', PolicyDocument: doc(statement('dynamodb:GetItem')) }],
          ManagedPolicyArns: [
            { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole']] },
          ],
        },
      };
      template.Resources.OtherRole = { Type: 'AWS::IAM::Role', Properties: { RoleName: 'other' } };
      template.Resources.DefaultPolicy = {
        Type: 'AWS::IAM::Policy',
        Properties: {
          PolicyName: 'default',
          PolicyDocument: doc(statement('dynamodb:PutItem')),
          Roles: [{ Ref: 'FunctionRole' }, 'other'],
        },
      };
      template.Resources.RolePolicy = {
        Type: 'AWS::IAM::RolePolicy',
        Properties: { PolicyName: 'rp', RoleName: { Ref: 'FunctionRole' }, PolicyDocument: doc(statement('dynamodb:Query')) },
      };
      template.Resources.Shared = {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: { ManagedPolicyName: 'shared', PolicyDocument: doc(statement('dynamodb:Scan')), Roles: [{ Ref: 'FunctionRole' }] },
      };
    });

    const app = loadWebSocketApp(dir);

    const role = app.roles.find((r) => r.logicalId === 'FunctionRole')!;
    expect(role.policies).toEqual([
      {
        source: 'inline policy inline of role FunctionRole',
        document: doc(statement('dynamodb:GetItem', 'arn:aws:dynamodb:us-east-1:123456789012:table/t')),
      },
      {
        source: 'policy DefaultPolicy (AWS::IAM::Policy)',
        document: doc(statement('dynamodb:PutItem', 'arn:aws:dynamodb:us-east-1:123456789012:table/t')),
      },
      {
        source: 'policy RolePolicy (AWS::IAM::RolePolicy)',
        document: doc(statement('dynamodb:Query', 'arn:aws:dynamodb:us-east-1:123456789012:table/t')),
      },
    ]);
    expect(role.managedPolicyArns).toEqual([
      'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
      'arn:aws:iam::123456789012:policy/shared',
    ]);
    // The literal role name in Roles finds the role of this stack that has it.
    expect(app.roles.find((r) => r.logicalId === 'OtherRole')!.policies.map((p) => p.source)).toEqual([
      'policy DefaultPolicy (AWS::IAM::Policy)',
    ]);
    expect(app.managedPolicies).toEqual([
      {
        logicalId: 'Shared',
        arn: 'arn:aws:iam::123456789012:policy/shared',
        policy: {
          source: 'managed policy Shared (AWS::IAM::ManagedPolicy)',
          document: doc(statement('dynamodb:Scan', 'arn:aws:dynamodb:us-east-1:123456789012:table/t')),
        },
      },
    ]);
  });

  test('a statement that does not resolve locally is left out with a warning; the rest is kept', () => {
    const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'unresolved')), (template) => {
      template.Resources.FunctionRole = {
        Type: 'AWS::IAM::Role',
        Properties: {
          Policies: [
            {
              PolicyName: 'mixed',
              PolicyDocument: doc(
                statement('dynamodb:GetItem', { 'Fn::ImportValue': 'SharedTableArn' }),
                statement('dynamodb:PutItem', '*'),
              ),
            },
          ],
        },
      };
    });

    const app = loadWebSocketApp(dir);

    expect(app.roles[0].policies[0].document).toEqual(doc(statement('dynamodb:PutItem', '*')));
    expect(app.warnings).toEqual([
      'statement 1 of inline policy mixed of role FunctionRole is left out, as it does not resolve locally: Fn::ImportValue is not supported by the local emulator',
    ]);
  });
});
